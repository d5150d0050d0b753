//! The partner registry (`feeds.toml`): raw TOML is read with spans, then validated into a
//! [`Config`] that holds ready-to-use values (parsed cron schedules, resolved paths, URLs).
//!
//! Every problem is reported with the file, line and column it comes from, and all problems are
//! reported at once so that an operator fixes the file in one pass.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

mod shape;
mod tables;

use shape::shape_problems;
use tables::{parse_network, parse_source, read_elements, read_mapping, read_values};

/// Default schedule when neither the feed nor `[settings]` gives one: every 30 minutes.
pub const DEFAULT_SCHEDULE: &str = "0 */30 * * * *";

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Path of the file this came from (used in messages).
    pub path: PathBuf,
    pub settings: Settings,
    pub feeds: Vec<FeedConfig>,
}

impl Config {
    /// Base URL of this instance for self links: `public_url`, else the listen address.
    pub fn base_url(&self) -> String {
        self.settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.settings.listen))
    }
}

/// `[settings]`: daemon-wide options, each with a default.
#[derive(Debug, Clone)]
pub struct Settings {
    /// SQLite database file (relative paths are relative to the config file).
    pub database: PathBuf,
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// Schedule of feeds that do not set their own.
    pub default_schedule: Schedule,
    /// Contact URL sent in the User-Agent so partners can reach the operator.
    pub contact_url: Option<String>,
    /// Public base URL of this essaim instance, used for self links in the outputs.
    pub public_url: Option<String>,
    /// Lets partner URLs resolve to loopback/private addresses (intranet partners, tests).
    pub allow_private_addresses: bool,
    /// Non-public networks partner URLs may reach even when `allow_private_addresses` is off:
    /// opens exactly one intranet range (or, in tests, 127.0.0.1/32) and nothing else.
    pub allowed_private_networks: Vec<ipnet::IpNet>,
    /// Networks whose clients may read `/metrics`, besides loopback clients (always allowed).
    pub metrics_from: Vec<ipnet::IpNet>,
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client, for
    /// `/admin`'s failed-login limit, its logs and `/metrics` (`web::client_address`). Empty:
    /// the connecting address is the client, and the header is never read.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Hex SHA-256 of the operator's token, which opens `/admin` (`essaim token admin` makes
    /// one; the environment variable `ESSAIM_ADMIN_TOKEN_SHA256` overrides it). None: `/admin`
    /// stays closed.
    pub admin_token_sha256: Option<String>,
    /// Largest feed body accepted, in bytes.
    pub max_body_bytes: u64,
    /// Connect timeout for partner requests.
    pub connect_timeout: Duration,
    /// Total timeout for one partner request.
    pub request_timeout: Duration,
    /// How many feeds are fetched at once.
    pub max_concurrent_fetches: usize,
    /// How many feeds of one host are fetched at once.
    pub max_concurrent_per_host: usize,
    /// Longest a feed is pushed back by backoff, Retry-After, max-age or Expires.
    pub max_delay: Duration,
    /// How long fetches in flight may run after a shutdown was asked.
    pub shutdown_deadline: Duration,
    /// How many consecutive successful fetches may miss an offer before it is closed.
    pub close_after_missed_fetches: u32,
    /// `Cache-Control: max-age` of the outputs, in seconds.
    pub cache_max_age_secs: u32,
    /// Bytes the web server's answer cache may hold, compressed forms included
    /// (`answer_cache_mib`, 32 MiB by default as `web::DEFAULT_ANSWER_CACHE_BYTES`).
    pub answer_cache_bytes: usize,
    /// Days closed and expired offers are kept before `essaim purge` (and the daemon, daily)
    /// deletes them.
    pub retention_days: u32,
    /// HTTP connections served at once; `None`: three quarters of the process's file limit
    /// (`web::Limits::connections_for_file_limit`).
    pub max_connections: Option<usize>,
    /// Longest wait for a request's head, from the connection's opening or the previous
    /// answer (so also how long an idle keep-alive connection stays open).
    pub header_timeout: Duration,
    /// Longest time an HTTP connection may go without a byte read or written.
    pub idle_timeout: Duration,
}

