//! A body made into postings, the pure part of a refresh (CPU only, no I/O, run off the async
//! threads): parsed and normalised through one [`Reading`] of the feed's configuration, items
//! without title or link left out with a warning, identities given within the feed, and what
//! the store writes of each new or changed posting computed (see [`Posting::prepare`]): an
//! unchanged one (same identity and content hash as stored, features current) costs no more.
//! A large RSS or Atom body is read a window of items at a time, twice ([`Windowing`]): first
//! for what identities and the report need, then to make its postings a part at a time, so
//! that its items and offers are never all in memory at once.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tracing::debug;

use super::{Failure, Load};
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

/// How a large body is read: an RSS or Atom body of at least `min_items` items is parsed a
/// window of `window` items at a time ([`parse::windows`]); the items parsed and the offers
/// waiting for their part are counted in `alive` (the pipeline's `Load`).
#[derive(Clone)]
pub(super) struct Windowing {
    pub(super) window: usize,
    pub(super) min_items: usize,
    pub(super) alive: Arc<Load>,
}

impl Windowing {
    /// The windows of [`parse::windows`], counted in a load of their own (unit tests).
    #[cfg(test)]
    fn standard() -> Windowing {
        Windowing {
            window: parse::windows::WINDOW_ITEMS,
            min_items: parse::windows::MIN_ITEMS,
            alive: Arc::default(),
        }
    }
}

/// The offers of a large body, identified, waiting to be made into postings a part at a time
/// ([`Parts::make`]) while the writer applies them.
pub(super) struct Parts {
    feed_id: String,
    /// Where the offers come from.
    offers: Offers,
    /// The identity of every posting the fetch lists (the store's filing needs them all), in
    /// the order they are made.
    pub(super) identities: Arc<Vec<String>>,
    known: dedup::KnownPostings,
    size: usize,
    alive: Arc<Load>,
}

/// The offers of [`Parts`].
enum Offers {
    /// Read whole: every offer waiting, in the order of the identities.
    Pending(Vec<Pending>),
    /// Read a window at a time: read again, window by window (see [`Reread`]).
    Windows(Box<Reread>),
}

/// What reading a windowed body again needs: the body, the reading of the feed (owned: the
/// parts are made on a thread of their own), and which of its publishable items are kept
/// (the first of each identity).
struct Reread {
    windows: parse::windows::Windows,
    feed: FeedConfig,
    charset: Option<String>,
    base: Option<String>,
    now: DateTime<Utc>,
    /// For each publishable item, in order: whether it is made into a posting.
    kept: Vec<bool>,
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
            offers,
            identities,
            known,
            size,
            alive,
        } = self;
        let size = size.max(1);
        let reread = match offers {
            Offers::Pending(pending) => {
                let mut offers = parse::drain_freeing(pending).zip(identities.iter());
                loop {
                    if stopping() {
                        return Err(Failure::stopped());
                    }
                    let part: Vec<Posting> = offers
                        .by_ref()
                        .take(size)
                        .map(|(p, identity)| {
                            alive.items.sub(1);
                            posting(&feed_id, p, identity.clone(), &known)
                        })
                        .collect();
                    if part.is_empty() || !send(part) {
                        return Ok(());
                    }
                }
            }
            Offers::Windows(reread) => reread,
        };
        let Reread {
            mut windows,
            feed,
            charset,
            base,
            now,
            kept,
        } = *reread;
        let reading = Reading::new(
            &feed.id,
            Some(feed.format),
            Some(&feed),
            charset.as_deref(),
            base.as_deref(),
            now,
        );
        // The time the pass took, and how much of it waited for the writer to take a part.
        let (started, mut waiting) = (std::time::Instant::now(), std::time::Duration::ZERO);
        let mut kept = kept.into_iter();
        let mut identities = identities.iter();
        let mut part: Vec<Posting> = Vec::with_capacity(size);
        let count = windows.count();
        let differs = || {
            Failure::from(format!(
                "the feed {feed_id:?} read differently the second time through its windows"
            ))
        };
        for k in 0..count {
            if stopping() {
                return Err(Failure::stopped());
            }
            let window = windows.window(k, &reading.parse).ok_or_else(differs)?;
            if k + 1 == count {
                // The body is no longer needed: given back before its last offers are made.
                windows.release();
            }
            alive.items.add(window.items.len());
            let mut items = parse::drain_freeing(window.items);
            while let Some(item) = items.next() {
                let offer = reading.offer(&item);
                let made = if normalise::unpublishable(&offer).is_some() {
                    None
                } else if kept.next().ok_or_else(differs)? {
                    let identity = identities.next().ok_or_else(differs)?;
                    Some(posting(
                        &feed_id,
                        Pending {
                            offer,
                            source: item.source,
                        },
                        identity.clone(),
                        &known,
                    ))
                } else {
                    None
                };
                alive.items.sub(1);
                if let Some(p) = made {
                    part.push(p);
                }
                if part.len() == size {
                    let sending = std::time::Instant::now();
                    let sent = send(std::mem::replace(&mut part, Vec::with_capacity(size)));
                    waiting += sending.elapsed();
                    if !sent {
                        alive.items.sub(items.len());
                        return Ok(());
                    }
                    if stopping() {
                        alive.items.sub(items.len());
                        return Err(Failure::stopped());
                    }
                }
            }
        }
        if kept.next().is_some() || identities.next().is_some() {
            return Err(differs());
        }
        if !part.is_empty() {
            send(part);
        }
        debug!(
            message = "Large body: second pass read (postings made).",
            feed = %feed_id,
            windows = count,
            elapsed_ms = started.elapsed().as_millis() as u64,
            waiting_for_the_writer_ms = waiting.as_millis() as u64
        );
        Ok(())
    }
}

