//! The answer cache: one rendered body with its validators and headers prepared once
//! ([`Rendered`]), and the rendered answers of one generation of the data (`Responses`),
//! one slot per output and normalised query, so that one request renders while the others
//! asking the same wait for it. The cache counts the bytes each answer really holds, its
//! compressed forms included as they are made (`Rendered::held`), and drops the oldest
//! filtered answers beyond its budget ([`DEFAULT_BYTES`] unless set otherwise).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use axum::body::Bytes;
use axum::http::HeaderValue;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::answer::server_error;
use super::compress::{Encoding, Packing};
use super::AppState;

/// One rendered body with what conditional requests and compression need, its headers
/// prepared once so that answering from memory formats nothing. Compressed forms are made
/// once, when first asked for (at once for [`Packing::Best`]).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Bytes,
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    pub content_type: &'static str,
    pub(super) packing: Packing,
    pub(super) gzip: OnceLock<Option<Bytes>>,
    pub(super) brotli: OnceLock<Option<Bytes>>,
    pub(super) etag_header: HeaderValue,
    pub(super) last_modified_header: HeaderValue,
    /// `Link` to the first and next pages (RFC 8288), when the body is one page of several.
    pub(super) link_header: Option<HeaderValue>,
    /// The cache entry holding this answer, told when a compressed form is made later; set
    /// before the answer is shared (none for an answer no cache holds).
    pub(super) ledger: OnceLock<Ledger>,
}

/// What each cached answer costs besides its bodies: its key, validators, headers and the
/// structures holding them (a generous round figure: they take a few hundred bytes).
const ENTRY_OVERHEAD: usize = 1024;

impl Rendered {
    pub fn new(
        body: String,
        last_modified: DateTime<Utc>,
        content_type: &'static str,
        packing: Packing,
    ) -> Rendered {
        let body = Bytes::from(body);
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
        let etag_header = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
        let last_modified_header =
            HeaderValue::from_str(&httpdate::fmt_http_date(last_modified.into()))
                .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
        let rendered = Rendered {
            body,
            etag,
            last_modified,
            content_type,
            packing,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            etag_header,
            last_modified_header,
            link_header: None,
            ledger: OnceLock::new(),
        };
        if packing == Packing::Best {
            rendered.packed(Encoding::Brotli);
            rendered.packed(Encoding::Gzip);
        }
        rendered
    }

    /// Adds a `Link` header naming the first and next pages, when there are: the same links
    /// the body carries, for clients that read headers (and a `HEAD` that reads nothing else).
    pub fn with_links(mut self, first: Option<&str>, next: Option<&str>) -> Rendered {
        let links: Vec<String> = [(next, "next"), (first, "first")]
            .into_iter()
            .filter_map(|(url, rel)| url.map(|u| format!("<{u}>; rel=\"{rel}\"")))
            .collect();
        // A URL that cannot be a header value (a control character in `public_url`) leaves
        // the header out; the body still has the links.
        self.link_header = (!links.is_empty())
            .then(|| HeaderValue::from_str(&links.join(", ")).ok())
            .flatten();
        self
    }

    /// The bytes this answer holds now: its body, the compressed forms made so far, and
    /// [`ENTRY_OVERHEAD`].
    pub(super) fn held(&self) -> usize {
        let form =
            |f: &OnceLock<Option<Bytes>>| f.get().and_then(Option::as_ref).map_or(0, Bytes::len);
        self.body.len() + form(&self.gzip) + form(&self.brotli) + ENTRY_OVERHEAD
    }

    /// Tells the cache holding this answer that it holds more (a compressed form was made).
    pub(super) fn grew(&self) {
        if let Some(ledger) = self.ledger.get() {
            if let Some(responses) = ledger.responses.upgrade() {
                responses
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .recount(ledger.generation, &ledger.key);
            }
        }
    }
}

/// The answer cache's entry an answer belongs to.
#[derive(Debug, Clone)]
pub(super) struct Ledger {
    responses: Weak<Mutex<Responses>>,
    generation: (u64, i64),
    key: String,
}

/// At most this many filtered responses are kept...
const CACHED_RESPONSES: usize = 4096;
/// ...holding at most this many bytes by default, bodies and their compressed forms: the
/// unfiltered outputs and some eighty filtered pages of the API at once (a page of 50 offers
/// is some 270 KB, 340 KB with its compressed forms), a small share of a small VPS's memory.
pub const DEFAULT_BYTES: usize = 32 << 20;

