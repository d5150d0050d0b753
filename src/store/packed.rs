//! The stored form of an offer's two large columns (schema/0011_packed_offers.sql):
//! `offers.data`, the normalised offer's JSON, and `offers.source`, the partner's raw item
//! (JSON, kept for audit), each compressed with zstd.
//!
//! The column's SQLite storage class is the marker: TEXT is the JSON as written before
//! version 11 (read as it is), BLOB a zstd frame. The raw item is compressed with the offer's
//! JSON as its dictionary (zstd's raw-content dictionary): the raw item mostly repeats what
//! the offer holds (title, description, place), so it then costs a few hundred bytes at most.
//! Reading it back therefore needs the offer's JSON, which is always stored beside it. The
//! offer's JSON itself is compressed with [`OFFER_SKELETON`] as its dictionary: the keys and
//! codes every offer repeats then cost almost nothing (about 280 bytes less per offer).

use std::cell::RefCell;

use rusqlite::types::ValueRef;

/// zstd's level: its default, fast on both sides and within a few percent of level 9 on
/// offers.
const LEVEL: i32 = 3;

/// The dictionary of every stored offer's JSON: the keys of `model::Offer` in their order and
/// the codes of its vocabularies, no partner's text. It is part of the stored format: a frame
/// packed with it cannot be read without it, byte for byte, so it must never change (a new
/// one would need a marker of its own in the stored column). An offer of a later model still
/// packs and reads with it, only less tightly.
const OFFER_SKELETON: &str = concat!(
    r#"{"feed_id":"","reference":"","url":"https://","apply_url":null,"title":"","#,
    r#""title_raw":"","employer":"","employer_family":"association","location":{"raw":"","#,
    r#""commune":"","insee":"","postcode":"","department":"","department_name":"","#,
    r#""region":"","region_name":"","remote":"partial"},"contract":"cdi","contract_raw":"CDI","#,
    r#""contract_duration":{"amount":6,"unit":"month"},"#,
    r#""employment_types":["FULL_TIME","PART_TIME","TEMPORARY"],"#,
    r#""working_time":{"kind":"full_time","hours_per_week":35.0},"working_time_raw":"","#,
    r#""salary":{"min":null,"max":null,"currency":"EUR","period":"month","gross":true},"#,
    r#""salary_raw":" € brut","sector":null,"categories":[],"published":"2026-11-10T00:00:00Z","#,
    r#""updated":null,"valid_through":"2026-12-31T22:59:59Z","start_date":null,"#,
    r#""description_html":"<p></p><ul><li></li></ul>","description_text":"","warnings":[]}"#
);

/// The most a stored column may decompress into: an offer is a few kilobytes, a raw item at
/// most what the parser read of one item; a frame claiming more is refused as corrupt.
const MAX_UNPACKED: usize = 16 << 20;

thread_local! {
    /// One compression context per thread for the offers' JSON, holding the skeleton's
    /// prepared tables ([`SKELETON`]): creating a context, or loading a dictionary into it,
    /// costs more than compressing an offer.
    static DATA_COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    /// One for the raw items, whose dictionary (the offer's JSON) changes every time.
    static SOURCE_COMPRESSOR: RefCell<Option<zstd::zstd_safe::CCtx<'static>>> = const { RefCell::new(None) };
    /// The same for reading: a page of the API unpacks a hundred offers.
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// [`OFFER_SKELETON`] made once into zstd's tables (a "CDict"), which every thread's
/// compressor of offers refers to rather than loading the skeleton again for each offer.
static SKELETON: std::sync::LazyLock<zstd::dict::EncoderDictionary<'static>> =
    std::sync::LazyLock::new(|| {
        zstd::dict::EncoderDictionary::copy(OFFER_SKELETON.as_bytes(), LEVEL)
    });

/// The offer's JSON as stored.
pub(super) fn pack_data(json: &str) -> std::io::Result<Vec<u8>> {
    DATA_COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(zstd::bulk::Compressor::with_prepared_dictionary(&SKELETON)?),
        };
        compressor.compress(json.as_bytes())
    })
}

/// The partner's raw item as stored beside the offer's JSON `data` (as written, unpacked),
/// which is its dictionary. zstd's one-shot call with a dictionary loads it into tables sized
/// for the item and its dictionary; a dictionary set on the context (as for the offers) would
/// be made into tables of the level's full size, cleared and filled again for every item.
pub(super) fn pack_source(source: &str, data: &str) -> std::io::Result<Vec<u8>> {
    SOURCE_COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let cctx = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(zstd::zstd_safe::CCtx::try_create().ok_or_else(|| {
                std::io::Error::other("zstd could not make a compression context")
            })?),
        };
        let mut out = Vec::with_capacity(zstd::zstd_safe::compress_bound(source.len()));
        cctx.compress_using_dict(&mut out, source.as_bytes(), data.as_bytes(), LEVEL)
            .map_err(|code| {
                std::io::Error::other(format!("zstd: {}", zstd::zstd_safe::get_error_name(code)))
            })?;
        Ok(out)
    })
}

/// The offer's JSON from its stored column.
pub(super) fn unpack_data(stored: ValueRef<'_>) -> std::io::Result<String> {
    unpack(stored, OFFER_SKELETON.as_bytes())
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

    /// Offers stored with the skeleton cannot be read without it, byte for byte.
    #[test]
    fn the_offer_skeleton_never_changes() {
        use sha2::{Digest, Sha256};
        assert_eq!(
            hex::encode(Sha256::digest(OFFER_SKELETON.as_bytes())),
            "2ff7b09f282576a8c411c609231ecf4c5a46cccb67fcf8b44b57ee0b72526d74"
        );
    }

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
