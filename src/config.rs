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

pub use crate::parse::Format;
use crate::parse::{Field, Mapping, Unit, ValueTable};

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
    max_body_bytes: Option<Spanned<u64>>,
    connect_timeout_secs: Option<Spanned<u64>>,
    request_timeout_secs: Option<Spanned<u64>>,
    max_concurrent_fetches: Option<Spanned<usize>>,
    max_concurrent_per_host: Option<Spanned<usize>>,
    max_delay_secs: Option<Spanned<u64>>,
    shutdown_deadline_secs: Option<Spanned<u64>>,
    close_after_missed_fetches: Option<Spanned<u32>>,
    cache_max_age_secs: Option<Spanned<u32>>,
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
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        // Serde stops at the first unknown key or wrong type: the file's shape is checked
        // again by hand so that every such problem is reported at once.
        let mut problems = shape_problems(text, &at);
        if problems.is_empty() {
            let place = match e.span() {
                Some(span) => at(span),
                None => path.display().to_string(),
            };
            problems.push(format!("{place}: {}", e.message()));
        }
        ConfigError { problems }
    })?;
    let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut problems = Vec::new();

    let rs = raw.settings.map(Spanned::into_inner).unwrap_or_default();
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
    let mut allowed_private_networks = Vec::new();
    for net in rs.allowed_private_networks.iter().flatten() {
        match parse_network(net.get_ref()) {
            Some(n) => allowed_private_networks.push(n),
            None => problems.push(format!(
                "{}: settings.allowed_private_networks: {:?} is not a network in CIDR notation such as \"10.1.0.0/16\" or \"fd12:3456::/48\"",
                at(net.span()),
                net.get_ref()
            )),
        }
    }

    let mut seen = HashSet::new();
    let mut feeds = Vec::new();
    for feed in &raw.feed {
        let f = feed.get_ref();
        let id = f.id.get_ref().as_str();
        let before = problems.len();
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            problems.push(format!(
                "{}: feed id {id:?}: use only lowercase letters, digits and '-'",
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
        let source = match parse_source(f.url.get_ref(), &base) {
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
            None => default_schedule.clone().ok(),
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
        if problems.len() > before {
            continue;
        }
        if let (Some(source), Some(format), Some(schedule)) = (source, format, schedule) {
            feeds.push(FeedConfig {
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
            });
        }
    }

    match default_schedule {
        Ok(default_schedule) if problems.is_empty() => Ok(Config {
            path: path.to_path_buf(),
            settings: Settings {
                database,
                listen,
                default_schedule,
                contact_url,
                public_url,
                allow_private_addresses: rs.allow_private_addresses.unwrap_or(false),
                allowed_private_networks,
                max_body_bytes,
                connect_timeout: Duration::from_secs(connect_timeout),
                request_timeout: Duration::from_secs(request_timeout),
                max_concurrent_fetches,
                max_concurrent_per_host,
                max_delay: Duration::from_secs(max_delay),
                shutdown_deadline: Duration::from_secs(shutdown_deadline),
                close_after_missed_fetches,
                cache_max_age_secs,
                retention_days,
                max_connections: max_connections.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
                header_timeout: Duration::from_secs(header_timeout),
                idle_timeout: Duration::from_secs(idle_timeout),
            },
            feeds,
        }),
        _ => Err(ConfigError { problems }),
    }
}

/// The type a key of feeds.toml takes.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Flag,
    /// A whole number from 0 to this.
    Count(u64),
    TextList,
    Table,
}

impl Kind {
    fn describe(self) -> String {
        match self {
            Kind::Text => "a string".into(),
            Kind::Flag => "true or false".into(),
            Kind::Count(max) => format!("a whole number from 0 to {max}"),
            Kind::TextList => "a list of strings".into(),
            Kind::Table => "a table".into(),
        }
    }
}

/// The keys of `[settings]`, as [`RawSettings`] reads them.
const SETTINGS_KEYS: [(&str, Kind); 20] = [
    ("database", Kind::Text),
    ("listen", Kind::Text),
    ("default_schedule", Kind::Text),
    ("contact_url", Kind::Text),
    ("public_url", Kind::Text),
    ("allow_private_addresses", Kind::Flag),
    ("allowed_private_networks", Kind::TextList),
    ("max_body_bytes", Kind::Count(u64::MAX)),
    ("connect_timeout_secs", Kind::Count(u64::MAX)),
    ("request_timeout_secs", Kind::Count(u64::MAX)),
    ("max_concurrent_fetches", Kind::Count(u64::MAX)),
    ("max_concurrent_per_host", Kind::Count(u64::MAX)),
    ("max_delay_secs", Kind::Count(u64::MAX)),
    ("shutdown_deadline_secs", Kind::Count(u64::MAX)),
    ("close_after_missed_fetches", Kind::Count(u32::MAX as u64)),
    ("cache_max_age_secs", Kind::Count(u32::MAX as u64)),
    ("retention_days", Kind::Count(u32::MAX as u64)),
    ("max_connections", Kind::Count(u64::MAX)),
    ("header_timeout_secs", Kind::Count(u64::MAX)),
    ("idle_timeout_secs", Kind::Count(u64::MAX)),
];

/// The keys of a `[[feed]]`, as [`RawFeed`] reads them, and whether each is required.
const FEED_KEYS: [(&str, Kind, bool); 11] = [
    ("id", Kind::Text, true),
    ("name", Kind::Text, true),
    ("network", Kind::Text, true),
    ("url", Kind::Text, true),
    ("format", Kind::Text, false),
    ("schedule", Kind::Text, false),
    ("enabled", Kind::Flag, false),
    ("allow_private", Kind::Flag, false),
    ("mapping", Kind::Table, false),
    ("elements", Kind::Table, false),
    ("values", Kind::Table, false),
];

/// Every unknown key, missing key and value of the wrong type in the file, each with its
/// position, for when deserialising stopped at the first. Empty when the text is not TOML
/// (the parser's message says where) or has none of these problems.
fn shape_problems(text: &str, at: &dyn Fn(std::ops::Range<usize>) -> String) -> Vec<String> {
    use toml::de::{DeTable, DeValue};
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    let check =
        |problems: &mut Vec<String>, what: &str, value: &Spanned<DeValue<'_>>, kind: Kind| {
            let fits = match (kind, value.get_ref()) {
                (Kind::Text, DeValue::String(_)) | (Kind::Flag, DeValue::Boolean(_)) => true,
                (Kind::Table, DeValue::Table(_)) => true,
                (Kind::Count(max), DeValue::Integer(i)) => {
                    u64::from_str_radix(i.as_str(), i.radix()).is_ok_and(|n| n <= max)
                }
                (Kind::TextList, DeValue::Array(a)) => {
                    a.iter().all(|v| matches!(v.get_ref(), DeValue::String(_)))
                }
                _ => false,
            };
            if !fits {
                problems.push(format!(
                    "{}: {what}: expected {}, found {}",
                    at(value.span()),
                    kind.describe(),
                    match value.get_ref() {
                        DeValue::Integer(i) => format!("the number {}", i.as_str()),
                        other => article(other.type_str()),
                    }
                ));
            }
        };
    for (key, value) in root.get_ref().iter() {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("settings", DeValue::Table(settings)) => {
                for (key, value) in settings.iter() {
                    let name = key.get_ref().as_ref();
                    match SETTINGS_KEYS.iter().find(|(k, _)| *k == name) {
                        Some((_, kind)) => {
                            check(&mut problems, &format!("settings.{name}"), value, *kind)
                        }
                        None => problems.push(format!(
                            "{}: settings: unknown key `{name}`; known keys: {}",
                            at(key.span()),
                            known(SETTINGS_KEYS.iter().map(|(k, _)| *k))
                        )),
                    }
                }
            }
            ("feed", DeValue::Array(feeds)) => {
                for (index, feed) in feeds.iter().enumerate() {
                    let DeValue::Table(table) = feed.get_ref() else {
                        problems.push(format!(
                            "{}: feed: expected [[feed]] tables, found {}",
                            at(feed.span()),
                            article(feed.get_ref().type_str())
                        ));
                        continue;
                    };
                    let label = match table.get("id").and_then(|v| v.get_ref().as_str()) {
                        Some(id) => format!("feed {id:?}"),
                        None => format!("feed #{}", index + 1),
                    };
                    for (key, value) in table.iter() {
                        let name = key.get_ref().as_ref();
                        match FEED_KEYS.iter().find(|(k, _, _)| *k == name) {
                            Some((_, kind, _)) => {
                                check(&mut problems, &format!("{label}: {name}"), value, *kind)
                            }
                            None => problems.push(format!(
                                "{}: {label}: unknown key `{name}`; known keys: {}",
                                at(key.span()),
                                known(FEED_KEYS.iter().map(|(k, _, _)| *k))
                            )),
                        }
                    }
                    for (name, _, required) in FEED_KEYS {
                        if required && table.get(name).is_none() {
                            problems.push(format!(
                                "{}: {label}: missing key `{name}`",
                                at(feed.span())
                            ));
                        }
                    }
                }
            }
            ("settings", other) | ("feed", other) => problems.push(format!(
                "{}: `{}` must be {}, found {}",
                at(value.span()),
                key.get_ref(),
                if key.get_ref() == "settings" {
                    "a [settings] table"
                } else {
                    "[[feed]] tables"
                },
                article(other.type_str())
            )),
            (name, _) => problems.push(format!(
                "{}: unknown key `{name}`; the file holds [settings] and [[feed]] tables",
                at(key.span())
            )),
        }
    }
    problems
}

