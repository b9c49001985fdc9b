//! One fuzz input through everything `ferry convert` and `ferry report` run on a file: the
//! conversion for every (from, to) pair of dialects, the diagnostics rendered, the DDL printed,
//! the report built. Shared by the stable fuzzer (`bench/fuzz.rs`) and the cargo-fuzz target
//! (`fuzz/fuzz_targets/convert.rs`).

use ferry::dialect::Dialect;
use ferry::emit::{IdentCase, Section};
use ferry::source::{SourceFile, Span};
use ferry::{ConvertOptions, convert};

/// Runs every pair on `text`; `variant` picks the options (identifier case, ON UPDATE
/// emulation). A panic is a finding; so is the `Err`: a diagnostic whose place is not in the
/// text (it would name the wrong line or none).
pub fn run_all(text: &str, variant: u64) -> Result<(), String> {
    let file = SourceFile::new("fuzz.sql", text);
    for from in Dialect::ALL {
        for to in Dialect::ALL {
            let opts = ConvertOptions {
                from,
                to,
                identifiers: if variant & 1 == 0 {
                    IdentCase::Keep
                } else {
                    IdentCase::Lower
                },
                emulate_on_update: variant & 2 != 0,
                user_mappings: None,
                config: None,
                // Oracle 11 (30-byte names, identity by trigger) on every fourth variant.
                oracle_compat: (variant & 4 != 0).then_some(11),
            };
            let conv = convert(&file, &opts);
            for d in &conv.diagnostics {
                let spans = d.span.iter().chain(d.labels.iter().map(|(s, _)| s));
                if let Some(bad) = spans.copied().find(|s| !inside(text, *s)) {
                    return Err(format!(
                        "{} -> {}: {} `{}` at {}..{} of a {}-byte text",
                        from.name(),
                        to.name(),
                        d.code.id,
                        d.message,
                        bad.start,
                        bad.end,
                        text.len()
                    ));
                }
            }
            std::hint::black_box(ferry::diag::render::to_string(&file, &conv.diagnostics));
            std::hint::black_box(conv.output.render(Section::All));
            std::hint::black_box(ferry::report::build(&file, &conv));
        }
    }
    Ok(())
}

/// The span is a range of the text that starts and ends on character boundaries.
fn inside(text: &str, s: Span) -> bool {
    s.start <= s.end && text.is_char_boundary(s.start) && text.is_char_boundary(s.end)
}