/// Parses and normalises a body into postings (CPU only, no I/O). `known` is what the store
/// holds of the feed, to notice references that cannot be trusted. An item with neither title
/// nor link is a warning, not a posting; a body none of whose items can be published is a
/// failure, like one that yields no item (a fetch that reads nothing closes nothing). A body
/// of more than `part` postings is left as offers, identified, to be made into postings a
/// part at a time (see [`Parts`]); a large RSS or Atom body is read a window of items at a
/// time (see [`Windowing`], [`build_windows`]). Every warning of the fetch is known here
/// either way.
pub(super) fn build_postings(
    feed: &FeedConfig,
    body: crate::fetch::Body,
    now: DateTime<Utc>,
    known: dedup::KnownPostings,
    part: usize,
    windowing: &Windowing,
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
    let read = parse::parse_in_windows(
        body.bytes,
        &reading.parse,
        windowing.window,
        windowing.min_items,
    )
    .map_err(|e| Failure::from(e.0))?;
    let parsed = match read {
        parse::Body::Whole(parsed) => parsed,
        parse::Body::Windows(windows) => {
            let started = std::time::Instant::now();
            let first = first_pass(windows, &reading, windowing, stopping)?;
            match first {
                Ok((windows, first)) => {
                    debug!(
                        message = "Large body: first pass read (identities and report).",
                        feed = %feed.id,
                        items = windows.items(),
                        windows = windows.count(),
                        body_bytes = body_len,
                        packed_bytes = windows.packed_bytes(),
                        elapsed_ms = started.elapsed().as_millis() as u64
                    );
                    return build_windows(
                        feed,
                        windows,
                        first,
                        (body.charset.clone(), base.clone(), now),
                        known,
                        part,
                        windowing,
                        stopping,
                    );
                }
                // A window the strict reader did not read cleanly: the body is read whole.
                Err(windows) => windows
                    .into_whole(&reading.parse)
                    .map_err(|e| Failure::from(e.0))?,
            }
        }
    };
    let alive = &windowing.alive;
    let read_as = parsed.format;
    let mut warnings = parsed.warnings;
    let items_found = parsed.items.len();
    alive.items.add(items_found);
    // Each offer is read as its item is, and the items' buffer is given back as it empties:
    // the offers of a 100,000-item feed never sit beside all of its parsed items.
    let mut pending: Vec<Pending> = Vec::with_capacity(items_found);
    let mut positions: Vec<usize> = Vec::with_capacity(items_found);
    let mut items = parse::drain_freeing(parsed.items).enumerate();
    while let Some((index, item)) = items.next() {
        if stopping() {
            alive.items.sub(items.len() + 1 + pending.len());
            return Err(Failure::stopped());
        }
        let offer = reading.offer(&item);
        if let Some(why) = normalise::unpublishable(&offer) {
            warnings.push(format!("{}: {why}", unpublished_label(index, &offer)));
            alive.items.sub(1);
            continue;
        }
        pending.push(Pending {
            offer,
            source: item.source,
        });
        positions.push(index);
    }
    let unpublished = items_found - pending.len();
    // Counted until made into postings.
    let waiting = pending.len();
    let give_back = |n: usize| alive.items.sub(n);
    if pending.is_empty() && items_found > 0 {
        return Err(Failure::from(nothing_publishable(
            body_len,
            feed,
            read_as,
            items_found,
        )));
    }
    if stopping() {
        give_back(waiting);
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
            warnings.push(duplicate(&label, &identity, *first));
            return false;
        }
        seen.insert(identity.clone(), index);
        kept.push(identity);
        true
    });
    drop(seen);
    give_back(waiting - pending.len());
    let postings = if pending.len() <= part {
        give_back(pending.len());
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
            offers: Offers::Pending(pending),
            identities: Arc::new(kept),
            known,
            size: part,
            alive: Arc::clone(alive),
        })
    };
    Ok(Built {
        postings,
        items_found,
        warnings,
        unpublished,
    })
}

