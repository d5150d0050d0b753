//! Where a posting is, beyond the resolved commune and department: where its text names its
//! commune, the phrases of a text that gives none, and the rules by which a place a text
//! gives or does not give is another posting's.

use std::collections::BTreeSet;

use super::features::Features;
use super::words::{fnv, is_stop, words};
use crate::model::Offer;
use crate::text::fold;

/// Words of the description's beginning in which a place is looked for.
pub const PLACE_HEAD: usize = 200;
/// Longest commune name looked for, in folded words ("st germain en laye").
pub const PLACE_GRAM: usize = 4;
/// `place_at` of a posting whose description does not name its commune.
pub const NOT_NAMED: u16 = u16::MAX;

/// What [`Features`] holds of an offer's place, beside its department.
pub(super) struct PlaceFeatures {
    /// [`Features::commune`].
    pub commune: Option<String>,
    /// [`Features::place_at`].
    pub place_at: u16,
    /// [`Features::place_grams`].
    pub place_grams: Vec<u16>,
    /// [`Features::head_words`].
    pub head_words: u16,
    /// [`Features::place_words`].
    pub place_words: Vec<String>,
}

/// The place's features of an offer: its folded commune and where its text names it, or,
/// without a commune, the phrases that may name its place (and without a department either,
/// its place's words as written).
pub(super) fn place_features(offer: &Offer) -> PlaceFeatures {
    let place = &offer.location.place;
    let commune = place.commune.as_deref().map(fold).filter(|c| !c.is_empty());
    let text_words = words(&offer.description_text);
    let head_words = text_words.len().min(PLACE_HEAD);
    let (place_at, place_grams) = match &commune {
        Some(c) => (place_position(c, &text_words), Vec::new()),
        None => {
            let raw = words(offer.location.raw.as_deref().unwrap_or(""));
            let title = words(&offer.title_raw);
            (
                NOT_NAMED,
                place_phrases(&[&raw, &title, &text_words[..head_words]]),
            )
        }
    };
    let place_words = if commune.is_none() && place.department.is_none() {
        let set: BTreeSet<String> = words(offer.location.raw.as_deref().unwrap_or(""))
            .into_iter()
            .filter(|w| w.len() > 1 && !w.chars().any(|c| c.is_ascii_digit()) && !is_stop(w))
            .collect();
        set.into_iter().collect()
    } else {
        Vec::new()
    };
    PlaceFeatures {
        commune,
        place_at,
        place_grams,
        head_words: head_words as u16,
        place_words,
    }
}

/// 16-bit hash of a phrase of folded words.
fn phrase_hash(words: &[String]) -> u16 {
    (fnv(words.join(" ").as_bytes()) & 0xffff) as u16
}

/// Where the first `PLACE_HEAD` words of `text` name `commune` (folded), if they do.
fn place_position(commune: &str, text: &[String]) -> u16 {
    let target: Vec<&str> = commune.split(' ').filter(|w| !w.is_empty()).collect();
    if target.is_empty() {
        return NOT_NAMED;
    }
    let head = &text[..text.len().min(PLACE_HEAD)];
    head.windows(target.len())
        .position(|w| w.iter().zip(&target).all(|(a, b)| a == b))
        .map_or(NOT_NAMED, |p| p as u16)
}

/// The phrases (one to `PLACE_GRAM` words) of the texts that may name a place, hashed.
fn place_phrases(texts: &[&[String]]) -> Vec<u16> {
    let mut out = BTreeSet::new();
    for t in texts {
        for i in 0..t.len() {
            for n in 1..=PLACE_GRAM.min(t.len() - i) {
                out.insert(phrase_hash(&t[i..i + n]));
            }
        }
    }
    out.into_iter().collect()
}

/// Neither posting's place could be resolved, and each names a place word the other lacks
/// ("Dylaki" and "Krapkowice"): foreign or unknown places compare as written.
pub(super) fn place_words_differ(a: &Features, b: &Features) -> bool {
    if a.place_words.is_empty() || b.place_words.is_empty() {
        return false;
    }
    let lacks = |x: &[String], y: &[String]| x.iter().any(|t| !y.contains(t));
    lacks(&a.place_words, &b.place_words) && lacks(&b.place_words, &a.place_words)
}

/// Words of a place as written that name no particular place: a posting placed so does not
/// contradict a commune.
const VAGUE_PLACE: &[&str] = &[
    "france",
    "entiere",
    "toute",
    "national",
    "nationale",
    "teletravail",
    "distance",
    "remote",
    "domicile",
    "ile",
    "region",
    "plusieurs",
    "sites",
    "secteur",
    "non",
    "precise",
];

/// `known` is in a commune, and `unknown` gives a place nobody could resolve (not even its
/// department: a foreign town, a hamlet, "Dylaki") that is not that commune: its place as
/// written, its title and its text's beginning do not name the commune. One ad text for
/// several towns, the town in the title only ("Chauffeur-livreur - Beauvais" and "-
/// Dylaki"), is several jobs.
pub(super) fn place_unresolved(known: &Features, unknown: &Features) -> bool {
    let Some(commune) = known.commune.as_deref() else {
        return false;
    };
    if unknown.commune.is_some()
        || unknown.department.is_some()
        || unknown
            .place_words
            .iter()
            .all(|w| VAGUE_PLACE.contains(&w.as_str()))
    {
        return false;
    }
    let target: Vec<String> = commune.split(' ').map(String::from).collect();
    unknown
        .place_grams
        .binary_search(&phrase_hash(&target))
        .is_err()
}

/// `known` names its commune early in its text, and `unknown`, which gives no commune, has a
/// text that goes at least as far without naming it (nor does its place or title): it speaks
/// of another place ("... autour de Nantes" against a job at Rezé).
pub(super) fn place_contradicted(known: &Features, unknown: &Features) -> bool {
    let Some(commune) = known.commune.as_deref() else {
        return false;
    };
    if unknown.commune.is_some() || known.place_at == NOT_NAMED {
        return false;
    }
    let target: Vec<String> = commune.split(' ').map(String::from).collect();
    known.place_at < unknown.head_words
        && unknown
            .place_grams
            .binary_search(&phrase_hash(&target))
            .is_err()
}