/// "a string", "an array".
fn article(noun: &str) -> String {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {noun}")
    } else {
        format!("a {noun}")
    }
}

fn known<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    keys.collect::<Vec<_>>().join(", ")
}

/// A network in CIDR notation; a bare address is a network of one. Host bits are dropped.
fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Some(net.trunc());
    }
    text.parse::<std::net::IpAddr>()
        .ok()
        .map(ipnet::IpNet::from)
}

/// `[feed.mapping]`: `items = "path"` and `field = "path"` for fields essaim knows.
fn read_mapping(table: &toml::Table) -> Result<Mapping, String> {
    let mut mapping = Mapping::default();
    for (key, value) in table {
        let Some(text) = value.as_str() else {
            return Err(format!("{key} must be a string"));
        };
        if key == "items" {
            mapping.items = text.to_string();
        } else if let Some((_, field, units)) = Unit::KEYS.iter().find(|(k, ..)| k == key) {
            let unit = units
                .contains(&text)
                .then(|| Unit::from_name(text))
                .flatten()
                .ok_or_else(|| format!("{key} = {text:?}: expected one of {}", units.join(", ")))?;
            mapping.units.push((*field, unit));
        } else {
            let field: Field = key.parse()?;
            if text.trim().is_empty() {
                return Err(format!("{key} must not be empty"));
            }
            mapping.fields.push((field, text.to_string()));
        }
    }
    Ok(mapping)
}