/// What the first pass over a windowed body keeps: what identifying its offers needs and
/// what its report says, some 200 bytes an item rather than its offer's several KB.
struct FirstPass {
    items_found: usize,
    /// The body's and each window's parse warnings, in order.
    parse_warnings: Vec<String>,
    /// Items with neither title nor link, each said.
    unpublished: Vec<String>,
    /// For each publishable item, in order: what identifies it, how messages name it
    /// ([`item_label`]) and its position.
    inputs: Vec<dedup::IdentityInput>,
    labels: Vec<Box<str>>,
    positions: Vec<usize>,
    /// The normaliser's warnings of the publishable items that have some: (their rank among
    /// the publishable items, the warnings).
    offer_warnings: Vec<(usize, Vec<String>)>,
}

/// Reads a windowed body a window at a time, each item normalised and kept only as
/// [`FirstPass`] says. `Ok(Err(windows))` when a window is not read cleanly: the body is
/// then to be read whole.
#[allow(clippy::type_complexity)]
fn first_pass(
    mut windows: parse::windows::Windows,
    reading: &Reading<'_>,
    windowing: &Windowing,
    stopping: &dyn Fn() -> bool,
) -> Result<Result<(parse::windows::Windows, FirstPass), parse::windows::Windows>, Failure> {
    let alive = &windowing.alive;
    let mut first = FirstPass {
        items_found: windows.items(),
        parse_warnings: windows.head_warnings().to_vec(),
        unpublished: Vec::new(),
        inputs: Vec::new(),
        labels: Vec::new(),
        positions: Vec::new(),
        offer_warnings: Vec::new(),
    };
    for k in 0..windows.count() {
        if stopping() {
            return Err(Failure::stopped());
        }
        let Some(window) = windows.window(k, &reading.parse) else {
            return Ok(Err(windows));
        };
        first.parse_warnings.extend(window.warnings);
        alive.items.add(window.items.len());
        for (index, item) in (window.first..).zip(parse::drain_freeing(window.items)) {
            let offer = reading.offer(&item);
            drop(item);
            alive.items.sub(1);
            if let Some(why) = normalise::unpublishable(&offer) {
                first
                    .unpublished
                    .push(format!("{}: {why}", unpublished_label(index, &offer)));
                continue;
            }
            if !offer.warnings.is_empty() {
                first
                    .offer_warnings
                    .push((first.inputs.len(), offer.warnings.clone()));
            }
            first.inputs.push(dedup::IdentityInput::of(&offer));
            first.labels.push(item_label(index, &offer).into());
            first.positions.push(index);
        }
    }
    Ok(Ok((windows, first)))
}

