//! [`Features`]: what the same-job decision looks at for one posting, built from its offer by
//! [`features`]; [`FEATURES_VERSION`] says how they were computed.

use super::employer::employer_features;
use super::facts::figures;
use super::keys::{BANDS, ROWS};
use super::place::place_features;
use super::shingles::{minhash, text_sets};
use super::terms::{terms, Terms};
use super::title::{title_initials, title_sector_mask, title_tokens};
use super::words::fnv;
use crate::model::Offer;

/// Bumped whenever features or signatures are computed differently (stored features of
/// another version are computed again when their posting is next seen). A change of the keys
/// alone needs a migration that lists every posting for its keys again, as
/// `schema/0005_dedup_pending.sql` does.
pub const FEATURES_VERSION: u8 = 7;

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
    /// Which title tokens only name the sector ("secteur naval"), one bit each (see
    /// [`title_sector_mask`]).
    pub title_sector: u16,
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
    /// MinHash of the shingle set (NUM_HASHES values): the first [`WIDE_VALUES`], which the
    /// blocking keys' bands are made of, are the low 16 bits of the minimum, the others its low
    /// 8 bits ([`narrow`]); [`jaccard`](super::jaccard) compares the low 8 bits of each.
    pub shingle_sig: Vec<u16>,
    /// MinHash of the content-word set, each value the low 8 bits of the minimum.
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
    /// When the commune is unknown: 16-bit hashes of the phrases of one to [`PLACE_GRAM`](super::PLACE_GRAM)
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

/// Values of the shingle signature kept at 16 bits: those the blocking keys' LSH bands are
/// made of (`keys.rs`), so that a band still stands for 48 bits of signature and unrelated
/// postings rarely share one. Every other value keeps its low 8 bits.
pub const WIDE_VALUES: usize = BANDS * ROWS;

/// A signature as stored since version 7: the values from `wide` on cut to their low 8 bits.
/// The same-job decision compares 8 bits of each value, so nothing it reads is lost: a 16-bit
/// value would only tell apart the 1 in 256 pairs of different minima whose low 8 bits agree,
/// which [`jaccard`](super::jaccard) corrects for on average. Half the bytes per value: 232
/// bytes less per stored posting (issue 20).
fn narrow(mut sig: Vec<u16>, wide: usize) -> Vec<u16> {
    for v in sig.iter_mut().skip(wide) {
        *v &= 0xff;
    }
    sig
}

/// The slot of a posting published by feed `feed_id`: postings of one slot are different
/// jobs.
pub fn slot(feed_id: &str) -> u64 {
    fnv(feed_id.as_bytes()) | 1
}

/// The features of an offer.
pub fn features(offer: &Offer) -> Features {
    let employer = employer_features(offer);
    let place = place_features(offer);
    let (shingles, content) = text_sets(&offer.description_text);
    let (facts, dates) = figures(&offer.description_text);
    let title = title_tokens(&offer.title);
    Features {
        terms: terms(offer),
        place_words: place.place_words,
        slot: None,
        employer: employer.tokens,
        initials: employer.initials,
        title_sector: title_sector_mask(&offer.title, &title),
        title,
        title_initials: title_initials(&offer.title),
        commune: place.commune,
        department: offer.location.place.department.clone(),
        contract: offer.contract.map(|c| c.code().to_string()),
        n_shingles: shingles.len() as u32,
        n_words: content.len() as u32,
        shingle_sig: narrow(minhash(&shingles), WIDE_VALUES),
        word_sig: narrow(minhash(&content), 0),
        mentions: employer.mentions,
        head_initials: employer.head_initials,
        self_named: employer.self_named,
        facts,
        dates,
        place_at: place.place_at,
        place_grams: place.place_grams,
        head_words: place.head_words,
    }
}