/// One partner feed, validated.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// Stable identifier, `[a-z0-9-]`.
    pub id: String,
    /// Human name shown in status and outputs.
    pub name: String,
    /// The partner network this feed belongs to ("Ressources solidaires", ...).
    pub network: String,
    /// Where the feed is read from.
    pub source: FeedSource,
    /// Declared format; `Auto` sniffs the bytes.
    pub format: Format,
    /// When to poll.
    pub schedule: Schedule,
    pub enabled: bool,
    /// Lets this feed's URL resolve to a non-public address.
    pub allow_private: bool,
    /// Where items and fields are in a home-made format (`[feed.mapping]`).
    pub mapping: Option<Mapping>,
    /// Extra namespaced RSS/Atom elements to read (`[feed.elements]`).
    pub elements: Vec<(String, Field)>,
    /// feeds.toml, or a partner's approved registration ([`Config::partner_feed`]).
    pub origin: FeedOrigin,
}

/// Where a feed's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSource {
    Http(url::Url),
    File(PathBuf),
}

impl fmt::Display for FeedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedSource::Http(url) => write!(f, "{url}"),
            FeedSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

use crate::model::{FeedOrigin, Registration};
pub use crate::parse::Format;
use crate::parse::{Field, Mapping};

/// A parsed cron schedule (with seconds) together with its source text.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub text: String,
    pub cron: cron::Schedule,
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let cron = cron::Schedule::from_str(text).map_err(|_| {
            format!(
                "bad cron expression {text:?}: {} (six fields, seconds first: \"0 */30 * * * *\")",
                cron_problem(text)
            )
        })?;
        Ok(Schedule {
            text: text.to_string(),
            cron,
        })
    }
}

/// The fields of a cron expression: name, lowest and highest value.
const CRON_FIELDS: [(&str, u32, u32); 7] = [
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 1, 7),
    ("year", 1970, 2099),
];

/// Says which field of a cron expression the parser refused, and why, in words (the cron
/// crate's own message points its caret at the wrong place and says "Hours must be less than
/// 23" of hour 24).
fn cron_problem(text: &str) -> String {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if !(6..=7).contains(&fields.len()) {
        return format!(
            "it has {} field{}, six are needed",
            fields.len(),
            if fields.len() == 1 { "" } else { "s" }
        );
    }
    for (i, field) in fields.iter().enumerate() {
        // The field alone, every other one a star: does the parser take it?
        let mut probe = vec!["*"; fields.len()];
        probe[i] = field;
        if cron::Schedule::from_str(&probe.join(" ")).is_ok() {
            continue;
        }
        let (name, low, high) = CRON_FIELDS[i];
        let out_of_range = field
            .split([',', '-', '/'])
            .filter_map(|n| n.parse::<u32>().ok())
            .find(|n| *n < low || *n > high);
        return match out_of_range {
            Some(n) => format!("{name} {n} is out of range {low}-{high}"),
            None => format!(
                "the {name} field {field:?} is not understood (a number {low}-{high}, a range \
                 {low}-{high}, a list a,b, a step */n, or *)"
            ),
        };
    }
    "the fields are valid one by one, but not together".to_string()
}

/// Everything wrong with a configuration file, each with its position.
#[derive(Debug)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    settings: Option<Spanned<RawSettings>>,
    #[serde(default)]
    feed: Vec<Spanned<RawFeed>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    database: Option<String>,
    listen: Option<Spanned<String>>,
    default_schedule: Option<Spanned<String>>,
    contact_url: Option<Spanned<String>>,
    public_url: Option<Spanned<String>>,
    allow_private_addresses: Option<bool>,
    allowed_private_networks: Option<Vec<Spanned<String>>>,
    metrics_from: Option<Vec<Spanned<String>>>,
    trusted_proxies: Option<Vec<Spanned<String>>>,
    admin_token_sha256: Option<Spanned<String>>,
    max_body_bytes: Option<Spanned<u64>>,
    connect_timeout_secs: Option<Spanned<u64>>,
    request_timeout_secs: Option<Spanned<u64>>,
    max_concurrent_fetches: Option<Spanned<usize>>,
    max_concurrent_per_host: Option<Spanned<usize>>,
    max_delay_secs: Option<Spanned<u64>>,
    shutdown_deadline_secs: Option<Spanned<u64>>,
    close_after_missed_fetches: Option<Spanned<u32>>,
    cache_max_age_secs: Option<Spanned<u32>>,
    answer_cache_mib: Option<Spanned<u64>>,
    retention_days: Option<Spanned<u32>>,
    max_connections: Option<Spanned<u64>>,
    header_timeout_secs: Option<Spanned<u64>>,
    idle_timeout_secs: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    id: Spanned<String>,
    name: Spanned<String>,
    network: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    format: Option<Spanned<String>>,
    #[serde(default)]
    schedule: Option<Spanned<String>>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    allow_private: Option<bool>,
    #[serde(default)]
    mapping: Option<Spanned<toml::Table>>,
    #[serde(default)]
    elements: Option<Spanned<toml::Table>>,
    #[serde(default)]
    values: Option<Spanned<toml::Table>>,
}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        problems: vec![format!("{}: cannot read: {e}", path.display())],
    })?;
    parse(&text, path)
}

