//! The same-job decision on a pair of postings: the conflicts that make two postings
//! different jobs whatever their texts say ([`conflict_reason`]), the figures a pair is
//! judged on ([`compare`]), and the rules that refuse or accept it ([`verdict`]), each
//! refusal named by a [`Refusal`].

use super::employer::{employer_contradicted, employers_differ, mentioned};
use super::facts::{contained, set_jaccard, shared};
use super::features::Features;
use super::place::{place_contradicted, place_unresolved, place_words_differ};
use super::shingles::{containment, jaccard};
use super::terms::terms_differ;
use super::title::{overlap, role_shared, titles_differ, token_jaccard};

/// Why two postings are not the same job: the first rule of [`same_job`] that refuses them
/// (the conflicts of [`conflict`] first, stated differences before those read from what a
/// text does not say). `tests/dedup_eval.rs` counts the missed pairs by rule; `plan_join`
/// asks whether a conflict is stated ([`Refusal::is_stated`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Refusal {
    /// Both published at once by one feed under different references.
    Slot,
    /// Both employers known, and different.
    Employer,
    /// One employer unknown, and the other, named at the start of its own text, not named in
    /// this one's.
    EmployerNotNamed,
    Commune,
    Department,
    Contract,
    /// One posting gives no commune, and its text does not name the other's where it should.
    PlaceNotNamed,
    Hours,
    TimeKind,
    Duration,
    Salary,
    Start,
    /// Unresolved places written differently ("Dylaki", "Krapkowice").
    PlaceWords,
    /// Both state at least 5 figures and share fewer than 40% of them.
    FactsMostlyDiffer,
    /// Both state at least 3 figures and a quarter of the fewer are not on the other.
    FactsDiffer,
    /// Different titles, and the ads do not state the same dates and figures.
    TitlesDiffer,
    /// Nothing contradicts, but no evidence reaches its threshold.
    WeakEvidence,
}

impl Refusal {
    /// A difference both postings state (a feed, an employer, a place, a contract, terms),
    /// not one read from what a text does not say.
    pub fn is_stated(self) -> bool {
        !matches!(
            self,
            Refusal::EmployerNotNamed | Refusal::PlaceNotNamed | Refusal::WeakEvidence
        )
    }

    /// A short name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            Refusal::Slot => "one feed, two references at once",
            Refusal::Employer => "conflict: employer",
            Refusal::EmployerNotNamed => "conflict: employer not named in the text",
            Refusal::Commune => "conflict: commune",
            Refusal::Department => "conflict: department",
            Refusal::Contract => "conflict: contract",
            Refusal::PlaceNotNamed => "conflict: text names another place",
            Refusal::Hours => "conflict: weekly hours",
            Refusal::TimeKind => "conflict: full/part time",
            Refusal::Duration => "conflict: contract duration",
            Refusal::Salary => "conflict: salary",
            Refusal::Start => "conflict: start date",
            Refusal::PlaceWords => "conflict: unresolved place words",
            Refusal::FactsMostlyDiffer => "figures mostly differ (>=5 each, <40% shared)",
            Refusal::FactsDiffer => "figures differ (>=3 each, <75% of the fewer shared)",
            Refusal::TitlesDiffer => "titles differ",
            Refusal::WeakEvidence => "weak evidence (no threshold reached)",
        }
    }
}

/// Two postings that cannot be the same job whatever their texts say: different employers,
/// communes, departments or contract types (each only when known on both sides).
pub fn conflict(a: &Features, b: &Features) -> bool {
    conflict_reason(a, b).is_some()
}

