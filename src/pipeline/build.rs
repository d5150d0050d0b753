//! A body made into postings, the pure part of a refresh (CPU only, no I/O, run off the async
//! threads): parsed and normalised through one [`Reading`] of the feed's configuration, items
//! without title or link left out with a warning, identities given within the feed, and what
//! the store writes of each new or changed posting computed (see [`Posting::prepare`]): an
//! unchanged one (same identity and content hash as stored, features current) costs no more.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Failure;
use crate::config::{FeedConfig, FeedSource};
use crate::dedup;
use crate::normalise;
use crate::parse::{self, ParseContext};
use crate::store::Posting;

/// How the body of a feed is read: the parser's context (declared format, charset, base URL,
/// mapping, elements, "now") and the normaliser's. The one path from a feed's configuration
/// to its offers, shared by the pipeline and `essaim validate`.
pub struct Reading<'a> {
    pub parse: ParseContext<'a>,
    pub normalise: normalise::Context<'a>,
}

impl<'a> Reading<'a> {
    /// The reading of a body of feed `feed_id` declared as `format` (`None`: sniffed), with the
    /// mapping and elements of its configuration when it has one.
    pub fn new(
        feed_id: &'a str,
        format: Option<parse::Format>,
        feed: Option<&'a FeedConfig>,
        http_charset: Option<&'a str>,
        base_url: Option<&'a str>,
        now: DateTime<Utc>,
    ) -> Reading<'a> {
        Reading {
            parse: ParseContext {
                format,
                http_charset,
                base_url,
                mapping: feed.and_then(|f| f.mapping.as_ref()),
                elements: feed.map_or(&[], |f| f.elements.as_slice()),
                now,
            },
            normalise: normalise::Context {
                feed_id,
                base_url,
                now,
            },
        }
    }

    /// The offer of one parsed item.
    pub fn offer(&self, item: &parse::RawItem) -> crate::model::Offer {
        normalise::normalise(item, &self.normalise)
    }
}

/// Most postings of one body prepared here (see [`Posting::prepare`]): their packed columns
/// and features take some 3 KB a posting on top of the offer, held until the feed is applied.
/// A larger feed (a big aggregator's, 100,000 items) is prepared by the writer as it goes.
const PREPARED_POSTINGS_MAX: usize = 10_000;

/// What a body gave: the postings to store, and what the report says of it.
pub(super) struct Built {
    pub(super) postings: Vec<Posting>,
    /// Items the parser read, published or not.
    pub(super) items_found: usize,
    pub(super) warnings: Vec<String>,
    /// Items with neither title nor link, left out.
    pub(super) unpublished: usize,
}

