//! Where the full-text index's tokenizer cuts words, so that a search asks it single words.
//!
//! The index (`unicode61 remove_diacritics 2`, with `detail = column`) refuses a phrase, and a
//! quoted string it cuts into two tokens is one. Its tables are those of Unicode 6.1 in the
//! bundled SQLite: most letters and figures Rust calls alphanumeric are word characters for it
//! too, but some combining marks (Indic vowel signs, Hebrew points, U+0345) and the enclosed
//! letters (Ⓐ, 🄰) are separators. [`SEPARATORS`] lists them. The other way round, the
//! tokenizer keeps inside a token the combining accents it folds away ([`DIACRITICS`]), which
//! Rust does not call alphanumeric: a word typed with a decomposed accent ("e\u{301}ducateur",
//! as some macOS clients send "éducateur") is one word of the index, folded to "educateur",
//! and must be one word of the search. The test below checks every code point against the
//! store's own index, so that a new SQLite with other tables fails it rather than a user's
//! search.

/// Code points that `char::is_alphanumeric` accepts and the index's tokenizer reads as
/// separators, as inclusive ranges in ascending order (read off the bundled SQLite 3.50 by
/// the test below).
#[rustfmt::skip]
const SEPARATORS: &[(u32, u32)] = &[
    (0x345, 0x345), (0x363, 0x36F), (0x5B0, 0x5BD), (0x5BF, 0x5BF), (0x5C1, 0x5C2), (0x5C4, 0x5C5),
    (0x5C7, 0x5C7), (0x610, 0x61A), (0x64B, 0x657), (0x659, 0x65F), (0x670, 0x670), (0x6D6, 0x6DC),
    (0x6E1, 0x6E4), (0x6E7, 0x6E8), (0x6ED, 0x6ED), (0x711, 0x711), (0x730, 0x73F), (0x7A6, 0x7B0),
    (0x816, 0x817), (0x81B, 0x823), (0x825, 0x827), (0x829, 0x82C), (0x8E4, 0x8E9), (0x8F0, 0x8FE),
    (0x900, 0x903), (0x93A, 0x93B), (0x93E, 0x94C), (0x94E, 0x94F), (0x955, 0x957), (0x962, 0x963),
    (0x981, 0x983), (0x9BE, 0x9C4), (0x9C7, 0x9C8), (0x9CB, 0x9CC), (0x9D7, 0x9D7), (0x9E2, 0x9E3),
    (0xA01, 0xA03), (0xA3E, 0xA42), (0xA47, 0xA48), (0xA4B, 0xA4C), (0xA51, 0xA51), (0xA70, 0xA71),
    (0xA75, 0xA75), (0xA81, 0xA83), (0xABE, 0xAC5), (0xAC7, 0xAC9), (0xACB, 0xACC), (0xAE2, 0xAE3),
    (0xB01, 0xB03), (0xB3E, 0xB44), (0xB47, 0xB48), (0xB4B, 0xB4C), (0xB56, 0xB57), (0xB62, 0xB63),
    (0xB82, 0xB82), (0xBBE, 0xBC2), (0xBC6, 0xBC8), (0xBCA, 0xBCC), (0xBD7, 0xBD7), (0xC01, 0xC03),
    (0xC3E, 0xC44), (0xC46, 0xC48), (0xC4A, 0xC4C), (0xC55, 0xC56), (0xC62, 0xC63), (0xC82, 0xC83),
    (0xCBE, 0xCC4), (0xCC6, 0xCC8), (0xCCA, 0xCCC), (0xCD5, 0xCD6), (0xCE2, 0xCE3), (0xD02, 0xD03),
    (0xD3E, 0xD44), (0xD46, 0xD48), (0xD4A, 0xD4C), (0xD57, 0xD57), (0xD62, 0xD63), (0xD82, 0xD83),
    (0xDCF, 0xDD4), (0xDD6, 0xDD6), (0xDD8, 0xDDF), (0xDF2, 0xDF3), (0xE31, 0xE31), (0xE34, 0xE3A),
    (0xE4D, 0xE4D), (0xEB1, 0xEB1), (0xEB4, 0xEB9), (0xEBB, 0xEBC), (0xECD, 0xECD), (0xF71, 0xF83),
    (0xF8D, 0xF97), (0xF99, 0xFBC), (0x102B, 0x1036), (0x1038, 0x1038), (0x103B, 0x103E),
    (0x1056, 0x1059), (0x105E, 0x1060), (0x1062, 0x1064), (0x1067, 0x106D), (0x1071, 0x1074),
    (0x1082, 0x108D), (0x108F, 0x108F), (0x109A, 0x109D), (0x1712, 0x1713), (0x1732, 0x1733),
    (0x1752, 0x1753), (0x1772, 0x1773), (0x17B6, 0x17C8), (0x18A9, 0x18A9), (0x1920, 0x192B),
    (0x1930, 0x1938), (0x19B0, 0x19C0), (0x19C8, 0x19C9), (0x1A17, 0x1A1B), (0x1A55, 0x1A5E),
    (0x1A61, 0x1A74), (0x1B00, 0x1B04), (0x1B35, 0x1B43), (0x1B80, 0x1B82), (0x1BA1, 0x1BA9),
    (0x1BAC, 0x1BAD), (0x1BE7, 0x1BF1), (0x1C24, 0x1C36), (0x1CF2, 0x1CF3), (0x1DD3, 0x1DE6),
    (0x24B6, 0x24E9), (0x2DE0, 0x2DFF), (0xA674, 0xA67B), (0xA69F, 0xA69F), (0xA802, 0xA802),
    (0xA80B, 0xA80B), (0xA823, 0xA827), (0xA880, 0xA881), (0xA8B4, 0xA8C3), (0xA926, 0xA92A),
    (0xA947, 0xA952), (0xA980, 0xA983), (0xA9B4, 0xA9BF), (0xAA29, 0xAA36), (0xAA43, 0xAA43),
    (0xAA4C, 0xAA4D), (0xAA7B, 0xAA7B), (0xAAB0, 0xAAB0), (0xAAB2, 0xAAB4), (0xAAB7, 0xAAB8),
    (0xAABE, 0xAABE), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF5), (0xABE3, 0xABEA), (0xFB1E, 0xFB1E),
    (0x10A01, 0x10A03), (0x10A05, 0x10A06), (0x10A0C, 0x10A0F), (0x11000, 0x11002),
    (0x11038, 0x11045), (0x11080, 0x11082), (0x110B0, 0x110B8), (0x11100, 0x11102),
    (0x11127, 0x11132), (0x11180, 0x11182), (0x111B3, 0x111BF), (0x116AB, 0x116B5),
    (0x16F51, 0x16F7E), (0x16F8F, 0x16F92), (0x1F130, 0x1F149), (0x1F150, 0x1F169),
    (0x1F170, 0x1F189),
];

