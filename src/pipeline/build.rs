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

/// Postings of one body made, prepared and applied at once: a body of more (a big
/// aggregator's, 100,000 items) is applied in parts of this many (see [`Parts`]). A prepared
/// posting holds some 3 KB of packed columns and features on top of its offer; a part is
/// made while the writer applies the one before, so at most three parts are alive at once.
pub(super) const PART_POSTINGS: usize = 1_000;

/// What a body gave: the postings to store, and what the report says of it.
pub(super) struct Built {
    pub(super) postings: Postings,
    /// Items the parser read, published or not.
    pub(super) items_found: usize,
    pub(super) warnings: Vec<String>,
    /// Items with neither title nor link, left out.
    pub(super) unpublished: usize,
}

/// The postings of a body: all of them, prepared, or those of a larger body still to make.
pub(super) enum Postings {
    /// A body of at most one part: every posting made and prepared.
    Whole(Vec<Posting>),
    /// A larger body: its offers, identified, made into postings a part at a time.
    InParts(Parts),
}

/// An offer read from an item, with the partner's item as parsed (not yet written as JSON
/// text: that doubles it, and is done a part at a time).
struct Pending {
    offer: crate::model::Offer,
    source: serde_json::Value,
}

/// The offers of a large body, identified, waiting to be made into postings a part at a time
/// ([`Parts::make`]) while the writer applies them.
pub(super) struct Parts {
    feed_id: String,
    /// In the order of `identities`.
    pending: Vec<Pending>,
    /// The identity of every posting the fetch lists (the store's filing needs them all).
    pub(super) identities: std::sync::Arc<Vec<String>>,
    known: dedup::KnownPostings,
    size: usize,
}

impl Parts {
    /// Makes the postings a part at a time, in order, each given to `send` as soon as it is
    /// made and prepared; the offers of a part are given back as it is made. Stops early,
    /// without error, when `send` says the writer no longer takes parts (it failed: its error
    /// is the fetch's), and with [`Failure::stopped`] at shutdown.
    pub(super) fn make(
        self,
        send: &mut dyn FnMut(Vec<Posting>) -> bool,
        stopping: &dyn Fn() -> bool,
    ) -> Result<(), Failure> {
        let Parts {
            feed_id,
            pending,
            identities,
            known,
            size,
        } = self;
        let size = size.max(1);
        let mut offers = parse::drain_freeing(pending).zip(identities.iter());
        loop {
            if stopping() {
                return Err(Failure::stopped());
            }
            let part: Vec<Posting> = offers
                .by_ref()
                .take(size)
                .map(|(p, identity)| posting(&feed_id, p, identity.clone(), &known))
                .collect();
            if part.is_empty() || !send(part) {
                return Ok(());
            }
        }
    }
}

/// Parses and normalises a body into postings (CPU only, no I/O). `known` is what the store
/// holds of the feed, to notice references that cannot be trusted. An item with neither title
/// nor link is a warning, not a posting; a body none of whose items can be published is a
/// failure, like one that yields no item (a fetch that reads nothing closes nothing). A body
/// of more than `part` postings is left as offers, identified, to be made into postings a
/// part at a time (see [`Parts`]); every warning of the fetch is known here either way.
pub(super) fn build_postings(
    feed: &FeedConfig,
    body: crate::fetch::Body,
    now: DateTime<Utc>,
    known: dedup::KnownPostings,
    part: usize,
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
    // Each offer is read as its item is, and the items' buffer is given back as it empties:
    // the offers of a 100,000-item feed never sit beside all of its parsed items.
    let mut pending: Vec<Pending> = Vec::with_capacity(items_found);
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
        pending.push(Pending {
            offer,
            source: item.source,
        });
        positions.push(index);
    }
    let unpublished = items_found - pending.len();
    if pending.is_empty() && items_found > 0 {
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
        let offers: Vec<&crate::model::Offer> = pending.iter().map(|p| &p.offer).collect();
        dedup::assign_identities(&offers, &known)
    };
    warnings.extend(identity_warnings);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut kept: Vec<String> = Vec::with_capacity(pending.len());
    let mut identities = identities.into_iter();
    let mut positions = positions.into_iter();
    pending.retain(|p| {
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
        kept.push(identity);
        true
    });
    drop(seen);
    let postings = if pending.len() <= part {
        Postings::Whole(
            pending
                .into_iter()
                .zip(kept)
                .map(|(p, identity)| posting(&feed.id, p, identity, &known))
                .collect(),
        )
    } else {
        Postings::InParts(Parts {
            feed_id: feed.id.clone(),
            pending,
            identities: std::sync::Arc::new(kept),
            known,
            size: part,
        })
    };
    Ok(Built {
        postings,
        items_found,
        warnings,
        unpublished,
    })
}