/// `[feed.values.FIELD]`: `"partner value" = "value essaim reads"`, per field.
fn read_values(table: &toml::Table) -> Result<Vec<(Field, ValueTable)>, String> {
    table
        .iter()
        .map(|(key, value)| {
            let field: Field = key.parse()?;
            let pairs = value
                .as_table()
                .ok_or_else(|| format!("values.{key} must be a table of \"from\" = \"to\""))?
                .iter()
                .map(|(from, to)| {
                    to.as_str()
                        .map(|t| (from.clone(), t.to_string()))
                        .ok_or_else(|| format!("values.{key}.{from:?} must be a string"))
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok((field, pairs))
        })
        .collect()
}

/// `[feed.elements]`: `"prefix:name" = "field"`.
fn read_elements(table: &toml::Table) -> Result<Vec<(String, Field)>, String> {
    table
        .iter()
        .map(|(name, value)| {
            let field = value
                .as_str()
                .ok_or_else(|| format!("{name:?} must name a field as a string"))?
                .parse::<Field>()?;
            Ok((name.clone(), field))
        })
        .collect()
}

/// An http(s) URL, or a file path relative to the configuration file.
fn parse_source(text: &str, base: &Path) -> Result<FeedSource, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("url must not be empty".into());
    }
    match url::Url::parse(text) {
        Ok(u) => match u.scheme() {
            "http" | "https" if u.host_str().is_some_and(|h| !h.is_empty()) => {
                Ok(FeedSource::Http(u))
            }
            "http" | "https" => Err(format!("url {text:?} has no host")),
            "file" => u
                .to_file_path()
                .map(FeedSource::File)
                .map_err(|_| format!("url {text:?} is not a usable file URL")),
            other if other.len() == 1 => Ok(FeedSource::File(base.join(text))), // C:\ on Windows
            other => Err(format!(
                "url {text:?}: scheme {other:?} is not supported (use http, https or a file path)"
            )),
        },
        Err(url::ParseError::RelativeUrlWithoutBase) => Ok(FeedSource::File(base.join(text))),
        Err(e) => Err(format!("url {text:?} is not a valid URL: {e}")),
    }
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn errors(text: &str) -> String {
        parse(text, Path::new("conf/feeds.toml"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    const GOOD: &str = r#"
[settings]
database = "data/essaim.db"
listen = "0.0.0.0:9000"
default_schedule = "0 */15 * * * *"

[[feed]]
id = "rs-rhone"
name = "Ressources solidaires, Rhône"
network = "Ressources solidaires"
url = "https://www.ressources-solidaires.org/rss.xml"

[[feed]]
id = "local"
name = "Fichier local"
network = "Test"
url = "fixtures/partners/a.xml"
format = "rss"
schedule = "0 0 * * * *"
enabled = false
"#;

    #[test]
    fn valid_file_is_resolved_relative_to_itself() {
        let c = parse(GOOD, Path::new("conf/feeds.toml")).unwrap();
        assert_eq!(c.settings.database, Path::new("conf/data/essaim.db"));
        assert_eq!(c.settings.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(c.feeds.len(), 2);
        assert_eq!(c.feeds[0].schedule.text, "0 */15 * * * *");
        assert!(
            matches!(&c.feeds[0].source, FeedSource::Http(u) if u.host_str() == Some("www.ressources-solidaires.org"))
        );
        assert_eq!(
            c.feeds[1].source,
            FeedSource::File(PathBuf::from("conf/fixtures/partners/a.xml"))
        );
        assert_eq!(c.feeds[1].format, Format::Rss);
        assert!(!c.feeds[1].enabled);
        assert_eq!(c.settings.max_body_bytes, 16 * 1024 * 1024);
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let e = errors("[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"x.xml\"\nsheduel = \"0 * * * * *\"\n");
        assert!(e.starts_with("conf/feeds.toml:6:1:"), "{e}");
        assert!(e.contains("sheduel"), "{e}");
    }

    #[test]
    fn duplicate_ids_bad_cron_and_bad_url_are_all_reported_with_lines() {
        let text = r#"[[feed]]
id = "a"
name = "A"
network = "N"
url = "https://a.example/rss"

[[feed]]
id = "a"
name = "A bis"
network = "N"
url = "ftp://a.example/rss"
schedule = "every hour"
"#;
        let e = errors(text);
        assert!(
            e.contains("conf/feeds.toml:8:6: feed id \"a\" is used twice"),
            "{e}"
        );
        assert!(
            e.contains("conf/feeds.toml:11:7: feed \"a\": url \"ftp://a.example/rss\": scheme \"ftp\" is not supported"),
            "{e}"
        );
        assert!(
            e.contains("conf/feeds.toml:12:12: feed \"a\": bad cron expression \"every hour\""),
            "{e}"
        );
    }

    #[test]
    fn every_unknown_key_and_wrong_type_is_reported_at_once() {
        let text = r#"[settings]
database = "essaim.db"
listn = "127.0.0.1:8080"
max_body_bytes = "16 Mo"
retention_days = -3
allowed_private_networks = ["10.0.0.0/8", 12]
max_connections = 256

[[feed]]
id = "a"
name = "A"
network = "N"
url = "https://a.example/rss"
colour = "rouge"

[[feed]]
id = "b"
name = "B"
url = "https://b.example/rss"
enabled = "oui"

[extra]
x = 1
"#;
        let e = errors(text);
        for want in [
            "conf/feeds.toml:3:1: settings: unknown key `listn`; known keys: database, listen,",
            "conf/feeds.toml:4:18: settings.max_body_bytes: expected a whole number from 0 to 18446744073709551615, found a string",
            "conf/feeds.toml:5:18: settings.retention_days: expected a whole number from 0 to 4294967295, found the number -3",
            "conf/feeds.toml:6:28: settings.allowed_private_networks: expected a list of strings, found an array",
            "conf/feeds.toml:14:1: feed \"a\": unknown key `colour`; known keys: id, name, network, url,",
            "conf/feeds.toml:20:11: feed \"b\": enabled: expected true or false, found a string",
            "feed \"b\": missing key `network`",
            "conf/feeds.toml:22:2: unknown key `extra`; the file holds [settings] and [[feed]] tables",
        ] {
            assert!(e.contains(want), "{want}\nnot in:\n{e}");
        }
        assert_eq!(e.lines().count(), 8, "{e}");
        // A file whose shape is right is still checked value by value, all problems at once.
        let e = errors("[settings]\nmax_connections = 0\n\n[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"https://a.example/rss\"\nschedule = \"0 0 24 * * *\"\n");
        assert!(
            e.contains(":2:19: settings.max_connections must be above 0"),
            "{e}"
        );
        assert!(e.contains("hour 24 is out of range 0-23"), "{e}");
    }

    #[test]
    fn cron_mistakes_are_named_in_words() {
        for (cron, want) in [
            ("0 0 24 * * *", "hour 24 is out of range 0-23"),
            ("0 61 * * * *", "minute 61 is out of range 0-59"),
            ("0 0 8 0 * *", "day of month 0 is out of range 1-31"),
            ("0 0 8 * 13 *", "month 13 is out of range 1-12"),
            ("0 0 8-25 * * *", "hour 25 is out of range 0-23"),
            ("0 */30 * * *", "it has 5 fields, six are needed"),
            ("every hour", "it has 2 fields, six are needed"),
            (
                "0 0 8 * * lundi",
                "the day of week field \"lundi\" is not understood",
            ),
        ] {
            let e = Schedule::parse(cron).unwrap_err();
            assert!(e.contains(want), "{cron}: {e}");
            assert!(!e.contains('^') && !e.contains("less than"), "{cron}: {e}");
        }
        assert!(Schedule::parse("0 0 23 * * *").is_ok());
    }

    #[test]
    fn bad_ids_and_formats_are_refused() {
        let e = errors("[[feed]]\nid = \"RS Rhône\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"a.xml\"\nformat = \"csv\"\n");
        assert!(
            e.contains(":2:6: feed id \"RS Rhône\": use only lowercase"),
            "{e}"
        );
        assert!(
            e.contains(":6:10: feed \"RS Rhône\": unknown format \"csv\""),
            "{e}"
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        let e = errors(
            "[settings]\nlisten = \"localhost\"\ndefault_schedule = \"* *\"\nmax_body_bytes = 0\n",
        );
        assert!(e.contains(":2:10: settings.listen"), "{e}");
        assert!(
            e.contains(":3:20: settings.default_schedule: bad cron"),
            "{e}"
        );
        assert!(
            e.contains(":4:18: settings.max_body_bytes must be above 0"),
            "{e}"
        );
    }

    #[test]
    fn politeness_settings_have_defaults_and_are_validated() {
        let c = parse(GOOD, Path::new("conf/feeds.toml")).unwrap();
        assert_eq!(c.settings.max_concurrent_fetches, 8);
        assert_eq!(c.settings.max_concurrent_per_host, 2);
        assert_eq!(c.settings.max_delay, Duration::from_secs(86400));
        assert_eq!(c.settings.shutdown_deadline, Duration::from_secs(10));
        assert!(c.settings.allowed_private_networks.is_empty());

        let c = parse(
            "[settings]\nmax_concurrent_per_host = 1\nmax_delay_secs = 3600\nshutdown_deadline_secs = 3\nallowed_private_networks = [\"10.1.2.3/16\", \"127.0.0.1\", \"fd00::/8\"]\n",
            Path::new("feeds.toml"),
        )
        .unwrap();
        assert_eq!(c.settings.max_concurrent_per_host, 1);
        assert_eq!(c.settings.max_delay, Duration::from_secs(3600));
        assert_eq!(c.settings.shutdown_deadline, Duration::from_secs(3));
        let nets: Vec<String> = c
            .settings
            .allowed_private_networks
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(nets, ["10.1.0.0/16", "127.0.0.1/32", "fd00::/8"]);

        let e = errors(
            "[settings]\nallowed_private_networks = [\"10.0.0.0/8\", \"intranet\", \"10.0.0.0/33\"]\nmax_concurrent_per_host = 0\n",
        );
        assert!(
            e.contains(":2:43: settings.allowed_private_networks: \"intranet\" is not a network in CIDR notation"),
            "{e}"
        );
        assert!(e.contains("\"10.0.0.0/33\" is not a network"), "{e}");
        assert!(
            e.contains(":3:27: settings.max_concurrent_per_host must be above 0"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_has_a_position() {
        let e = errors("[[feed]\nid = 1\n");
        assert!(e.starts_with("conf/feeds.toml:1:"), "{e}");
    }

    #[test]
    fn http_url_without_host_is_refused() {
        let e = errors("[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"https://\"\n");
        assert!(e.contains("feed \"a\""), "{e}");
    }
}
