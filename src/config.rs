//! `migration.toml`: what to move and how, for `ferry plan` and `ferry migrate --config`.
//! Parsing here; `apply` edits the IR (selection, renames, dropped columns) between lowering
//! and ordering, so every later stage (order, mapping, DDL, plan) sees the edited schema.
//!
//! ```toml
//! [settings]                      # each also a command-line option; the command line wins
//! jobs = 4
//! batch_size = 10000
//! prepare = "drop_and_create"     # create | drop_and_create | truncate | do_nothing
//! on_error = "reject_rows"        # abort | reject_rows
//! reject_file = "rejects.jsonl"
//! identifiers = "lower"           # keep | lower
//! orphans = "delete"              # abort | delete | not_valid
//! io_timeout = 30                 # seconds without an answer before a server is checked
//!
//! [tables]
//! include = ["public.*"]          # globs over `schema.table` or `table`; * and ?
//! exclude = ["*_log", "tmp_*"]
//!
//! [rename]
//! schemas = { public = "app" }
//! tables = { film = "movie" }     # source name (or schema.table) = new name
//! columns = { "film.title" = "name" }
//!
//! [drop_columns]
//! film = ["fulltext"]
//!
//! [filter]                        # a WHERE condition in the source's SQL, database sources only
//! rental = "rental_date >= '2005-06-01'"
//! ```

use crate::diag::{ObjectKind, ObjectRef};
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::{Diagnostic, codes};
use crate::dialect::Dialect;
use crate::emit::IdentCase;
use crate::ir::{Name, Schema, Table};
use crate::plan::{OnError, Preparation};

mod references;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationConfig {
    #[serde(default)]
    pub settings: ConfigSettings,
    #[serde(default)]
    pub tables: Selection,
    #[serde(default)]
    pub rename: Renames,
    /// Table -> columns not to move.
    #[serde(default)]
    pub drop_columns: BTreeMap<String, Vec<String>>,
    /// Table -> a WHERE condition for the rows to move.
    #[serde(default)]
    pub filter: BTreeMap<String, String>,
}

/// The settings of a load, as `[settings]` in migration.toml and as the options of `ferry plan`
/// and `ferry migrate` (one struct read by both; the command line wins). Unset ones take
/// `plan::Settings::DEFAULT` (`plan::Settings::layered`).
#[derive(Clone, Debug, Default, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct ConfigSettings {
    /// Tables loaded at once [default: 2].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Rows per batch (and per target transaction) [default: 10000].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// What to do with target tables first [default: create].
    #[arg(long, value_enum)]
    pub prepare: Option<Preparation>,
    /// What a bad row does: stop the load, or go to the reject file [default: abort].
    #[arg(long, value_enum)]
    pub on_error: Option<OnError>,
    /// Where rejected rows go (JSON lines); default ferry-rejects.jsonl with --on-error reject-rows.
    #[arg(long, value_name = "FILE")]
    pub reject_file: Option<String>,
    /// Keep identifiers as the source stores them, or lower-case them [default: keep].
    #[arg(long, value_enum)]
    pub identifiers: Option<IdentCase>,
    /// Rows that break a foreign key: stop, delete them, or keep them [default: abort].
    #[arg(long, value_enum)]
    pub orphans: Option<crate::plan::OrphanPolicy>,
    /// Tables larger than this with one integer key are read in chunks in parallel [default: 500000].
    #[arg(long)]
    pub chunk_rows: Option<u64>,
    /// Seconds a server may leave a request unanswered before ferry checks it with a new
    /// connection; one that answers neither stops the load (resumable). 0 waits for ever [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub io_timeout: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Renames {
    #[serde(default)]
    pub schemas: BTreeMap<String, String>,
    #[serde(default)]
    pub tables: BTreeMap<String, String>,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

/// A configuration file that cannot be read as one: the file's name and TOML's own error,
/// whose message carries the line and column.
#[derive(Debug)]
pub struct ConfigError {
    pub file: String,
    pub error: toml::de::Error,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.error)
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Reads a config file's text.
pub fn parse(name: &str, text: &str) -> Result<MigrationConfig, ConfigError> {
    toml::from_str(text).map_err(|error| ConfigError {
        file: name.to_string(),
        error,
    })
}