/// The postings of a windowed body once its first pass is read: identities given, every
/// warning said in the order the whole reading says them, the offers made again a window at
/// a time into parts ([`Parts::make`]). `reading` is the feed's charset, base URL and "now".
#[allow(clippy::too_many_arguments)]
fn build_windows(
    feed: &FeedConfig,
    windows: parse::windows::Windows,
    first: FirstPass,
    reading: (Option<String>, Option<String>, DateTime<Utc>),
    known: dedup::KnownPostings,
    part: usize,
    windowing: &Windowing,
    stopping: &dyn Fn() -> bool,
) -> Result<Built, Failure> {
    let FirstPass {
        items_found,
        parse_warnings,
        unpublished,
        inputs,
        labels,
        positions,
        offer_warnings,
    } = first;
    if inputs.is_empty() {
        return Err(Failure::from(nothing_publishable(
            windows.body_len(),
            feed,
            windows.format(),
            items_found,
        )));
    }
    if stopping() {
        return Err(Failure::stopped());
    }
    let unpublished_count = unpublished.len();
    let mut warnings = parse_warnings;
    warnings.extend(unpublished);
    let (identities, identity_warnings) = dedup::assign_identities_of(&inputs, &known);
    drop(inputs);
    warnings.extend(identity_warnings);
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut kept: Vec<bool> = Vec::with_capacity(identities.len());
    let mut offer_warnings = offer_warnings.into_iter().peekable();
    for (rank, (identity, (label, index))) in identities
        .iter()
        .zip(labels.iter().zip(positions.iter().copied()))
        .enumerate()
    {
        if let Some((_, ws)) = offer_warnings.next_if(|(r, _)| *r == rank) {
            warnings.extend(ws.into_iter().map(|w| format!("{label}: {w}")));
        }
        if let Some(first) = seen.get(identity.as_str()) {
            warnings.push(duplicate(label, identity, *first));
            kept.push(false);
            continue;
        }
        seen.insert(identity, index);
        kept.push(true);
    }
    drop(seen);
    drop(labels);
    let identities: Vec<String> = identities
        .into_iter()
        .zip(&kept)
        .filter_map(|(identity, keep)| keep.then_some(identity))
        .collect();
    let (charset, base, now) = reading;
    Ok(Built {
        postings: Postings::InParts(Parts {
            feed_id: feed.id.clone(),
            offers: Offers::Windows(Box::new(Reread {
                windows,
                feed: feed.clone(),
                charset,
                base,
                now,
                kept,
            })),
            identities: Arc::new(identities),
            known,
            size: part,
            alive: Arc::clone(&windowing.alive),
        }),
        items_found,
        warnings,
        unpublished: unpublished_count,
    })
}

/// The failure of a body none of whose items can be published.
fn nothing_publishable(
    body_len: usize,
    feed: &FeedConfig,
    read_as: Option<parse::Format>,
    items_found: usize,
) -> String {
    parse::no_offer_message(
        body_len,
        Some(feed.format),
        read_as,
        &format!(
            "none of its {items_found} items has a title or a link; check the feed's \
             format and [feed.mapping] (`essaim validate` shows what essaim reads)"
        ),
    )
}

