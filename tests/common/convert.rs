//! Converting a script in tests, with the default options.

use std::path::{Path, PathBuf};

use ferry::dialect::Dialect;
use ferry::emit::IdentCase;
use ferry::source::SourceFile;
use ferry::{Conversion, ConvertOptions, convert};

pub fn with_defaults(from: Dialect, to: Dialect, file: &SourceFile) -> Conversion {
    let opts = ConvertOptions {
        from,
        to,
        identifiers: IdentCase::Keep,
        emulate_on_update: false,
        user_mappings: None,
        config: None,
    };
    convert(file, &opts)
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
#[allow(dead_code)] // not every test binary that includes `common` reads them
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
