//! The vocabulary readers under their former path, for the callers outside `normalise` that
//! still name it (the web filters, a dedup test, tests/clusters.rs, the parse_normalise bench,
//! the fuzz targets). Each reader lives in the module of its concern.

pub use super::contract::{classify_contract, france_travail_contract};
pub use super::duration::contract_duration;
pub use super::employer::employer_family;
pub use super::labels::{labelled_fields, Label};
pub use super::salary::parse_salary;
pub use super::title::clean_title;
pub use super::working_time::parse_working_time;