/// Validates configuration text; `path` names the file in messages and anchors relative paths.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let at = |span: std::ops::Range<usize>| position(path, text, span.start);
    let raw = read_raw(text, path, &at)?;
    let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut problems = Vec::new();
    let rs = raw.settings.map(Spanned::into_inner).unwrap_or_default();
    let settings = read_settings(&rs, &base, &at, &mut problems);
    let default_schedule = settings.as_ref().map(|s| &s.default_schedule);
    let mut seen = HashSet::new();
    let mut feeds = Vec::new();
    for feed in &raw.feed {
        let before = problems.len();
        let read = read_feed(
            feed.get_ref(),
            &base,
            default_schedule,
            &mut seen,
            &at,
            &mut problems,
        );
        if problems.len() == before {
            feeds.extend(read);
        }
    }
    match settings {
        Some(settings) if problems.is_empty() => Ok(Config {
            path: path.to_path_buf(),
            settings,
            feeds,
        }),
        _ => Err(ConfigError { problems }),
    }
}

/// Where a span of the file is, as `path:line:column`.
type At<'a> = dyn Fn(std::ops::Range<usize>) -> String + 'a;

/// The file's TOML, or every problem of its shape at once.
fn read_raw(text: &str, path: &Path, at: &At<'_>) -> Result<RawConfig, ConfigError> {
    toml::from_str(text).map_err(|e| {
        // Serde stops at the first unknown key or wrong type: the file's shape is checked
        // again by hand so that every such problem is reported at once.
        let mut problems = shape_problems(text, at);
        if problems.is_empty() {
            let place = match e.span() {
                Some(span) => at(span),
                None => path.display().to_string(),
            };
            problems.push(format!("{place}: {}", e.message()));
        }
        ConfigError { problems }
    })
}

