//! Shared test helpers: real database servers, and the names of the snapshots tests write.
#![allow(dead_code)]

pub mod convert;
pub mod db;
