//! Titles compared: stemmed title words without gender and inclusive-writing fragments, the
//! qualifiers and synonyms that do not make another job, and when two titles name different
//! jobs.

use std::collections::BTreeSet;

use super::features::Features;
use super::words::{is_stop, stem, words};

/// Fragments left by inclusive writing ("animateur·rice") and gender markers.
const TITLE_NOISE: &[&str] = &[
    "rice",
    "trice",
    "euse",
    "ere",
    "ne",
    "ice",
    "se",
    "le",
    "fe",
    "ve",
    "hf",
    "fh",
    "nouveau",
    "poste",
    "urgent",
    "offre",
    "emploi",
    "recrutement",
];

/// Title tokens: stemmed content words, without gender and inclusive-writing fragments.
pub fn title_tokens(title: &str) -> Vec<String> {
    let set: BTreeSet<String> = words(title)
        .into_iter()
        .filter(|w| w.len() > 1 && !is_stop(w) && !TITLE_NOISE.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect();
    set.into_iter().collect()
}

/// Words that open a title's sector qualifier ("Electricien secteur naval", "Chauffeur
/// domaine agricole"): the words after them say where the job is, not what it is.
const SECTOR_MARKERS: &[&str] = &["secteur", "domaine", "filiere", "branche"];

/// Which of `tokens` (a title's [`title_tokens`]) only name its sector: bit `i` is set when
/// `tokens[i]` is a sector marker or only appears after one ("secteur", "naval" in
/// "Electricien secteur naval"). Two titles sharing only those share no role.
pub fn title_sector_mask(title: &str, tokens: &[String]) -> u16 {
    let mut role = BTreeSet::new();
    let mut sector = BTreeSet::new();
    let mut in_sector = false;
    for w in words(title) {
        if SECTOR_MARKERS.contains(&w.as_str()) {
            in_sector = true;
        }
        let t = stem(&w);
        if in_sector {
            sector.insert(t);
        } else {
            role.insert(t);
        }
    }
    tokens
        .iter()
        .take(16)
        .enumerate()
        .filter(|(_, t)| sector.contains(*t) && !role.contains(*t))
        .fold(0, |mask, (i, _)| mask | 1 << i)
}

/// The two titles share a word that names the role (not only their sector qualifier).
pub(super) fn role_shared(a: &Features, b: &Features) -> bool {
    let role = |f: &Features, i: usize| i >= 16 || f.title_sector & (1 << i) == 0;
    a.title
        .iter()
        .enumerate()
        .filter(|(i, _)| role(a, *i))
        .any(|(_, t)| {
            b.title
                .iter()
                .enumerate()
                .any(|(j, u)| u == t && role(b, j))
        })
}

/// First letters of a title's words in order, without function words ("ide" for "infirmier
/// diplômé d'État").
pub(super) fn title_initials(title: &str) -> String {
    words(title)
        .iter()
        .filter(|w| !is_stop(w))
        .filter_map(|w| w.chars().next())
        .collect()
}

/// Words that qualify a position without naming another job ("comptable général",
/// "infirmier diplômé d'État", "mission de service civique").
const TITLE_QUALIFIERS: &[&str] = &[
    "general",
    "unique",
    "polyvalent",
    "mission",
    "volontaire",
    "engagement",
    "diplom",
    "etat",
    "confirm",
    "experiment",
    "junior",
    "senior",
    "qualifi",
    "temp",
    "plein",
    "partiel",
    "cdi",
    "cdd",
    "interim",
    "alternance",
    "apprenti",
    "stage",
    "stagiair",
    "contrat",
];
/// Words that name the same role in other words (the key is read as the value).
const TITLE_SYNONYMS: &[(&str, &str)] = &[
    ("responsabl", "directeur"),
    ("coordinateur", "directeur"),
    ("intervenant", "aide"),
    ("charg", "conseiller"),
    ("agent", "vendeur"),
    ("employ", "vendeur"),
];

/// A title token as compared: synonyms read as one word, qualifiers as none.
fn title_word(t: &str) -> Option<&str> {
    if TITLE_QUALIFIERS.contains(&t) {
        return None;
    }
    Some(
        TITLE_SYNONYMS
            .iter()
            .find(|(from, _)| *from == t)
            .map_or(t, |(_, to)| *to),
    )
}

/// Each of two titles has a word the other lacks (once cleaned and stemmed): "Chef de partie"
/// and "Chef de rang", "Soudeur" and "Chaudronnier". A title that only adds words to the other
/// ("Educateur spécialisé" and "Educateur spécialisé en MECS") is the same title, reworded,
/// and so is one that differs by a qualifier ("Comptable général"), a synonym ("Responsable"
/// for "Directeur") or an acronym of the other's words ("IDE", "ALSH").
pub fn titles_differ(a: &Features, b: &Features) -> bool {
    if a.title.is_empty() || b.title.is_empty() {
        return false;
    }
    let lacks = |x: &Features, y: &Features| {
        x.title.iter().filter_map(|t| title_word(t)).any(|t| {
            let acronym = (2..=5).contains(&t.len()) && y.title_initials.contains(t);
            !acronym && !y.title.iter().any(|u| title_word(u) == Some(t))
        })
    };
    lacks(a, b) && lacks(b, a)
}

/// Overlap of two token sets relative to the smaller one (0 when either is empty).
pub(super) fn overlap(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.iter().filter(|t| b.contains(t)).count();
    inter as f64 / a.len().min(b.len()) as f64
}

pub(super) fn token_jaccard(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.iter().filter(|t| b.contains(t)).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}
