//! Words of a text as the comparison sees them: folded, stop words left out, stemmed so that
//! gender and number variants meet; and FNV-1a, the stable hash every stored hash (shingles,
//! figures, mentions, place phrases, slots, keys) is made with.

use crate::text::fold;

/// Function words and words of every job ad that say nothing about which job it is.
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "avec", "ce", "ces", "cet", "cette", "d", "dans", "de", "des", "du", "elle",
    "en", "et", "est", "il", "ils", "je", "l", "la", "le", "les", "leur", "leurs", "lui", "ma",
    "mais", "me", "mes", "mon", "ne", "ni", "nos", "notre", "nous", "on", "ou", "par", "pas",
    "pour", "qu", "que", "qui", "sa", "se", "ses", "si", "son", "sont", "sur", "ta", "te", "tes",
    "ton", "tu", "un", "une", "vos", "votre", "vous", "y", "h", "f", "x", "e", "etre", "avoir",
];

/// Folded words of a text.
pub(super) fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// Light French stemming so that gender and number variants meet: "animatrices",
/// "animateur", "animateurs" are all "animateur"; "spécialisée" and "spécialisé" meet, and so
/// do "hôtesse" and "hôte", "cheffe" and "chef".
pub fn stem(word: &str) -> String {
    let mut w = word.to_string();
    if w.len() > 3 && (w.ends_with('s') || w.ends_with('x')) && !w.ends_with("ss") {
        w.pop();
    }
    // "hôtesse", "maîtresse", "cheffe": short words, so before the general rules.
    if w.len() >= 6 && (w.ends_with("tesse") || w.ends_with("tresse")) {
        w.truncate(w.len() - 3);
    } else if w.len() >= 5 && w.ends_with("effe") {
        w.truncate(w.len() - 2);
    }
    for (from, to) in [
        ("trice", "teur"),
        ("euse", "eur"),
        ("ienne", "ien"),
        ("ive", "if"),
        ("elle", "el"),
        ("ere", "er"),
    ] {
        if w.len() > from.len() + 2 && w.ends_with(from) {
            w.truncate(w.len() - from.len());
            w.push_str(to);
            break;
        }
    }
    let mut n = 0;
    while n < 2 && w.len() > 3 && w.ends_with('e') {
        w.pop();
        n += 1;
    }
    w
}

pub(super) fn is_stop(w: &str) -> bool {
    STOP_WORDS.contains(&w)
}

/// 64-bit FNV-1a: stable across runs, platforms and Rust versions.
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
