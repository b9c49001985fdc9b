//! Lowering: parsed statements -> IR, with spans into the source file and semantic checks.
//!
//! Records source types verbatim (the `mapping` stage decides target types) and normalises what
//! mapping guards and emitters test (defaults, identity, enum values). Nothing is dropped
//! silently: a statement that is not converted leaves a diagnostic.

mod computed;
mod default;
mod other;
pub use other::json_checks;
mod sequence;
mod table;
mod trigger_identity;
mod tsql;

use sqlparser::ast::{self, Ident, ObjectName, Statement};

use crate::diag::{Diagnostic, ObjectKind, ObjectRef, codes};
use crate::dialect::Dialect;
use crate::ir::{Name, Routine, RoutineKind, Schema};
use crate::parse::split::RawStatement;
use crate::parse::sql::{Class, Parsed, find_word, leading_words};
use crate::source::Span;

/// Counts of what the input held, for the summary and the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub statements: usize,
    pub noise_skipped: usize,
    pub data_skipped: usize,
    pub parse_errors: usize,
}

/// Lowering context for one statement: the dialect's naming rules and the statement's text.
pub(crate) struct Ctx<'a> {
    pub dialect: Dialect,
    pub raw: &'a RawStatement,
    /// Byte offsets where the statement's lines start, computed on first use: a CREATE TABLE
    /// places every column through it.
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl Ctx<'_> {
    /// The identifier as the source database stores it: unquoted names are folded as the dialect
    /// does (`Dialect::fold`).
    /// case (<https://www.postgresql.org/docs/current/sql-syntax-lexical.html>).
    pub fn ident(&self, id: &Ident) -> String {
        if id.quote_style.is_none() {
            self.dialect.fold_unquoted(&id.value)
        } else {
            id.value.clone()
        }
    }

    pub fn name(&self, name: &ObjectName) -> Name {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident())
            .map(|i| self.ident(i))
            .collect();
        match parts.as_slice() {
            [] => Name::bare(name.to_string()),
            // An element of `CREATE SCHEMA s ...` is created in `s` (parse/schema_elements.rs).
            [n] => Name::new(self.raw.schema.clone(), n.clone()),
            [.., s, n] if self.dialect.implied_schema() == Some(s.as_str()) => {
                Name::bare(n.clone())
            }
            [.., s, n] => Name::new(Some(s.clone()), n.clone()),
        }
    }

    /// The statement's span in the file.
    pub fn span(&self) -> Span {
        self.raw.span
    }

    /// Byte offset in the statement of sqlparser's 1-based line and character column.
    fn offset_of(&self, line: u64, column: u64) -> Option<usize> {
        let text = &self.raw.text;
        let starts = self
            .line_starts
            .get_or_init(|| crate::source::line_starts(text));
        let start = *starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let col = usize::try_from(column).ok()?.checked_sub(1)?;
        let line_text = &text[start..];
        Some(
            start
                + line_text
                    .char_indices()
                    .nth(col)
                    .map_or(line_text.len(), |(b, _)| b),
        )
    }

    /// From an identifier to the end of its line: the place a column or constraint stands.
    pub fn line_span_from(&self, id: &Ident) -> Span {
        let Some(start) = self.offset_of(id.span.start.line, id.span.start.column) else {
            return self.raw.span;
        };
        let rest = &self.raw.text[start..];
        let len = rest.bytes().position(|b| b == b'\n').unwrap_or(rest.len());
        let line = rest[..len].trim_end().trim_end_matches(',');
        Span::new(start, start + line.len()).shift(self.raw.span.start)
    }
}

/// A parsed statement with the part of its lowering that needs no other statement done: a
/// CREATE TABLE is lowered where it was parsed (on a parser thread) and its syntax tree dropped
/// there.
pub struct Prepared<'a> {
    parsed: Parsed<'a>,
    table: Option<table::NewTable>,
}

