//! Same job or not, across feeds: the pure decision logic of cross-feed deduplication.
//!
//! A posting is reduced to [`Features`]: its employer, title and place as folded tokens, its
//! contract code, two MinHash signatures of its description, one over word shingles
//! ([`SHINGLE`] words: long verbatim passages, as in full, temporal and shortened copies) and
//! one over the bag of content words (stemmed, stop words removed: the same job reworded),
//! and the figures it states (dates, amounts, references: kept by a rewording, rarely shared
//! by another job). [`same_job`] decides on a pair of features: a different employer,
//! commune, department or contract type is a different job (see [`conflict`]), and so are
//! texts stating mostly different figures; otherwise fields, titles and descriptions must
//! agree enough. [`plan_join`] says which clusters a posting joins. [`keys`] gives the
//! blocking keys under which a posting is filed so that its candidates are found without
//! scanning every stored posting: LSH band buckets of the shingle signature, plus employer
//! and title keys with and without the department.
//!
//! Why these measures, in figures (`tests/dedup_eval.rs` on `fixtures/dedup-eval.jsonl`):
//! shingles alone find full, temporal and shortened copies (99-100% of them) but few
//! rewritten ones (under 5%); content words and stated figures bring rewritten ads to 91%;
//! the figures veto removes more than half of the wrong candidate pairs at the cost of 3
//! right ones in 2,300. The blocking keys hold 98% of the true pairs as candidates.
//!
//! Everything here is deterministic and stable across runs and machines (the store keeps
//! signatures and keys): changing a constant or a hash changes [`FEATURES_VERSION`]. No I/O,
//! no panics on any input.

use std::collections::BTreeSet;

use super::trace;
use crate::model::Offer;
use crate::text::fold;

/// Bumped whenever features or signatures are computed differently (stored features of
/// another version are computed again when their posting is next seen). A change of the keys
/// alone needs a migration that lists every posting for its keys again, as
/// `schema/0005_dedup_pending.sql` does.
pub const FEATURES_VERSION: u8 = 5;
/// Length of each MinHash signature.
pub const NUM_HASHES: usize = 128;
/// Words per shingle.
pub const SHINGLE: usize = 5;
/// LSH over the shingle signature: `BANDS` bands of `ROWS` values. Each band is a blocking key
/// looked up for every posting filed, the dearest part of filing in a large database. On the
/// labelled set 8 bands find as much as 16 did (recall 0.9576 against 0.9602, and 0.9421
/// against 0.9412 on the held-out draw, same precision), with a third fewer keys per posting.
pub const BANDS: usize = 8;
pub const ROWS: usize = 3;
/// At most this many candidates are read per blocking key (the most recent ones), so that a
/// crowded key (a generic ad, a large employer) costs the same whatever the database holds.
pub const CANDIDATES_PER_KEY: usize = 24;
/// Of the candidates found through the keys, at most this many are read and compared: those
/// sharing the most keys with the posting (duplicates share many: bands, employer, title).
pub const CANDIDATES_READ: usize = 16;

/// What the same-job decision looks at, for one posting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Features {
    /// Distinctive employer tokens (folded, legal forms and function words removed), sorted.
    pub employer: Vec<String>,
    /// First letters of the employer's words ("aide et services a domicile" is "asd"), to
    /// recognise an acronym on another board.
    pub initials: String,
    /// Stemmed title tokens, sorted, unique.
    pub title: Vec<String>,
    /// First letters of the title's words in order, without function words ("ide" for
    /// "infirmier diplômé d'État"), to recognise an acronym in another title.
    pub title_initials: String,
    /// Folded commune name ("saint etienne" is "st etienne").
    pub commune: Option<String>,
    /// Department code.
    pub department: Option<String>,
    /// Contract code of essaim's vocabulary.
    pub contract: Option<String>,
    /// Distinct shingles and distinct content words of the description.
    pub n_shingles: u32,
    pub n_words: u32,
    /// MinHash of the shingle set (NUM_HASHES values, each the low 16 bits of the minimum).
    pub shingle_sig: Vec<u16>,
    /// MinHash of the content-word set.
    pub word_sig: Vec<u16>,
    /// When the employer is unknown: hashes of the words of the description (its first
    /// 4,000 characters), to check a candidate's employer against.
    pub mentions: Vec<u32>,
    /// When the employer is unknown: first letters of the words of the description's
    /// beginning, to recognise a candidate's employer written as an acronym ("CAE").
    pub head_initials: String,
    /// The employer is known and named at the start of the description.
    pub self_named: bool,
    /// Hashes of the facts the description states in figures (dates, amounts, hours,
    /// reference numbers), sorted: a rewording keeps them, another job rarely has the same.
    pub facts: Vec<u32>,
    /// Hashes of the whole dates the description states ("08/10/2026"), sorted: a start
    /// date, a deadline.
    pub dates: Vec<u32>,
    /// When the commune is known: the position (in words) where the description first names
    /// it, within its first [`PLACE_HEAD`] words ([`NOT_NAMED`] when it does not).
    pub place_at: u16,
    /// When the commune is unknown: 16-bit hashes of the phrases of one to [`PLACE_GRAM`]
    /// words of the place as written, the title and the description's first [`PLACE_HEAD`]
    /// words, sorted, to check a candidate's commune against; and how many description words
    /// were read.
    pub place_grams: Vec<u16>,
    pub head_words: u16,
    /// The terms the offer states (hours, duration, salary, start date, working time): two
    /// postings stating different terms are different jobs.
    pub terms: Terms,
    /// When neither commune nor department is known: the place as written, folded words
    /// without figures ("dylaki", "strzelce opolskie"), sorted, unique.
    pub place_words: Vec<String>,
    /// Not stored: the feed the posting is published on at the moment it is compared, when
    /// it is (see [`slot`]). Two postings published at once under different references of one
    /// feed are two jobs.
    pub slot: Option<u64>,
}

/// What an offer states about the job's terms, in comparable units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terms {
    /// Weekly hours, in tenths.
    pub hours: Option<u16>,
    /// 1 full time, 2 part time.
    pub time_kind: Option<u8>,
    /// Contract duration in days (a month is 30, a year 365).
    pub duration_days: Option<u16>,
    /// Salary bounds in whole currency units and the period (1 hour, 2 day, 3 month, 4 year).
    pub salary: Option<(u32, u32, u8)>,
    /// Start date, days since 1970-01-01 in Paris.
    pub start_day: Option<i32>,
}

/// The slot of a posting published by feed `feed_id`: postings of one slot are different
/// jobs.
pub fn slot(feed_id: &str) -> u64 {
    fnv(feed_id.as_bytes()) | 1
}

/// At most this many facts are kept per posting.
const MAX_FACTS: usize = 48;
/// Words of the description's beginning in which a place is looked for.
pub const PLACE_HEAD: usize = 200;
/// How much of an employer-less description is read for the names it mentions.
const MENTIONS_CHARS: usize = 4000;
/// Longest commune name looked for, in folded words ("st germain en laye").
pub const PLACE_GRAM: usize = 4;
/// `place_at` of a posting whose description does not name its commune.
pub const NOT_NAMED: u16 = u16::MAX;

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

/// The figures of a text: dates ("08/10/2026") whole, other digit runs one by one.
pub fn facts(text: &str) -> Vec<u32> {
    figures(text).0
}

/// The figures of a text, and those of them that are whole dates (two separators).
fn figures(text: &str) -> (Vec<u32>, Vec<u32>) {
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
fn set_jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Function words and words of every job ad that say nothing about which job it is.
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "avec", "ce", "ces", "cet", "cette", "d", "dans", "de", "des", "du", "elle",
    "en", "et", "est", "il", "ils", "je", "l", "la", "le", "les", "leur", "leurs", "lui", "ma",
    "mais", "me", "mes", "mon", "ne", "ni", "nos", "notre", "nous", "on", "ou", "par", "pas",
    "pour", "qu", "que", "qui", "sa", "se", "ses", "si", "son", "sont", "sur", "ta", "te", "tes",
    "ton", "tu", "un", "une", "vos", "votre", "vous", "y", "h", "f", "x", "e", "etre", "avoir",
];

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

