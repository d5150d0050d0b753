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
//! Why these measures (`tests/dedup_eval.rs` measures them on `fixtures/dedup-eval.jsonl`):
//! shingles alone find nearly all full, temporal and shortened copies but few rewritten ones;
//! content words and stated figures bring most rewritten ads; the figures veto removes more
//! than half of the wrong candidate pairs at the cost of very few right ones. The blocking
//! keys hold nearly all true pairs as candidates.
//!
//! Everything here is deterministic and stable across runs and machines (the store keeps
//! signatures and keys): changing a constant or a hash changes [`FEATURES_VERSION`]. No I/O,
//! no panics on any input.
//!
//! # Where things are
//!
//! - `features`: the [`Features`] struct, [`features`] of an offer, [`FEATURES_VERSION`],
//!   the posting's [`slot`].
//! - `words` (folding, stop words, [`stem`], the FNV hash), `shingles` (shingles, content
//!   words, [`minhash`], [`jaccard`], [`containment`]), `facts` (the figures a text states),
//!   `terms` ([`Terms`]: hours, full or part time, duration, salary, start), `employer`,
//!   `title`, `place`: each concern's features and its comparison of two postings.
//! - `rules`: the pair decision: [`conflict_reason`], [`compare`], [`verdict`] /
//!   [`same_job`], and [`Refusal`], the rule that refused.
//! - `join`: the cluster decision: [`plan_join`] (which clusters a posting joins, which
//!   members leave) and [`components`] (the same from scratch).
//! - `merge`: the published job of a cluster ([`richness`], [`merged`]).
//! - `keys`: blocking keys and candidate limits ([`keys`], [`CANDIDATES_PER_KEY`],
//!   [`CANDIDATES_READ`], [`CANDIDATES_UNCROWDED`]).
//! - `encoding`: [`encode`] / [`decode`] of features for the store.
//!
//! # Where do I add a dedup rule?
//!
//! In `rules.rs`. A rule that refuses a pair gets a [`Refusal`] variant (with its
//! [`Refusal::name`], and [`Refusal::is_stated`] saying whether both postings state the
//! difference or it is read from what a text does not say) and its check: in
//! [`conflict_reason`] when it holds whatever the texts say (stated differences before
//! unstated ones: `plan_join` relies on that order), else in [`verdict`] beside the figures
//! and titles vetoes. A new kind of evidence that two postings are one job is one more clause
//! of `same` in [`verdict`]. The comparison of one field belongs in that concern's file
//! (`employer.rs`, `title.rs`, `place.rs`, `terms.rs`, `facts.rs`), and a value the rule
//! needs that [`Features`] does not hold yet is added in `features.rs` and to
//! `encoding.rs`, with [`FEATURES_VERSION`] bumped. Then a case in `tests.rs`, and the
//! figures of `tests/dedup_eval.rs` before and after.

mod employer;
mod encoding;
mod facts;
mod features;
mod join;
mod keys;
mod merge;
mod place;
mod rules;
mod shingles;
mod terms;
mod title;
mod words;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

pub use employer::employer_tokens;
pub use encoding::{decode, encode, round_trips};
pub use facts::facts;
pub use features::{features, slot, Features, FEATURES_VERSION};
pub use join::{components, plan_join, JoinPlan};
pub use keys::{keys, BANDS, CANDIDATES_PER_KEY, CANDIDATES_READ, CANDIDATES_UNCROWDED, ROWS};
pub use merge::{merged, richness};
pub use place::{NOT_NAMED, PLACE_GRAM, PLACE_HEAD};
pub use rules::{compare, conflict, conflict_reason, same_job, verdict, Comparison, Refusal};
pub use shingles::{containment, jaccard, minhash, NUM_HASHES, SHINGLE};
pub use terms::{terms, Terms};
pub use title::{title_tokens, titles_differ};
/// The hash of the blocking keys (64-bit FNV-1a), for tests that need keys as they are.
#[cfg(test)]
pub(crate) use words::fnv;
pub use words::stem;