/// The first rule by which two postings conflict (see [`conflict`]).
pub fn conflict_reason(a: &Features, b: &Features) -> Option<Refusal> {
    let differ =
        |x: &Option<String>, y: &Option<String>| matches!((x, y), (Some(x), Some(y)) if x != y);
    // The stated differences first: the first reason is a stated one whenever there is one
    // (`Refusal::is_stated`, on which `plan_join` relies).
    if matches!((a.slot, b.slot), (Some(x), Some(y)) if x == y) {
        Some(Refusal::Slot)
    } else if employers_differ(a, b) {
        Some(Refusal::Employer)
    } else if differ(&a.commune, &b.commune) {
        Some(Refusal::Commune)
    } else if differ(&a.department, &b.department) {
        Some(Refusal::Department)
    } else if differ(&a.contract, &b.contract) {
        Some(Refusal::Contract)
    } else if let Some(r) = terms_differ(&a.terms, &b.terms) {
        Some(r)
    } else if place_words_differ(a, b) || place_unresolved(a, b) || place_unresolved(b, a) {
        Some(Refusal::PlaceWords)
    } else if employer_contradicted(a, b) || employer_contradicted(b, a) {
        Some(Refusal::EmployerNotNamed)
    } else if place_contradicted(a, b) || place_contradicted(b, a) {
        Some(Refusal::PlaceNotNamed)
    } else {
        None
    }
}

/// How two postings compare: the figures [`same_job`] decides on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Title token overlap (relative to the shorter title), and Jaccard similarity.
    pub title: f64,
    pub title_jaccard: f64,
    /// Estimated Jaccard similarity of the shingle sets, and containment of the smaller.
    pub shingles: f64,
    pub shingle_containment: f64,
    /// Estimated Jaccard similarity of the content-word sets.
    pub words: f64,
    /// Jaccard similarity of the stated figures, and the fewest figures of the two.
    pub facts: f64,
    pub min_facts: usize,
    /// Both employers known and the same organisation.
    pub employer_match: bool,
    /// One employer unknown, and the other one's name appears in its text.
    pub employer_mentioned: bool,
    /// Employer, commune and contract known on both sides and equal.
    pub fields: bool,
    /// Stated figures in common, relative to the fewer.
    pub facts_contained: f64,
    /// Whole dates in common, and the fewest dates of the two.
    pub shared_dates: usize,
    pub min_dates: usize,
    /// Distinct shingles of the shorter description.
    pub min_shingles: u32,
}

/// Compares two postings (symmetric).
pub fn compare(a: &Features, b: &Features) -> Comparison {
    let shingles = jaccard(&a.shingle_sig, &b.shingle_sig);
    let employer_match =
        !a.employer.is_empty() && !b.employer.is_empty() && !employers_differ(a, b);
    Comparison {
        title: overlap(&a.title, &b.title),
        title_jaccard: token_jaccard(&a.title, &b.title),
        shingles,
        shingle_containment: containment(shingles, a.n_shingles, b.n_shingles),
        words: jaccard(&a.word_sig, &b.word_sig),
        facts: set_jaccard(&a.facts, &b.facts),
        min_facts: a.facts.len().min(b.facts.len()),
        employer_match,
        employer_mentioned: mentioned(a, b) || mentioned(b, a),
        fields: employer_match
            && a.commune.is_some()
            && b.commune.is_some()
            && a.contract.is_some()
            && b.contract.is_some(),
        facts_contained: contained(&a.facts, &b.facts),
        shared_dates: shared(&a.dates, &b.dates),
        min_dates: a.dates.len().min(b.dates.len()),
        min_shingles: a.n_shingles.min(b.n_shingles),
    }
}

/// The same-job decision: `Some(score)` (higher is closer) when the two postings are the same
/// job, `None` otherwise. Symmetric.
///
/// A conflict (employer, commune, department, contract) is never the same job, and neither
/// are two texts that both state figures (dates, amounts, hours, references) and mostly
/// different ones. Otherwise the evidence must be one of:
/// - the same fields: employer, commune and contract known on both sides and equal, and
///   titles that are alike (the same ad reworded, or rewritten from scratch);
/// - a long shared passage: most of the shorter description is found in the other one
///   (shingle containment) and the titles agree: a full copy, a shortened one, or one
///   republished later;
/// - the same words: the content words of the descriptions largely agree and so do the
///   titles: the same ad reworded;
/// - the same facts: the same employer states mostly the same figures (with the same fields,
///   whatever the titles);
/// - the same dates: the same employer, a title in common and the same two whole dates (a
///   start date and a deadline are kept by any rewording, and another job of the employer
///   rarely has both);
/// - a shortened copy: the same employer, alike titles, every figure of the one found in the
///   other and most of its passages too (0.75: the containment of a short text in a long one,
///   estimated from signatures, is off by 0.1 either way);
/// - a rewritten excerpt: the same employer, the same title, and every figure (two at least)
///   of the one found in the other.
///
/// The fewer fields are known on both sides, the more text evidence is required; when the
/// employer is unknown on a side, its text must name the other side's employer, else the
/// bar is higher still. Thresholds were set on candidate pairs of the evaluation set
/// (`tests/dedup_eval.rs`, whose `DEDUP_EVAL_PAIRS` writes them).
pub fn same_job(a: &Features, b: &Features) -> Option<f64> {
    verdict(a, b).ok()
}