/// A response being rendered or rendered: the first request renders it, the others asking
/// the same question meanwhile wait for that instead of rendering it again.
type Slot = Arc<tokio::sync::OnceCell<Arc<Rendered>>>;

/// One cached answer: its slot and the bytes counted for it.
struct Entry {
    slot: Slot,
    counted: usize,
}

/// The rendered responses of one generation of the data, keyed by output and normalised
/// query. The unfiltered outputs are pinned; filtered ones are dropped oldest first beyond
/// [`CACHED_RESPONSES`] or the byte budget. A change of the data empties it.
pub(super) struct Responses {
    generation: (u64, i64),
    slots: HashMap<String, Entry>,
    /// Unpinned keys, oldest first.
    order: VecDeque<String>,
    /// What the answers held hold (each [`Entry::counted`]), compressed forms included.
    bytes: usize,
    /// The most `bytes` may reach before the oldest filtered answers are dropped.
    budget: usize,
}

impl Default for Responses {
    fn default() -> Responses {
        Responses::with_budget(DEFAULT_BYTES)
    }
}

impl Responses {
    pub(super) fn with_budget(budget: usize) -> Responses {
        Responses {
            generation: (0, 0),
            slots: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            budget,
        }
    }

    /// The slot for `key` in `generation`, created empty when missing.
    fn slot(&mut self, generation: (u64, i64), key: &str, pinned: bool) -> Slot {
        if self.generation != generation {
            *self = Responses {
                generation,
                ..Responses::with_budget(self.budget)
            };
        }
        if let Some(entry) = self.slots.get(key) {
            return Arc::clone(&entry.slot);
        }
        let slot = Slot::default();
        self.slots.insert(
            key.to_string(),
            Entry {
                slot: Arc::clone(&slot),
                counted: 0,
            },
        );
        if !pinned {
            self.order.push_back(key.to_string());
        }
        slot
    }

    /// Counts again what the answer of `key` holds (it was rendered, or a compressed form of
    /// it was made) and drops the oldest answers beyond the limits. Counting is idempotent:
    /// the entry's count becomes what its answer holds now, whoever asks first.
    fn recount(&mut self, generation: (u64, i64), key: &str) {
        if self.generation != generation {
            return;
        }
        let Some(entry) = self.slots.get_mut(key) else {
            return;
        };
        let held = entry.slot.get().map_or(0, |r| r.held());
        self.bytes = self.bytes - entry.counted + held;
        entry.counted = held;
        while self.bytes > self.budget || self.order.len() > CACHED_RESPONSES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(entry) = self.slots.remove(&old) {
                self.bytes -= entry.counted;
            }
        }
    }
}