/// `[settings]` with its defaults; `None` when not even the default schedule can be read.
fn read_settings(
    rs: &RawSettings,
    base: &Path,
    at: &At<'_>,
    problems: &mut Vec<String>,
) -> Option<Settings> {
    let database = base.join(rs.database.as_deref().unwrap_or("essaim.db"));
    let listen = match &rs.listen {
        None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        Some(l) => match l.get_ref().parse() {
            Ok(a) => a,
            Err(_) => {
                problems.push(format!(
                    "{}: settings.listen: {:?} is not an address:port such as \"127.0.0.1:8080\"",
                    at(l.span()),
                    l.get_ref()
                ));
                SocketAddr::from(([127, 0, 0, 1], 8080))
            }
        },
    };
    let default_schedule = match &rs.default_schedule {
        None => Schedule::parse(DEFAULT_SCHEDULE),
        Some(s) => Schedule::parse(s.get_ref()).map_err(|e| {
            problems.push(format!("{}: settings.default_schedule: {e}", at(s.span())));
            e
        }),
    }
    .or_else(|_| Schedule::parse(DEFAULT_SCHEDULE));
    let mut check_url = |name: &str, v: &Option<Spanned<String>>| -> Option<String> {
        let v = v.as_ref()?;
        match url::Url::parse(v.get_ref()) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
                Some(v.get_ref().trim_end_matches('/').to_string())
            }
            _ => {
                problems.push(format!(
                    "{}: settings.{name}: {:?} is not an http(s) URL",
                    at(v.span()),
                    v.get_ref()
                ));
                None
            }
        }
    };
    let contact_url = check_url("contact_url", &rs.contact_url);
    let public_url = check_url("public_url", &rs.public_url);
    let mut positive = |name: &str, v: &Option<Spanned<u64>>, default: u64| -> u64 {
        match v {
            None => default,
            Some(v) if *v.get_ref() > 0 => *v.get_ref(),
            Some(v) => {
                problems.push(format!("{}: settings.{name} must be above 0", at(v.span())));
                default
            }
        }
    };
    let max_body_bytes = positive("max_body_bytes", &rs.max_body_bytes, 16 * 1024 * 1024);
    let connect_timeout = positive("connect_timeout_secs", &rs.connect_timeout_secs, 10);
    let request_timeout = positive("request_timeout_secs", &rs.request_timeout_secs, 30);
    let max_concurrent_fetches = positive(
        "max_concurrent_fetches",
        &rs.max_concurrent_fetches
            .as_ref()
            .map(|s| Spanned::new(s.span(), *s.get_ref() as u64)),
        8,
    ) as usize;
    let max_concurrent_per_host = positive(
        "max_concurrent_per_host",
        &rs.max_concurrent_per_host
            .as_ref()
            .map(|s| Spanned::new(s.span(), *s.get_ref() as u64)),
        2,
    ) as usize;
    let max_delay = positive("max_delay_secs", &rs.max_delay_secs, 86400);
    let shutdown_deadline = positive("shutdown_deadline_secs", &rs.shutdown_deadline_secs, 10);
    let close_after_missed_fetches = positive(
        "close_after_missed_fetches",
        &rs.close_after_missed_fetches
            .as_ref()
            .map(|s| Spanned::new(s.span(), u64::from(*s.get_ref()))),
        2,
    ) as u32;
    let answer_cache_mib = positive("answer_cache_mib", &rs.answer_cache_mib, 32);
    let retention_days = positive(
        "retention_days",
        &rs.retention_days
            .as_ref()
            .map(|s| Spanned::new(s.span(), u64::from(*s.get_ref()))),
        90,
    ) as u32;
    let max_connections = rs
        .max_connections
        .as_ref()
        .map(|_| positive("max_connections", &rs.max_connections, 1));
    let header_timeout = positive("header_timeout_secs", &rs.header_timeout_secs, 10);
    let idle_timeout = positive("idle_timeout_secs", &rs.idle_timeout_secs, 30);
    let cache_max_age_secs = match &rs.cache_max_age_secs {
        None => 300,
        Some(v) => *v.get_ref(),
    };
    // `expected` says what each entry should be, with examples.
    let mut networks = |name: &str, list: &Option<Vec<Spanned<String>>>, expected: &str| {
        let mut nets = Vec::new();
        for net in list.iter().flatten() {
            match parse_network(net.get_ref()) {
                Some(n) => nets.push(n),
                None => problems.push(format!(
                    "{}: settings.{name}: {:?} is not {expected}",
                    at(net.span()),
                    net.get_ref()
                )),
            }
        }
        nets
    };
    let allowed_private_networks = networks(
        "allowed_private_networks",
        &rs.allowed_private_networks,
        "a network in CIDR notation such as \"10.1.0.0/16\" or \"fd12:3456::/48\"",
    );
    let metrics_from = networks(
        "metrics_from",
        &rs.metrics_from,
        "a network in CIDR notation such as \"10.1.0.0/16\" (or \"0.0.0.0/0\" and \"::/0\" for every client)",
    );
    let trusted_proxies = networks(
        "trusted_proxies",
        &rs.trusted_proxies,
        "an address or a network in CIDR notation such as \"127.0.0.1\", \"::1\" or \"10.0.0.0/8\"",
    );
    let admin_token_sha256 = match &rs.admin_token_sha256 {
        None => None,
        Some(h) if crate::secret::is_hash(h.get_ref().trim()) => {
            Some(h.get_ref().trim().to_ascii_lowercase())
        }
        Some(h) => {
            problems.push(format!(
                "{}: settings.admin_token_sha256: not a SHA-256 in hex (64 digits); `essaim token admin` prints a token and the line to put here",
                at(h.span())
            ));
            None
        }
    };
    let default_schedule = default_schedule.ok()?;
    Some(Settings {
        database,
        listen,
        default_schedule,
        contact_url,
        public_url,
        allow_private_addresses: rs.allow_private_addresses.unwrap_or(false),
        allowed_private_networks,
        metrics_from,
        trusted_proxies,
        admin_token_sha256,
        max_body_bytes,
        connect_timeout: Duration::from_secs(connect_timeout),
        request_timeout: Duration::from_secs(request_timeout),
        max_concurrent_fetches,
        max_concurrent_per_host,
        max_delay: Duration::from_secs(max_delay),
        shutdown_deadline: Duration::from_secs(shutdown_deadline),
        close_after_missed_fetches,
        cache_max_age_secs,
        answer_cache_bytes: usize::try_from(answer_cache_mib.saturating_mul(1 << 20))
            .unwrap_or(usize::MAX),
        retention_days,
        max_connections: max_connections.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        header_timeout: Duration::from_secs(header_timeout),
        idle_timeout: Duration::from_secs(idle_timeout),
    })
}