/// [`same_job`], saying which rule refuses when it does.
pub fn verdict(a: &Features, b: &Features) -> Result<f64, Refusal> {
    if let Some(r) = conflict_reason(a, b) {
        return Err(r);
    }
    let c = compare(a, b);
    // Both texts state figures, and most differ: other dates, amounts, references.
    if c.min_facts >= 5 && c.facts < 0.4 && c.facts_contained < 1.0 {
        return Err(Refusal::FactsMostlyDiffer);
    }
    // Several figures on each side, and a quarter of the fewer are not on the other: the
    // specific details differ (a shop's address, another reference), whatever the shared
    // boilerplate says.
    if c.min_facts >= 3 && c.facts_contained < 0.75 {
        return Err(Refusal::FactsDiffer);
    }
    let vouched = c.employer_match || c.employer_mentioned;
    // A different title is a different job, unless the ad states the same specific facts:
    // its own dates (start, deadline) and most of its figures; or, for a title that keeps a
    // word of the other (the same role reworded: "Commis de cuisine", "Aide de cuisine"), a
    // date and every figure of the fewer, or every figure (three at least) of an ad written
    // anew. The same text under another title is the employer's template for another job
    // ("Vendeur bijouterie", "Vendeur téléphonie"): a board that rewrites an ad rewrites its
    // title with it, an employer that reuses its text changes only the title. The word kept
    // must name the role: an interim agency's "Electricien secteur naval" and "Tireur de
    // câbles secteur naval" share only their sector, and the same figures (the same site,
    // the same mission terms) for two trades.
    let role = role_shared(a, b);
    let same_facts = vouched
        && ((c.shared_dates >= 2 && c.facts_contained >= 0.8)
            || (c.shared_dates >= 1 && c.facts_contained >= 1.0 && role)
            || (c.min_facts >= 3
                && c.facts_contained >= 1.0
                && role
                && c.shingle_containment < 0.8));
    if titles_differ(a, b) && !same_facts {
        return Err(Refusal::TitlesDiffer);
    }
    let fields = c.fields;
    let (passage, reworded) = if fields {
        (0.55, 0.45)
    } else if vouched {
        (0.85, 0.5)
    } else {
        (0.9, 0.75)
    };
    let same = (c.shingle_containment >= passage && c.title_jaccard >= 0.5)
        || (c.shingle_containment >= passage.max(0.8) && c.title >= 0.5 && c.words >= 0.5)
        || (c.words >= reworded && c.title_jaccard >= 0.5)
        || (vouched && c.min_facts >= 3 && c.facts >= 0.6 && c.title_jaccard >= 0.5)
        || (vouched
            && c.min_facts >= 3
            && c.facts_contained >= 1.0
            && c.title > 0.0
            && c.words >= 0.45)
        || (fields && (c.title_jaccard >= 0.34 || c.title >= 0.67))
        || (fields && c.min_facts >= 3 && c.facts >= 0.6)
        || (vouched
            && c.shingle_containment >= 0.85
            && c.words >= 0.6
            && c.min_facts >= 3
            && c.facts >= 0.6)
        || (vouched && c.shared_dates >= 2 && c.title >= 0.5)
        || (vouched
            && c.shingle_containment >= 0.75
            && c.title_jaccard >= 0.5
            && c.facts_contained >= 1.0)
        || (vouched && c.title_jaccard >= 1.0 && c.min_facts >= 2 && c.facts_contained >= 1.0);
    if same {
        Ok(c.title + c.shingle_containment + c.words + c.facts)
    } else {
        Err(Refusal::WeakEvidence)
    }
}
