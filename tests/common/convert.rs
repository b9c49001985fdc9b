//! Converting a script in tests, with the default options.

use std::path::{Path, PathBuf};

use ferry::dialect::Dialect;
use ferry::emit::{IdentCase, Section};
use ferry::source::SourceFile;
use ferry::{Conversion, ConvertOptions, convert};

pub fn with_defaults(from: Dialect, to: Dialect, file: &SourceFile) -> Conversion {
    convert(file, &options(from, to))
}

/// The default options of a conversion.
pub fn options(from: Dialect, to: Dialect) -> ConvertOptions {
    ConvertOptions {
        from,
        to,
        identifiers: IdentCase::Keep,
        emulate_on_update: false,
        user_mappings: None,
        config: None,
        oracle_compat: None,
    }
}

/// The MySQL, PostgreSQL and SQLite corpus files: (dialect, path relative to tests/corpus).
pub fn corpus_files() -> Vec<(Dialect, PathBuf)> {
    files_of(&[
        ("mysql", Dialect::Mysql),
        ("postgresql", Dialect::Postgres),
        ("sqlite", Dialect::Sqlite),
    ])
}

/// The SQL Server and Oracle corpus files: (dialect, path relative to tests/corpus).
pub fn vendor_corpus_files() -> Vec<(Dialect, PathBuf)> {
    files_of(&[
        ("sqlserver", Dialect::SqlServer),
        ("oracle", Dialect::Oracle),
    ])
}

fn files_of(dirs: &[(&str, Dialect)]) -> Vec<(Dialect, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    for &(dir, d) in dirs {
        let Ok(dbs) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for db in dbs.flatten() {
            let Ok(files) = std::fs::read_dir(db.path()) else {
                continue;
            };
            for f in files.flatten() {
                let p = f.path();
                if p.extension().is_some_and(|e| e == "sql") {
                    out.push((d, p.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(p)));
                }
            }
        }
    }
    out.sort();
    out
}

/// What a conversion snapshot holds: the command, the summary, the diagnostics at their
/// line:column, and the DDL.
pub fn snapshot(file: &SourceFile, conv: &Conversion, from: &str, to: Dialect) -> String {
    let s = ferry::summary::summarize(&conv.schema, &conv.stats, &conv.diagnostics);
    let mut out = format!("-- ferry convert --from {from} --to {}\n", to.name());
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

/// The fixtures of `tests/fixtures/<dir>`, sorted: (source dialect, file stem, text). The
/// dialect is the stem's prefix (`mysql-`, `postgres-`, `sqlite-`, `sqlserver-`, `oracle-`;
/// else MySQL).
pub fn fixtures(dir: &str) -> Vec<(Dialect, String, String)> {
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
    paths
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            let from =
                Dialect::from_name(stem.split('-').next().unwrap_or("")).unwrap_or(Dialect::Mysql);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (from, stem, text)
        })
        .collect()
}