/// Parses and normalises a body into postings (CPU only, no I/O). `known` is what the store
/// holds of the feed, to notice references that cannot be trusted. An item with neither title
/// nor link is a warning, not a posting; a body none of whose items can be published is a
/// failure, like one that yields no item (a fetch that reads nothing closes nothing).
pub(super) fn build_postings(
    feed: &FeedConfig,
    body: crate::fetch::Body,
    now: DateTime<Utc>,
    known: &dedup::KnownPostings,
    stopping: &dyn Fn() -> bool,
) -> Result<Built, Failure> {
    let base = body.final_url.clone().or_else(|| match &feed.source {
        FeedSource::Http(u) => Some(u.to_string()),
        FeedSource::File(_) => None,
    });
    let reading = Reading::new(
        &feed.id,
        Some(feed.format),
        Some(feed),
        body.charset.as_deref(),
        base.as_deref(),
        now,
    );
    let body_len = body.bytes.len();
    let parsed = parse::parse_owned(body.bytes, &reading.parse).map_err(|e| Failure::from(e.0))?;
    let read_as = parsed.format;
    let mut warnings = parsed.warnings;
    let items_found = parsed.items.len();
    // Each posting is built as its item is read, and the items' buffer is given back as it
    // empties: the offers of a 100,000-item feed never sit beside all of its parsed items.
    let mut postings: Vec<Posting> = Vec::with_capacity(items_found);
    let mut positions: Vec<usize> = Vec::with_capacity(items_found);
    for (index, item) in parse::drain_freeing(parsed.items).enumerate() {
        if stopping() {
            return Err(Failure::stopped());
        }
        let offer = reading.offer(&item);
        if let Some(why) = normalise::unpublishable(&offer) {
            warnings.push(format!("{}: {why}", unpublished_label(index, &offer)));
            continue;
        }
        postings.push(Posting::unidentified(offer, source_text(item.source)));
        positions.push(index);
    }
    let unpublished = items_found - postings.len();
    if postings.is_empty() && items_found > 0 {
        return Err(Failure::from(parse::no_offer_message(
            body_len,
            Some(feed.format),
            read_as,
            &format!(
                "none of its {items_found} items has a title or a link; check the feed's \
                 format and [feed.mapping] (`essaim validate` shows what essaim reads)"
            ),
        )));
    }
    if stopping() {
        return Err(Failure::stopped());
    }
    let (identities, identity_warnings) = {
        let offers: Vec<&crate::model::Offer> = postings.iter().map(|p| &p.offer).collect();
        dedup::assign_identities(&offers, known)
    };
    warnings.extend(identity_warnings);
    let mut seen: HashMap<String, usize> = HashMap::new();
    // A feed too large to hold twice is left for the writer to prepare posting by posting
    // (slower: on the one writer), so that its prepared bytes never sit beside all of its
    // offers until the apply.
    let prepare_here = postings.len() <= PREPARED_POSTINGS_MAX;
    let mut identities = identities.into_iter();
    let mut positions = positions.into_iter();
    postings.retain_mut(|p| {
        let (Some(identity), Some(index)) = (identities.next(), positions.next()) else {
            return false;
        };
        let label = item_label(index, &p.offer);
        for w in &p.offer.warnings {
            warnings.push(format!("{label}: {w}"));
        }
        if let Some(first) = seen.get(&identity) {
            warnings.push(format!(
                "{label}: same identity ({identity}) as item {}; kept the first",
                first + 1
            ));
            return false;
        }
        seen.insert(identity.clone(), index);
        p.identify(&feed.id, identity);
        // What the store writes of a new or changed posting (deduplication features, their
        // encoding and blocking keys, the packed columns) is computed here, a feed per
        // blocking thread, not in the store's one writing transaction; nothing for a posting
        // the store holds unchanged, which it only marks seen.
        if prepare_here && !known.holds_unchanged(&p.identity, &p.content_hash) {
            p.prepare(&feed.id);
            // Once packed, the partner's item and the description's HTML are in the prepared
            // bytes and nothing reads them again: given back now rather than held until the
            // feed is applied (a few KB a posting, times every posting of the feeds in flight).
            // A posting left unprepared keeps them: the writer packs it should it find it
            // changed after all.
            if p.prepared.is_some() {
                p.source = String::new();
                p.offer.description_html = String::new();
            }
        }
        true
    });
    Ok(Built {
        postings,
        items_found,
        warnings,
        unpublished,
    })
}

/// The partner's item as the store keeps it beside the offer: its JSON text, serialised here
/// (off the writer's thread), and at most [`parse::MAX_SOURCE`] of it (a 16 MiB item would
/// be stored and copied whole). XML items come cut already ([`parse::xml_source`]); a larger
/// JSON item is kept as its text, cut.
fn source_text(source: serde_json::Value) -> String {
    use serde_json::Value;
    let text = source.to_string();
    if text.len() <= parse::MAX_SOURCE {
        return text;
    }
    match source {
        Value::String(raw) => Value::String(parse::capped_text(&raw)).to_string(),
        Value::Object(fields) if fields.len() == 1 && fields.contains_key("xml") => text,
        _ => serde_json::json!({ "json": parse::capped_text(&text) }).to_string(),
    }
}

/// "item 3 \"Animateur (H/F)\"": how messages name an item.
fn item_label(index: usize, offer: &crate::model::Offer) -> String {
    let mut title: String = offer.title_raw.chars().take(60).collect();
    if title.is_empty() {
        title = offer.url.clone().unwrap_or_default();
    }
    format!("item {} {title:?}", index + 1)
}