impl AppState {
    /// The response for `key` in the current generation of the data, rendered by `render`
    /// off the async threads when no request has rendered it yet.
    pub(super) async fn response(
        &self,
        key: &str,
        pinned: bool,
        render: impl FnOnce() -> Result<Rendered, crate::store::StoreError> + Send + 'static,
    ) -> Result<Arc<Rendered>, Response> {
        let generation = self.generation();
        let slot = self
            .responses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .slot(generation, key, pinned);
        let mut fresh = false;
        let rendered_now = &mut fresh;
        let ledger = Ledger {
            responses: Arc::downgrade(&self.responses),
            generation,
            key: key.to_string(),
        };
        let rendered = slot
            .get_or_try_init(move || async move {
                let r = match tokio::task::spawn_blocking(render).await {
                    Ok(Ok(r)) => r,
                    Ok(Err(e)) => return Err(server_error(e)),
                    Err(e) => return Err(server_error(e)),
                };
                // Before the answer is shared: every compressed form made from now on is
                // counted (those made already are, when the entry is counted below).
                let _ = r.ledger.set(ledger);
                *rendered_now = true;
                Ok(Arc::new(r))
            })
            .await?;
        crate::metrics::record_answer_cache(!fresh);
        if fresh {
            self.responses
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .recount(generation, key);
        }
        Ok(Arc::clone(rendered))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// What the entries' answers hold now, each counted once.
    fn held(cache: &Responses) -> usize {
        cache
            .slots
            .values()
            .filter_map(|e| e.slot.get().map(|r| r.held()))
            .sum()
    }

    #[test]
    fn response_cache_is_bounded_keeps_pinned_outputs_and_follows_the_data() {
        let t: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        let mut cache = Responses::default();
        let fill = |cache: &mut Responses, generation, key: &str, pinned| {
            let slot = cache.slot(generation, key, pinned);
            let r = Rendered::new(format!("<rss>{key}</rss>"), t, "text/xml", Packing::None);
            slot.set(Arc::new(r)).unwrap();
            cache.recount(generation, key);
        };
        fill(&mut cache, (1, 0), "feed.rss", true);
        for i in 0..CACHED_RESPONSES + 10 {
            fill(&mut cache, (1, 0), &format!("api/offers?region={i}"), false);
        }
        assert_eq!(cache.order.len(), CACHED_RESPONSES);
        assert!(
            cache.slots.contains_key("feed.rss"),
            "pinned output evicted"
        );
        assert!(
            !cache.slots.contains_key("api/offers?region=0"),
            "oldest kept"
        );
        assert!(cache
            .slots
            .contains_key(&format!("api/offers?region={}", CACHED_RESPONSES + 9)));
        assert_eq!(cache.bytes, held(&cache), "byte count drifted");
        // A change of the data starts afresh, pinned outputs included.
        let slot = cache.slot((2, 0), "feed.rss", true);
        assert!(slot.get().is_none());
        assert_eq!(cache.slots.len(), 1);
        assert_eq!(cache.bytes, 0);
    }

    /// A body that compresses poorly, so that its compressed forms weigh: hex digits of a
    /// hash chain (gzip and brotli take them to about half).
    fn noise(seed: usize, len: usize) -> String {
        let mut out = String::with_capacity(len + 64);
        let mut block = Sha256::digest(seed.to_le_bytes());
        while out.len() < len {
            out.push_str(&hex::encode(block));
            block = Sha256::digest(block);
        }
        out.truncate(len);
        out
    }

    #[tokio::test]
    async fn the_byte_budget_counts_compressed_forms_made_after_rendering() {
        const BODY: usize = 64 << 10;
        const BUDGET: usize = 1 << 20;
        let t: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        let state = AppState::new(Arc::new(Store::open_in_memory().unwrap()), String::new())
            .with_answer_cache_bytes(BUDGET);
        let mut answers = Vec::new();
        for i in 0..8 {
            let body = noise(i, BODY);
            let r = state
                .response(&format!("api/offers?page={i}"), false, move || {
                    Ok(Rendered::new(body, t, "application/json", Packing::Fast))
                })
                .await
                .unwrap();
            answers.push(r);
        }
        {
            let cache = state.responses.lock().unwrap();
            assert_eq!(cache.slots.len(), 8, "eight bodies fit the budget");
            assert_eq!(cache.bytes, 8 * (BODY + ENTRY_OVERHEAD));
        }
        // Clients asking for gzip and brotli: the forms made later are counted, and the
        // oldest answers make room for them.
        for r in &answers {
            let gzip = r.packed(Encoding::Gzip).unwrap().len();
            let brotli = r.packed(Encoding::Brotli).unwrap().len();
            assert!(gzip > BODY / 3 && brotli > BODY / 3, "{gzip} {brotli}");
            assert_eq!(r.held(), BODY + gzip + brotli + ENTRY_OVERHEAD);
            let cache = state.responses.lock().unwrap();
            assert_eq!(
                cache.bytes,
                held(&cache),
                "what the entries hold is what is counted"
            );
            assert!(cache.bytes <= BUDGET, "{} over the budget", cache.bytes);
        }
        let kept = {
            let cache = state.responses.lock().unwrap();
            assert!(
                cache.slots.len() < 8,
                "the compressed forms pushed no answer out: {} bytes",
                cache.bytes
            );
            assert!(
                !cache.slots.contains_key("api/offers?page=0"),
                "oldest kept"
            );
            assert!(
                cache.slots.contains_key("api/offers?page=7"),
                "newest dropped"
            );
            cache.slots.len()
        };
        // A form made of an answer the cache dropped counts for nothing.
        let evicted = state
            .response("api/offers?page=0", false, move || {
                Ok(Rendered::new(
                    noise(0, BODY),
                    t,
                    "application/json",
                    Packing::Fast,
                ))
            })
            .await
            .unwrap();
        let before = state.responses.lock().unwrap().bytes;
        let generation = state.generation();
        state
            .responses
            .lock()
            .unwrap()
            .slot((generation.0 + 1, generation.1), "feed.rss", true);
        evicted.packed(Encoding::Gzip).unwrap();
        let cache = state.responses.lock().unwrap();
        assert_eq!(
            cache.bytes, 0,
            "a dropped answer counted in the next generation"
        );
        assert!(before <= BUDGET && kept > 0);
    }
}
