//! IR -> target DDL, in sections: pre-data (schemas, types, sequences, tables with their primary
//! keys), post-data (unique constraints, indexes, foreign keys, checks, comments, triggers) and
//! views. `emit` prints what `mapping` decided; it decides no type. What cannot be printed
//! correctly for the target is left out with a diagnostic, never emitted broken.

mod cascade;
pub mod expr;
pub mod names;
pub mod refusal;
pub mod routine;
mod table;
mod targets;
mod trigger;

use crate::diag::{ObjectKind, ObjectRef};
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::dialect::Dialect;
use crate::ir::{Schema, Table};
use crate::order::{Object, Order};
pub use names::{IdentCase, Namer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Section {
    #[default]
    All,
    PreData,
    PostData,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub from: Dialect,
    pub to: Dialect,
    pub identifiers: IdentCase,
    /// Emulate MySQL `ON UPDATE CURRENT_TIMESTAMP` with a trigger on PostgreSQL.
    pub emulate_on_update: bool,
    /// The Oracle release to write for (`ConvertOptions::oracle_compat`).
    pub oracle_compat: Option<u32>,
    /// The types the script's routines name (source type, lower case -> target type), as
    /// `mapping` decided them (`routine::types_used`).
    pub routine_types: std::collections::HashMap<String, String>,
}

/// One emitted statement and the object it creates.
#[derive(Clone, Debug, Serialize)]
pub struct Stmt {
    pub object: ObjectRef,
    /// What the statement does, decided where it is printed: the loader runs the plan's steps
    /// by it, never by reading their text.
    #[serde(flatten)]
    pub kind: StepKind,
    pub sql: String,
    /// How the script ends the statement.
    #[serde(skip)]
    pub end: End,
}

/// What a statement of the target DDL does. The plan carries it with each statement
/// (`plan::Step`), and the loader decides by it alone when and how a statement runs
/// (`load::post`): indexes, unique and check constraints touch one table and run side by side;
/// foreign keys lock two tables and run side by side when they share none; the other kinds run
/// one at a time in the plan's order. The plan moves the checks before the data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    /// CREATE SCHEMA.
    Schema,
    /// CREATE EXTENSION.
    Extension,
    /// CREATE TYPE.
    Type,
    /// CREATE SEQUENCE.
    Sequence,
    /// CREATE TABLE, with its primary key (and, on SQLite, all its constraints).
    Table,
    /// CREATE INDEX, unique or not: one table.
    Index,
    /// A unique constraint added to a table: one table.
    Unique,
    /// A check constraint added to a table: one table.
    Check,
    /// A foreign key added to `table`: it locks `table` and `references` (target names, quoted
    /// as in the statement), and the loader counts the rows that break it by them.
    ForeignKey { table: String, references: String },
    /// A comment on a table or column (SQL Server: its extended property).
    Comment,
    /// A function, procedure, aggregate or trigger as written, or the trigger function ferry
    /// writes.
    Routine,
    /// A trigger ferry writes (Oracle 11 identity numbering, MySQL's ON UPDATE emulated).
    Trigger,
    /// A session setting for the statements after it.
    Setting,
    /// CREATE VIEW.
    View,
    /// A statement of a version 1 plan that is none of the kinds the loader tells apart (see
    /// `plan::parse`); never emitted.
    Other,
}

/// How a statement ends in the script.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum End {
    /// `;`.
    #[default]
    Semicolon,
    /// A MySQL routine whose body holds `;`: the mysql client needs another delimiter for it.
    Delimiter,
    /// A statement that must stand alone, between client lines (`Dialect::unit_lines`): SQL
    /// Server's `GO` around a view or routine, Oracle's `/` after a PL/SQL unit.
    Alone {
        before: Option<&'static str>,
        after: &'static str,
    },
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Output {
    pub pre_data: Vec<Stmt>,
    pub post_data: Vec<Stmt>,
    pub views: Vec<Stmt>,
    /// Each table created, with its target names: what the data mover's plan writes into.
    pub tables: Vec<TableTarget>,
    /// Columns whose default draws from a sequence: (table, column) as the source names them,
    /// and the sequence as the target DDL names it. The loader sets each sequence past the
    /// values it loaded.
    pub sequence_defaults: Vec<(crate::ir::Name, String, String)>,
}

