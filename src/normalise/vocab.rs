//! The vocabulary readers under their former path, for the callers outside `normalise` that
//! still name it: the web filters (`parse_working_time`), a dedup test and tests/clusters.rs
//! (`parse_salary`), the parse_normalise bench (`labelled_fields`, `clean_title`) and the
//! fuzz targets. Each reader lives in the module of its concern.

pub use super::contract::classify_contract;
pub use super::duration::contract_duration;
pub use super::labels::labelled_fields;
pub use super::salary::parse_salary;
pub use super::title::clean_title;
pub use super::working_time::parse_working_time;