/// One `[[feed]]`, its problems pushed; `None` when it cannot be used.
fn read_feed(
    f: &RawFeed,
    base: &Path,
    default_schedule: Option<&Schedule>,
    seen: &mut HashSet<String>,
    at: &At<'_>,
    problems: &mut Vec<String>,
) -> Option<FeedConfig> {
    let id = f.id.get_ref().as_str();
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        problems.push(format!(
            "{}: feed id {id:?}: use only lowercase letters, digits and '-'",
            at(f.id.span())
        ));
    } else if id.starts_with(PARTNER_ID_PREFIX) {
        problems.push(format!(
            "{}: feed id {id:?}: ids starting with {PARTNER_ID_PREFIX:?} are those of partners' registered feeds",
            at(f.id.span())
        ));
    } else if !seen.insert(id.to_string()) {
        problems.push(format!(
            "{}: feed id {id:?} is used twice; ids must be unique",
            at(f.id.span())
        ));
    }
    for (field, value) in [("name", &f.name), ("network", &f.network)] {
        if value.get_ref().trim().is_empty() {
            problems.push(format!(
                "{}: feed {id:?}: {field} must not be empty",
                at(value.span())
            ));
        }
    }
    let source = match parse_source(f.url.get_ref(), base) {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push(format!("{}: feed {id:?}: {e}", at(f.url.span())));
            None
        }
    };
    let format = match &f.format {
        None => Some(Format::Auto),
        Some(s) => match s.get_ref().parse::<Format>() {
            Ok(fmt) => Some(fmt),
            Err(e) => {
                problems.push(format!("{}: feed {id:?}: {e}", at(s.span())));
                None
            }
        },
    };
    let schedule = match &f.schedule {
        None => default_schedule.cloned(),
        Some(s) => match Schedule::parse(s.get_ref()) {
            Ok(s) => Some(s),
            Err(e) => {
                problems.push(format!("{}: feed {id:?}: {e}", at(s.span())));
                None
            }
        },
    };
    let mapping = match &f.mapping {
        None => None,
        Some(m) => match read_mapping(m.get_ref()) {
            Ok(m) => Some(m),
            Err(e) => {
                problems.push(format!(
                    "{}: feed {id:?}: [feed.mapping]: {e}",
                    at(m.span())
                ));
                None
            }
        },
    };
    let mapping = match &f.values {
        None => mapping,
        Some(v) => match read_values(v.get_ref()) {
            Ok(values) => {
                let mut m = mapping.unwrap_or_default();
                m.values = values;
                Some(m)
            }
            Err(e) => {
                problems.push(format!("{}: feed {id:?}: [feed.values]: {e}", at(v.span())));
                mapping
            }
        },
    };
    if mapping
        .as_ref()
        .is_none_or(|m| m.items.is_empty() && m.fields.is_empty())
        && matches!(format, Some(Format::Xml | Format::Json))
    {
        let span = f.format.as_ref().map_or(f.id.span(), |s| s.span());
        problems.push(format!(
            "{}: feed {id:?}: format {:?} needs a [feed.mapping] table saying where items and fields are",
            at(span),
            format.map(Format::name).unwrap_or_default()
        ));
    }
    let elements = match &f.elements {
        None => Vec::new(),
        Some(t) => match read_elements(t.get_ref()) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!(
                    "{}: feed {id:?}: [feed.elements]: {e}",
                    at(t.span())
                ));
                Vec::new()
            }
        },
    };
    let (source, format, schedule) = (source?, format?, schedule?);
    Some(FeedConfig {
        id: id.to_string(),
        name: f.name.get_ref().trim().to_string(),
        network: f.network.get_ref().trim().to_string(),
        source,
        format,
        schedule,
        enabled: f.enabled.unwrap_or(true),
        allow_private: f.allow_private.unwrap_or(false),
        mapping,
        elements,
        origin: FeedOrigin::Config,
    })
}

