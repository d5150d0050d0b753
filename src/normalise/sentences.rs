//! What the description's sentences state about the offer, read when no field nor labelled
//! line says it: the contract and its length, an insertion contract behind an ordinary CDD,
//! the working time, the start date. Only short sentences count (what the offer states about
//! itself, not a paragraph that happens to name a contract), and each reader first looks for
//! its key words in one pass before folding or lowercasing a sentence.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use chrono::{DateTime, Utc};

use super::working_time::parse_working_time;
use crate::model::WorkingTime;
use crate::text::dates::parse_date;
use crate::text::{fold, says_any};

/// The first short sentence (at most 30 words) of a plain text from which `read` gets
/// something: what the offer states about itself, not a long paragraph that happens to
/// name a contract.
pub(super) fn stated_in_text<T>(text: &str, read: impl Fn(&str) -> Option<T>) -> Option<T> {
    text.split(['\n', '.', ';', '!', '?'])
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.split_whitespace().count() <= 30)
        .find_map(read)
}

/// The start date a clause of the description states after saying it is one ("Poste à
/// pourvoir le 05/01/2027", "prise de poste à partir du 4 janvier 2027"), when no field or
/// labelled line gives it. A date before the phrase is another ("Offre actualisée le
/// 17/09/2026 : le poste est toujours à pourvoir").
pub(super) fn start_in_text(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    const PHRASES: &[&str] = &[
        "à pourvoir",
        "a pourvoir",
        "prise de poste",
        "prise de fonction",
        "entrée en fonction",
        "date de début",
        "démarrage",
        "embauche",
    ];
    text.split(['\n', '.', ';', '!', '?', ','])
        .map(str::trim)
        .filter(|c| {
            !c.is_empty() && mentions(&START_WORDS, c) && c.split_whitespace().count() <= 20
        })
        .find_map(|clause| {
            let lower = clause.to_lowercase();
            let after = PHRASES
                .iter()
                .filter_map(|p| lower.find(p).map(|at| at + p.len()))
                .min()?;
            parse_date(lower.get(after..)?, now)
        })
}

/// ASCII words looked for in one pass whatever their case: a cheap test before a sentence is
/// folded or lowercased. `None` only if the automaton could not be built (it always can for
/// these constant words); then every text may hold them.
type Finder = LazyLock<Option<AhoCorasick>>;

fn finder(words: &[&str]) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .ok()
}

fn mentions(finder: &Finder, text: &str) -> bool {
    finder.as_ref().is_none_or(|f| f.is_match(text))
}

static WORKING_TIME_WORDS: Finder =
    LazyLock::new(|| finder(&["temps", "heure", "hebdo", "semaine", "etp"]));
static INSERTION_WORDS: Finder = LazyLock::new(|| finder(&["cddi", "insertion"]));
// The ASCII part of each phrase of `start_in_text`.
static START_WORDS: Finder = LazyLock::new(|| {
    finder(&[
        "pourvoir", "prise de", "fonction", "but", "marrage", "embauche",
    ])
});

/// The sentence names an insertion contract as such ("CDD d'insertion", "CDDI", "contrat à
/// durée déterminée d'insertion"), not an insertion employer ("chantier d'insertion"), whose
/// own staff are hired on ordinary contracts.
pub(super) fn states_insertion_contract(sentence: &str) -> bool {
    if !mentions(&INSERTION_WORDS, sentence) {
        return false;
    }
    let folded = fold(sentence);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    const PHRASES: &[&[&str]] = &[
        &["cddi"],
        &["cdd", "d", "insertion"],
        &["cdd", "insertion"],
        &["determinee", "d", "insertion"],
    ];
    says_any(&words, PHRASES)
}

/// The working time a sentence states when it speaks of it ("temps partiel", "temps plein",
/// "24 h par semaine", "heures hebdomadaires", "mi-temps").
pub(super) fn working_time_sentence(sentence: &str) -> Option<WorkingTime> {
    // Most sentences speak of something else: a byte scan before folding (the words have no
    // accent, so folding finds them only where this does).
    if !mentions(&WORKING_TIME_WORDS, sentence) {
        return None;
    }
    let folded = fold(sentence);
    let about = ["temps", "heure", "hebdo", "semaine", "etp"]
        .iter()
        .any(|w| folded.contains(w));
    if about {
        parse_working_time(sentence)
    } else {
        None
    }
}
