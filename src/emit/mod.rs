//! IR -> target DDL, in sections: pre-data (schemas, types, sequences, tables with their primary
//! keys), post-data (unique constraints, indexes, foreign keys, checks, comments, triggers) and
//! views. `emit` prints what `mapping` decided; it decides no type. What cannot be printed
//! correctly for the target is left out with a diagnostic, never emitted broken.

mod cascade;
pub mod expr;
pub mod names;
mod table;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::dialect::Dialect;
use crate::ir::Schema;
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
    pub object: String,
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
    /// How many CREATE TABLE statements the output holds.
    pub fn tables_created(&self) -> usize {
        self.pre_data
            .iter()
            .filter(|s| s.object.starts_with("table ") && s.sql.starts_with("CREATE TABLE"))
            .count()
    }

    /// The script for a section, statements separated by `;` and a blank line.
    pub fn render(&self, section: Section) -> String {
        let mut out = String::new();
        let parts: Vec<(&str, &Vec<Stmt>)> = match section {
            Section::All => vec![
                ("pre-data", &self.pre_data),
                ("post-data", &self.post_data),
                ("views", &self.views),
            ],
            Section::PreData => vec![("pre-data", &self.pre_data)],
            Section::PostData => vec![("post-data", &self.post_data), ("views", &self.views)],
        };
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
    let names: Vec<(&str, &crate::ir::Name)> = order
        .objects
        .iter()
        .map(|obj| match *obj {
            Object::Enum(i) => ("type", &schema.enums[i].name),
            Object::Sequence(i) => ("sequence", &schema.sequences[i].name),
            Object::Table(i) => ("table", &schema.tables[i].name),
            Object::View(i) => ("view", &schema.views[i].name),
        })
        .collect();
    e.namer.settle(&names, &mut diags);
    for obj in &order.objects {
        match *obj {
            Object::Enum(i) => e.enum_type(&schema.enums[i], &mut diags),
            Object::Sequence(i) => e.sequence(&schema.sequences[i], &mut diags),
            Object::Table(i) => e.table(&schema.tables[i], &mut diags),
            Object::View(i) => e.view(&schema.views[i], &mut diags),
        }
    }
    for ix in &schema.indexes {
        e.index(ix, &mut diags);
    }
    for obj in &order.objects {
        if let Object::Table(i) = *obj {
            e.table_post_data(&schema.tables[i], &mut diags);
        }
    }
    e.routines(&mut diags);
    (e.out, diags)
}

/// Diagnostic for an object left out of the output.
pub(crate) fn left_out(
    code: &'static crate::diag::Code,
    what: String,
    span: crate::source::Span,
    object: String,
) -> Diagnostic {
    Diagnostic::new(code, what).at(span).object(object)
}