/// "item 7 \"Animateur\": same identity (ref:12) as item 3; kept the first".
fn duplicate(label: &str, identity: &str, first: usize) -> String {
    format!(
        "{label}: same identity ({identity}) as item {}; kept the first",
        first + 1
    )
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

    /// What the store knows of `postings` once it holds them unchanged, each with features
    /// of the current version.
    fn known_of(postings: &[Posting]) -> dedup::KnownPostings {
        let mut known = dedup::KnownPostings::default();
        for p in postings {
            known
                .postings
                .push((p.identity.clone(), p.offer.url.clone()));
            known
                .current
                .insert(p.identity.clone(), p.content_hash.clone());
        }
        known
    }

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
                let identities = Arc::clone(&parts.identities);
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
        match build_postings(
            &feed(),
            body,
            now,
            known,
            part,
            &Windowing::standard(),
            &|| false,
        ) {
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

    /// A feed of `n` templated ads in RSS with what a report says: items without title nor
    /// link (every 97th), an item repeated under the same guid (item 120 again as item
    /// 121), one guid shared by two different items (200 and 201), a date the normaliser
    /// does not read (every 50th) and an item without title (every 61st from the 31st).
    fn awkward_rss(n: usize) -> crate::fetch::Body {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
             xmlns:job_listing=\"https://wpjobmanager.com\"><channel><title>Intérim</title>\
             <link>https://interim.example.org/</link>\n",
        );
        for i in 0..n {
            if i % 97 == 96 {
                x.push_str("<item><description>Ni titre ni lien</description></item>\n");
                continue;
            }
            let (guid, n) = match i {
                121 => ("o-120".to_string(), 120),
                201 => ("o-200".to_string(), 201),
                _ => (format!("o-{i}"), i),
            };
            let title = if i % 61 == 30 {
                String::new()
            } else {
                format!("<title>Animateur {n} (H/F)</title>")
            };
            let date = if i % 50 == 49 {
                "32 Brumaire an CCXXXV"
            } else {
                "Mon, 07 Dec 2026 08:00:00 +0000"
            };
            x.push_str(&format!(
                "<item>{title}<link>https://interim.example.org/o/{n}</link><guid>{guid}</guid>\
                 <pubDate>{date}</pubDate><description><![CDATA[<p>Accueil de loisirs à Lyon, \
                 poste n° {n}.</p><item>]]></description><!-- <item> -->\
                 <job_listing:location>Lyon (69)</job_listing:location></item>\n"
            ));
        }
        x.push_str("</channel></rss>\n");
        crate::fetch::Body {
            bytes: x.into_bytes(),
            ..body()
        }
    }

    fn built(
        body: crate::fetch::Body,
        known: dedup::KnownPostings,
        windowing: &Windowing,
    ) -> (Vec<Posting>, usize, usize, Vec<String>) {
        let now = "2026-12-07T00:00:00Z".parse().unwrap();
        match build_postings(&feed(), body, now, known, 40, windowing, &|| false) {
            Ok(b) => {
                let (found, unpublished, warnings) =
                    (b.items_found, b.unpublished, b.warnings.clone());
                (made(b).0, found, unpublished, warnings)
            }
            Err(failure) => panic!("{}", failure.message),
        }
    }

    /// A large body read a window at a time gives what it gives read whole: the same
    /// postings (identities, content, prepared bytes), counts and warnings in the same
    /// order, the items of the second pass given back as they are made; with never more
    /// than a window of items parsed, or of offers waiting, at once (read whole: all of
    /// them).
    #[test]
    fn a_large_body_read_in_windows_gives_what_it_gives_read_whole() {
        let n = 437;
        let whole = Windowing {
            window: 1_000_000,
            min_items: usize::MAX,
            alive: Arc::default(),
        };
        let windows = Windowing {
            window: 30,
            min_items: 100,
            alive: Arc::default(),
        };
        let a = built(awkward_rss(n), Default::default(), &whole);
        let b = built(awkward_rss(n), Default::default(), &windows);
        assert_eq!((a.1, a.2), (n, 4));
        assert_eq!((b.1, b.2, &b.3), (a.1, a.2, &a.3));
        for w in [
            "item 122 \"Animateur 120 (H/F)\": same identity (ref:o-120) as item 121",
            "one guid to several different items (\"o-200\" to 2 items)",
            "item 97 (no reference): neither title nor link",
            "item 31 (https://interim.example.org/o/30): no title",
            "item 50 \"Animateur 49 (H/F)\": ",
        ] {
            assert!(a.3.iter().any(|x| x.contains(w)), "{w}: {:#?}", a.3);
        }
        let key = |p: &Posting| {
            (
                p.identity.clone(),
                p.public_id.clone(),
                p.content_hash.clone(),
                p.prepared.clone().map(|b| format!("{b:?}")),
            )
        };
        assert_eq!(a.0.len(), n - 4 - 1);
        assert_eq!(
            a.0.iter().map(key).collect::<Vec<_>>(),
            b.0.iter().map(key).collect::<Vec<_>>()
        );
        let peak = |w: &Windowing| {
            (
                w.alive.items.peak.load(std::sync::atomic::Ordering::SeqCst),
                w.alive.items.now.load(std::sync::atomic::Ordering::SeqCst),
            )
        };
        assert_eq!(peak(&whole), (n, 0));
        assert_eq!(peak(&windows), (30, 0));
        // Known postings: the same unchanged ones either way.
        let known = known_of(&a.0[..200]);
        let a = built(awkward_rss(n), known.clone(), &whole);
        let b = built(awkward_rss(n), known, &windows);
        assert_eq!(
            a.0.iter().map(key).collect::<Vec<_>>(),
            b.0.iter().map(key).collect::<Vec<_>>()
        );
        assert_eq!(b.0.iter().filter(|p| p.prepared.is_none()).count(), 200);
    }

    /// A windowed body stopped while its parts are made stops there, with the failure of
    /// a stop, its items given back.
    #[test]
    fn a_windowed_body_stopped_half_way_makes_no_more() {
        let windows = Windowing {
            window: 30,
            min_items: 100,
            alive: Arc::default(),
        };
        let now = "2026-12-07T00:00:00Z".parse().unwrap();
        let built = build_postings(
            &feed(),
            awkward_rss(300),
            now,
            Default::default(),
            40,
            &windows,
            &|| false,
        )
        .unwrap_or_else(|f| panic!("{}", f.message));
        let Postings::InParts(parts) = built.postings else {
            panic!("a windowed body is made in parts");
        };
        let sent = std::cell::Cell::new(0);
        let failed = parts.make(
            &mut |_| {
                sent.set(sent.get() + 1);
                true
            },
            &|| sent.get() == 2,
        );
        assert!(matches!(failed, Err(ref f) if f.stopped));
        assert_eq!(sent.get(), 2);
        assert_eq!(
            windows
                .alive
                .items
                .now
                .load(std::sync::atomic::Ordering::SeqCst),
            0
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
            let mut known = known_of(&first);
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
