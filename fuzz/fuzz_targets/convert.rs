//! libFuzzer target: the input, read as ferry's CLI reads a file (bytes that are not UTF-8 are
//! refused before any stage runs), converted for every (from, to) pair of dialects, with the
//! diagnostics rendered, the DDL printed and the report built. Any panic is a finding, and so is
//! a diagnostic that points outside the text.
//!
//! `cargo +nightly fuzz run convert` from the repository root; README.md says more.

#![no_main]

#[path = "../../bench/fuzz_one.rs"]
mod fuzz_one;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let variant = data.first().map_or(0, |b| u64::from(*b));
    if let Err(e) = fuzz_one::run_all(text, variant) {
        panic!("{e}");
    }
});
