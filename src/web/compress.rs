//! The content codings of the answers: which one a client accepts, and the gzip and brotli
//! forms of a [`Rendered`] body, each made once, when first asked for.

use std::io::Write;

use axum::body::Bytes;
use axum::http::{header, HeaderMap};
use std::sync::OnceLock;

use super::cache::Rendered;

/// How hard a body is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// Not compressed: small bodies.
    None,
    /// Quick levels, for the responses of filtered requests (rendered often).
    Fast,
    /// Best levels, for the unfiltered outputs (rendered once per change of the data).
    Best,
}

/// Bodies smaller than this are sent as they are: compressing them saves nothing.
const MIN_COMPRESSED: usize = 512;

/// A content coding of the bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    pub(super) fn name(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

impl Rendered {
    /// Whether this body is sent compressed at all.
    fn compressible(&self) -> bool {
        self.packing != Packing::None && self.body.len() >= MIN_COMPRESSED
    }

    /// The encoding to answer `request` with: brotli, else gzip, when accepted.
    pub(super) fn encoding_for(&self, request: &HeaderMap) -> Option<Encoding> {
        if !self.compressible() {
            None
        } else if accepts(request, "br") {
            Some(Encoding::Brotli)
        } else if accepts(request, "gzip") {
            Some(Encoding::Gzip)
        } else {
            None
        }
    }

    fn slot(&self, encoding: Encoding) -> &OnceLock<Option<Bytes>> {
        match encoding {
            Encoding::Brotli => &self.brotli,
            Encoding::Gzip => &self.gzip,
        }
    }

    /// True when the body in `encoding` is ready (or will never be made).
    pub(super) fn is_packed(&self, encoding: Encoding) -> bool {
        !self.compressible() || self.slot(encoding).get().is_some()
    }

    /// The body in `encoding`, compressed the first time it is asked for (and then counted
    /// by the answer cache holding it).
    pub(super) fn packed(&self, encoding: Encoding) -> Option<&Bytes> {
        if !self.compressible() {
            return None;
        }
        let best = self.packing == Packing::Best;
        let mut made = false;
        let packed = self.slot(encoding).get_or_init(|| {
            made = true;
            match encoding {
                Encoding::Gzip => gzip(&self.body, if best { 6 } else { 1 }),
                Encoding::Brotli => brotli(&self.body, if best { 9 } else { 4 }),
            }
            .map(Bytes::from)
        });
        if made {
            self.grew();
        }
        packed.as_ref()
    }
}

fn gzip(data: &[u8], level: u32) -> Option<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    w.write_all(data).ok()?;
    w.finish().ok()
}

fn brotli(data: &[u8], quality: u32) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
        w.write_all(data).ok()?;
    }
    Some(out)
}

/// True when `Accept-Encoding` names `encoding` without refusing it (`q=0`).
pub(super) fn accepts(request: &HeaderMap, encoding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(encoding) && !refused
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    #[test]
    fn accept_encoding() {
        let mut h = HeaderMap::new();
        assert!(!accepts(&h, "gzip"));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0.8, br;q=0.0, deflate"),
        );
        assert!(accepts(&h, "gzip"));
        assert!(!accepts(&h, "br"), "q=0.0 refuses");
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("BR"));
        assert!(accepts(&h, "br"));
    }
}
