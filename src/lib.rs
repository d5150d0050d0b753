//! essaim aggregates the job-offer feeds of the social and solidarity economy: it polls
//! partner feeds, normalises every offer into one French-aware model, deduplicates, keeps
//! everything in SQLite and republishes one merged feed. See ARCHITECTURE.md for the map.
//!
//! The modules follow the data: [`config`] -> [`fetch`] -> [`parse`] -> [`normalise`] ->
//! [`dedup`] -> [`store`] -> [`publish`], with [`pipeline`] gluing one refresh together and
//! [`scheduler`], [`web`] and [`export`] around them. [`politeness`] decides when a feed is
//! fetched next (pure functions), on the time of a [`clock`].

pub mod clock;
pub mod config;
pub mod dedup;
pub mod export;
pub mod fetch;
pub mod geo;
pub mod metrics;
pub mod model;
pub mod normalise;
pub mod parse;
pub mod pipeline;
pub mod politeness;
pub mod publish;
pub mod purge;
pub mod registry;
pub mod scheduler;
pub mod secret;
pub mod store;
pub mod text;
pub mod validate;
pub mod web;
