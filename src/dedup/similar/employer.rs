//! Employers compared: the distinctive words of a name (legal forms and kinds of
//! organisation left out), acronyms, and whether a text without employer names another
//! posting's.

use std::collections::BTreeSet;

use super::features::Features;
use super::words::{fnv, is_stop, stem, words};
use crate::model::Offer;

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

/// How much of an employer-less description is read for the names it mentions.
const MENTIONS_CHARS: usize = 4000;

/// What [`Features`] holds of an offer's employer.
pub(super) struct EmployerFeatures {
    /// [`Features::employer`].
    pub tokens: Vec<String>,
    /// [`Features::initials`].
    pub initials: String,
    /// [`Features::head_initials`].
    pub head_initials: String,
    /// [`Features::self_named`].
    pub self_named: bool,
    /// [`Features::mentions`].
    pub mentions: Vec<u32>,
}

/// The employer's features of an offer: its name's tokens and initials, whether its text
/// names it at the start, and, when it gives none, what its text names.
pub(super) fn employer_features(offer: &Offer) -> EmployerFeatures {
    let employer = offer
        .employer
        .as_deref()
        .map(employer_tokens)
        .unwrap_or_default();
    let head: String = offer.description_text.chars().take(400).collect();
    let head_words = words(&head);
    let head_initials: String = if employer.is_empty() {
        head_words
            .iter()
            .filter(|w| !is_stop(w))
            .filter_map(|w| w.chars().next())
            .collect()
    } else {
        String::new()
    };
    let head: BTreeSet<u32> = head_words
        .into_iter()
        .map(|w| (fnv(stem(&w).as_bytes()) & 0xffff_ffff) as u32)
        .collect();
    // Every word of the employer: one common word ("quartier" of "Maison de quartier des
    // Buttes", "insertion" of "Chantier d'insertion ...") is found in many texts that do not
    // name the employer.
    let self_named = !employer.is_empty()
        && employer
            .iter()
            .all(|t| head.contains(&((fnv(t.as_bytes()) & 0xffff_ffff) as u32)));
    // The words an employer-less text names anywhere (a full copy of an ad that presents its
    // employer in its last paragraph names it there too); capped, as the signatures are.
    let mentions = if employer.is_empty() {
        let whole: String = offer
            .description_text
            .chars()
            .take(MENTIONS_CHARS)
            .collect();
        let set: BTreeSet<u32> = words(&whole)
            .into_iter()
            .map(|w| (fnv(stem(&w).as_bytes()) & 0xffff_ffff) as u32)
            .collect();
        set.into_iter().collect()
    } else {
        Vec::new()
    };
    let initials: String = offer
        .employer
        .as_deref()
        .map(|e| {
            words(e)
                .iter()
                .filter(|w| !is_stop(w))
                .filter_map(|w| w.chars().next())
                .collect()
        })
        .unwrap_or_default();
    EmployerFeatures {
        tokens: employer,
        initials,
        head_initials,
        self_named,
        mentions,
    }
}

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