/// The environment variable that gives the operator token's hash, over feeds.toml's.
pub const ADMIN_TOKEN_ENV: &str = "ESSAIM_ADMIN_TOKEN_SHA256";

/// `config` with what the environment overrides: the operator token's hash
/// ([`ADMIN_TOKEN_ENV`]), refused when it is not one.
pub fn with_environment(mut config: Config) -> Result<Config, ConfigError> {
    if let Some(value) = std::env::var_os(ADMIN_TOKEN_ENV) {
        let value = value.to_string_lossy().trim().to_ascii_lowercase();
        if !crate::secret::is_hash(&value) {
            return Err(ConfigError {
                problems: vec![format!(
                    "{ADMIN_TOKEN_ENV}: not a SHA-256 in hex (64 digits); `essaim token admin` prints a token and its hash"
                )],
            });
        }
        config.settings.admin_token_sha256 = Some(value);
    }
    Ok(config)
}

/// Feed ids of partners' registered feeds start with this (`partner-12`); feeds.toml may not
/// use it.
pub const PARTNER_ID_PREFIX: &str = "partner-";

impl Config {
    /// The feed a partner's registration is polled as: its URL, declared format and mapping,
    /// on the default schedule, under every fetch rule of `[settings]` (a partner can never
    /// open a private address for itself). Errors say what in the registration is wrong.
    pub fn partner_feed(&self, r: &Registration) -> Result<FeedConfig, String> {
        let source = match url::Url::parse(&r.url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => FeedSource::Http(u),
            Ok(u) => {
                return Err(format!(
                    "{:?}: the URL must be http or https, not {}",
                    r.url,
                    u.scheme()
                ))
            }
            Err(e) => return Err(format!("{:?}: not a URL: {e}", r.url)),
        };
        let format = match &r.format {
            None => Format::Auto,
            Some(name) => name.parse::<Format>()?,
        };
        let mapping = match &r.mapping {
            None => None,
            Some(fields) => Some(partner_mapping(fields)?),
        };
        if mapping
            .as_ref()
            .is_none_or(|m| m.items.is_empty() && m.fields.is_empty())
            && matches!(format, Format::Xml | Format::Json)
        {
            return Err(format!(
                "format {:?} needs a mapping saying where items and fields are",
                format.name()
            ));
        }
        Ok(FeedConfig {
            id: r.feed_id.clone(),
            name: r.name.clone(),
            network: r.network.clone(),
            source,
            format,
            schedule: self.settings.default_schedule.clone(),
            enabled: true,
            allow_private: false,
            mapping,
            elements: Vec::new(),
            origin: FeedOrigin::Partner,
        })
    }
}

/// A partner's mapping (a JSON object of strings, the keys of `[feed.mapping]`), read as
/// feeds.toml's would be.
pub fn partner_mapping(
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Result<Mapping, String> {
    let mut table = toml::Table::new();
    for (key, value) in fields {
        let Some(text) = value.as_str() else {
            return Err(format!("mapping: {key} must be a string"));
        };
        table.insert(key.clone(), toml::Value::String(text.to_string()));
    }
    read_mapping(&table).map_err(|e| format!("mapping: {e}"))
}

/// `path:line:column` of a byte offset.
fn position(path: &Path, text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    format!("{}:{line}:{column}", path.display())
}

#[cfg(test)]
mod tests;