/// "item 3 (reference \"UNA-37-103\")": an item without title or link, named by its position
/// and the partner's reference when it has one.
fn unpublished_label(index: usize, offer: &crate::model::Offer) -> String {
    match &offer.reference {
        Some(r) => format!("item {} (reference {r:?})", index + 1),
        None => format!("item {} (no reference)", index + 1),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::dedup::similar;

    /// The feed `local` reading `fixtures/partners/ressources-solidaires-rhone.xml`.
    fn feed() -> FeedConfig {
        let text = "[[feed]]\nid = \"local\"\nname = \"Local\"\nnetwork = \"Test\"\n\
                    url = \"fixtures/partners/ressources-solidaires-rhone.xml\"\nformat = \"rss\"\n";
        let config = crate::config::parse(text, std::path::Path::new("feeds.toml")).unwrap();
        config.feeds.into_iter().next().unwrap()
    }

    fn body() -> crate::fetch::Body {
        crate::fetch::Body {
            bytes: std::fs::read("fixtures/partners/ressources-solidaires-rhone.xml").unwrap(),
            http_status: None,
            charset: None,
            etag: None,
            last_modified: None,
            final_url: None,
            moved_to: None,
            timing: Default::default(),
            budget: Default::default(),
        }
    }

    #[test]
    fn postings_are_built_with_their_features_and_their_feed_slot() {
        let feed = feed();
        let now = "2026-12-07T00:00:00Z".parse().unwrap();
        let built = match build_postings(&feed, body(), now, &Default::default(), &|| false) {
            Ok(built) => built,
            Err(failure) => panic!("{}", failure.message),
        };
        assert!(built.postings.len() > 1, "{}", built.postings.len());
        for p in &built.postings {
            // What the store files: the features of the offer as deduplication computes
            // them, byte for byte, in this feed's slot.
            let from_offer = similar::features(&p.offer);
            let features = p.features.as_ref().unwrap();
            assert_eq!(similar::encode(features), similar::encode(&from_offer));
            assert_eq!(
                similar::keys(features),
                similar::keys(&from_offer),
                "{}",
                p.identity
            );
            assert_eq!(features.slot, Some(similar::slot("local")));
            assert_eq!(
                *features,
                similar::Features {
                    slot: Some(similar::slot("local")),
                    ..from_offer
                }
            );
        }
    }

    /// A feed of more than [`PREPARED_POSTINGS_MAX`] postings is left whole for the writer to
    /// prepare (nothing packed nor featured here, its items kept for the writer to pack); one
    /// posting fewer is prepared here.
    #[test]
    fn a_feed_too_large_to_hold_twice_is_prepared_by_the_writer() {
        let rss = |n: usize| {
            let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Intérim</title>");
            for i in 0..n {
                x.push_str(&format!(
                    "<item><title>Animateur {i} (H/F)</title><link>https://interim.example.org/o/{i}</link>\
                     <guid>o-{i}</guid><description>Accueil de loisirs à Lyon, poste n° {i}.</description></item>"
                ));
            }
            x.push_str("</channel></rss>");
            crate::fetch::Body {
                bytes: x.into_bytes(),
                ..body()
            }
        };
        let now = "2026-12-07T00:00:00Z".parse().unwrap();
        for (n, prepared) in [
            (PREPARED_POSTINGS_MAX, true),
            (PREPARED_POSTINGS_MAX + 1, false),
        ] {
            let built = build_postings(&feed(), rss(n), now, &Default::default(), &|| false)
                .unwrap_or_else(|f| panic!("{}", f.message));
            assert_eq!(built.postings.len(), n);
            for p in [&built.postings[0], &built.postings[n - 1]] {
                assert_eq!(p.prepared.is_some(), prepared, "{n} postings");
                assert_eq!(p.features.is_some(), prepared, "{n} postings");
                assert_eq!(p.source.is_empty(), prepared, "{n} postings");
            }
        }
    }

    /// A posting the store holds unchanged (same identity and content hash, features
    /// current) is built without features nor prepared bytes; one whose stored hash differs,
    /// or whose features are not current, is prepared as a new one.
    #[test]
    fn postings_the_store_holds_unchanged_are_not_prepared() {
        let feed = feed();
        let now = "2026-12-07T00:00:00Z".parse().unwrap();
        let first = build_postings(&feed, body(), now, &Default::default(), &|| false)
            .unwrap_or_else(|f| panic!("{}", f.message));
        assert!(first
            .postings
            .iter()
            .all(|p| p.features.is_some() && p.prepared.is_some()));
        let mut known = dedup::KnownPostings::default();
        for p in &first.postings {
            known
                .postings
                .push((p.identity.clone(), p.offer.url.clone()));
            known
                .current
                .insert(p.identity.clone(), p.content_hash.clone());
        }
        let changed = first.postings[0].identity.clone();
        known.current.insert(changed.clone(), "another hash".into());
        // Features of an older version: not in `current`.
        let stale = first.postings[1].identity.clone();
        known.current.remove(&stale);
        let again = build_postings(&feed, body(), now, &known, &|| false)
            .unwrap_or_else(|f| panic!("{}", f.message));
        assert_eq!(again.postings.len(), first.postings.len());
        for (p, q) in again.postings.iter().zip(&first.postings) {
            assert_eq!(
                (&p.identity, &p.content_hash),
                (&q.identity, &q.content_hash)
            );
            let expected = p.identity == changed || p.identity == stale;
            assert_eq!(p.prepared.is_some(), expected, "{}", p.identity);
            assert_eq!(p.features.is_some(), expected, "{}", p.identity);
            // A prepared posting no longer holds what it packed; an unprepared one keeps its
            // item, for the writer to pack should it find it changed.
            assert_eq!(p.source.is_empty(), expected, "{}", p.identity);
        }
    }
}
