//! The answer cache: one rendered body with its validators and headers prepared once
//! ([`Rendered`]), and the rendered answers of one generation of the data (`Responses`),
//! one slot per output and normalised query, so that one request renders while the others
//! asking the same wait for it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, OnceLock};

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
}

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

    /// What the response cache counts for this body: the body, and half as much again for
    /// the compressed forms it may be given later (JSON and XML shrink to well under a
    /// quarter each).
    pub(super) fn budget(&self) -> usize {
        self.body.len() + self.body.len() / 2
    }
}

/// At most this many filtered responses are kept...
const CACHED_RESPONSES: usize = 4096;
/// ...holding at most this many bytes (bodies and their compressed forms).
const CACHED_BYTES: usize = 64 << 20;

/// A response being rendered or rendered: the first request renders it, the others asking
/// the same question meanwhile wait for that instead of rendering it again.
type Slot = Arc<tokio::sync::OnceCell<Arc<Rendered>>>;

/// The rendered responses of one generation of the data, keyed by output and normalised
/// query. The unfiltered outputs are pinned; filtered ones are dropped oldest first beyond
/// [`CACHED_RESPONSES`] or [`CACHED_BYTES`]. A change of the data empties it.
#[derive(Default)]
pub(super) struct Responses {
    generation: (u64, i64),
    slots: HashMap<String, (Slot, bool)>,
    /// Unpinned keys, oldest first.
    order: VecDeque<String>,
    bytes: usize,
}

impl Responses {
    /// The slot for `key` in `generation`, created empty when missing.
    fn slot(&mut self, generation: (u64, i64), key: &str, pinned: bool) -> Slot {
        if self.generation != generation {
            *self = Responses {
                generation,
                ..Responses::default()
            };
        }
        if let Some((slot, _)) = self.slots.get(key) {
            return Arc::clone(slot);
        }
        let slot = Slot::default();
        self.slots
            .insert(key.to_string(), (Arc::clone(&slot), pinned));
        if !pinned {
            self.order.push_back(key.to_string());
        }
        slot
    }

    /// Counts a freshly rendered response and drops the oldest ones beyond the limits.
    fn rendered(&mut self, generation: (u64, i64), key: &str, size: usize) {
        if self.generation != generation || !self.slots.contains_key(key) {
            return;
        }
        self.bytes += size;
        while self.bytes > CACHED_BYTES || self.order.len() > CACHED_RESPONSES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some((slot, _)) = self.slots.remove(&old) {
                self.bytes = self
                    .bytes
                    .saturating_sub(slot.get().map_or(0, |r| r.budget()));
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
        let mut fresh = None;
        let counted = &mut fresh;
        let rendered = slot
            .get_or_try_init(move || async move {
                let r = match tokio::task::spawn_blocking(render).await {
                    Ok(Ok(r)) => Arc::new(r),
                    Ok(Err(e)) => return Err(server_error(e)),
                    Err(e) => return Err(server_error(e)),
                };
                *counted = Some(r.budget());
                Ok(r)
            })
            .await?;
        crate::metrics::record_answer_cache(fresh.is_none());
        if let Some(size) = fresh {
            self.responses
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .rendered(generation, key, size);
        }
        Ok(Arc::clone(rendered))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn response_cache_is_bounded_keeps_pinned_outputs_and_follows_the_data() {
        let t: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        let mut cache = Responses::default();
        let fill = |cache: &mut Responses, generation, key: &str, pinned| {
            let slot = cache.slot(generation, key, pinned);
            let r = Rendered::new(format!("<rss>{key}</rss>"), t, "text/xml", Packing::None);
            let size = r.budget();
            slot.set(Arc::new(r)).unwrap();
            cache.rendered(generation, key, size);
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
        let held: usize = cache
            .slots
            .values()
            .filter_map(|(s, _)| s.get().map(|r| r.budget()))
            .sum();
        assert_eq!(cache.bytes, held, "byte count drifted");
        // A change of the data starts afresh, pinned outputs included.
        let slot = cache.slot((2, 0), "feed.rss", true);
        assert!(slot.get().is_none());
        assert_eq!(cache.slots.len(), 1);
        assert_eq!(cache.bytes, 0);
    }
}
