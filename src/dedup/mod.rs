//! Deduplication, in pure functions (no I/O, no panic on input), the store persisting what
//! they decide:
//!
//! - identity within one feed (`identity.rs`): which stored offer an incoming item is, known
//!   by the partner's own reference, else its canonical link, else a hash of what it says
//!   (title, employer, place), never a random or time-based id ([`identity()`],
//!   [`assign_identities`] for feeds whose references cannot be trusted, [`canonical_url`]);
//!   the stable [`public_id`] of a posting and the [`content_hash`] that tells a changed
//!   offer from an unchanged one;
//! - similarity across feeds ([`similar`]): which postings are the same job, the blocking keys
//!   their candidates are found by, and the published job of a cluster;
//! - clustering decisions ([`cluster`]): the candidates of a posting, which clusters it joins
//!   and which members leave ([`similar::plan_join`]), taken through the [`cluster::Clusters`]
//!   trait that the store implements inside its transaction; [`trace`], the diagnostics of
//!   those decisions.

pub mod cluster;
mod identity;
pub mod similar;
pub mod trace;

pub use identity::{
    assign_identities, assign_identities_of, canonical_url, content_hash, content_hash_of_json,
    identity, public_id, IdentityInput, KnownPostings,
};