/// A table's name and column names as emitted for the target (quoted where the target needs it).
#[derive(Clone, Debug, Serialize)]
pub struct TableTarget {
    /// The source table, as the source names it (`schema.table` or `table`).
    pub source: crate::ir::Name,
    pub target: String,
    /// (source column, target column), in column order.
    pub columns: Vec<(String, String)>,
}

impl Output {
    /// Adds what another emitter printed after what this one holds.
    fn append(&mut self, other: Output) {
        self.pre_data.extend(other.pre_data);
        self.post_data.extend(other.post_data);
        self.views.extend(other.views);
        self.tables.extend(other.tables);
        self.sequence_defaults.extend(other.sequence_defaults);
    }

    /// How many CREATE TABLE statements the output holds.
    pub fn tables_created(&self) -> usize {
        self.pre_data
            .iter()
            .filter(|s| s.kind == StepKind::Table)
            .count()
    }

    /// The script for a section, statements separated by `;` and a blank line.
    pub fn render(&self, section: Section) -> String {
        let parts: Vec<(&str, &Vec<Stmt>)> = match section {
            Section::All => vec![
                ("pre-data", &self.pre_data),
                ("post-data", &self.post_data),
                ("views", &self.views),
            ],
            Section::PreData => vec![("pre-data", &self.pre_data)],
            Section::PostData => vec![("post-data", &self.post_data), ("views", &self.views)],
        };
        // Every statement's text and its ending: one allocation for a script of megabytes.
        let size: usize = parts
            .iter()
            .flat_map(|(_, stmts)| stmts.iter())
            .map(|s| s.sql.len() + 32)
            .sum();
        let mut out = String::with_capacity(size + 64);
        for (title, stmts) in parts {
            if stmts.is_empty() {
                continue;
            }
            out.push_str(&format!("-- {title}\n\n"));
            for s in stmts {
                match s.end {
                    End::Delimiter => {
                        out.push_str(&format!("DELIMITER ;;\n{};;\nDELIMITER ;\n\n", s.sql));
                    }
                    End::Alone { before, after } => {
                        if let Some(line) = before {
                            out.push_str(&format!("{line}\n"));
                        }
                        out.push_str(&format!("{}\n{after}\n\n", s.sql));
                    }
                    End::Semicolon => {
                        out.push_str(&s.sql);
                        out.push_str(";\n\n");
                    }
                }
            }
        }
        out
    }
}

pub fn emit(schema: &Schema, order: &Order, opts: &Options) -> (Output, Vec<Diagnostic>) {
    let mut e = table::Emitter::new(schema, opts);
    let mut diags = Vec::new();
    e.schemas(&mut diags);
    e.extensions(&mut diags);
    e.new_enum_types(&mut diags);
    // Domains and routines are printed as written: no name of theirs is settled.
    let names: Vec<(ObjectKind, &crate::ir::Name)> = order
        .objects
        .iter()
        .filter_map(|obj| match *obj {
            Object::Enum(i) => Some((ObjectKind::Type, &schema.enums[i].name)),
            Object::Sequence(i) => Some((ObjectKind::Sequence, &schema.sequences[i].name)),
            Object::Table(i) => Some((ObjectKind::Table, &schema.tables[i].name)),
            Object::View(i) => Some((ObjectKind::View, &schema.views[i].name)),
            Object::Domain(_) | Object::Routine(_) => None,
        })
        .collect();
    e.namer.settle(&names, &mut diags);
    // Runs of tables (most of a schema) are printed on all cores; the rest one by one.
    let mut objects = order.objects.iter().peekable();
    while let Some(obj) = objects.next() {
        match *obj {
            Object::Enum(i) => e.enum_type(&schema.enums[i], &mut diags),
            Object::Domain(i) => e.domain(&schema.domains[i]),
            Object::Routine(i) => e.ordered_routine(&schema.routines[i]),
            Object::Sequence(i) => e.sequence(&schema.sequences[i], &mut diags),
            Object::View(i) => e.view(&schema.views[i], &mut diags),
            Object::Table(i) => {
                let mut run = vec![&schema.tables[i]];
                while let Some(&&Object::Table(j)) = objects.peek() {
                    run.push(&schema.tables[j]);
                    objects.next();
                }
                each_in_order(&mut e, &run, &mut diags, |e, t, d| e.table(t, d));
            }
        }
    }
    each_in_order(&mut e, &schema.indexes, &mut diags, |e, ix, d| {
        e.index(ix, d)
    });
    let tables: Vec<&Table> = order
        .objects
        .iter()
        .filter_map(|obj| match *obj {
            Object::Table(i) => Some(&schema.tables[i]),
            _ => None,
        })
        .collect();
    each_in_order(&mut e, &tables, &mut diags, |e, t, d| {
        e.table_post_data(t, d)
    });
    e.routines(&mut diags);
    (e.out, diags)
}