/// `*` any run of characters, `?` one; case-insensitive.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative matching with backtracking to the last `*`.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether a table name matches a pattern: `schema.table` patterns against the qualified name,
/// others against the table name alone.
fn name_matches(pattern: &str, name: &Name) -> bool {
    if pattern.contains('.') {
        glob_match(pattern, &name.to_string())
    } else {
        glob_match(pattern, &name.name)
    }
}

/// The entry of a per-table map (`film` or `public.film`) that names this table.
fn for_table<'m, T>(map: &'m BTreeMap<String, T>, name: &Name) -> Option<&'m T> {
    map.iter()
        .find(|(k, _)| {
            k.eq_ignore_ascii_case(&name.to_string()) || k.eq_ignore_ascii_case(&name.name)
        })
        .map(|(_, v)| v)
}

impl MigrationConfig {
    /// The row filter for a source table, if any.
    pub fn filter_for(&self, name: &Name) -> Option<String> {
        for_table(&self.filter, name).cloned()
    }

    /// Table names in the config that match no source table: each is a mistake to report.
    fn unknown_names(&self, schema: &Schema) -> Vec<String> {
        let known = |k: &str| {
            schema.tables.iter().any(|t| {
                k.eq_ignore_ascii_case(&t.name.to_string()) || k.eq_ignore_ascii_case(&t.name.name)
            })
        };
        let mut out: Vec<String> = Vec::new();
        for k in self
            .drop_columns
            .keys()
            .chain(self.filter.keys())
            .chain(self.rename.tables.keys())
        {
            if !known(k) {
                out.push(k.clone());
            }
        }
        for k in self.rename.columns.keys() {
            if let Some((t, _)) = k.rsplit_once('.')
                && !known(t)
            {
                out.push(k.clone());
            }
        }
        out
    }
}

/// What the source calls each table `apply` kept, written down before the edits: the plan
/// reads the source by these names, and a positional row (a dump's `INSERT INTO t VALUES
/// (...)`) carries a value for every source column, dropped ones included.
#[derive(Clone, Debug, Default)]
pub struct SourceNames {
    pub tables: Vec<SourceTable>,
}

/// One kept table: its name after the edits and in the source, and its source columns.
#[derive(Clone, Debug)]
pub struct SourceTable {
    /// As the edited schema (and so the target DDL) names it.
    pub name: Name,
    /// As the source names it.
    pub source: Name,
    /// Every column of the source table, in the source's order: its source name, and its name
    /// after the edits (`None`: dropped).
    pub columns: Vec<(String, Option<String>)>,
}

impl SourceNames {
    /// The record of the table the edited schema names `name`.
    pub fn by_name(&self, name: &Name) -> Option<&SourceTable> {
        self.tables
            .iter()
            .find(|t| t.name == *name)
            .or_else(|| self.tables.iter().find(|t| t.name.matches(name)))
    }
}

impl SourceTable {
    fn new(t: &Table) -> SourceTable {
        SourceTable {
            name: t.name.clone(),
            source: t.name.clone(),
            columns: t
                .columns
                .iter()
                .map(|c| (c.name.clone(), Some(c.name.clone())))
                .collect(),
        }
    }

    /// What became of the source column `name`: `Some(None)` dropped, `Some(Some(new))` kept
    /// (maybe renamed), `None` the table has no such column.
    pub fn column(&self, name: &str) -> Option<&Option<String>> {
        self.columns
            .iter()
            .find(|(c, _)| c == name)
            .or_else(|| {
                self.columns
                    .iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(name))
            })
            .map(|(_, now)| now)
    }

    /// The source name of a column as the edited schema names it.
    pub fn source_column(&self, now: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, n)| n.as_deref() == Some(now))
            .map(|(c, _)| c.as_str())
    }

    fn edit_column(&mut self, source: &str, now: Option<String>) {
        if let Some((_, n)) = self
            .columns
            .iter_mut()
            .find(|(c, _)| c.eq_ignore_ascii_case(source))
        {
            *n = now;
        }
    }
}