/// Folded words of a text.
fn words(text: &str) -> Vec<String> {
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

fn is_stop(w: &str) -> bool {
    STOP_WORDS.contains(&w)
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

/// Title tokens: stemmed content words, without gender and inclusive-writing fragments.
pub fn title_tokens(title: &str) -> Vec<String> {
    let set: BTreeSet<String> = words(title)
        .into_iter()
        .filter(|w| w.len() > 1 && !is_stop(w) && !TITLE_NOISE.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect();
    set.into_iter().collect()
}

/// 64-bit FNV-1a: stable across runs, platforms and Rust versions.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// MinHash of a set of 64-bit element hashes: for each of NUM_HASHES hash functions (an
/// element hash mixed with a per-function seed), the minimum, kept as its low 16 bits.
/// An empty set gives an empty signature.
pub fn minhash(elements: &BTreeSet<u64>) -> Vec<u16> {
    if elements.is_empty() {
        return Vec::new();
    }
    let mut mins = [u64::MAX; NUM_HASHES];
    for &e in elements {
        for (i, m) in mins.iter_mut().enumerate() {
            let h = splitmix(e ^ (i as u64).wrapping_mul(0xd6e8_feb8_6659_fd93));
            if h < *m {
                *m = h;
            }
        }
    }
    mins.iter().map(|m| (*m & 0xffff) as u16).collect()
}

/// Estimated Jaccard similarity of the two sets behind two signatures (0 when either is empty).
pub fn jaccard(a: &[u16], b: &[u16]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// Estimated containment of the smaller set in the larger one, from their Jaccard estimate
/// and sizes: |A∩B| = J (|A| + |B|) / (1 + J).
pub fn containment(j: f64, na: u32, nb: u32) -> f64 {
    let small = na.min(nb);
    if small == 0 {
        return 0.0;
    }
    let inter = j * f64::from(na + nb) / (1.0 + j);
    (inter / f64::from(small)).min(1.0)
}

/// The shingles and the content words of a description, hashed.
fn text_sets(text: &str) -> (BTreeSet<u64>, BTreeSet<u64>) {
    let ws = words(text);
    let mut shingles = BTreeSet::new();
    if ws.len() >= SHINGLE {
        for win in ws.windows(SHINGLE) {
            shingles.insert(fnv(win.join(" ").as_bytes()));
        }
    } else if !ws.is_empty() {
        shingles.insert(fnv(ws.join(" ").as_bytes()));
    }
    let content: BTreeSet<u64> = ws
        .iter()
        .filter(|w| w.len() > 2 && !is_stop(w))
        .map(|w| fnv(stem(w).as_bytes()))
        .collect();
    (shingles, content)
}

/// The features of an offer.
pub fn features(offer: &Offer) -> Features {
    let place = &offer.location.place;
    let employer = offer
        .employer
        .as_deref()
        .map(employer_tokens)
        .unwrap_or_default();
    let (shingles, content) = text_sets(&offer.description_text);
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
    // name the employer (version 4; it was one word before).
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
    let (facts, dates) = figures(&offer.description_text);
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
    Features {
        terms: terms(offer),
        place_words,
        slot: None,
        employer,
        initials,
        title: title_tokens(&offer.title),
        title_initials: words(&offer.title)
            .iter()
            .filter(|w| !is_stop(w))
            .filter_map(|w| w.chars().next())
            .collect(),
        commune,
        department: place.department.clone(),
        contract: offer.contract.map(|c| c.code().to_string()),
        n_shingles: shingles.len() as u32,
        n_words: content.len() as u32,
        shingle_sig: minhash(&shingles),
        word_sig: minhash(&content),
        mentions,
        head_initials,
        self_named,
        facts,
        dates,
        place_at,
        place_grams,
        head_words: head_words as u16,
    }
}

/// The terms an offer states.
pub fn terms(offer: &Offer) -> Terms {
    use crate::model::{DurationUnit, SalaryPeriod, WorkingTimeKind};
    let wt = offer.working_time.as_ref();
    let hours = wt
        .and_then(|w| w.hours_per_week)
        .filter(|h| h.is_finite() && *h > 0.0 && *h < 100.0)
        .map(|h| (h * 10.0).round() as u16);
    let time_kind = wt.and_then(|w| w.kind).map(|k| match k {
        WorkingTimeKind::FullTime => 1,
        WorkingTimeKind::PartTime => 2,
    });
    let duration_days = offer.contract_duration.and_then(|d| {
        let per = match d.unit {
            DurationUnit::Day => 1.0,
            DurationUnit::Week => 7.0,
            DurationUnit::Month => 30.0,
            DurationUnit::Year => 365.0,
        };
        let days = f64::from(d.amount) * per;
        (days.is_finite() && days > 0.0 && days < 20_000.0).then(|| days.round() as u16)
    });
    let salary = offer.salary.as_ref().and_then(|s| {
        let period = match s.period? {
            SalaryPeriod::Hour => 1,
            SalaryPeriod::Day => 2,
            SalaryPeriod::Month => 3,
            SalaryPeriod::Year => 4,
        };
        let ok = |v: f64| (v.is_finite() && v > 0.0 && v < 1e7).then(|| v.round() as u32);
        let min = s.min.and_then(ok);
        let max = s.max.and_then(ok);
        match (min, max) {
            (None, None) => None,
            (a, b) => Some((a.or(b)?, b.or(a)?, period)),
        }
    });
    let start_day = offer.start_date.map(|t| {
        let day = t
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive()
            .signed_duration_since(chrono::NaiveDate::default());
        day.num_days() as i32
    });
    Terms {
        hours,
        time_kind,
        duration_days,
        salary,
        start_day,
    }
}

/// The two postings state different terms: weekly hours, full or part time, contract
/// duration, salary figures (of the same period) or start date, each when both state it.
fn terms_differ(a: &Terms, b: &Terms) -> Option<Refusal> {
    fn differ<T: PartialEq>(x: Option<T>, y: Option<T>) -> bool {
        matches!((x, y), (Some(x), Some(y)) if x != y)
    }
    let salary = match (a.salary, b.salary) {
        (Some((amin, amax, ap)), Some((bmin, bmax, bp))) if ap == bp => {
            let far = |x: u32, y: u32| x.abs_diff(y) * 50 > x.max(y);
            far(amin, bmin) || far(amax, bmax)
        }
        _ => false,
    };
    let start = matches!((a.start_day, b.start_day), (Some(x), Some(y)) if x.abs_diff(y) > 1);
    if differ(a.hours, b.hours) {
        Some(Refusal::Hours)
    } else if differ(a.time_kind, b.time_kind) {
        Some(Refusal::TimeKind)
    } else if differ(a.duration_days, b.duration_days) {
        Some(Refusal::Duration)
    } else if salary {
        Some(Refusal::Salary)
    } else if start {
        Some(Refusal::Start)
    } else {
        None
    }
}

/// Each of two titles has a word the other lacks (once cleaned and stemmed): "Chef de partie"
/// and "Chef de rang", "Soudeur" and "Chaudronnier". A title that only adds words to the other
/// ("Educateur spécialisé" and "Educateur spécialisé en MECS") is the same title, reworded.
/// Words that qualify a position without naming another job ("comptable général",
/// "infirmier diplômé d'État", "mission de service civique"), and words that name the same
/// role in other words (the key is read as the value).
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
fn overlap(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.iter().filter(|t| b.contains(t)).count();
    inter as f64 / a.len().min(b.len()) as f64
}

fn token_jaccard(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.iter().filter(|t| b.contains(t)).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// The employers are known on both sides and are not the same organisation: each name has a
/// word the other lacks ("IFAC Côte-d'Or" and "UNA Côte-d'Or"), or they share none. One name
/// may be a shorter form of the other ("Restos du Cœur" and "Les Restos du Cœur de la
/// Marne"), and a word may be the acronym of the other's words ("ASD Tarn" and "Aide et
/// services à domicile du Tarn").
fn employers_differ(a: &Features, b: &Features) -> bool {
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

/// Neither posting's place could be resolved, and each names a place word the other lacks
/// ("Dylaki" and "Krapkowice"): foreign or unknown places compare as written.
fn place_words_differ(a: &Features, b: &Features) -> bool {
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
fn place_unresolved(known: &Features, unknown: &Features) -> bool {
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
fn place_contradicted(known: &Features, unknown: &Features) -> bool {
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

/// `known` names its employer at the start of its text, and `unknown`, which gives no
/// employer, has a text that does not name it: another organisation wrote it.
fn employer_contradicted(known: &Features, unknown: &Features) -> bool {
    known.self_named
        && unknown.employer.is_empty()
        && !unknown.mentions.is_empty()
        && !mentioned(known, unknown)
}

/// Every word of `known`'s employer appears in `unknown`'s text (a short word may appear as the
/// initials of words at its start: "CAE" for "coopérative d'activité et d'emploi").
fn mentioned(known: &Features, unknown: &Features) -> bool {
    !known.employer.is_empty()
        && unknown.employer.is_empty()
        && known.employer.iter().all(|t| {
            let h = (fnv(t.as_bytes()) & 0xffff_ffff) as u32;
            unknown.mentions.binary_search(&h).is_ok()
                || ((2..=6).contains(&t.len()) && unknown.head_initials.contains(t.as_str()))
        })
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

/// Elements two sorted sets have in common.
fn shared(a: &[u32], b: &[u32]) -> usize {
    a.iter().filter(|x| b.binary_search(x).is_ok()).count()
}

/// Elements in common relative to the smaller set (0 when either is empty).
fn contained(a: &[u32], b: &[u32]) -> f64 {
    let small = a.len().min(b.len());
    if small == 0 {
        return 0.0;
    }
    shared(a, b) as f64 / small as f64
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
/// (`tests/dedup_eval.rs`, `dump_candidate_pairs`).
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
    // title with it, an employer that reuses its text changes only the title.
    let same_facts = vouched
        && ((c.shared_dates >= 2 && c.facts_contained >= 0.8)
            || (c.shared_dates >= 1 && c.facts_contained >= 1.0 && c.title > 0.0)
            || (c.min_facts >= 3
                && c.facts_contained >= 1.0
                && c.title > 0.0
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

/// Groups postings into clusters from scratch, the way the store grows them: in order, each
/// posting joins the groups holding a posting it matches, as [`plan_join`] allows (and the
/// postings it shows to be ambiguous leave their group). Returns, for each posting, the index
/// of the first posting of its group.
pub fn components(features: &[&Features]) -> Vec<usize> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let mut matches: Vec<(f64, Vec<&Features>)> = Vec::new();
        let mut which: Vec<usize> = Vec::new();
        for (g, members) in groups.iter().enumerate() {
            let best = members
                .iter()
                .filter_map(|&m| same_job(f, features[m]))
                .fold(None, |acc: Option<f64>, s| {
                    Some(acc.map_or(s, |a| a.max(s)))
                });
            if let Some(best) = best {
                matches.push((best, members.iter().map(|&m| features[m]).collect()));
                which.push(g);
            }
        }
        let plan = plan(f, &matches, false);
        // Ambiguous members leave their group first (each becomes its own).
        let mut detached = Vec::new();
        for &(c, k) in &plan.detach {
            if let Some(&m) = groups[which[c]].get(k) {
                detached.push((which[c], m));
            }
        }
        for (g, m) in detached {
            groups[g].retain(|&x| x != m);
            groups.push(vec![m]);
        }
        let chosen: Vec<usize> = plan.join.into_iter().map(|c| which[c]).collect();
        match chosen.iter().min() {
            None => groups.push(vec![i]),
            Some(&target) => {
                for &g in &chosen {
                    if g != target {
                        let moved = std::mem::take(&mut groups[g]);
                        groups[target].extend(moved);
                    }
                }
                groups[target].push(i);
            }
        }
    }
    let mut labels = vec![0; features.len()];
    for g in &groups {
        let first = g.iter().copied().min().unwrap_or(0);
        for &m in g {
            labels[m] = first;
        }
    }
    labels
}

/// What a posting does to the clusters it matches (see [`plan_join`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinPlan {
    /// Indexes (into `matches`) of the clusters merged with the posting.
    pub join: Vec<usize>,
    /// Members (cluster index into `matches`, member index) that the posting shows to be
    /// ambiguous: each leaves its cluster and stands alone.
    pub detach: Vec<(usize, usize)>,
}

/// Which existing clusters a posting joins. `matches` holds, for each cluster with at least
/// one posting that [`same_job`] accepts, its best score and all its members' features.
///
/// Clusters are taken best score first, and each is joined only if the posting is the same
/// job as at least half of its members (so that one ambiguous link does not chain two jobs)
/// and none of its members [`conflict`]s with the posting or with the members of the clusters
/// already joined: a cluster never holds two postings known to be different jobs.
///
/// A posting that is also the same job as a cluster known to be another job (one of its
/// members conflicts with a cluster joined) could be either: a shortened ad that lacks the one
/// detail telling two jobs of an employer apart. It joins nothing: its text says no more of
/// one job than of the other (scores do not help: two shortened ads of different jobs match
/// each other better than either matches its own full ad). In the same way, when the posting
/// conflicts with some members of a cluster but is the same job as others, those others are
/// the same job as two different jobs (the posting's and their cluster's): they leave their
/// cluster and stand alone ([`JoinPlan::detach`]).
pub fn plan_join(posting: &Features, matches: &[(f64, Vec<&Features>)]) -> JoinPlan {
    plan(posting, matches, trace::on())
}

/// [`plan_join`], recording its decision for [`trace`] when `traced`.
fn plan(posting: &Features, matches: &[(f64, Vec<&Features>)], traced: bool) -> JoinPlan {
    let mut order: Vec<usize> = (0..matches.len()).collect();
    order.sort_by(|&a, &b| matches[b].0.total_cmp(&matches[a].0).then(a.cmp(&b)));
    let mut joined: Vec<&Features> = vec![posting];
    let mut joined_evidence: Option<Evidence> = None;
    let mut plan = JoinPlan::default();
    let mut ambiguous = false;
    let mut outcomes: Vec<(usize, trace::Outcome)> = Vec::new();
    for i in order {
        let members = &matches[i].1;
        let agreeing: Vec<&&Features> = members
            .iter()
            .filter(|m| same_job(posting, m).is_some())
            .collect();
        let evidence = Evidence::of(posting, &agreeing);
        let direct = members.iter().any(|m| conflict(posting, m));
        let clash = members
            .iter()
            .any(|m| joined.iter().any(|j| conflict(m, j)));
        // A member the posting conflicts with only by what a text does not say (an employer
        // or a place not named), while most members are the same job: no proof of two jobs.
        let soft = direct
            && !clash_beyond(posting, members, &joined)
            && !members
                .iter()
                .any(|m| conflict_reason(posting, m).is_some_and(Refusal::is_stated));
        let outcome = if agreeing.len() * 2 > members.len() && soft {
            joined.extend(members.iter().copied());
            plan.join.push(i);
            joined_evidence = Some(joined_evidence.map_or(evidence, |e| e.best(evidence)));
            trace::Outcome::Joined
        } else if agreeing.len() * 2 >= members.len() && !clash {
            joined.extend(members.iter().copied());
            plan.join.push(i);
            joined_evidence = Some(joined_evidence.map_or(evidence, |e| e.best(evidence)));
            trace::Outcome::Joined
        } else if !direct && clash {
            // The same job as this cluster too, which is another job than one joined: the
            // posting could be either, unless a figure it states tells them apart.
            let decided = joined_evidence.is_some_and(|e| e.decides_against(evidence));
            if !decided {
                ambiguous = true;
            }
            let reason = traced
                .then(|| {
                    members
                        .iter()
                        .find_map(|m| joined.iter().find_map(|j| conflict_reason(m, j)))
                })
                .flatten()
                .unwrap_or(Refusal::WeakEvidence);
            trace::Outcome::Clash { reason, decided }
        } else if direct {
            let against: Vec<&&Features> =
                members.iter().filter(|m| conflict(posting, m)).collect();
            // Only a stated difference shows two jobs; a text that does not name an employer or
            // a place is no proof that the posting is another job than the cluster's.
            let stated = against
                .iter()
                .any(|c| conflict_reason(posting, c).is_some_and(Refusal::is_stated));
            for (k, m) in members.iter().enumerate() {
                if !stated || same_job(posting, m).is_none() {
                    continue;
                }
                // Unless its figures are those of the members the posting conflicts with,
                // and not the posting's: then it is theirs, not ambiguous.
                let mates: Vec<&&Features> = against
                    .iter()
                    .copied()
                    .filter(|c| same_job(m, c).is_some())
                    .collect();
                let theirs = Evidence::of(m, &mates);
                if !theirs.decides_against(Evidence::of(m, &[&posting])) {
                    plan.detach.push((i, k));
                }
            }
            let reason = traced
                .then(|| members.iter().find_map(|m| conflict_reason(posting, m)))
                .flatten()
                .unwrap_or(Refusal::WeakEvidence);
            trace::Outcome::Direct(reason)
        } else {
            trace::Outcome::Half
        };
        if traced {
            outcomes.push((i, outcome));
        }
    }
    if ambiguous {
        plan.join.clear();
    }
    if traced {
        trace::record(trace::Plan {
            posting: trace::fingerprint(posting),
            clusters: outcomes
                .into_iter()
                .map(|(i, o)| {
                    (
                        matches[i].1.iter().map(|m| trace::fingerprint(m)).collect(),
                        o,
                    )
                })
                .collect(),
            ambiguous,
        });
    }
    plan
}

/// A member conflicts with a posting of `joined` other than `posting` itself.
fn clash_beyond(posting: &Features, members: &[&Features], joined: &[&Features]) -> bool {
    members.iter().any(|m| {
        joined
            .iter()
            .any(|j| !std::ptr::eq(*j, posting) && conflict(m, j))
    })
}

/// What is specific to the ad in a posting's agreement with a cluster: whether every figure
/// it shares a comparison with is stated alike (a shop's street number and postcode, a
/// reference, a date), and how much of its text the cluster's best member contains.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Evidence {
    /// Some members state figures, and one of them states exactly the posting's (or the
    /// posting states exactly its).
    facts_agree: bool,
    /// Some member's figures differ from the posting's.
    facts_differ: bool,
    containment: f64,
    /// Some member has the posting's title (not another one, accepted on its figures).
    same_title: bool,
}

impl Evidence {
    fn of(posting: &Features, members: &[&&Features]) -> Evidence {
        let mut e = Evidence {
            facts_agree: false,
            facts_differ: false,
            containment: 0.0,
            same_title: false,
        };
        for m in members {
            e.same_title |= !titles_differ(posting, m);
            let c = compare(posting, m);
            if c.min_facts > 0 {
                if c.facts_contained >= 1.0 {
                    e.facts_agree = true;
                } else {
                    e.facts_differ = true;
                }
            }
            e.containment = e.containment.max(c.shingle_containment);
        }
        e
    }

    fn best(self, other: Evidence) -> Evidence {
        Evidence {
            facts_agree: self.facts_agree || other.facts_agree,
            facts_differ: self.facts_differ && other.facts_differ,
            containment: self.containment.max(other.containment),
            same_title: self.same_title || other.same_title,
        }
    }

    /// Whether these figures tell the posting's job from the other cluster's: the posting
    /// states them as this one does and otherwise than all of the other's members, and its
    /// text agrees at least as much with this one.
    fn decides_against(self, other: Evidence) -> bool {
        (self.facts_agree
            && other.facts_differ
            && !other.facts_agree
            && self.containment >= other.containment)
            || (self.same_title && !other.same_title)
    }
}

/// How much an offer says: the richest posting of a cluster gives the merged item its fields.
pub fn richness(o: &Offer) -> usize {
    let known = [
        o.employer.is_some(),
        o.contract.is_some(),
        o.location.place.commune.is_some(),
        o.location.place.department.is_some(),
        o.salary_raw.is_some(),
        o.working_time.is_some(),
        o.valid_through.is_some(),
        o.start_date.is_some(),
        o.apply_url.is_some(),
        o.sector.is_some(),
        o.url.is_some(),
        o.published.is_some(),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    known * 100 + o.description_text.chars().count().min(5000) / 10
}

/// The merged item of a cluster: the richest posting (by [`richness`]) gives the fields, and
/// each field it leaves empty is taken from the next richest posting that has it, so that
/// nothing one partner stated is lost (an employer given by one board only, a salary figure
/// given by another). Paired fields move together: a figure with the text it was read from
/// (contract, working time, salary), and the whole place when the richest has no commune.
/// The description is the longest one. None for no posting.
pub fn merged(mut postings: Vec<Offer>) -> Option<Offer> {
    // Stable: among equally rich postings the first one (the oldest) stays the base.
    postings.sort_by_key(|o| std::cmp::Reverse(richness(o)));
    // The description is the longest one: the others are most often excerpts of it (RSS
    // summaries, boards that cut at a few hundred characters).
    let longest = postings
        .iter()
        .enumerate()
        .max_by_key(|(i, o)| (o.description_text.chars().count(), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)?;
    let description = (longest != 0).then(|| {
        let o = &postings[longest];
        (o.description_text.clone(), o.description_html.clone())
    });
    let mut rest = postings.into_iter();
    let mut base = rest.next()?;
    for other in rest {
        fill_gaps(&mut base, other);
    }
    if let Some((text, html)) = description {
        base.description_text = text;
        base.description_html = html;
    }
    Some(base)
}

fn fill_gaps(base: &mut Offer, other: Offer) {
    fn take<T>(mine: &mut Option<T>, theirs: Option<T>) {
        if mine.is_none() {
            *mine = theirs;
        }
    }
    take(&mut base.url, other.url);
    take(&mut base.apply_url, other.apply_url);
    take(&mut base.employer, other.employer);
    take(&mut base.employer_family, other.employer_family);
    take(&mut base.sector, other.sector);
    take(&mut base.published, other.published);
    take(&mut base.updated, other.updated);
    take(&mut base.valid_through, other.valid_through);
    take(&mut base.start_date, other.start_date);
    take(&mut base.contract_duration, other.contract_duration);
    if base.contract.is_none() && other.contract.is_some() {
        base.contract = other.contract;
        base.contract_raw = other.contract_raw;
    } else {
        take(&mut base.contract_raw, other.contract_raw);
    }
    if base.working_time.is_none() && other.working_time.is_some() {
        base.working_time = other.working_time;
        base.working_time_raw = other.working_time_raw;
    } else {
        take(&mut base.working_time_raw, other.working_time_raw);
    }
    if base.salary.is_none() && other.salary.is_some() {
        base.salary = other.salary;
        base.salary_raw = other.salary_raw;
    } else {
        take(&mut base.salary_raw, other.salary_raw);
    }
    if base.employment_types.is_empty() {
        base.employment_types = other.employment_types;
    }
    if base.categories.is_empty() {
        base.categories = other.categories;
    }
    let remote = base.location.remote.or(other.location.remote);
    if base.location.place.commune.is_none() && other.location.place.commune.is_some() {
        base.location = other.location;
    } else if base.location.place == Default::default() {
        take(&mut base.location.raw, other.location.raw);
    }
    base.location.remote = remote;
}

/// The blocking keys a posting is filed under (and its candidates are looked up by), as
/// signed 64-bit integers for the store: LSH bands of the shingle signature, each employer
/// token by department, and the title by department.
pub fn keys(f: &Features) -> Vec<i64> {
    let mut out = BTreeSet::new();
    let tag = |parts: &[&[u8]]| -> i64 {
        let mut buf = Vec::with_capacity(64);
        for p in parts {
            buf.extend_from_slice(p);
            buf.push(0x1f);
        }
        fnv(&buf) as i64
    };
    if f.shingle_sig.len() >= BANDS * ROWS {
        for band in 0..BANDS {
            let mut buf = vec![b'b', band as u8];
            for v in &f.shingle_sig[band * ROWS..(band + 1) * ROWS] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            out.insert(tag(&[&buf]));
        }
    }
    let dept = f.department.as_deref().unwrap_or("").as_bytes();
    let mut emp: Vec<&String> = f.employer.iter().collect();
    emp.sort_by_key(|t| std::cmp::Reverse(t.len()));
    for t in emp.iter().take(2) {
        out.insert(tag(&[b"e", t.as_bytes(), dept]));
    }
    if !f.title.is_empty() {
        out.insert(tag(&[b"t", f.title.join(" ").as_bytes(), dept]));
    }
    // Employer and title words without the place, for postings that do not say where.
    let mut title: Vec<&String> = f.title.iter().collect();
    title.sort_by_key(|t| std::cmp::Reverse(t.len()));
    // Title words with the place, for a posting without employer whose title adds or drops
    // a word ("Responsable vrac", "Responsable de rayon vrac").
    if !dept.is_empty() {
        for t in title.iter().take(3) {
            out.insert(tag(&[b"w", t.as_bytes(), dept]));
        }
    }
    for e in emp.iter().take(2) {
        for t in title.iter().take(2) {
            out.insert(tag(&[b"x", e.as_bytes(), t.as_bytes()]));
        }
    }
    out.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// Binary encoding of features for the store: compact and versioned.

fn put_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(255);
    out.push(n as u8);
    out.extend_from_slice(&b[..n]);
}

fn put_strs(out: &mut Vec<u8>, v: &[String]) {
    out.push(v.len().min(255) as u8);
    for s in v.iter().take(255) {
        put_str(out, s);
    }
}

fn put_opt(out: &mut Vec<u8>, s: &Option<String>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn put_u16s(out: &mut Vec<u8>, v: &[u16]) {
    out.extend_from_slice(&(v.len() as u16).to_le_bytes());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// Encodes features for storage.
pub fn encode(f: &Features) -> Vec<u8> {
    let mut out = Vec::with_capacity(600);
    out.push(FEATURES_VERSION);
    put_strs(&mut out, &f.employer);
    put_str(&mut out, &f.initials);
    put_str(&mut out, &f.head_initials);
    out.push(u8::from(f.self_named));
    put_strs(&mut out, &f.title);
    put_opt(&mut out, &f.commune);
    put_opt(&mut out, &f.department);
    put_opt(&mut out, &f.contract);
    out.extend_from_slice(&f.n_shingles.to_le_bytes());
    out.extend_from_slice(&f.n_words.to_le_bytes());
    put_u16s(&mut out, &f.shingle_sig);
    put_u16s(&mut out, &f.word_sig);
    for set in [&f.mentions, &f.facts, &f.dates] {
        out.extend_from_slice(&(set.len() as u16).to_le_bytes());
        for m in set {
            out.extend_from_slice(&m.to_le_bytes());
        }
    }
    out.extend_from_slice(&f.place_at.to_le_bytes());
    out.extend_from_slice(&f.head_words.to_le_bytes());
    put_u16s(&mut out, &f.place_grams);
    // Version 3.
    let t = &f.terms;
    let flags = u8::from(t.hours.is_some())
        | u8::from(t.time_kind.is_some()) << 1
        | u8::from(t.duration_days.is_some()) << 2
        | u8::from(t.salary.is_some()) << 3
        | u8::from(t.start_day.is_some()) << 4;
    out.push(flags);
    out.extend_from_slice(&t.hours.unwrap_or(0).to_le_bytes());
    out.push(t.time_kind.unwrap_or(0));
    out.extend_from_slice(&t.duration_days.unwrap_or(0).to_le_bytes());
    let (smin, smax, sp) = t.salary.unwrap_or((0, 0, 0));
    out.extend_from_slice(&smin.to_le_bytes());
    out.extend_from_slice(&smax.to_le_bytes());
    out.push(sp);
    out.extend_from_slice(&t.start_day.unwrap_or(0).to_le_bytes());
    put_strs(&mut out, &f.place_words);
    put_str(&mut out, &f.title_initials);
    out
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u8()? as usize;
        self.take(n)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
    fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.u8()?;
        (0..n).map(|_| self.str()).collect()
    }
    fn opt(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            _ => self.str().map(Some),
        }
    }
    fn u16s(&mut self) -> Option<Vec<u16>> {
        let n = self.u16()?;
        (0..n).map(|_| self.u16()).collect()
    }
}

/// Decodes stored features; None when they are damaged or of an unknown version. Features
/// of version 2 (before terms and place words) decode with none stated, and those of
/// versions 3 (`self_named` read from one word) and 4 (mentions read from the text's first
/// 400 characters only) as written: all are filed again at their feed's next fetch.
pub fn decode(bytes: &[u8]) -> Option<Features> {
    let mut r = Reader(bytes);
    let version = r.u8()?;
    if !(2..=FEATURES_VERSION).contains(&version) {
        return None;
    }
    let employer = r.strs()?;
    let initials = r.str()?;
    let head_initials = r.str()?;
    let self_named = r.u8()? != 0;
    let title = r.strs()?;
    let commune = r.opt()?;
    let department = r.opt()?;
    let contract = r.opt()?;
    let n_shingles = r.u32()?;
    let n_words = r.u32()?;
    let shingle_sig = r.u16s()?;
    let word_sig = r.u16s()?;
    let n = r.u16()?;
    let mentions = (0..n).map(|_| r.u32()).collect::<Option<Vec<u32>>>()?;
    let n = r.u16()?;
    let facts = (0..n).map(|_| r.u32()).collect::<Option<Vec<u32>>>()?;
    let n = r.u16()?;
    let dates = (0..n).map(|_| r.u32()).collect::<Option<Vec<u32>>>()?;
    let place_at = r.u16()?;
    let head_words = r.u16()?;
    let place_grams = r.u16s()?;
    let (terms, place_words) = if version >= 3 {
        let flags = r.u8()?;
        let has = |bit: u8| flags & (1 << bit) != 0;
        let hours = r.u16()?;
        let time_kind = r.u8()?;
        let duration_days = r.u16()?;
        let (smin, smax, sp) = (r.u32()?, r.u32()?, r.u8()?);
        let start_day = r.u32()? as i32;
        let terms = Terms {
            hours: has(0).then_some(hours),
            time_kind: has(1).then_some(time_kind),
            duration_days: has(2).then_some(duration_days),
            salary: has(3).then_some((smin, smax, sp)),
            start_day: has(4).then_some(start_day),
        };
        (terms, r.strs()?)
    } else {
        (Terms::default(), Vec::new())
    };
    let title_initials = if version >= 3 {
        r.str()?
    } else {
        String::new()
    };
    Some(Features {
        terms,
        place_words,
        slot: None,
        title_initials,
        employer,
        initials,
        head_initials,
        self_named,
        title,
        commune,
        department,
        contract,
        n_shingles,
        n_words,
        shingle_sig,
        word_sig,
        mentions,
        facts,
        dates,
        place_at,
        place_grams,
        head_words,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{Contract, Location, Place};

    fn offer(
        employer: Option<&str>,
        title: &str,
        commune: &str,
        dept: &str,
        contract: Option<Contract>,
        text: &str,
    ) -> Offer {
        Offer {
            employer: employer.map(Into::into),
            title: title.into(),
            title_raw: title.into(),
            location: Location {
                place: Place {
                    commune: Some(commune.into()),
                    department: Some(dept.into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            contract,
            description_text: text.into(),
            ..Default::default()
        }
    }

    const TEXT: &str = "La Fédération Léo Lagrange Centre-Est recrute des animateurs pour ses accueils \
        périscolaires de Villeurbanne. Vos missions : encadrer les enfants de 3 à 11 ans sur les temps \
        du matin, du midi et du soir; concevoir et animer des activités ludiques, sportives et culturelles; \
        veiller à la sécurité physique et affective des enfants. Profil : BAFA exigé. Contrat : CDD de \
        10 mois, 24 heures par semaine. Envoyez CV et lettre de motivation avant le 30 novembre.";

    fn base() -> Offer {
        offer(
            Some("Fédération Léo Lagrange Centre-Est"),
            "Animateur périscolaire",
            "Villeurbanne",
            "69",
            Some(Contract::Cdd),
            TEXT,
        )
    }

    /// The merged item keeps what any posting states, figures with their text, the place
    /// whole, and the longest description.
    #[test]
    fn the_merged_item_takes_each_field_from_the_posting_that_has_it() {
        use crate::normalise::vocab::parse_salary;
        let mut full = base();
        full.employer = None;
        full.salary_raw = Some("selon convention collective".into());
        full.location.place.commune = None;
        full.location.raw = Some("Rhône".into());
        full.sector = Some("Animation".into());
        full.url = Some("https://a.example.org/offres/12".into());
        let mut excerpt = base();
        excerpt.feed_id = "b".into();
        excerpt.description_text = TEXT.chars().take(120).collect();
        excerpt.employer = Some("PARETTI".into());
        excerpt.salary_raw = Some("1 800 € brut par mois".into());
        excerpt.salary = parse_salary("1 800 € brut par mois");
        excerpt.location.remote = Some(crate::model::Remote::Partial);
        excerpt.url = None;
        let job = merged(vec![full.clone(), excerpt.clone()]).unwrap();
        assert_eq!(job.employer.as_deref(), Some("PARETTI"));
        assert_eq!(job.sector.as_deref(), Some("Animation"));
        assert_eq!(job.description_text, TEXT, "the longest description");
        assert!(job.salary.is_some());
        assert_eq!(
            job.salary_raw, excerpt.salary_raw,
            "the figure comes with the text it was read from"
        );
        assert_eq!(job.location.place.commune, excerpt.location.place.commune);
        assert_eq!(job.location.raw, excerpt.location.raw, "the place whole");
        assert_eq!(job.location.remote, Some(crate::model::Remote::Partial));
        assert_eq!(job.url, full.url);
        assert_eq!(merged(vec![]), None);
        assert_eq!(merged(vec![full.clone()]), Some(full));
    }

    /// A board that rewrites an ad rewrites its title with it ("Agent de manutention" for
    /// "Manutentionnaire - Gogolin"): the same employer, and every figure of the ad (three at
    /// least) in a text written anew, make it the same job. The same text under another title
    /// is the employer's template for another job.
    #[test]
    fn a_rewritten_ad_under_a_reworded_title_is_the_same_job() {
        const AD: &str =
            "Euro Staffing recrute pour son client, une usine de Gogolin, un agent de \
            manutention en CDD de 3 mois. Vous chargez et déchargez les camions, préparez les \
            palettes et rangez le stock. 38 heures par semaine, 4 650 zł brut par mois, début en \
            janvier.";
        const REWRITTEN: &str = "Pour une usine cliente à Gogolin, nous cherchons un \
            manutentionnaire : préparation des palettes, rangement du stock, chargement et \
            déchargement des camions. Contrat de 3 mois, 38 heures par semaine, salaire de \
            4 650 zł brut par mois. Démarrage en janvier. Euro Staffing, agence d'emploi.";
        let mut a = offer(
            Some("Euro Staffing Opole"),
            "Manutentionnaire – Gogolin",
            "Gogolin",
            "",
            Some(Contract::Cdd),
            AD,
        );
        a.location.place = Default::default();
        a.location.raw = Some("Gogolin".into());
        let mut b = a.clone();
        b.feed_id = "b".into();
        b.employer = Some("Euro Staffing".into());
        b.title = "Agent de manutention – Gogolin".into();
        b.description_text = REWRITTEN.into();
        let (fa, fb) = (features(&a), features(&b));
        assert!(titles_differ(&fa, &fb));
        assert!(same_job(&fa, &fb).is_some(), "{:?}", verdict(&fa, &fb));
        // The same text under the other title: the template of another job.
        let mut c = a.clone();
        c.feed_id = "b".into();
        c.title = "Cariste – Gogolin".into();
        assert_eq!(
            verdict(&fa, &features(&c)).err(),
            Some(Refusal::TitlesDiffer)
        );
    }

    /// An employer-less copy that names the employer anywhere in its text (here in its last
    /// paragraph) is vouched for by it.
    #[test]
    fn an_employer_named_late_in_the_text_vouches_for_it() {
        let named = features(&base());
        let mut copy = base();
        copy.employer = None;
        copy.description_text = format!(
            "{} Qui sommes-nous ? La Fédération Léo Lagrange Centre-Est, réseau d'éducation \
             populaire.",
            TEXT.replace(
                "La Fédération Léo Lagrange Centre-Est recrute",
                "Nous recrutons"
            )
        );
        let copy = features(&copy);
        assert!(compare(&named, &copy).employer_mentioned);
        assert!(!conflict(&named, &copy));
    }

    /// What real feeds merged wrongly: one employer's different roles, the same title at
    /// other hours or for another duration, one ad for several unresolvable towns.
    #[test]
    fn stated_differences_and_other_titles_are_other_jobs() {
        use crate::model::{
            ContractDuration, DurationUnit, Salary, SalaryPeriod, WorkingTime, WorkingTimeKind,
        };
        let a = features(&base());
        assert!(same_job(&a, &a.clone()).is_some());
        // Another title at the same employer, same place, same text.
        for (x, y) in [
            ("Chef de partie", "Chef de rang"),
            ("Soudeur", "Chaudronnier"),
            ("Responsable qualité", "Chef de projet"),
            ("Vendeur bijouterie", "Vendeur téléphonie"),
        ] {
            let mut o = base();
            o.title = x.into();
            let fx = features(&o);
            o.title = y.into();
            let fy = features(&o);
            assert!(titles_differ(&fx, &fy), "{x} / {y}");
            assert!(same_job(&fx, &fy).is_none(), "{x} / {y}");
        }
        // The same title reworded is the same title.
        for (x, y) in [
            ("Animateur périscolaire H/F", "Animatrice périscolaire"),
            ("Educateur spécialisé", "Éducateur spécialisé en MECS"),
            (
                "Directeur d'accueil de loisirs",
                "Responsable d'accueil de loisirs",
            ),
            ("IDE - Infirmier", "Infirmier diplômé d'État"),
            ("Comptable", "Comptable général"),
        ] {
            let mut o = base();
            o.title = x.into();
            let fx = features(&o);
            o.title = y.into();
            let fy = features(&o);
            assert!(!titles_differ(&fx, &fy), "{x} / {y}");
        }
        // Stated terms that differ.
        let with = |f: &dyn Fn(&mut Offer)| {
            let mut o = base();
            f(&mut o);
            features(&o)
        };
        let full = with(&|o| {
            o.working_time = Some(WorkingTime {
                kind: Some(WorkingTimeKind::FullTime),
                hours_per_week: Some(35.0),
            })
        });
        let part = with(&|o| {
            o.working_time = Some(WorkingTime {
                kind: Some(WorkingTimeKind::PartTime),
                hours_per_week: Some(24.0),
            })
        });
        let six = with(&|o| {
            o.contract_duration = Some(ContractDuration {
                amount: 6.0,
                unit: DurationUnit::Month,
            })
        });
        let twelve = with(&|o| {
            o.contract_duration = Some(ContractDuration {
                amount: 12.0,
                unit: DurationUnit::Month,
            })
        });
        let pay = |v: f64| {
            with(&move |o: &mut Offer| {
                o.salary = Some(Salary {
                    min: Some(v),
                    max: Some(v),
                    currency: "EUR".into(),
                    period: Some(SalaryPeriod::Month),
                    gross: Some(true),
                })
            })
        };
        let start = |d: &str| {
            let t: chrono::DateTime<chrono::Utc> = d.parse().unwrap();
            with(&move |o: &mut Offer| o.start_date = Some(t))
        };
        for (x, y) in [
            (&full, &part),
            (&six, &twelve),
            (&pay(1900.0), &pay(2100.0)),
            (
                &start("2026-10-13T22:00:00Z"),
                &start("2026-11-02T23:00:00Z"),
            ),
        ] {
            assert!(conflict(x, y), "{:?} / {:?}", x.terms, y.terms);
            assert!(same_job(x, y).is_none());
            // Stated on one side only: no contradiction.
            assert!(!conflict(x, &a), "{:?}", x.terms);
        }
        assert!(
            !conflict(&pay(1900.0), &pay(1910.0)),
            "rounding is no difference"
        );
        // Terms survive the store's encoding.
        let f = features(&base());
        assert_eq!(decode(&encode(&full)).unwrap().terms, full.terms);
        assert_eq!(
            decode(&encode(&f)).unwrap().title_initials,
            f.title_initials
        );
        // Places nobody could resolve compare as written.
        let town = |t: &str| {
            with(&move |o: &mut Offer| {
                o.location.raw = Some(t.into());
                o.location.place = Default::default();
            })
        };
        assert!(conflict(&town("Dylaki"), &town("Krapkowice")));
        assert!(!conflict(
            &town("Strzelce Opolskie"),
            &town("Strzelce Opolskie (PL)")
        ));
        // One feed publishing two references at once: two jobs.
        let (mut x, mut y) = (a.clone(), a.clone());
        x.slot = Some(slot("cress-bretagne"));
        y.slot = Some(slot("cress-bretagne"));
        assert!(same_job(&x, &y).is_none());
        y.slot = Some(slot("rs-rhone"));
        assert!(same_job(&x, &y).is_some());
    }

    #[test]
    fn stems_meet_across_gender_and_number() {
        for (a, b) in [
            ("animatrices", "animateur"),
            ("educatrice", "educateur"),
            ("specialisee", "specialise"),
            ("infirmiere", "infirmier"),
            ("chargee", "charge"),
            ("sociale", "social"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} {b}");
        }
        assert_eq!(
            title_tokens("Animateur·rice périscolaire H/F"),
            title_tokens("Animatrice périscolaire")
        );
        assert_eq!(
            employer_tokens("Association Les Restos du Cœur de la Marne"),
            employer_tokens("RESTOS DU COEUR - Marne")
        );
    }

    #[test]
    fn full_copy_shortened_copy_and_rewording_are_the_same_job() {
        let a = features(&base());
        assert!(same_job(&a, &a).is_some());
        let mut short = base();
        short.description_text = TEXT.chars().take(200).collect();
        short.contract = None;
        assert!(
            same_job(&a, &features(&short)).is_some(),
            "{:?}",
            compare(&a, &features(&short))
        );
        let mut reworded = base();
        reworded.title = "Animatrice temps périscolaire".into();
        reworded.description_text = "Léo Lagrange Centre-Est recherche des animateurs pour ses accueils \
            périscolaires à Villeurbanne. Missions principales : prendre en charge les enfants de 3 à 11 ans \
            le matin, le midi et le soir; animer des activités sportives, ludiques et culturelles; garantir \
            la sécurité physique et affective des enfants. BAFA exigé. CDD de 10 mois, 24 h hebdomadaires. \
            CV et lettre de motivation avant le 30 novembre."
            .into();
        let r = features(&reworded);
        assert!(same_job(&a, &r).is_some(), "{:?}", compare(&a, &r));
        assert_eq!(same_job(&a, &r), same_job(&r, &a));
    }

    #[test]
    fn another_employer_commune_or_contract_is_another_job() {
        let a = features(&base());
        let mut other = base();
        other.employer = Some("Les Francas du Rhône".into());
        assert!(same_job(&a, &features(&other)).is_none());
        let mut other = base();
        other.location.place.commune = Some("Vénissieux".into());
        assert!(same_job(&a, &features(&other)).is_none());
        let mut other = base();
        other.contract = Some(Contract::Cdi);
        assert!(same_job(&a, &features(&other)).is_none());
        let mut other = base();
        other.title = "Directeur d'accueil de loisirs".into();
        other.description_text =
            "Léo Lagrange recrute un directeur pour son accueil de loisirs: piloter \
            l'équipe, écrire le projet pédagogique, gérer le budget. BPJEPS exigé."
                .into();
        assert!(same_job(&a, &features(&other)).is_none());
    }

    #[test]
    fn an_unknown_employer_must_be_named_in_the_text() {
        let a = features(&base());
        let mut anon = base();
        anon.employer = None;
        let f = features(&anon);
        assert!(compare(&a, &f).employer_mentioned);
        assert!(same_job(&a, &f).is_some());
        let mut other = base();
        other.employer = Some("IFAC Rhône".into());
        assert!(!compare(&features(&other), &f).employer_mentioned);
    }

    /// A text that holds one common word of the employer's name ("quartier") does not name the
    /// employer: its copy without employer is not contradicted for not naming it either.
    #[test]
    fn one_common_word_does_not_name_the_employer() {
        let text = "Nous recrutons un référent familles en CDI. Vous serez chargé de travailler \
            avec les écoles du quartier, d'accompagner les départs en vacances et d'animer le \
            projet familles du centre social. Contrat : CDI, 35 h hebdomadaires.";
        let ad = |employer: Option<&str>| {
            features(&offer(
                employer,
                "Référent familles",
                "Vitré",
                "35",
                Some(Contract::Cdi),
                text,
            ))
        };
        let known = ad(Some("Maison de quartier des Buttes"));
        assert!(!known.self_named);
        let copy = ad(None);
        assert!(!conflict(&known, &copy));
        assert!(same_job(&known, &copy).is_some());
        // Named whole, it is: another organisation's text (without its name) contradicts.
        let named = features(&offer(
            Some("Maison de quartier des Buttes"),
            "Référent familles",
            "Vitré",
            "35",
            Some(Contract::Cdi),
            &format!("La Maison de quartier des Buttes recrute. {text}"),
        ));
        assert!(named.self_named);
        assert_eq!(
            conflict_reason(&named, &copy),
            Some(Refusal::EmployerNotNamed)
        );
        // A stated difference besides is named first: `plan_join` tells them apart by it.
        let (mut full, mut part) = (named.clone(), copy.clone());
        full.terms.hours = Some(350);
        part.terms.hours = Some(240);
        assert_eq!(conflict_reason(&full, &part), Some(Refusal::Hours));
        assert!(!Refusal::EmployerNotNamed.is_stated() && Refusal::Hours.is_stated());
    }

    #[test]
    fn a_posting_that_gives_no_commune_is_placed_by_its_text() {
        let a = features(&base());
        let mut o = base();
        o.location.place.commune = None;
        // Its text names Villeurbanne, where `a` is.
        assert!(same_job(&a, &features(&o)).is_some());
        // Its text speaks of another town where `a` names its own: another job.
        o.description_text = TEXT.replace("Villeurbanne", "Vénissieux");
        assert!(conflict(&a, &features(&o)));
        assert!(conflict(&features(&o), &a));
        // A text cut before the place says nothing of it.
        o.description_text = TEXT.chars().take(60).collect();
        assert!(!conflict(&a, &features(&o)));
        // A conflict read from what a text does not say is no proof of two jobs: the posting
        // does not join the cluster, and detaches none of its members either.
        let mut elsewhere = base();
        elsewhere.location.place.commune = None;
        elsewhere.description_text = TEXT.replace("Villeurbanne", "Vénissieux");
        let elsewhere = features(&elsewhere);
        let mut copy = base();
        copy.location.place.commune = None;
        copy.location.raw = Some("Villeurbanne".into());
        let copy = features(&copy);
        assert_eq!(
            conflict_reason(&elsewhere, &a),
            Some(Refusal::PlaceNotNamed)
        );
        assert!(same_job(&elsewhere, &copy).is_some() && same_job(&a, &copy).is_some());
        assert_eq!(
            plan_join(&elsewhere, &[(3.0, vec![&a, &copy])]),
            JoinPlan::default()
        );
        // Most of a cluster is the same job as a posting whose text names no town, and one
        // member, which names Villeurbanne, conflicts with it only by that silence: it joins.
        let mut vague = base();
        vague.location.place.commune = None;
        vague.description_text = TEXT.replace("Villeurbanne", "la métropole");
        let vague = features(&vague);
        let mut unplaced = base();
        unplaced.location.place.commune = None;
        let unplaced = features(&unplaced);
        assert_eq!(conflict_reason(&a, &vague), Some(Refusal::PlaceNotNamed));
        let m = vec![(3.0, vec![&a, &unplaced, &unplaced])];
        assert_eq!(plan_join(&vague, &m).join, vec![0]);
        // A stated difference (another contract) still keeps it out, and the members that are
        // the same job as both leave.
        let mut cdi = base();
        cdi.contract = Some(Contract::Cdi);
        let cdi = features(&cdi);
        let m = vec![(3.0, vec![&cdi, &unplaced, &unplaced])];
        let plan = plan_join(&a, &m);
        assert!(plan.join.is_empty(), "{plan:?}");
        assert_eq!(plan.detach, vec![(0, 1), (0, 2)]);
        // The place as written counts too.
        o.description_text = TEXT.replace("Villeurbanne", "la ville");
        o.location.raw = Some("Villeurbanne".into());
        assert!(!conflict(&a, &features(&o)));
    }

    /// One agency ad for several towns, the town in the title: a town nobody could resolve is
    /// not the commune of the other posting, unless it names it or names no place at all.
    #[test]
    fn an_unresolved_town_is_not_another_postings_commune() {
        let text = "Tempora, agence d'emploi de proximité, recrute pour l'un de ses clients, un \
            transporteur régional, un chauffeur-livreur (H/F) en contrat saisonnier de 4 mois. \
            Vos missions : charger le véhicule, livrer les clients professionnels, encaisser.";
        let at = |title: &str, commune: Option<(&str, &str)>, raw: &str| {
            let mut o = offer(Some("Tempora Intérim"), title, "", "", None, text);
            o.location.raw = Some(raw.into());
            o.location.place = match commune {
                Some((c, d)) => Place {
                    commune: Some(c.into()),
                    department: Some(d.into()),
                    ..Default::default()
                },
                None => Place::default(),
            };
            features(&o)
        };
        let beauvais = at(
            "Chauffeur-livreur - Beauvais",
            Some(("Beauvais", "60")),
            "Beauvais",
        );
        let dylaki = at("Chauffeur-livreur - Dylaki", None, "Dylaki");
        assert_eq!(
            conflict_reason(&beauvais, &dylaki),
            Some(Refusal::PlaceWords)
        );
        assert_eq!(
            conflict_reason(&dylaki, &beauvais),
            Some(Refusal::PlaceWords)
        );
        assert!(same_job(&beauvais, &dylaki).is_none());
        // The unresolved place names the commune, or no place in particular: no contradiction.
        for raw in [
            "Beauvais quartier Saint-Jean",
            "Télétravail",
            "France entière",
        ] {
            let other = at("Chauffeur-livreur", None, raw);
            assert!(!conflict(&beauvais, &other), "{raw}");
        }
    }

    #[test]
    fn the_same_employer_and_the_same_dates_make_a_rewritten_ad_the_same_job() {
        let text_a = "Habitat et Humanisme Rhône recrute son comptable. Vous tiendrez la \
            comptabilité générale jusqu'au bilan, préparerez la paie de 40 salariés et suivrez \
            la trésorerie. Poste à pourvoir le 14/10/2026. Candidatures avant le 03/10/2026.";
        let text_b = "Rejoignez notre équipe : saisie et révision des comptes jusqu'à la \
            clôture, bulletins de salaire, rapprochements bancaires. Prise de poste : \
            14/10/2026. Réponse attendue au plus tard le 03/10/2026.";
        let ad = |title: &str, text: &str| {
            features(&offer(
                Some("Habitat et Humanisme Rhône"),
                title,
                "Villeurbanne",
                "69",
                Some(Contract::Cdi),
                text,
            ))
        };
        let a = ad("Comptable - Gestionnaire paie", text_a);
        let b = ad("Assistant comptable", text_b);
        let c = compare(&a, &b);
        assert_eq!(c.shared_dates, 2);
        assert!(same_job(&a, &b).is_some(), "{c:?}");
        // Another start date: nothing else says it is the same job.
        let b = ad(
            "Assistant comptable",
            &text_b.replace("14/10/2026", "02/11/2026"),
        );
        assert!(same_job(&a, &b).is_none(), "{:?}", compare(&a, &b));
    }

    /// The same role under a reworded title that keeps one of its words, with the ad's date
    /// and every figure of the shorter: the same job. Another role of the employer, or
    /// another date, is not.
    #[test]
    fn a_reworded_title_keeping_a_word_with_the_same_date_and_figures_is_the_same_job() {
        let ad = |title: &str, text: &str| {
            features(&offer(
                Some("Restaurant d'insertion Le Bon Goût"),
                title,
                "Chambéry",
                "73",
                Some(Contract::Cdd),
                text,
            ))
        };
        let a = ad(
            "Commis de cuisine",
            "Le Bon Goût, restaurant d'insertion depuis 1998, recrute un commis de cuisine en \
             CDD de 6 mois, 35 heures. Vous éplucherez et préparerez les légumes, aiderez le chef \
             de partie pendant le service. Salaire : 1 850 € brut mensuel. Poste à pourvoir le \
             02/11/2026.",
        );
        let b = ad(
            "Aide de cuisine",
            "Rejoignez notre brigade : préparation des légumes, soutien au chef de partie pendant \
             le coup de feu, plonge du poste. CDD de 6 mois, 35 heures, 1 850 € brut mensuel, \
             prise de poste le 02/11/2026.",
        );
        assert!(titles_differ(&a, &b));
        assert!(same_job(&a, &b).is_some(), "{:?}", compare(&a, &b));
        let other_date = ad(
            "Aide de cuisine",
            "Rejoignez notre brigade : préparation des légumes, soutien au chef de partie pendant \
             le coup de feu, plonge du poste. CDD de 6 mois, 35 heures, 1 850 € brut mensuel, \
             prise de poste le 07/12/2026.",
        );
        assert_eq!(verdict(&a, &other_date), Err(Refusal::TitlesDiffer));
        // A rewritten excerpt under the same title, stating the same figures: the same job;
        // with another salary figure, not.
        let excerpt = |pay: &str| {
            features(&offer(
                Some("Restaurant d'insertion Le Bon Goût"),
                "Commis de cuisine",
                "Chambéry",
                "73",
                None,
                &format!("Commis en CDD de 6 mois pour notre restaurant, {pay} € brut mensuel."),
            ))
        };
        assert!(same_job(&a, &excerpt("1 850")).is_some());
        assert!(same_job(&a, &excerpt("1 950")).is_none());
        let other_role = ad(
            "Chef de rang",
            "Rejoignez notre salle : accueil des clients, prise de commandes, service d'un rang \
             de huit tables. CDD de 6 mois, 35 heures, 1 850 € brut mensuel, prise de poste le \
             02/11/2026.",
        );
        assert_eq!(verdict(&a, &other_role), Err(Refusal::TitlesDiffer));
    }

    #[test]
    fn a_posting_never_joins_two_conflicting_clusters() {
        let a = features(&base());
        let mut o = base();
        o.contract = Some(Contract::Cdi);
        let b = features(&o);
        let mut o = base();
        o.contract = None;
        let p = features(&o);
        // p (no contract) is the same job as a CDD and as a CDI: it could be either, and
        // joins neither, whatever the scores.
        let m = vec![(1.0, vec![&a]), (2.0, vec![&b])];
        assert_eq!(plan_join(&p, &m), JoinPlan::default());
        // Two clusters of the same job: both joined, best first.
        let m = vec![(1.0, vec![&a]), (2.0, vec![&a])];
        assert_eq!(plan_join(&p, &m).join, vec![1, 0]);
        // A posting that conflicts with part of a cluster and matches the rest: the rest is
        // the same job as two different ones and leaves its cluster.
        let m = vec![(2.0, vec![&b, &p])];
        assert_eq!(
            plan_join(&a, &m),
            JoinPlan {
                join: vec![],
                detach: vec![(0, 1)]
            }
        );
    }

    /// Shops of one chain: one template but for the shop's address. A full copy of one shop's
    /// ad on another board states that shop's street number and joins it; a copy cut before
    /// the address could be any shop and joins none.
    #[test]
    fn a_copy_joins_the_chain_shop_whose_figures_it_states() {
        let shop = |address: &str| {
            format!(
                "Numérique Pour Tous, réseau de boutiques solidaires, compte plus de 60 points de \
                 vente en France. Pour notre boutique {address}, nous recherchons un conseiller \
                 en boutique solidaire en CDI. Vos missions : accueillir et conseiller les \
                 clients, reconditionner les ordinateurs et smartphones donnés, tenir la caisse \
                 et animer les ateliers numériques. Profil : goût du contact et des outils \
                 numériques. Temps de travail : 35 heures par semaine. Rémunération : 1 850 € \
                 brut mensuel. Nos avantages : mutuelle, titres-restaurant, 6 semaines de \
                 congés. Postulez sur notre site carrières en indiquant la boutique."
            )
        };
        let ad = |text: &str| {
            offer(
                Some("Numérique Pour Tous"),
                "Conseiller en boutique solidaire",
                "Nice",
                "06",
                Some(Contract::Cdi),
                text,
            )
        };
        let text_a = shop("de Nice Libération (42 avenue Malausséna, 06000 Nice)");
        let text_b = shop("de Nice Gambetta (118 boulevard Gambetta, 06000 Nice)");
        // Both shops published at once by the chain's own feed: two jobs.
        let mut a = features(&ad(&text_a));
        let mut b = features(&ad(&text_b));
        a.slot = Some(slot("numerique-pour-tous"));
        b.slot = a.slot;
        assert!(conflict(&a, &b));
        let copy = features(&ad(&text_a));
        assert!(same_job(&copy, &a).is_some() && same_job(&copy, &b).is_some());
        // A shop in another quarter (another postcode too): its figures differ too much.
        let c = features(&ad(&shop("du Port (7 rue Cassini, 06300 Nice)")));
        assert!(same_job(&copy, &c).is_none(), "{:?}", compare(&copy, &c));
        for m in [
            vec![(4.0, vec![&a]), (3.6, vec![&b])],
            vec![(3.6, vec![&b]), (4.0, vec![&a])],
        ] {
            let plan = plan_join(&copy, &m);
            let joined: Vec<&Features> = plan.join.iter().map(|&i| m[i].1[0]).collect();
            assert_eq!(joined.len(), 1, "{plan:?}");
            assert!(std::ptr::eq(joined[0], &a), "the shop at number 42");
        }
        // The chain's feed publishes shop 118 beside shop 42, whose cluster holds its copy from
        // another board: the copy states shop 42's figures, not 118's, and stays with it.
        let m = vec![(4.0, vec![&a, &copy])];
        assert!(same_job(&b, &copy).is_some() && conflict(&b, &a));
        assert_eq!(
            plan_join(&b, &m),
            JoinPlan::default(),
            "nothing joined, nothing detached"
        );
        // Cut before the address: nothing tells the shops apart.
        let cut: String = text_a
            .split(" Pour notre boutique")
            .next()
            .unwrap_or("")
            .into();
        let cut = features(&ad(&format!(
            "{cut} Conseiller en boutique solidaire en CDI, 35 heures par semaine, 1 850 € brut \
             mensuel : accueillir et conseiller les clients, reconditionner les ordinateurs."
        )));
        let m = vec![(4.0, vec![&a]), (3.6, vec![&b])];
        assert!(same_job(&cut, &a).is_some() && same_job(&cut, &b).is_some());
        assert_eq!(plan_join(&cut, &m), JoinPlan::default());
    }

    /// An acronym and the name it stands for are one employer, whichever side is first.
    #[test]
    fn an_acronym_names_the_same_employer_both_ways() {
        let ad = |employer: &str| {
            let mut o = base();
            o.employer = Some(employer.into());
            features(&o)
        };
        let (short, long) = (ad("MCE"), ad("Métallerie Coopérative de l'Estuaire (SCOP)"));
        assert!(!employers_differ(&short, &long));
        assert!(!employers_differ(&long, &short));
        assert!(same_job(&long, &short).is_some());
        assert!(employers_differ(&ad("MCE"), &ad("Ateliers du Moulin")));
    }

    #[test]
    fn components_group_transitively() {
        let a = features(&base());
        let mut o = base();
        o.employer = Some("UFCV".into());
        let b = features(&o);
        assert_eq!(components(&[&a, &b, &a]), vec![0, 1, 0]);
    }

    #[test]
    fn duplicates_share_a_key_and_features_round_trip() {
        let a = features(&base());
        let mut short = base();
        short.description_text = TEXT.chars().take(200).collect();
        let b = features(&short);
        let (ka, kb) = (keys(&a), keys(&b));
        assert!(ka.iter().any(|k| kb.contains(k)));
        assert_eq!(decode(&encode(&a)), Some(a.clone()));
        assert_eq!(decode(&encode(&b)), Some(b));
        let bytes = encode(&a);
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_none());
        }
        assert!(decode(&[]).is_none());
        assert!(features(&Offer::default()).shingle_sig.is_empty());
        assert!(keys(&features(&Offer::default())).is_empty());
    }
}
