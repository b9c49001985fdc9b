//! Fixture contract, as in squawk: every file in `tests/fixtures/ok/` converts to all three
//! targets without an error-severity diagnostic; every file in `tests/fixtures/err/` gives at
//! least one error with a location, and the rest of the file is still converted. The source
//! dialect is the file name's prefix (`mysql-`, `postgres-`, `sqlite-`; else MySQL). Each
//! (fixture, target) output is a snapshot of what the user sees.

mod common;

use std::path::Path;

use ferry::diag::{Severity, render};
use ferry::dialect::Dialect;
use ferry::emit::Section;
use ferry::source::SourceFile;

fn check(dir: &str, expect_errors: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut paths: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for path in paths {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let from =
            Dialect::from_name(stem.split('-').next().unwrap_or("")).unwrap_or(Dialect::Mysql);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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
