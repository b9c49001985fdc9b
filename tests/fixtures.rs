//! Fixture contract, as in squawk: every file in `tests/fixtures/ok/` converts to all five
//! dialects without an error-severity diagnostic; every file in `tests/fixtures/err/` gives at
//! least one error with a location, and the rest of the file is still converted. The source
//! dialect is the file name's prefix (`mysql-`, `postgres-`, `sqlite-`, `sqlserver-`, `oracle-`;
//! else MySQL). Each (fixture, target) output is a snapshot of what the user sees.

mod common;

use ferry::diag::{Severity, render};
use ferry::dialect::Dialect;
use ferry::emit::Section;
use ferry::source::SourceFile;

fn check(dir: &str, expect_errors: bool) {
    let all = common::convert::fixtures(dir);
    assert!(!all.is_empty());
    for (from, stem, text) in all {
        let file = SourceFile::new(format!("{dir}/{stem}.sql"), text);
        for to in Dialect::ALL {
            let conv = common::convert::with_defaults(from, to, &file);
            let errors: Vec<_> = conv
                .diagnostics
                .iter()
                .filter(|d| d.severity() == Severity::Error)
                .collect();
            if expect_errors {
                assert!(!errors.is_empty(), "{stem} -> {to}: expected an error");
                assert!(
                    errors.iter().all(|d| d.span.is_some()),
                    "{stem}: an error without a location"
                );
            } else {
                assert!(
                    errors.is_empty(),
                    "{stem} -> {to}: {}",
                    render::to_string(&file, &conv.diagnostics)
                );
            }
            let shown = format!(
                "{}\n{}",
                render::to_string(&file, &conv.diagnostics),
                conv.output.render(Section::All)
            );
            insta::assert_snapshot!(format!("{dir}__{stem}__to_{}", to.name()), shown);
        }
    }
}

#[test]
fn ok_fixtures_convert_cleanly() {
    check("ok", false);
}

#[test]
fn err_fixtures_report_located_errors() {
    check("err", true);
}
