//! The values of feeds.toml that are more than a scalar: a feed's source, its mapping, value
//! tables and namespaced elements, and CIDR networks.

use std::path::Path;

use super::FeedSource;
use crate::parse::{Field, Mapping, Unit, ValueTable};

/// A network in CIDR notation; a bare address is a network of one. Host bits are dropped.
pub(super) fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Some(net.trunc());
    }
    text.parse::<std::net::IpAddr>()
        .ok()
        .map(ipnet::IpNet::from)
}

/// `[feed.mapping]`: `items = "path"` and `field = "path"` for fields essaim knows.
pub(super) fn read_mapping(table: &toml::Table) -> Result<Mapping, String> {
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
pub(super) fn read_values(table: &toml::Table) -> Result<Vec<(Field, ValueTable)>, String> {
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
pub(super) fn read_elements(table: &toml::Table) -> Result<Vec<(String, Field)>, String> {
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
pub(super) fn parse_source(text: &str, base: &Path) -> Result<FeedSource, String> {
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