/// What lowering can do for a statement on its own (see `Prepared`).
pub fn prepare(mut parsed: Parsed<'_>, dialect: Dialect) -> Prepared<'_> {
    let table = match parsed.ast.as_deref() {
        Some(Statement::CreateTable(ct)) => {
            let cx = Ctx {
                dialect,
                raw: parsed.raw,
                line_starts: std::cell::OnceCell::new(),
            };
            let mut table = table::prepare_table(&cx, ct);
            if let Some(new) = &mut table {
                let computed = std::mem::take(&mut parsed.computed);
                new.computed_columns(&cx, &computed);
            }
            table
        }
        _ => None,
    };
    if table.is_some() {
        parsed.ast = None;
    }
    Prepared { parsed, table }
}

/// Lowers parsed statements, one at a time in input order, into one schema.
pub struct Lowering {
    dialect: Dialect,
    schema: Schema,
    stats: Stats,
    diags: Vec<Diagnostic>,
    /// SQL Server constraints switched off (`NOCHECK CONSTRAINT`) and not (yet) on again.
    disabled: tsql::Disabled,
}

impl Lowering {
    pub fn new(dialect: Dialect) -> Self {
        Lowering {
            dialect,
            schema: Schema::default(),
            stats: Stats::default(),
            diags: Vec::new(),
            disabled: tsql::Disabled::default(),
        }
    }

    /// Lowers the next statement of the script.
    pub fn statement(&mut self, p: Prepared<'_>) {
        let (schema, stats, diags) = (&mut self.schema, &mut self.stats, &mut self.diags);
        let disabled = &mut self.disabled;
        stats.statements += 1;
        let Prepared { parsed: p, table } = p;
        let cx = Ctx {
            dialect: self.dialect,
            raw: p.raw,
            line_starts: std::cell::OnceCell::new(),
        };
        // Computed columns outside a CREATE TABLE that lowering reads whole stay manual.
        for at in &p.computed {
            diags.push(computed::computed_column_manual(*at, None));
        }
        if let Some(new) = table {
            table::add_table(&cx, new, schema, diags);
            return;
        }
        match p.class {
            Class::Noise => stats.noise_skipped += 1,
            Class::Data => stats.data_skipped += 1,
            Class::Routine => lower_routine(&cx, schema),
            Class::Unsupported(what) => diags.push(unsupported(&cx, what)),
            Class::Hint(what) => diags.push(
                Diagnostic::new(
                    &codes::SKIPPED_STATEMENT,
                    format!("skipped: the statement sets {what}, a setting of the source server that ferry does not convert"),
                )
                .at(Span::new(
                    cx.span().start,
                    cx.span().start + first_line_len(&cx.raw.text),
                )),
            ),
            Class::AddIdentity => sequence::add_identity(&cx, schema, diags),
            Class::AliasType => tsql::alias_type(&cx, schema, diags),
            Class::Domain => other::create_domain(&cx, schema, diags),
            Class::SetVal => sequence::setval(&cx, schema, diags),
            Class::NamedDefault => tsql::named_default(&cx, schema, diags),
            Class::AddList => table::alter_add_list(&cx, schema, diags),
            Class::ExtendedProperty => tsql::extended_property(&cx, schema, diags),
            Class::ProcedureCall => tsql::procedure_call(&cx, schema, diags),
            Class::ConstraintToggle => stats.noise_skipped += disabled.toggle(&cx),
            Class::Sequence => sequence::create_or_alter_sequence(&cx, schema, diags),
            Class::Schema => match p.ast.as_deref() {
                Some(stmt) => lower_statement(&cx, stmt, schema, diags),
                None => stats.parse_errors += 1,
            },
        }
    }

    /// The passes that need the whole script: type and domain resolution, serial sequences,
    /// key facts. `to` is the target: an engine keeps its own domains.
    pub fn finish(self, to: Dialect) -> (Schema, Stats, Vec<Diagnostic>) {
        let Lowering {
            dialect,
            mut schema,
            stats,
            mut diags,
            disabled,
        } = self;
        diags.extend(disabled.still_off());
        let keep_domains = dialect == to && dialect.keeps_domains();
        other::resolve_types(&mut schema, keep_domains, &mut diags);
        other::absorb_serial_sequences(&mut schema, &mut diags);
        if dialect.emulates_identity_with_triggers() {
            trigger_identity::absorb_trigger_identities(&mut schema, &mut diags);
        }
        table::compute_facts(&mut schema);
        if stats.noise_skipped + stats.data_skipped > 0 {
            diags.push(Diagnostic::new(
                &codes::SKIPPED_STATEMENT,
                format!(
                    "skipped {} session/transaction statements and {} data statements",
                    stats.noise_skipped, stats.data_skipped
                ),
            ));
        }
        (schema, stats, diags)
    }
}

fn lower_statement(cx: &Ctx, stmt: &Statement, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    match stmt {
        Statement::CreateTable(ct) => table::create_table(cx, ct, schema, diags),
        Statement::AlterTable(at) => table::alter_table(cx, at, schema, diags),
        Statement::CreateIndex(ci) => other::create_index(cx, ci, schema, diags),
        Statement::CreateView(cv) => other::create_view(cx, cv, schema, diags),
        Statement::CreateType {
            name,
            representation,
            ..
        } => other::create_type(cx, name, representation.as_ref(), schema),
        Statement::CreateExtension(ce) => {
            schema.extensions.push((ce.name.value.clone(), cx.span()))
        }
        Statement::CreateSchema { schema_name, .. } => {
            // `CREATE SCHEMA AUTHORIZATION role` names the schema after the role
            // (https://www.postgresql.org/docs/current/sql-createschema.html).
            let name = match schema_name {
                ast::SchemaName::Simple(n) | ast::SchemaName::NamedAuthorization(n, _) => {
                    cx.name(n).name
                }
                ast::SchemaName::UnnamedAuthorization(role) => cx.ident(role),
            };
            if cx.dialect.has_schemas() {
                schema.schemas.push(crate::ir::SchemaDef {
                    name,
                    span: cx.span(),
                });
            }
        }
        Statement::Comment {
            object_type,
            object_name,
            comment,
            ..
        } => other::comment_on(
            cx,
            *object_type,
            object_name,
            comment.as_deref(),
            schema,
            diags,
        ),
        // A table of its own in the source's sense: kept as manual, with its text.
        other_stmt => diags.push(
            Diagnostic::new(
                &codes::UNSUPPORTED_STATEMENT,
                format!(
                    "`{}` statements are not converted",
                    statement_kind(other_stmt, cx.raw)
                ),
            )
            .at(cx.span())
            .help("recreate this object by hand on the target"),
        ),
    }
}

/// A short name for a statement kind, from its leading words (`CREATE RULE`, `ALTER SEQUENCE`).
fn statement_kind(_stmt: &Statement, raw: &RawStatement) -> String {
    leading_words(&raw.text, 2).join(" ")
}

/// A recognised statement that is not converted.
fn unsupported(cx: &Ctx, what: &'static str) -> Diagnostic {
    let line = Span::new(
        cx.span().start,
        cx.span().start + first_line_len(&cx.raw.text),
    );
    if what == "partition attachment" {
        return Diagnostic::new(
            &codes::PARTITION_DETACHED,
            "partition attachment is not converted: the partition stays a table of its own",
        )
        .at(line);
    }
    Diagnostic::new(
        &codes::UNSUPPORTED_STATEMENT,
        format!("a {what} is not converted"),
    )
    .at(line)
    .object(ObjectRef::new(
        ObjectKind::Unsupported(what),
        unsupported_name(cx, what),
    ))
    .help("recreate it by hand on the target if you need it")
}

/// The name of an unsupported object for the report: the word after its kind (`CREATE RULE
/// name AS ...`); casts and operators have no such word, so their first line stands for them.
fn unsupported_name(cx: &Ctx, what: &str) -> String {
    let kind = what.to_ascii_uppercase();
    let words = leading_words(&cx.raw.text, 6);
    match words.iter().skip_while(|w| **w != kind).nth(1) {
        Some(name) if what == "rule" => name.to_lowercase(),
        _ => cx
            .raw
            .text
            .trim()
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
    }
}

fn lower_routine(cx: &Ctx, schema: &mut Schema) {
    let words = leading_words(&cx.raw.text, 8);
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !matches!(*w, "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "CONSTRAINT"))
        .collect();
    let kind = match words.get(1).copied() {
        Some("FUNCTION") => RoutineKind::Function,
        Some("PROCEDURE" | "PROC") => RoutineKind::Procedure,
        Some("TRIGGER") => RoutineKind::Trigger,
        Some("AGGREGATE") => RoutineKind::Aggregate,
        Some("OPERATOR") => RoutineKind::Operator,
        _ => RoutineKind::Other,
    };
    // An Oracle anonymous PL/SQL block (DECLARE / BEGIN) has no name.
    let anonymous = matches!(words.first().copied(), Some("BEGIN" | "DECLARE"));
    let name = if anonymous {
        "(anonymous block)".to_string()
    } else {
        routine_name(&cx.raw.text).unwrap_or_else(|| "?".to_string())
    };
    schema.routines.push(Routine {
        kind,
        name: Name::bare(name),
        span: cx.span(),
        head: Span::new(
            cx.span().start,
            cx.span().start + first_line_len(&cx.raw.text),
        ),
        body: cx.raw.text.clone(),
    });
}

fn first_line_len(text: &str) -> usize {
    text.find('\n').unwrap_or(text.len())
}

/// The name after CREATE ... FUNCTION|PROCEDURE|TRIGGER|EVENT, from the tokenizer, quotes removed.
fn routine_name(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    let at = [
        "FUNCTION",
        "PROCEDURE",
        "PROC",
        "TRIGGER",
        "EVENT",
        "AGGREGATE",
        "OPERATOR",
        "PACKAGE",
        "TYPE",
    ]
    .iter()
    .filter_map(|k| find_word(&upper, k).map(|i| i + k.len()))
    .min()?;
    let rest = text[at..].trim_start();
    let rest = strip_prefix_ci(rest, "IF NOT EXISTS")
        .unwrap_or(rest)
        .trim_start();
    // Oracle `PACKAGE BODY p`, `TYPE BODY t`.
    let rest = strip_prefix_ci(rest, "BODY ").unwrap_or(rest).trim_start();
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .unwrap_or(rest.len());
    let name: String = rest[..end]
        .chars()
        .filter(|c| !matches!(c, '`' | '"' | '[' | ']'))
        .collect();
    // `schema.name`: the routine's own name is the last part.
    let name = name.rsplit('.').next().unwrap_or_default().to_string();
    (!name.is_empty()).then_some(name)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// An integer literal from an expression (`1`, `-5`, `'1'`).
pub(crate) fn expr_i64(e: &ast::Expr) -> Option<i64> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.parse().ok(),
            ast::Value::SingleQuotedString(s) => s.parse().ok(),
            _ => None,
        },
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => expr_i64(expr).map(|v| -v),
        ast::Expr::Nested(e) => expr_i64(e),
        _ => None,
    }
}
