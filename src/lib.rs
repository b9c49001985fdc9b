//! ferry: convert a database schema from one engine to another.
//!
//! The pipeline (see ARCHITECTURE.md): split -> parse -> lower -> order -> map -> emit.
//! Every stage is a plain function returning `(T, Vec<Diagnostic>)`.

pub mod diag;
pub mod dialect;
pub mod ir;
pub mod parse;
pub mod source;
pub mod transform;
