//! The figures an ad states (dates, amounts, hours, reference numbers), hashed: a rewording
//! keeps them, another job rarely states the same; and how two sets of them compare.

use std::collections::BTreeSet;

use super::words::fnv;
use crate::text::fold;

/// At most this many facts are kept per posting.
const MAX_FACTS: usize = 48;

/// The figures of a text: dates ("08/10/2026") whole, other digit runs one by one.
pub fn facts(text: &str) -> Vec<u32> {
    figures(text).0
}

/// The figures of a text, and those of them that are whole dates (two separators).
pub(super) fn figures(text: &str) -> (Vec<u32>, Vec<u32>) {
    let mut out = BTreeSet::new();
    let mut dates = BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() && out.len() < MAX_FACTS {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        // Digits, and '/' or '.' between digits (dates).
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (matches!(chars[i], '/' | '.')
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        let h = (fnv(token.as_bytes()) & 0xffff_ffff) as u32;
        let date = token.matches(['/', '.']).count() == 2;
        // The date of a board's republication notice ("Offre actualisée le 20/10/2026") is
        // the board's, not the ad's.
        if date && republication_date(&chars[start.saturating_sub(40)..start]) {
            continue;
        }
        out.insert(h);
        if date {
            dates.insert(h);
        }
    }
    (out.into_iter().collect(), dates.into_iter().collect())
}

/// The words before a date say it is when a board published or updated the ad.
fn republication_date(before: &[char]) -> bool {
    let before: String = before.iter().collect();
    let folded = fold(&before);
    [
        "actualise",
        "mise a jour",
        "mis a jour",
        "republie",
        "modifie",
        "mise en ligne",
    ]
    .iter()
    .any(|m| folded.contains(m))
}

/// Exact Jaccard similarity of two sorted sets (0 when either is empty).
pub(super) fn set_jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Elements two sorted sets have in common.
pub(super) fn shared(a: &[u32], b: &[u32]) -> usize {
    a.iter().filter(|x| b.binary_search(x).is_ok()).count()
}

/// Elements in common relative to the smaller set (0 when either is empty).
pub(super) fn contained(a: &[u32], b: &[u32]) -> f64 {
    let small = a.len().min(b.len());
    if small == 0 {
        return 0.0;
    }
    shared(a, b) as f64 / small as f64
}