/// Edits the schema as the config says: drops unselected tables and dropped columns, renames
/// schemas, tables and columns, and follows the edits into what refers to them (keys, foreign
/// keys here; views, indexes, checks, defaults and generated columns in `references`). An
/// object the edits leave behind (a view over a removed table, a check over a dropped column)
/// is left out with a diagnostic; a config name that matches nothing is an error. Returns the
/// source's names of what is kept, for the plan.
pub fn apply(
    schema: &mut Schema,
    cfg: &MigrationConfig,
    dialect: Dialect,
) -> (Vec<Diagnostic>, SourceNames) {
    let mut diags = Vec::new();
    for name in cfg.unknown_names(schema) {
        diags.push(Diagnostic::new(
            &codes::CONFIG_ERROR,
            format!("the configuration names `{name}`, which is not a table of the source"),
        ));
    }
    // Selection.
    let selected = |n: &Name| {
        (cfg.tables.include.is_empty() || cfg.tables.include.iter().any(|p| name_matches(p, n)))
            && !cfg.tables.exclude.iter().any(|p| name_matches(p, n))
    };
    let removed: Vec<Name> = schema
        .tables
        .iter()
        .filter(|t| !selected(&t.name))
        .map(|t| t.name.clone())
        .collect();
    schema.tables.retain(|t| selected(&t.name));
    schema
        .indexes
        .retain(|i| !removed.iter().any(|r| r.matches(&i.table)));
    for t in &mut schema.tables {
        t.foreign_keys.retain(|fk| {
            let gone = removed.iter().any(|r| r.matches(&fk.ref_table));
            if gone {
                diags.push(
                    Diagnostic::new(
                        &codes::FK_TARGET_LEFT_OUT,
                        format!(
                            "foreign key of `{}` to `{}` is not created: the configuration leaves `{}` out",
                            t.name, fk.ref_table, fk.ref_table
                        ),
                    )
                    .at(fk.span)
                    .object(ObjectRef::table(&t.name)),
                );
            }
            !gone
        });
    }
    // From here on no table goes away: `names` runs alongside `schema.tables`.
    let mut names = SourceNames {
        tables: schema.tables.iter().map(SourceTable::new).collect(),
    };
    // Dropped columns.
    for (t, rec) in schema.tables.iter_mut().zip(&mut names.tables) {
        let Some(cols) = for_table(&cfg.drop_columns, &t.name) else {
            continue;
        };
        for c in cols {
            if !t.columns.iter().any(|x| x.name.eq_ignore_ascii_case(c)) {
                diags.push(Diagnostic::new(
                    &codes::CONFIG_ERROR,
                    format!("drop_columns: `{}` has no column `{c}`", t.name),
                ));
                continue;
            }
            if in_key(t, c) {
                diags.push(Diagnostic::new(
                    &codes::CONFIG_ERROR,
                    format!(
                        "drop_columns: `{}.{c}` is part of a key or foreign key; drop that first",
                        t.name
                    ),
                ));
                continue;
            }
            t.columns.retain(|x| !x.name.eq_ignore_ascii_case(c));
            rec.edit_column(c, None);
        }
    }
    // Column renames, before table renames (their keys use source table names).
    for (key, new) in &cfg.rename.columns {
        let Some((tname, col)) = key.rsplit_once('.') else {
            diags.push(Diagnostic::new(
                &codes::CONFIG_ERROR,
                format!("rename.columns: `{key}` must be `table.column`"),
            ));
            continue;
        };
        let Some(ti) = schema.tables.iter().position(|t| {
            tname.eq_ignore_ascii_case(&t.name.to_string())
                || tname.eq_ignore_ascii_case(&t.name.name)
        }) else {
            continue; // reported as unknown above
        };
        let table_name = schema.tables[ti].name.clone();
        let same = |x: &String| x.eq_ignore_ascii_case(col);
        let t = &mut schema.tables[ti];
        match t.columns.iter_mut().find(|c| same(&c.name)) {
            Some(c) => c.name = new.clone(),
            None => {
                diags.push(Diagnostic::new(
                    &codes::CONFIG_ERROR,
                    format!("rename.columns: `{table_name}` has no column `{col}`"),
                ));
                continue;
            }
        }
        names.tables[ti].edit_column(col, Some(new.clone()));
        for k in t.primary_key.iter_mut().chain(t.uniques.iter_mut()) {
            k.columns
                .iter_mut()
                .filter(|x| same(x))
                .for_each(|x| *x = new.clone());
        }
        for fk in &mut t.foreign_keys {
            fk.columns
                .iter_mut()
                .filter(|x| same(x))
                .for_each(|x| *x = new.clone());
        }
        for other in &mut schema.tables {
            for fk in &mut other.foreign_keys {
                if fk.ref_table.matches(&table_name) {
                    fk.ref_columns
                        .iter_mut()
                        .filter(|x| same(x))
                        .for_each(|x| *x = new.clone());
                }
            }
        }
    }
    // Table and schema renames.
    let mut renamed: Vec<(Name, Name)> = Vec::new();
    for (t, rec) in schema.tables.iter_mut().zip(&mut names.tables) {
        let mut name = t.name.clone();
        if let Some(new) = for_table(&cfg.rename.tables, &t.name) {
            name.name = new.clone();
        }
        if let Some(s) = &name.schema
            && let Some(new) = cfg.rename.schemas.get(s)
        {
            name.schema = Some(new.clone());
        }
        if name != t.name {
            renamed.push((t.name.clone(), name.clone()));
            t.name = name.clone();
            rec.name = name;
        }
    }
    for (old, new) in &renamed {
        for t in &mut schema.tables {
            for fk in &mut t.foreign_keys {
                if fk.ref_table.matches(old) {
                    fk.ref_table = new.clone();
                }
            }
        }
        for i in &mut schema.indexes {
            if i.table.matches(old) {
                i.table = new.clone();
            }
        }
    }
    for s in &mut schema.schemas {
        if let Some(new) = cfg.rename.schemas.get(&s.name) {
            s.name = new.clone();
        }
    }
    for v in &mut schema.views {
        if let Some(s) = &v.name.schema
            && let Some(new) = cfg.rename.schemas.get(s)
        {
            v.name.schema = Some(new.clone());
        }
    }
    // Views over removed tables would name tables that do not exist.
    schema.views.retain(|v| {
        let uses = crate::order::relations_of(&v.query).iter().any(|r| {
            let last =
                r.0.last()
                    .and_then(|p| p.as_ident())
                    .map(|i| i.value.clone());
            last.is_some_and(|l| removed.iter().any(|t| t.name.eq_ignore_ascii_case(&l)))
        });
        if uses {
            diags.push(
                Diagnostic::new(
                    &codes::VIEW_MANUAL,
                    format!(
                        "view `{}` is not converted: it reads a table the configuration leaves out",
                        v.name
                    ),
                )
                .at(v.span)
                .object(ObjectRef::new(ObjectKind::View, &v.name))
                .help("create the view by hand if the table is moved some other way"),
            );
        }
        !uses
    });
    diags.extend(references::follow(schema, &mut names, dialect));
    schema.reindex();
    (diags, names)
}

/// Whether a column is part of the table's primary key, a unique key or a foreign key.
fn in_key(t: &Table, column: &str) -> bool {
    t.primary_key
        .iter()
        .chain(&t.uniques)
        .any(|k| k.columns.iter().any(|k| k.eq_ignore_ascii_case(column)))
        || t.foreign_keys
            .iter()
            .any(|f| f.columns.iter().any(|k| k.eq_ignore_ascii_case(column)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("film*", "film_actor"));
        assert!(glob_match("*_log", "audit_log"));
        assert!(glob_match("f?lm", "FILM"));
        assert!(!glob_match("film", "films"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(name_matches(
            "public.*",
            &Name::new(Some("public".into()), "film")
        ));
        assert!(!name_matches(
            "other.*",
            &Name::new(Some("public".into()), "film")
        ));
    }

    #[test]
    fn unknown_keys_are_errors_with_a_place() {
        let e = parse("m.toml", "[tables]\ninclud = [\"x\"]\n");
        assert!(
            matches!(&e, Err(m) if m.to_string().contains("m.toml") && m.to_string().contains("includ")),
            "{e:?}"
        );
        let e = parse("m.toml", "[settings]\nprepare = \"nuke\"\n");
        assert!(e.is_err());
    }
}