/// Fewer items than this in a piece are printed on one core: a copy costs more than it saves.
const MIN_PIECE: usize = 128;

/// Pieces per core: more than one, so that the cores finish together when some items take
/// longer to print than others (a table's foreign keys, a fresh thread's first allocations).
const PIECES_PER_CORE: usize = 4;

/// Runs `f` on every item, with the result of running it on each in order on one emitter, but
/// on all cores: the items are cut into contiguous pieces that the cores take in turn, each
/// printed on a copy of `e` (`Emitter::fork`) that keeps apart every name it takes fresh. The
/// pieces are then joined in order. The names taken are the only state one item's printing
/// leaves for the next (`Emitter::may_fork`), so a piece that asked for no name an earlier
/// piece took printed exactly what the loop would have; one that did is thrown away and run
/// again on `e` after the pieces before it. A name the copy found taken was taken before the
/// copy was made, for every piece alike; so the test is whether `e`, when the piece's turn
/// comes, holds one of the names the copy took fresh. The output never depends on the number
/// of cores.
fn each_in_order<'a, T: Sync>(
    e: &mut table::Emitter<'a>,
    items: &[T],
    diags: &mut Vec<Diagnostic>,
    f: impl Fn(&mut table::Emitter<'a>, &T, &mut Vec<Diagnostic>) + Sync,
) {
    let threads = crate::par::threads();
    if threads < 2 || items.len() < 2 * MIN_PIECE || !e.may_fork() {
        items.iter().for_each(|item| f(e, item, diags));
        return;
    }
    let size = items
        .len()
        .div_ceil(threads * PIECES_PER_CORE)
        .max(MIN_PIECE);
    let pieces: Vec<&[T]> = items.chunks(size).collect();
    e.namer.freeze();
    let base: &table::Emitter<'a> = e;
    let done = crate::par::pieces_in_turn(&pieces, |piece| {
        let mut fork = base.fork();
        let mut d = Vec::new();
        piece.iter().for_each(|item| f(&mut fork, item, &mut d));
        (fork, d)
    });
    for ((mut fork, d), piece) in done.into_iter().zip(pieces) {
        let fresh = fork.namer.taken_fresh();
        if fresh.iter().any(|key| e.namer.is_taken(key)) {
            piece.iter().for_each(|item| f(e, item, diags));
        } else {
            e.namer.absorb(fresh);
            diags.extend(d);
            e.out.append(fork.out);
        }
    }
}

