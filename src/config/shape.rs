//! The shape of feeds.toml checked by hand: every unknown key, missing key and value of the
//! wrong type, each with its position, for when deserialising stopped at the first.

use toml::Spanned;

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
const SETTINGS_KEYS: [(&str, Kind); 24] = [
    ("database", Kind::Text),
    ("listen", Kind::Text),
    ("default_schedule", Kind::Text),
    ("contact_url", Kind::Text),
    ("public_url", Kind::Text),
    ("allow_private_addresses", Kind::Flag),
    ("allowed_private_networks", Kind::TextList),
    ("metrics_from", Kind::TextList),
    ("trusted_proxies", Kind::TextList),
    ("admin_token_sha256", Kind::Text),
    ("max_body_bytes", Kind::Count(u64::MAX)),
    ("connect_timeout_secs", Kind::Count(u64::MAX)),
    ("request_timeout_secs", Kind::Count(u64::MAX)),
    ("max_concurrent_fetches", Kind::Count(u64::MAX)),
    ("max_concurrent_per_host", Kind::Count(u64::MAX)),
    ("max_delay_secs", Kind::Count(u64::MAX)),
    ("shutdown_deadline_secs", Kind::Count(u64::MAX)),
    ("close_after_missed_fetches", Kind::Count(u32::MAX as u64)),
    ("cache_max_age_secs", Kind::Count(u32::MAX as u64)),
    ("answer_cache_mib", Kind::Count(u64::MAX)),
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
pub(super) fn shape_problems(
    text: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Vec<String> {
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