/// The combining accents the index's tokenizer keeps inside a token and folds away
/// (`remove_diacritics`): its `sqlite3Fts5UnicodeIsdiacritic`, as inclusive ranges in ascending
/// order. They hold every accent French decomposes into (grave, acute, circumflex, diaeresis,
/// cedilla). Rust calls none of them alphanumeric.
#[rustfmt::skip]
const DIACRITICS: &[(u32, u32)] = &[
    (0x300, 0x304), (0x306, 0x30C), (0x30F, 0x30F), (0x311, 0x311), (0x31B, 0x31B),
    (0x323, 0x328), (0x32D, 0x32E), (0x330, 0x331),
];

/// Whether `cp` is in one of `ranges` (inclusive, ascending, apart).
fn in_ranges(ranges: &[(u32, u32)], cp: u32) -> bool {
    // The first range that does not end before `cp`: `cp` is in it when it starts at or
    // before `cp`.
    let at = ranges.partition_point(|&(_, high)| high < cp);
    ranges.get(at).is_some_and(|&(low, _)| low <= cp)
}

/// True when `c` is part of a word for the full-text index (and for a search's words).
pub(super) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let cp = u32::from(c);
    if in_ranges(DIACRITICS, cp) {
        return true;
    }
    c.is_alphanumeric() && !in_ranges(SEPARATORS, cp)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Every character a search keeps inside a word is inside a token for the store's index
    /// ("a{c}b" is one word, not a phrase it refuses), and every character listed as a
    /// separator does cut a word: the list is exact for the bundled SQLite. The combining
    /// accents listed are exactly those of U+0300-U+036F the index keeps in a token, and it
    /// folds each away ("a\u{301}b" finds "ab").
    #[test]
    fn the_words_of_a_search_are_the_index_tokens() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        conn.execute(
            "INSERT INTO offers_fts (rowid, title, employer, description) VALUES (1, 'ab', '', '')",
            [],
        )
        .unwrap();
        let mut matches_ab = conn
            .prepare("SELECT count(*) FROM offers_fts WHERE offers_fts MATCH ?1")
            .unwrap();
        let mut accents = Vec::new();
        for c in ('\u{300}'..='\u{36F}').filter(|c| !c.is_alphanumeric()) {
            let found = matches_ab.query_row([format!("\"a{c}b\"")], |r| r.get::<_, i64>(0));
            if matches!(found, Ok(1)) {
                accents.push(u32::from(c));
            }
        }
        let listed: Vec<u32> = DIACRITICS
            .iter()
            .flat_map(|&(low, high)| low..=high)
            .collect();
        assert_eq!(
            accents, listed,
            "the accents the index keeps in a token and folds"
        );
        drop(matches_ab);
        let mut stmt = conn
            .prepare("SELECT count(*) FROM offers_fts WHERE offers_fts MATCH ?1")
            .unwrap();
        let mut one_token = |c: char| {
            stmt.query_row([format!("\"a{c}b\"*")], |r| r.get::<_, i64>(0))
                .is_ok()
        };
        let mut disagree = Vec::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if is_word_char(c) && !one_token(c) {
                disagree.push(format!("U+{:04X} cuts a word", u32::from(c)));
            }
        }
        for &(low, high) in SEPARATORS {
            for c in (low..=high).filter_map(char::from_u32) {
                assert!(
                    c.is_alphanumeric(),
                    "U+{low:04X}: listed but not alphanumeric"
                );
                if one_token(c) {
                    disagree.push(format!(
                        "U+{:04X} is listed but a word character",
                        u32::from(c)
                    ));
                }
            }
        }
        assert!(
            disagree.is_empty(),
            "{} disagreements: {:?}",
            disagree.len(),
            &disagree[..disagree.len().min(20)]
        );
        for ranges in [SEPARATORS, DIACRITICS] {
            assert!(
                ranges.windows(2).all(|w| w[0].1 < w[1].0),
                "ranges in order"
            );
        }
    }
}