/// Diagnostic for an object left out of the output.
pub(crate) fn left_out(
    code: &'static crate::diag::Code,
    what: String,
    span: crate::source::Span,
    object: ObjectRef,
) -> Diagnostic {
    Diagnostic::new(code, what).at(span).object(object)
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::source::SourceFile;

    fn mysql_to_postgres(text: String, identifiers: super::IdentCase) -> crate::Conversion {
        let opts = crate::ConvertOptions {
            from: Dialect::Mysql,
            to: Dialect::Postgres,
            identifiers,
            emulate_on_update: false,
            user_mappings: None,
            config: None,
            oracle_compat: None,
        };
        crate::convert(&SourceFile::new("t.sql", text), &opts)
    }

    /// An unsigned column's CHECK names the column as CREATE TABLE does: lower-cased with
    /// `--identifiers lower`, shortened past the target's limit.
    #[test]
    fn a_column_check_names_the_column_as_the_target_has_it() {
        let long = format!("C{}", "x".repeat(70));
        let text = format!("CREATE TABLE T1 (Foo INT UNSIGNED, {long} INT UNSIGNED);");
        let conv = mysql_to_postgres(text, super::IdentCase::Lower);
        let sql: Vec<&str> = conv
            .output
            .post_data
            .iter()
            .map(|s| s.sql.as_str())
            .collect();
        assert!(
            sql.iter().any(|s| s.ends_with(r#"CHECK ("foo" >= 0)"#)),
            "{sql:#?}"
        );
        let create = &conv.output.pre_data[0].sql;
        let short = create
            .split_whitespace()
            .find(|w| w.starts_with("cxxx"))
            .unwrap_or_default();
        assert_eq!(short.len(), 63, "{create}");
        assert!(
            sql.iter()
                .any(|s| s.ends_with(&format!(r#"CHECK ("{short}" >= 0)"#))),
            "{sql:#?}"
        );
    }

    /// Enough tables for a piece per core, each with an index named `idx`: PostgreSQL names
    /// indexes per schema, so every piece after the first asks for a name an earlier piece took
    /// and must be printed again in order. The names must be those of printing one by one.
    #[test]
    fn pieces_that_take_an_earlier_pieces_name_are_printed_again_in_order() {
        let n = 4 * super::MIN_PIECE;
        let text: String = (0..n)
            .map(|i| format!("CREATE TABLE t{i:04} (a INT, KEY idx (a));\n"))
            .collect();
        let conv = mysql_to_postgres(text, super::IdentCase::Keep);
        let names: Vec<String> = conv
            .output
            .post_data
            .iter()
            .filter_map(|s| s.sql.strip_prefix("CREATE INDEX "))
            .map(|s| s.split(' ').next().unwrap_or_default().to_string())
            .collect();
        let expected: Vec<String> = (0..n)
            .map(|i| match i {
                0 => "idx".to_string(),
                _ => format!("t{i:04}_idx"),
            })
            .collect();
        assert_eq!(names, expected);
    }

    /// What a statement's text says it is, read independently of emit (a test's own reading):
    /// whether `sql` is a statement of `kind`.
    fn sql_says(kind: &super::StepKind, sql: &str) -> bool {
        use super::StepKind as K;
        let head = sql.trim_start().to_ascii_uppercase();
        let first_line = head.lines().next().unwrap_or_default();
        let alter = head.starts_with("ALTER TABLE ") && !head.contains(" FOREIGN KEY ");
        match kind {
            K::Schema => head.starts_with("CREATE SCHEMA "),
            K::Extension => head.starts_with("CREATE EXTENSION "),
            K::Type => head.starts_with("CREATE TYPE ") || head.starts_with("CREATE DOMAIN "),
            K::Sequence => head.starts_with("CREATE SEQUENCE "),
            K::Table => head.starts_with("CREATE TABLE "),
            K::Index => {
                head.starts_with("CREATE ")
                    && first_line
                        .split(" ON ")
                        .next()
                        .is_some_and(|h| h.ends_with(" INDEX") || h.contains(" INDEX "))
            }
            K::Unique => alter && head.contains(" UNIQUE ("),
            K::Check => alter && head.contains(" CHECK ("),
            K::ForeignKey { table, references } => {
                sql.starts_with(&format!("ALTER TABLE {table} ADD "))
                    && sql.contains("FOREIGN KEY (")
                    && sql.contains(&format!(" REFERENCES {references} ("))
            }
            K::Comment => {
                head.starts_with("COMMENT ON ")
                    || head.starts_with("EXEC SP_ADDEXTENDEDPROPERTY N'MS_DESCRIPTION'")
            }
            K::Routine => {
                head.starts_with("CREATE ")
                    && [
                        " FUNCTION ",
                        " PROCEDURE ",
                        " TRIGGER ",
                        " AGGREGATE ",
                        " PACKAGE ",
                        " OPERATOR ",
                        " TYPE ",
                    ]
                    .iter()
                    .any(|w| first_line.contains(w))
            }
            K::Trigger => {
                head.starts_with("CREATE TRIGGER ")
                    || head.starts_with("CREATE OR REPLACE TRIGGER ")
            }
            K::Setting => head.starts_with("SET "),
            K::View => {
                head.starts_with("CREATE VIEW ")
                    || head.starts_with("CREATE OR REPLACE VIEW ")
                    || head.starts_with("CREATE MATERIALIZED VIEW ")
            }
            K::Other => false,
        }
    }

    /// Sakila and Pagila converted to every target (with MySQL's ON UPDATE emulated on
    /// PostgreSQL, and for Oracle 11, which numbers rows by triggers): every statement's kind
    /// is what its text says, each section holds only its kinds, and every kind but `Other`
    /// occurs, so each is tested.
    #[test]
    fn every_statement_has_the_kind_its_text_says() {
        use super::StepKind as K;
        let corpus = |path: &str| {
            let path = format!("{}/tests/corpus/{path}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            SourceFile::new(&path, text)
        };
        let sources = [
            (Dialect::Mysql, corpus("mysql/sakila/sakila-mv-schema.sql")),
            (Dialect::Postgres, corpus("postgresql/pagila/pagila-schema.sql")),
            (
                Dialect::SqlServer,
                corpus("sqlserver/northwind/instnwnd.sql"),
            ),
            (
                Dialect::Postgres,
                SourceFile::new(
                    "t.sql",
                    "CREATE EXTENSION pgcrypto; CREATE SCHEMA shop; CREATE TABLE shop.t (a int PRIMARY KEY, b int UNIQUE);\n\
                     COMMENT ON TABLE shop.t IS 'a table';"
                        .to_string(),
                ),
            ),
        ];
        let targets = [
            (Dialect::Mysql, None),
            (Dialect::Postgres, None),
            (Dialect::Sqlite, None),
            (Dialect::SqlServer, None),
            (Dialect::Oracle, None),
            (Dialect::Oracle, Some(11)),
        ];
        let mut seen = Vec::new();
        for (from, file) in &sources {
            for (to, oracle_compat) in targets {
                let opts = crate::ConvertOptions {
                    from: *from,
                    to,
                    identifiers: super::IdentCase::default(),
                    emulate_on_update: true,
                    user_mappings: None,
                    config: None,
                    oracle_compat,
                };
                let conv = crate::convert(file, &opts);
                let out = &conv.output;
                for (section, stmts) in [
                    ("pre-data", &out.pre_data),
                    ("post-data", &out.post_data),
                    ("views", &out.views),
                ] {
                    for s in stmts {
                        let at =
                            format!("{} -> {to} {section}: {:?}\n{}", file.name, s.kind, s.sql);
                        assert!(sql_says(&s.kind, &s.sql), "{at}");
                        let in_section = match s.kind {
                            K::Schema | K::Extension | K::Type | K::Sequence | K::Table => {
                                section == "pre-data"
                            }
                            // Routines kept within one engine stand among the tables.
                            K::Trigger | K::Routine | K::Setting => section != "views",
                            K::View => section == "views",
                            _ => section == "post-data",
                        };
                        assert!(in_section, "{at}");
                        let name = format!("{:?}", s.kind);
                        let name = name.split(' ').next().unwrap_or_default().to_string();
                        if !seen.contains(&name) {
                            seen.push(name);
                        }
                    }
                }
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                "Check",
                "Comment",
                "Extension",
                "ForeignKey",
                "Index",
                "Routine",
                "Schema",
                "Sequence",
                "Setting",
                "Table",
                "Trigger",
                "Type",
                "Unique",
                "View"
            ]
        );
    }
}
