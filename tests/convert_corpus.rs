//! Every DDL file of the corpus (MySQL, PostgreSQL, SQLite, SQL Server, Oracle), converted to
//! MySQL, PostgreSQL and SQLite: one snapshot per (file, target) holding the summary, the
//! diagnostics and the DDL. SQL Server and Oracle as targets are checked in `vendor_targets.rs`.
//! The contract asserted on every file: no panic, tables in = tables out, and no statement left
//! unread (no error-severity diagnostic).

mod common;

use std::path::Path;

use common::convert::{corpus_files, vendor_corpus_files};

use ferry::dialect::Dialect;
use ferry::emit::Section;
use ferry::source::SourceFile;
use ferry::summary;

fn snapshot_name(path: &Path, to: Dialect) -> String {
    let stem = path.to_string_lossy().replace(['/', '.'], "_");
    format!("{stem}__to_{}", to.name())
}

fn render(file: &SourceFile, conv: &ferry::Conversion, to: Dialect) -> String {
    let s = summary::summarize(&conv.schema, &conv.stats, &conv.diagnostics);
    let mut out = format!(
        "-- ferry convert --from {} --to {}\n",
        conv_from(file),
        to.name()
    );
    out.push_str(&format!(
        "-- statements: {}, skipped: {}, parse errors: {}\n",
        s.statements, s.skipped_statements, s.parse_errors
    ));
    for (kind, c) in &s.objects {
        out.push_str(&format!(
            "-- {kind}: {} read, {} converted, {} with warnings, {} manual\n",
            c.read, c.converted, c.with_warnings, c.manual
        ));
    }
    out.push_str("--\n-- diagnostics:\n");
    for d in &conv.diagnostics {
        let at = d.span.map_or(String::new(), |sp| {
            let (l, c) = file.line_col(sp.start);
            format!("{l}:{c} ")
        });
        out.push_str(&format!(
            "-- {at}{} {}: {}\n",
            d.code.id,
            d.severity().as_str(),
            d.message
        ));
    }
    out.push('\n');
    out.push_str(&conv.output.render(Section::All));
    out
}

fn conv_from(file: &SourceFile) -> &str {
    file.name.split('/').next().unwrap_or("")
}

#[test]
fn corpus_converts_to_every_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files = corpus_files();
    assert!(!files.is_empty(), "tests/corpus holds no SQL files");
    files.extend(vendor_corpus_files());
    for (from, rel) in files {
        let text = std::fs::read_to_string(root.join(&rel))
            .unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
        let file = SourceFile::new(rel.to_string_lossy(), text);
        for to in [Dialect::Mysql, Dialect::Postgres, Dialect::Sqlite] {
            let conv = common::convert::with_defaults(from, to, &file);
            let created = conv.output.tables_created();
            assert_eq!(
                created,
                conv.schema.tables.len(),
                "{} -> {to}: tables in != tables out",
                rel.display()
            );
            // Every statement of the corpus is read: a parse error here is a regression (what
            // sqlparser cannot read is repaired or classified in parse/sql.rs, with a diagnostic).
            let errors: Vec<&str> = conv
                .diagnostics
                .iter()
                .filter(|d| d.severity() == ferry::diag::Severity::Error)
                .map(|d| d.message.as_str())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", rel.display());
            insta::assert_snapshot!(snapshot_name(&rel, to), render(&file, &conv, to));
        }
    }
}
