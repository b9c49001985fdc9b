//! IR -> target DDL, in sections: pre-data (schemas, types, sequences, tables with their primary
//! keys), post-data (unique constraints, indexes, foreign keys, checks, comments, triggers) and
//! views. `emit` prints what `mapping` decided; it decides no type. What cannot be printed
//! correctly for the target is left out with a diagnostic, never emitted broken.

mod cascade;
pub mod expr;
pub mod names;
mod table;

use crate::diag::{ObjectKind, ObjectRef};
use serde::Serialize;

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
}

/// One emitted statement and the object it creates.
#[derive(Clone, Debug, Serialize)]
pub struct Stmt {
    pub object: ObjectRef,
    pub sql: String,
    /// How the script ends the statement.
    #[serde(skip)]
    pub end: End,
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
            .filter(|s| s.object.kind == ObjectKind::Table && s.sql.starts_with("CREATE TABLE"))
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
    let names: Vec<(ObjectKind, &crate::ir::Name)> = order
        .objects
        .iter()
        .map(|obj| match *obj {
            Object::Enum(i) => (ObjectKind::Type, &schema.enums[i].name),
            Object::Sequence(i) => (ObjectKind::Sequence, &schema.sequences[i].name),
            Object::Table(i) => (ObjectKind::Table, &schema.tables[i].name),
            Object::View(i) => (ObjectKind::View, &schema.views[i].name),
        })
        .collect();
    e.namer.settle(&names, &mut diags);
    // Runs of tables (most of a schema) are printed on all cores; the rest one by one.
    let mut objects = order.objects.iter().peekable();
    while let Some(obj) = objects.next() {
        match *obj {
            Object::Enum(i) => e.enum_type(&schema.enums[i], &mut diags),
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
}
