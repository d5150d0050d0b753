//! The stored form of an offer's two large columns (schema/0011_packed_offers.sql):
//! `offers.data`, the normalised offer's JSON, and `offers.source`, the partner's raw item
//! (JSON, kept for audit), each compressed with zstd.
//!
//! The column's SQLite storage class is the marker: TEXT is the JSON as written before
//! version 11 (read as it is), BLOB a zstd frame. The raw item is compressed with the offer's
//! JSON as its dictionary (zstd's raw-content dictionary): the raw item mostly repeats what
//! the offer holds (title, description, place), so it then costs a few hundred bytes at most.
//! Reading it back therefore needs the offer's JSON, which is always stored beside it.

use std::cell::RefCell;

use rusqlite::types::ValueRef;

/// zstd's level: its default, fast on both sides and within a few percent of level 9 on
/// offers.
const LEVEL: i32 = 3;

/// The most a stored column may decompress into: an offer is a few kilobytes, a raw item at
/// most what the parser read of one item; a frame claiming more is refused as corrupt.
const MAX_UNPACKED: usize = 16 << 20;

thread_local! {
    /// One compression context per thread, reused: creating one costs more than compressing
    /// an offer.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    /// The same for reading: a page of the API unpacks a hundred offers.
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// `text` compressed, with `dictionary` (empty: none).
fn compress(text: &str, dictionary: &[u8]) -> std::io::Result<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(zstd::bulk::Compressor::new(LEVEL)?),
        };
        compressor.set_dictionary(LEVEL, dictionary)?;
        compressor.compress(text.as_bytes())
    })
}

/// The offer's JSON as stored.
pub(super) fn pack_data(json: &str) -> std::io::Result<Vec<u8>> {
    compress(json, &[])
}

/// The partner's raw item as stored beside the offer's JSON `data` (as written, unpacked).
pub(super) fn pack_source(source: &str, data: &str) -> std::io::Result<Vec<u8>> {
    compress(source, data.as_bytes())
}

/// The offer's JSON from its stored column.
pub(super) fn unpack_data(stored: ValueRef<'_>) -> std::io::Result<String> {
    unpack(stored, &[])
}

/// The partner's raw item from its stored column, given the offer's JSON (unpacked).
pub(super) fn unpack_source(stored: ValueRef<'_>, data: &str) -> std::io::Result<String> {
    unpack(stored, data.as_bytes())
}

fn unpack(stored: ValueRef<'_>, dictionary: &[u8]) -> std::io::Result<String> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    match stored {
        ValueRef::Text(text) => {
            String::from_utf8(text.to_vec()).map_err(|_| invalid("the stored JSON is not UTF-8"))
        }
        ValueRef::Blob(frame) => {
            let size = match zstd::zstd_safe::get_frame_content_size(frame) {
                Ok(Some(size)) => size,
                _ => return Err(invalid("the stored column is not a zstd frame")),
            };
            let size = usize::try_from(size)
                .ok()
                .filter(|&s| s <= MAX_UNPACKED)
                .ok_or_else(|| invalid("the stored column claims too large a content"))?;
            let bytes = DECOMPRESSOR.with(|cell| {
                let mut slot = cell.borrow_mut();
                let decompressor = match slot.as_mut() {
                    Some(d) => d,
                    None => slot.insert(zstd::bulk::Decompressor::new()?),
                };
                // An empty dictionary clears the one loaded before.
                decompressor.set_dictionary(dictionary)?;
                decompressor.decompress(frame, size)
            })?;
            String::from_utf8(bytes).map_err(|_| invalid("the stored JSON is not UTF-8"))
        }
        _ => Err(invalid(
            "the stored column is neither JSON text nor a zstd frame",
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn packed_columns_read_back_as_written() {
        let data = r#"{"title":"Éducateur spécialisé","description_text":"Accompagner des jeunes à Lyon."}"#;
        let source = r#"{"title":"Éducateur spécialisé H/F","description":"<p>Accompagner des jeunes à Lyon.</p>"}"#;
        let packed_data = pack_data(data).unwrap();
        let packed_source = pack_source(source, data).unwrap();
        assert_eq!(unpack_data(ValueRef::Blob(&packed_data)).unwrap(), data);
        assert_eq!(
            unpack_source(ValueRef::Blob(&packed_source), data).unwrap(),
            source
        );
        // The raw item's frame needs the offer it was packed beside.
        assert!(unpack_source(ValueRef::Blob(&packed_source), "").is_err());
        // Rows written before version 11 hold the JSON itself.
        assert_eq!(unpack_data(ValueRef::Text(data.as_bytes())).unwrap(), data);
        assert_eq!(
            unpack_source(ValueRef::Text(source.as_bytes()), data).unwrap(),
            source
        );
        assert!(unpack_data(ValueRef::Blob(b"not zstd")).is_err());
        assert!(unpack_data(ValueRef::Null).is_err());
    }
}
