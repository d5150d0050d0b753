//! Employers compared: the distinctive words of a name (legal forms and kinds of
//! organisation left out), acronyms, and whether a text without employer names another
//! posting's.

use std::collections::BTreeSet;

use super::features::Features;
use super::words::{fnv, is_stop, stem, words};

/// Words that only say what kind of organisation an employer is.
const EMPLOYER_NOISE: &[&str] = &[
    "association",
    "asso",
    "federation",
    "departementale",
    "departemental",
    "regionale",
    "regional",
    "nationale",
    "national",
    "delegation",
    "etablissement",
    "union",
    "scop",
    "scic",
    "sa",
    "sas",
    "sarl",
    "eurl",
    "coop",
    "cooperative",
    "fondation",
    "mutuelle",
    "groupe",
    "reseau",
    "antenne",
    "comite",
    "francaise",
    "francais",
    "france",
    "loi",
    "1901",
    "st",
    "siege",
    // Structures of insertion par l'activité économique, written as acronyms beside the name
    // ("Alliance ETTI", "Alliance Travail Temporaire d'Insertion").
    "etti",
    "aci",
    "geiq",
    "siae",
    "esat",
    "entreprise",
];

/// Employer tokens: folded words without function words and legal-form words.
/// A name made of such words only ("Union régionale des SCOP") keeps them.
pub fn employer_tokens(name: &str) -> Vec<String> {
    let content: Vec<String> = words(name).into_iter().filter(|w| !is_stop(w)).collect();
    let mut set: BTreeSet<String> = content
        .iter()
        .filter(|w| !EMPLOYER_NOISE.contains(&w.as_str()))
        .map(|w| stem(w))
        .collect();
    if set.is_empty() {
        set = content.iter().map(|w| stem(w)).collect();
    }
    set.into_iter().collect()
}

/// The employers are known on both sides and are not the same organisation: each name has a
/// word the other lacks ("IFAC Côte-d'Or" and "UNA Côte-d'Or"), or they share none. One name
/// may be a shorter form of the other ("Restos du Cœur" and "Les Restos du Cœur de la
/// Marne"), and a word may be the acronym of the other's words ("ASD Tarn" and "Aide et
/// services à domicile du Tarn").
pub(super) fn employers_differ(a: &Features, b: &Features) -> bool {
    if a.employer.is_empty() || b.employer.is_empty() {
        return false;
    }
    let acronym = |t: &str, other: &Features| {
        (2..=6).contains(&t.len()) && other.initials.len() >= t.len() && other.initials.contains(t)
    };
    let extra = |x: &Features, y: &Features| {
        x.employer
            .iter()
            .filter(|t| !y.employer.contains(t) && !acronym(t, y))
            .count()
    };
    let (ea, eb) = (extra(a, b), extra(b, a));
    // No word of either name found in the other (as itself or as its acronym). Symmetric:
    // "MCE" and "Métallerie Coopérative de l'Estuaire" share the acronym, whichever is first.
    let none_shared = ea == a.employer.len() && eb == b.employer.len();
    (ea > 0 && eb > 0) || none_shared
}

/// `known` names its employer at the start of its text, and `unknown`, which gives no
/// employer, has a text that does not name it: another organisation wrote it.
pub(super) fn employer_contradicted(known: &Features, unknown: &Features) -> bool {
    known.self_named
        && unknown.employer.is_empty()
        && !unknown.mentions.is_empty()
        && !mentioned(known, unknown)
}

/// Every word of `known`'s employer appears in `unknown`'s text (a short word may appear as the
/// initials of words at its start: "CAE" for "coopérative d'activité et d'emploi").
pub(super) fn mentioned(known: &Features, unknown: &Features) -> bool {
    !known.employer.is_empty()
        && unknown.employer.is_empty()
        && known.employer.iter().all(|t| {
            let h = (fnv(t.as_bytes()) & 0xffff_ffff) as u32;
            unknown.mentions.binary_search(&h).is_ok()
                || ((2..=6).contains(&t.len()) && unknown.head_initials.contains(t.as_str()))
        })
}
