//! Every DDL file of the corpus (MySQL, PostgreSQL, SQLite, SQL Server, Oracle), converted to
//! MySQL, PostgreSQL and SQLite: one snapshot per (file, target) holding the summary, the
//! diagnostics and the DDL. SQL Server and Oracle as targets are checked in `vendor_targets.rs`.
//! The contract asserted on every file: no panic, tables in = tables out, and no statement left
//! unread (no error-severity diagnostic).

mod common;

use std::path::Path;

use common::convert::{corpus_files, vendor_corpus_files};

use ferry::dialect::Dialect;
use ferry::source::SourceFile;

fn snapshot_name(path: &Path, to: Dialect) -> String {
    let stem = path.to_string_lossy().replace(['/', '.'], "_");
    format!("{stem}__to_{}", to.name())
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
            insta::assert_snapshot!(
                snapshot_name(&rel, to),
                common::convert::snapshot(&file, &conv, conv_from(&file), to)
            );
        }
    }
}