/// The posting of an offer under its identity in feed `feed_id`, prepared: what the store
/// writes of a new or changed posting (deduplication features, their encoding and blocking
/// keys, the packed columns) is computed here, on a blocking thread, not in the store's one
/// writing transaction; nothing for a posting the store holds unchanged, which it only marks
/// seen.
fn posting(
    feed_id: &str,
    pending: Pending,
    identity: String,
    known: &dedup::KnownPostings,
) -> Posting {
    let mut p = Posting::unidentified(pending.offer, source_text(pending.source));
    p.identify(feed_id, identity);
    if !known.holds_unchanged(&p.identity, &p.content_hash) {
        p.prepare(feed_id);
        // Once packed, the partner's item and the description's HTML are in the prepared
        // bytes and nothing reads them again: given back now rather than held until the
        // posting is applied. A posting left unprepared keeps them: the writer packs it
        // should it find it changed after all.
        if p.prepared.is_some() {
            p.source = String::new();
            p.offer.description_html = String::new();
        }
    } else {
        p.forget_json();
    }
    p
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

    /// Every posting of a built body, made (for a body in parts) a part at a time, with the
    /// sizes of its parts.
    fn made(built: Built) -> (Vec<Posting>, Vec<usize>) {
        match built.postings {
            Postings::Whole(p) => {
                let n = p.len();
                (p, vec![n])
            }
            Postings::InParts(parts) => {
                let identities = std::sync::Arc::clone(&parts.identities);
                let (mut all, mut sizes) = (Vec::new(), Vec::new());
                parts
                    .make(
                        &mut |part| {
                            sizes.push(part.len());
                            all.extend(part);
                            true
                        },
                        &|| false,
                    )
                    .unwrap_or_else(|f| panic!("{}", f.message));
                let made: Vec<&String> = all.iter().map(|p| &p.identity).collect();
                assert_eq!(made, identities.iter().collect::<Vec<_>>());
                (all, sizes)
            }
        }
    }

    fn build(
        body: crate::fetch::Body,
        known: dedup::KnownPostings,
        part: usize,
    ) -> (Vec<Posting>, Vec<usize>) {
        let now = "2026-12-07T00:00:00Z".parse().unwrap();
        match build_postings(&feed(), body, now, known, part, &|| false) {
            Ok(built) => made(built),
            Err(failure) => panic!("{}", failure.message),
        }
    }

    #[test]
    fn postings_are_built_with_their_features_and_their_feed_slot() {
        let (postings, _) = build(body(), Default::default(), PART_POSTINGS);
        assert!(postings.len() > 1, "{}", postings.len());
        for p in &postings {
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

    /// A body of more postings than a part is made into postings a part at a time, in order,
    /// each prepared (packed and featured, its item and HTML given back); one of a part is
    /// made whole. The same postings either way.
    #[test]
    fn a_large_body_is_made_into_postings_a_part_at_a_time() {
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
        let part = 40;
        let (whole, sizes) = build(rss(part), Default::default(), part);
        assert_eq!(sizes, [part]);
        let (more, sizes) = build(rss(3 * part + 7), Default::default(), part);
        assert_eq!(sizes, [part, part, part, 7]);
        let (again, _) = build(rss(3 * part + 7), Default::default(), 3 * part + 7);
        for p in whole.iter().chain(&more) {
            assert!(
                p.prepared.is_some() && p.features.is_some(),
                "{}",
                p.identity
            );
            assert!(p.source.is_empty() && p.offer.description_html.is_empty());
        }
        let key = |p: &Posting| {
            (
                p.identity.clone(),
                p.public_id.clone(),
                p.content_hash.clone(),
            )
        };
        assert_eq!(
            more.iter().map(key).collect::<Vec<_>>(),
            again.iter().map(key).collect::<Vec<_>>()
        );
        assert_eq!(
            whole.iter().map(key).collect::<Vec<_>>(),
            more[..part].iter().map(key).collect::<Vec<_>>()
        );
    }

    /// A posting the store holds unchanged (same identity and content hash, features
    /// current) is built without features nor prepared bytes; one whose stored hash differs,
    /// or whose features are not current, is prepared as a new one.
    #[test]
    fn postings_the_store_holds_unchanged_are_not_prepared() {
        // Made whole, and a part of 2 at a time.
        for part in [PART_POSTINGS, 2] {
            let (first, _) = build(body(), Default::default(), part);
            assert!(first
                .iter()
                .all(|p| p.features.is_some() && p.prepared.is_some()));
            let mut known = dedup::KnownPostings::default();
            for p in &first {
                known
                    .postings
                    .push((p.identity.clone(), p.offer.url.clone()));
                known
                    .current
                    .insert(p.identity.clone(), p.content_hash.clone());
            }
            let changed = first[0].identity.clone();
            known.current.insert(changed.clone(), "another hash".into());
            // Features of an older version: not in `current`.
            let stale = first[first.len() - 1].identity.clone();
            known.current.remove(&stale);
            let (again, _) = build(body(), known, part);
            assert_eq!(again.len(), first.len());
            for (p, q) in again.iter().zip(&first) {
                assert_eq!(
                    (&p.identity, &p.content_hash),
                    (&q.identity, &q.content_hash)
                );
                let expected = p.identity == changed || p.identity == stale;
                assert_eq!(p.prepared.is_some(), expected, "{}", p.identity);
                assert_eq!(p.features.is_some(), expected, "{}", p.identity);
                // A prepared posting no longer holds what it packed; an unprepared one keeps
                // its item, for the writer to pack should it find it changed.
                assert_eq!(p.source.is_empty(), expected, "{}", p.identity);
            }
        }
    }
}
