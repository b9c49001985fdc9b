//! The emitter proper: one method per kind of object.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::refusal::Refusal;
use super::targets::{self, BytesLiteral, ColumnAt, Comments, Generated, TargetSyntax};
use super::{End, Options, Output, StepKind, Stmt, expr, left_out};
use crate::canonical::Family;
use crate::diag::{Diagnostic, ObjectKind, ObjectRef, codes};
use crate::dialect::{Dialect, FkRefusal};
use crate::emit::names::{ColumnKind, Namer};
use crate::ir::{
    Column, Default, Deferrable, DropAttr, EnumType, FkAction, ForeignKey, Index, IndexExpr,
    IndexKind, Name, Schema, Sequence, Table, View,
};
use crate::order::relations_of;

pub struct Emitter<'a> {
    pub schema: &'a Schema,
    pub opts: &'a Options,
    pub namer: Namer,
    pub out: Output,
    /// Views left out, so views built on them are left out too.
    dropped_views: Vec<Name>,
    /// Cascading foreign key actions kept so far (SQL Server allows one path between tables).
    cascades: super::cascade::CascadePaths,
}

/// Whether a column holds numbers that are not integers (floats, decimals).
/// Whether the text `s` reads as a value of a numeric column of `family`: PostgreSQL and
/// MariaDB refuse any other text as a number's default. Other families take any text.
fn is_number_for(family: Option<Family>, s: &str) -> bool {
    match family {
        Some(Family::Int | Family::UInt) => s.trim().parse::<i128>().is_ok(),
        Some(Family::Float | Family::Decimal) => s.trim().parse::<f64>().is_ok(),
        _ => true,
    }
}

/// Whether the text `s` is a date, a time or both as ISO 8601 writes them (`2020-01-02`,
/// `03:04:05.6`, `2020-01-02 03:04:05`, a zone after it): the form every target reads. Other text
/// in a date or time column (`''`, `'0'`, `'never'`) is refused by PostgreSQL and MariaDB.
fn is_iso_temporal(s: &str) -> bool {
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    let date = |d: &str| {
        let mut parts = d.split('-');
        matches!(
            (parts.next(), parts.next(), parts.next(), parts.next()),
            (Some(y), Some(m), Some(d), None) if digits(y, 4) && digits(m, 2) && digits(d, 2)
        )
    };
    let time = |t: &str| {
        // A zone after the time: `Z`, `+01`, `-05:30`.
        let t = t.trim_end_matches('Z');
        let t = match t.rfind(['+', '-']) {
            Some(at) if digits(t[at + 1..].split(':').next().unwrap_or(""), 2) => &t[..at],
            _ => t,
        };
        let (clock, fraction) = t.split_once('.').unwrap_or((t, "0"));
        let mut parts = clock.split(':');
        let hm = matches!((parts.next(), parts.next()), (Some(h), Some(m)) if digits(h, 2) && digits(m, 2));
        let rest = parts.all(|s| digits(s, 2));
        hm && rest && !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit())
    };
    let s = s.trim();
    match s.split_once([' ', 'T']) {
        Some((d, t)) => date(d) && time(t),
        None => date(s) || time(s),
    }
}

fn is_numeric_canonical(c: &Column) -> bool {
    c.mapped
        .as_ref()
        .is_some_and(|m| matches!(m.canonical.family(), Family::Float | Family::Decimal))
}

/// The literal of a default that is a bare literal (for `TargetSyntax::bytes_literal`).
fn bytes_value(e: &sqlparser::ast::Expr) -> Option<&sqlparser::ast::Value> {
    match e {
        sqlparser::ast::Expr::Value(v) => Some(&v.value),
        _ => None,
    }
}

fn t_obj(t: &Table) -> ObjectRef {
    ObjectRef::table(&t.name)
}

impl<'a> Emitter<'a> {
    pub fn new(schema: &'a Schema, opts: &'a Options) -> Emitter<'a> {
        let mut namer = Namer::new(opts.to, opts.identifiers);
        if let Some(release) = targets::of(opts.to).compat_release(opts.oracle_compat) {
            namer.max_len = Dialect::oracle_ident_len(release).min(namer.max_len);
            namer.oracle_release = Some(release);
        }
        // What follows serves only `expr` (views, checks, expression defaults and indexes, and
        // the bodies of triggers): a schema without expressions, however large, skips it.
        let has_expressions = !schema.views.is_empty()
            || schema
                .routines
                .iter()
                .any(|r| r.kind == crate::ir::RoutineKind::Trigger)
            || schema.tables.iter().any(|t| {
                !t.checks.is_empty()
                    || t.columns.iter().any(|c| {
                        c.generated.is_some() || matches!(c.default, Some(Default::Expr(_)))
                    })
            })
            || schema.indexes.iter().any(|ix| {
                ix.predicate.is_some()
                    || ix
                        .parts
                        .iter()
                        .any(|p| matches!(p.expr, IndexExpr::Expr(_)))
            });
        if !has_expressions {
            return Emitter {
                schema,
                opts,
                namer,
                out: Output::default(),
                dropped_views: Vec::new(),
                cascades: super::cascade::CascadePaths::default(),
            };
        }
        // Only where the source compares names without case: PostgreSQL's quoted names are exact.
        if !opts.from.names_exact_in_case() {
            namer.declare(schema.tables.iter().map(|t| t.name.name.as_str()));
            namer.declare(schema.views.iter().map(|v| v.name.name.as_str()));
            // A view's output columns are names too: one spelled like a table column in another
            // case makes that name ambiguous, and then no spelling is imposed on it.
            namer.declare(schema.views.iter().flat_map(view_output_names));
            namer.declare(
                schema
                    .tables
                    .iter()
                    .flat_map(|t| t.columns.iter().map(|c| c.name.as_str())),
            );
        }
        let relations = schema
            .tables
            .iter()
            .map(|t| &t.name)
            .chain(schema.views.iter().map(|v| &v.name));
        for name in relations {
            match &name.schema {
                Some(s) => Arc::make_mut(&mut namer.schemas).insert(s.to_lowercase()),
                None => {
                    Arc::make_mut(&mut namer.unqualified_relations).insert(name.name.to_lowercase())
                }
            };
        }
        // Which columns are text or boolean: per table, and by name wherever they appear.
        for t in &schema.tables {
            for c in &t.columns {
                let kind = c
                    .mapped
                    .as_ref()
                    .map_or(ColumnKind::Other, |m| ColumnKind::of(&m.canonical));
                Arc::make_mut(&mut namer.column_types)
                    .insert((t.name.name.to_lowercase(), c.name.to_lowercase()), kind);
                let e = Arc::make_mut(&mut namer.kinds_by_name)
                    .entry(c.name.to_lowercase())
                    .or_insert(Some(kind));
                if *e != Some(kind) {
                    *e = None;
                }
                if kind == ColumnKind::Bool {
                    Arc::make_mut(&mut namer.bool_columns).insert(c.name.to_lowercase());
                }
                if let Some(m) = &c.mapped
                    && m.canonical.family() == crate::canonical::Family::Decimal
                    && let [_, scale] = m.canonical.numbers()
                {
                    Arc::make_mut(&mut namer.decimal_scales)
                        .insert((t.name.name.to_lowercase(), c.name.to_lowercase()), *scale);
                }
            }
            if let Some(pk) = &t.primary_key {
                Arc::make_mut(&mut namer.primary_keys).insert(
                    t.name.name.to_lowercase(),
                    pk.columns.iter().map(|c| c.to_lowercase()).collect(),
                );
            }
        }
        // Calls of the script's own routines re-print only where the routines are emitted too.
        if opts.from != opts.to {
            namer.routines = Arc::new(
                schema
                    .routines
                    .iter()
                    .map(|r| r.name.name.to_lowercase())
                    .collect(),
            );
        }
        Emitter {
            schema,
            opts,
            namer,
            out: Output::default(),
            dropped_views: Vec::new(),
            cascades: super::cascade::CascadePaths::default(),
        }
    }

    fn to(&self) -> Dialect {
        self.opts.to
    }

    /// How the target spells what differs between targets.
    fn target(&self) -> &'static dyn TargetSyntax {
        targets::of(self.opts.to)
    }

    /// Whether source and target are one engine, which then keeps what is its own (charsets,
    /// extensions, index methods, routines).
    fn same_engine(&self) -> bool {
        self.opts.from == self.opts.to
    }

    /// Whether objects may be printed by copies of this emitter (`fork`) whose results are
    /// joined in order: only the names used are shared state then, which the copies' namers
    /// tell. Not where a foreign key depends on the cascade paths kept before (SQL Server).
    pub fn may_fork(&self) -> bool {
        !self.to().one_cascade_path()
    }

    /// A copy that prints into an output of its own and keeps apart the names it takes
    /// (`Namer::fork`: freeze the namer first).
    pub fn fork(&self) -> Emitter<'a> {
        Emitter {
            schema: self.schema,
            opts: self.opts,
            namer: self.namer.fork(),
            out: Output::default(),
            dropped_views: self.dropped_views.clone(),
            cascades: super::cascade::CascadePaths::default(),
        }
    }

    /// Whether identity columns are numbered by a sequence and a trigger
    /// (`TargetSyntax::identity_by_trigger`: Oracle before 12c).
    fn identity_by_trigger(&self) -> bool {
        self.target().identity_by_trigger(self.opts.oracle_compat)
    }

    /// Oracle 11's numbering of an identity column: a sequence, and a BEFORE INSERT trigger that
    /// gives a row without a value the sequence's next one
    /// (<https://docs.oracle.com/cd/E11882_01/appdev.112/e25519/triggers.htm>, "Trigger Uses").
    /// `lower/trigger_identity.rs` reads the pattern back as an identity.
    fn identity_sequence_trigger(
        &mut self,
        t: &Table,
        table: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(String, Stmt)> {
        let c = t.columns.iter().find(|c| c.identity.is_some())?;
        let id = c.identity.as_ref()?;
        let scope = Self::scope(&t.name);
        let seq_raw =
            self.namer
                .unique_name(&scope, &format!("{}_seq", t.name.name), &t.name.name, diags);
        let trig_raw =
            self.namer
                .unique_name(&scope, &format!("{}_bi", t.name.name), &t.name.name, diags);
        let (seq, trig) = (
            self.namer.quote_raw(&seq_raw),
            self.namer.quote_raw(&trig_raw),
        );
        let col = self.namer.ident(&c.name, diags);
        let mut sequence = format!("CREATE SEQUENCE {seq}");
        if let Some(i) = id.increment {
            sequence.push_str(&format!(" INCREMENT BY {i}"));
        }
        let start = id
            .start
            .or(t.auto_increment_start.and_then(|v| i64::try_from(v).ok()));
        if let Some(v) = start {
            sequence.push_str(&format!(" START WITH {v}"));
        }
        let mut d = Diagnostic::new(
            &codes::IDENTITY_CONVERTED,
            format!(
                "`{}.{}` is numbered by sequence {seq} and trigger {trig}: Oracle 11 has no identity columns",
                t.name, c.name
            ),
        )
        .at(c.span)
        .object(t_obj(t));
        if id.always {
            d = d.note("GENERATED ALWAYS is not enforced: the trigger numbers only rows inserted without a value");
        }
        diags.push(d);
        let trigger = Stmt {
            object: t_obj(t),
            kind: StepKind::Trigger,
            sql: format!(
                "CREATE OR REPLACE TRIGGER {trig}\nBEFORE INSERT ON {table}\nFOR EACH ROW\nBEGIN\n  IF :NEW.{col} IS NULL THEN\n    SELECT {seq}.NEXTVAL INTO :NEW.{col} FROM DUAL;\n  END IF;\nEND;"
            ),
            end: End::Alone {
                before: None,
                after: "/",
            },
        };
        Some((sequence, trigger))
    }

    fn scope(name: &Name) -> String {
        name.schema.clone().unwrap_or_default()
    }

    fn pre(&mut self, kind: StepKind, object: ObjectRef, sql: String) {
        self.out.pre_data.push(Stmt {
            object,
            kind,
            sql,
            end: End::Semicolon,
        });
    }

    fn post(&mut self, kind: StepKind, object: ObjectRef, sql: String) {
        self.out.post_data.push(Stmt {
            object,
            kind,
            sql,
            end: End::Semicolon,
        });
    }

    /// CREATE SCHEMA for every schema the objects use (PostgreSQL only; `public` exists).
    pub fn schemas(&mut self, diags: &mut Vec<Diagnostic>) {
        if !self.to().has_schemas() {
            let mut used: Vec<&str> = self
                .schema
                .tables
                .iter()
                .filter_map(|t| t.name.schema.as_deref())
                .collect();
            used.sort_unstable();
            used.dedup();
            // Unqualified names are in the source's default schema (SQL Server's `dbo`, read
            // as no qualifier): a second schema beside it lands in the same place too.
            if !used.is_empty() && self.schema.tables.iter().any(|t| t.name.schema.is_none()) {
                used.insert(0, "(the default schema)");
            }
            if used.len() > 1 {
                diags.push(
                    Diagnostic::new(&codes::SCHEMAS_MERGED, format!("objects of the schemas {} land in one {} database: schema qualifiers are dropped", used.join(", "), self.to()))
                        .help("convert one schema at a time if two of them hold objects of the same name"),
                );
            }
            return;
        }
        let mut names: Vec<String> = self.schema.schemas.iter().map(|s| s.name.clone()).collect();
        for t in &self.schema.tables {
            names.extend(t.name.schema.clone());
        }
        names.sort();
        names.dedup();
        for n in names.into_iter().filter(|n| n != "public") {
            let q = self.namer.ident(&n, diags);
            self.pre(
                StepKind::Schema,
                ObjectRef::new(ObjectKind::Schema, &n),
                format!("CREATE SCHEMA IF NOT EXISTS {q}"),
            );
        }
    }

    /// Extensions, for PostgreSQL to PostgreSQL: objects after them may use their types and
    /// operator classes. Elsewhere an extension has no meaning; what uses it is reported where used.
    pub fn extensions(&mut self, diags: &mut Vec<Diagnostic>) {
        for (name, span) in &self.schema.extensions {
            let known = crate::dialect::POSTGRES_KNOWN_EXTENSIONS.contains(&name.as_str());
            let kept = self.same_engine() && self.target().keeps_extensions();
            if kept && !known {
                diags.push(
                    Diagnostic::new(
                        &codes::UNSUPPORTED_STATEMENT,
                        format!(
                            "extension `{name}` does not ship with PostgreSQL; it is not created"
                        ),
                    )
                    .at(*span)
                    .object(ObjectRef::new(ObjectKind::Extension, name))
                    .help("install it on the target and create it before the objects that use it"),
                );
            } else if kept {
                let q = self.namer.ident(name, diags);
                self.pre(
                    StepKind::Extension,
                    ObjectRef::new(ObjectKind::Extension, name),
                    format!("CREATE EXTENSION IF NOT EXISTS {q}"),
                );
            } else {
                diags.push(
                    Diagnostic::new(
                        &codes::EXTENSION_DROPPED,
                        format!(
                            "PostgreSQL extension `{name}` has no equivalent on {}",
                            self.to()
                        ),
                    )
                    .at(*span)
                    .object(ObjectRef::new(ObjectKind::Extension, name)),
                );
            }
        }
    }

    /// PostgreSQL enum types that the mapping created for inline enums (MySQL ENUM columns).
    pub fn new_enum_types(&mut self, _diags: &mut Vec<Diagnostic>) {
        // Every column is looked at: on all cores for a large schema, the first column that
        // needs a type (in table order) giving its values.
        let found = crate::par::chunks(&self.schema.tables, 256, |tables| {
            tables
                .iter()
                .flat_map(|t| &t.columns)
                .filter_map(|c| c.mapped.as_ref()?.new_enum.as_ref())
                .map(|(name, values)| (name.as_str(), values.as_slice()))
                .collect::<Vec<_>>()
        });
        let mut wanted: BTreeMap<&str, &[String]> = BTreeMap::new();
        for (name, values) in found.into_iter().flatten() {
            wanted.entry(name).or_insert(values);
        }
        for (name, values) in wanted {
            let vals: Vec<String> = values.iter().map(|v| self.to().quote_string(v)).collect();
            self.pre(
                StepKind::Type,
                ObjectRef::new(ObjectKind::Type, name),
                format!("CREATE TYPE {name} AS ENUM ({})", vals.join(", ")),
            );
        }
    }

    pub fn enum_type(&mut self, e: &EnumType, diags: &mut Vec<Diagnostic>) {
        if !self.to().has_enum_types() {
            diags.push(
                Diagnostic::new(
                    &codes::ENUM_CONVERTED,
                    format!(
                        "enum type `{}` becomes a per-column enum on {}",
                        e.name,
                        self.to()
                    ),
                )
                .at(e.span)
                .object(ObjectRef::new(ObjectKind::Type, &e.name)),
            );
            return;
        }
        let name = self.namer.object(&e.name, diags);
        self.namer.reserve(&Self::scope(&e.name), &e.name.name);
        let vals: Vec<String> = e.values.iter().map(|v| self.to().quote_string(v)).collect();
        self.pre(
            StepKind::Type,
            ObjectRef::new(ObjectKind::Type, &e.name),
            format!("CREATE TYPE {name} AS ENUM ({})", vals.join(", ")),
        );
    }

    pub fn sequence(&mut self, s: &Sequence, diags: &mut Vec<Diagnostic>) {
        if !self.to().has_sequences() {
            diags.push(left_out(
                &codes::UNSUPPORTED_STATEMENT,
                format!(
                    "sequence `{}` has no equivalent on {}; it is not converted",
                    s.name,
                    self.to()
                ),
                s.span,
                ObjectRef::new(ObjectKind::Sequence, &s.name),
            ));
            return;
        }
        let name = self.namer.object(&s.name, diags);
        self.namer.reserve(&Self::scope(&s.name), &s.name.name);
        let mut sql = format!("CREATE SEQUENCE {name}");
        let start_first = self.target().sequence_start_first();
        if let Some(v) = s.start.filter(|_| start_first) {
            sql.push_str(&format!(" START WITH {v}"));
        }
        if let Some(i) = s.increment {
            sql.push_str(&format!(" INCREMENT BY {i}"));
        }
        if let Some(v) = s.min {
            sql.push_str(&format!(" MINVALUE {v}"));
        }
        if let Some(v) = s.max {
            sql.push_str(&format!(" MAXVALUE {v}"));
        }
        if let Some(v) = s.start.filter(|_| !start_first) {
            sql.push_str(&format!(" START WITH {v}"));
        }
        if s.cycle {
            sql.push_str(" CYCLE");
        }
        self.pre(
            StepKind::Sequence,
            ObjectRef::new(ObjectKind::Sequence, &s.name),
            sql,
        );
    }

    /// The target type of a column: the mapping decision, or the source type verbatim when the
    /// mapping stage did not run.
    fn column_type(&self, c: &Column) -> String {
        c.mapped
            .as_ref()
            .map_or_else(|| c.source_type.clone(), |m| m.target.clone())
    }

    fn dropped(c: &Column, attr: DropAttr) -> bool {
        c.mapped.as_ref().is_some_and(|m| m.drop.contains(&attr))
    }

    /// Whether this column is the target's row id (SQLite's `INTEGER PRIMARY KEY AUTOINCREMENT`).
    fn sqlite_rowid(&self, t: &Table, c: &Column) -> bool {
        self.target().rowid_identity()
            && c.identity.is_some()
            && t.primary_key
                .as_ref()
                .is_some_and(|k| k.columns.len() == 1 && k.columns[0].eq_ignore_ascii_case(&c.name))
    }

    fn column_sql(&mut self, t: &Table, c: &Column, diags: &mut Vec<Diagnostic>) -> String {
        let to = self.to();
        let name = self.namer.ident(&c.name, diags);
        let mut ty = self.column_type(c);
        // A domain kept within one engine is the column's type; it holds its own constraints.
        if let Some(d) = c.domain.as_ref().filter(|_| self.same_engine()) {
            ty = self.namer.object(d, diags);
        }
        let rowid = self.sqlite_rowid(t, c);
        if rowid {
            ty = "integer".to_string();
        }
        // An untyped SQLite column has no type to print.
        let mut sql = name;
        if !ty.is_empty() {
            sql.reserve(ty.len() + 32);
            sql.push(' ');
            sql.push_str(&ty);
        }
        let target = self.target();
        let at = ColumnAt {
            table: t,
            column: c,
        };
        if let Some(cs) = &c.charset
            && target.keeps_charsets()
            && !Self::dropped(c, DropAttr::Charset)
            && self.same_engine()
        {
            sql.push_str(&format!(" CHARACTER SET {cs}"));
        }
        // An engine knows its own collations; another engine's are dropped by mapping, with a
        // note.
        if let Some(co) = &c.collation
            && !Self::dropped(c, DropAttr::Collate)
            && self.opts.from == to
        {
            sql.push_str(&format!(" COLLATE {co}"));
        }
        // Numbered by a sequence and a trigger instead, which `table` writes.
        if let Some(id) = c.identity.as_ref().filter(|_| !self.identity_by_trigger()) {
            let start = id
                .start
                .or(t.auto_increment_start.and_then(|v| i64::try_from(v).ok()));
            sql.push_str(&target.identity(&at, id, start, rowid, diags));
        }
        // Whether the column is printed as generated (not refused to a plain column).
        let mut generated = false;
        if let Some(g) = &c.generated {
            generated = true;
            match expr::table_expr(&g.expr, self.opts.from, to, &self.namer, &t.name.name) {
                Ok(e) => match target.generated(&at, &e, diags) {
                    Generated::Clause(clause) => sql.push_str(&clause),
                    Generated::Computed(rest) => {
                        let name = self.namer.ident(&c.name, diags);
                        return format!("{name} {rest}");
                    }
                },
                Err(why) => {
                    generated = false;
                    diags.push(at.diag(
                        &codes::GENERATED_COLUMN_PLAIN,
                        format!(
                            "generated column `{}.{}` becomes a plain column: {why}",
                            t.name, c.name
                        ),
                    ))
                }
            }
        }
        let mut default = String::new();
        if c.identity.is_none()
            && c.generated.is_none()
            && !Self::dropped(c, DropAttr::Default)
            && let Some(d) = &c.default
            && let Some(text) = self.default_sql(t, c, d, diags)
        {
            default.push_str(" DEFAULT ");
            default.push_str(&text);
        }
        if to.default_before_constraints() {
            sql.push_str(&default);
        }
        if !c.nullable && generated && !target.not_null_on_generated() {
            diags.push(
                Diagnostic::new(
                    &codes::ATTRIBUTE_DROPPED,
                    format!("NOT NULL of generated column `{}.{}` is dropped: MariaDB takes none on a generated column", t.name, c.name),
                )
                .at(c.span)
                .object(t_obj(t)),
            );
        } else if !c.nullable && !Self::dropped(c, DropAttr::NotNull) && !rowid {
            sql.push_str(" NOT NULL");
        }
        if !to.default_before_constraints() {
            sql.push_str(&default);
        }
        if c.on_update_now {
            if let Some(clause) = target.on_update_clause(&ty) {
                sql.push_str(&clause);
            } else if !target.on_update_trigger(self.opts.emulate_on_update) {
                diags.push(
                    Diagnostic::new(&codes::ON_UPDATE, format!("`{}.{}` is refreshed ON UPDATE in the source; {} has no such attribute", t.name, c.name, to))
                        .at(c.span)
                        .object(t_obj(t))
                        .help(target.on_update_help()),
                );
            }
        }
        if let Some(cm) = &c.comment
            && target.comments() == Comments::Inline
        {
            sql.push_str(&format!(" COMMENT {}", to.quote_string(cm)));
        }
        sql
    }

    /// A default for the target column, or None (with a diagnostic) when it cannot be kept.
    fn default_sql(
        &mut self,
        t: &Table,
        c: &Column,
        d: &Default,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<String> {
        let to = self.to();
        let ty = self.column_type(c).to_lowercase();
        let is_bool = c
            .mapped
            .as_ref()
            .is_some_and(|m| m.canonical.family() == crate::canonical::Family::Bool);
        let family = c.mapped.as_ref().map(|m| m.canonical.family());
        let is_temporal = matches!(
            family,
            Some(Family::Date | Family::Time | Family::Timestamp)
        );
        let target = self.target();
        // The source engine itself, or SQLite, takes any value in any column.
        let keeps_any = to == self.opts.from || target.stores_any_value();
        let wrap = |s: String| target.literal_default(s, &ty);
        let bool_lit = |b: bool| target.bool_literal(b).to_string();
        let at = ColumnAt {
            table: t,
            column: c,
        };
        let drop = |why: String, diags: &mut Vec<Diagnostic>| {
            let message = format!("default of `{}` dropped: {why}", at.name());
            diags.push(at.diag(&codes::DEFAULT_CHANGED, message));
            None
        };
        match d {
            Default::Null => Some("NULL".to_string()),
            Default::Number(n) if is_bool => {
                Some(bool_lit(n.parse::<f64>().is_ok_and(|v| v != 0.0)))
            }
            Default::Number(n) if is_temporal && !keeps_any => drop(
                format!("the number {n} is not a date or time on {to}"),
                diags,
            ),
            Default::Number(n) => Some(wrap(n.clone())),
            Default::String(s) if is_bool => match s.to_ascii_lowercase().as_str() {
                "1" | "t" | "true" | "y" | "yes" => Some(bool_lit(true)),
                "0" | "f" | "false" | "n" | "no" => Some(bool_lit(false)),
                _ => drop(format!("'{s}' is not a boolean"), diags),
            },
            // PostgreSQL's non-finite floats: MySQL has none, SQLite only infinities (9e999).
            Default::String(s)
                if !target.has_non_finite_floats()
                    && is_numeric_canonical(c)
                    && matches!(
                        s.to_ascii_lowercase().as_str(),
                        "nan" | "infinity" | "+infinity" | "-infinity" | "inf" | "+inf" | "-inf"
                    ) =>
            {
                let infinity = match s.to_ascii_lowercase().trim_start_matches('+') {
                    "infinity" | "inf" => target.infinity(false),
                    "-infinity" | "-inf" => target.infinity(true),
                    _ => None,
                };
                match infinity {
                    Some(v) => Some(v.to_string()),
                    None => drop(format!("'{s}' is not a number {to} can store"), diags),
                }
            }
            // A MySQL SET default is a comma list; an array's literal is the target's own.
            Default::String(s)
                if self.opts.from.has_set_type()
                    && ty.ends_with("[]")
                    && target.set_as_array(s).is_some() =>
            {
                target.set_as_array(s).map(|a| to.quote_string(&a))
            }
            Default::String(s) if !keeps_any && !is_number_for(family, s) => {
                drop(format!("the text '{s}' is not a number"), diags)
            }
            Default::String(s) if !keeps_any && is_temporal && !is_iso_temporal(s) => drop(
                format!("the text '{s}' is not a date or time {to} reads"),
                diags,
            ),
            Default::String(s) if s.is_empty() && target.refuses_empty_string().is_some() => {
                let why = target.refuses_empty_string().unwrap_or_default();
                drop(why.to_string(), diags)
            }
            Default::String(s) => Some(wrap(to.quote_string(s))),
            Default::Bool(b) => Some(bool_lit(*b)),
            Default::CurrentTimestamp {
                local: true,
                precision,
            } => match target.local_timestamp() {
                Some(v) => Some(v.to_string()),
                None => {
                    let kept = target.current_timestamp(*precision, &ty);
                    let message = format!(
                        "default of `{}`: the source wrote the local time of its machine; {to} writes CURRENT_TIMESTAMP, the time in the session's time zone",
                        at.name()
                    );
                    match kept {
                        Ok(v) => {
                            diags.push(at.diag(&codes::DEFAULT_CHANGED, message));
                            Some(v)
                        }
                        Err(why) => drop(why, diags),
                    }
                }
            },
            Default::CurrentTimestamp { precision, .. } => {
                match target.current_timestamp(*precision, &ty) {
                    Ok(v) => {
                        // A text column holds the time in the writing engine's own form.
                        if family == Some(Family::Text) && to != self.opts.from {
                            let message = format!(
                                "default of `{}`: the time now is written as {to}'s text form of a timestamp, not the source's",
                                at.name()
                            );
                            diags.push(at.diag(&codes::DEFAULT_CHANGED, message));
                        }
                        Some(v)
                    }
                    Err(why) => drop(why, diags),
                }
            }
            Default::CurrentDate => Some(target.current_date().to_string()),
            Default::UnixTimeNow => Some(target.unix_time_now().to_string()),
            Default::CurrentTime => match target.current_time() {
                Ok(v) => Some(v.to_string()),
                Err(why) => drop(why.to_string(), diags),
            },
            Default::ZeroDate(z) if target.keeps_zero_date() => Some(to.quote_string(z)),
            Default::ZeroDate(z) => {
                drop(format!("the zero date '{z}' does not exist on {to}"), diags)
            }
            Default::NextVal(seq) if !to.has_sequences() => {
                drop(format!("sequence `{seq}` does not exist on {to}"), diags)
            }
            // A sequence absorbed into an identity may be that identity's own: nothing else can
            // draw from it.
            Default::NextVal(seq)
                if target.identity_owns_sequence()
                    && !self.schema.sequences.iter().any(|s| s.name.matches(seq)) =>
            {
                drop(
                    format!(
                        "sequence `{seq}` became part of an identity column, whose values {to} does not share"
                    ),
                    diags,
                )
            }
            Default::NextVal(seq) => {
                let name = self.namer.object(seq, diags);
                if target.loader_sets_sequences() {
                    self.out
                        .sequence_defaults
                        .push((t.name.clone(), c.name.clone(), name.clone()));
                }
                Some(target.next_value(&name))
            }
            Default::Expr(e) => match bytes_value(e).and_then(|v| target.bytes_literal(v, &ty)) {
                Some(BytesLiteral::Spelled(v)) => Some(v),
                Some(BytesLiteral::Unspellable) => drop(
                    format!("a bit-value literal has no spelling on {to}"),
                    diags,
                ),
                None => self.expression_default(&at, e, diags),
            },
        }
    }

    /// An expression default, printed for the target, or None with a diagnostic.
    fn expression_default(
        &self,
        at: &ColumnAt,
        e: &sqlparser::ast::Expr,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<String> {
        match expr::expr(e, self.opts.from, self.to(), &self.namer) {
            Ok(s) => Some(self.target().expression_default(s)),
            Err(why) => {
                let message = format!("default of `{}` is not converted: {why}", at.name());
                diags.push(at.diag(&codes::DEFAULT_MANUAL, message));
                None
            }
        }
    }

    pub fn table(&mut self, t: &Table, diags: &mut Vec<Diagnostic>) {
        let to = self.to();
        let name = self.namer.object(&t.name, diags);
        self.namer.reserve(&Self::scope(&t.name), &t.name.name);
        let mut lines = Vec::new();
        for c in &t.columns {
            lines.push(self.column_sql(t, c, diags));
        }
        if let Some(pk) = &t.primary_key {
            let rowid = pk.columns.len() == 1
                && t.column(&pk.columns[0])
                    .is_some_and(|c| self.sqlite_rowid(t, c));
            if !rowid {
                let cols = self.key_columns(t, &pk.columns, diags);
                let cname = match &pk.name {
                    Some(n) if self.target().names_primary_key() => {
                        let n =
                            self.namer
                                .unique_name(&Self::scope(&t.name), n, &t.name.name, diags);
                        format!("CONSTRAINT {} ", self.namer.quote_raw(&n))
                    }
                    _ => String::new(),
                };
                lines.push(format!("{cname}PRIMARY KEY ({cols})"));
            }
        }
        if self.target().identity_must_lead_key() {
            for c in t.columns.iter().filter(|c| c.identity.is_some()) {
                let leads = |cols: &[String]| {
                    cols.first()
                        .is_some_and(|f| f.eq_ignore_ascii_case(&c.name))
                };
                // Unique constraints and indexes come in post-data, too late: only the primary
                // key counts here.
                if !t.primary_key.as_ref().is_some_and(|k| leads(&k.columns)) {
                    let q = self.namer.ident(&c.name, diags);
                    lines.push(format!("KEY ({q})"));
                }
            }
        }
        if to.fk_inline_only() {
            // SQLite: constraints can only be declared in CREATE TABLE.
            for u in &t.uniques {
                let cols = self.key_columns(t, &u.columns, diags);
                lines.push(format!("UNIQUE ({cols})"));
            }
            for ch in self.check_sqls(t, diags) {
                lines.push(ch.1);
            }
            for fk in &t.foreign_keys {
                if let Some((sql, _)) = self.fk_sql(t, fk, diags) {
                    lines.push(sql);
                }
            }
        }
        let mut scratch = Vec::new(); // names were reported when the columns were printed
        let columns = t
            .columns
            .iter()
            .map(|c| (c.name.clone(), self.namer.ident(&c.name, &mut scratch)))
            .collect();
        self.out.tables.push(super::TableTarget {
            source: t.name.clone(),
            target: name.clone(),
            columns,
        });
        let mut sql = format!("CREATE TABLE {name} (\n  {}\n)", lines.join(",\n  "));
        sql.push_str(&self.target().table_options(t, self.same_engine()));
        let numbering = if self.identity_by_trigger() {
            self.identity_sequence_trigger(t, &name, diags)
        } else {
            None
        };
        match numbering {
            Some((sequence, trigger)) => {
                self.pre(StepKind::Sequence, t_obj(t), sequence);
                self.pre(StepKind::Table, t_obj(t), sql);
                self.out.pre_data.push(trigger);
            }
            None => self.pre(StepKind::Table, t_obj(t), sql),
        }
    }

    /// The first of `columns` whose target type the target cannot index
    /// (`TargetSyntax::can_index`: SQL Server's large types, Oracle's LOBs).
    fn unindexable_column<'c>(
        &self,
        t: &Table,
        mut columns: impl Iterator<Item = &'c str>,
    ) -> Option<String> {
        columns
            .find(|c| {
                t.column(c).is_some_and(|col| {
                    !self
                        .target()
                        .can_index(&self.column_type(col).to_lowercase())
                })
            })
            .map(str::to_string)
    }

    /// Key column list; on MySQL a text or blob column in a key needs a prefix length.
    fn key_columns(&mut self, t: &Table, cols: &[String], diags: &mut Vec<Diagnostic>) -> String {
        cols.iter()
            .map(|c| {
                let q = self.namer.ident(c, diags);
                match t.column(c) {
                    Some(col) if self.target().needs_key_prefix(&self.column_type(col)) => {
                        diags.push(
                            Diagnostic::new(&codes::INDEX_PREFIX_ADDED, format!("key on `{}.{c}` indexes only its first 255 characters on MySQL, which cannot index whole TEXT/BLOB values", t.name))
                                .at(col.span)
                                .object(t_obj(t)),
                        );
                        format!("{q}(255)")
                    }
                    _ => q,
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// CHECK constraints of a table (its own and those the mapping added), as (name, SQL).
    fn check_sqls(&mut self, t: &Table, diags: &mut Vec<Diagnostic>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, ch) in t.checks.iter().enumerate() {
            match expr::expr(&ch.expr, self.opts.from, self.to(), &self.namer) {
                Ok(e) => {
                    let n = ch
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("{}_check{}", t.name.name, i + 1));
                    let n = self
                        .namer
                        .unique_name(&Self::scope(&t.name), &n, &t.name.name, diags);
                    out.push((
                        n.clone(),
                        format!("CONSTRAINT {} CHECK ({e})", self.namer.quote_raw(&n)),
                    ));
                }
                Err(why) => diags.push(left_out(
                    &codes::INDEX_MANUAL,
                    format!("check constraint on `{}` is not converted: {why}", t.name),
                    ch.span,
                    t_obj(t),
                )),
            }
        }
        for c in &t.columns {
            if let Some(check) = c.mapped.as_ref().and_then(|m| m.check.as_ref()) {
                // The column as CREATE TABLE named it (its shortening was reported there).
                let column = self
                    .to()
                    .quote_ident(&self.namer.raw(&c.name, &mut Vec::new()));
                let check = check.sql(&column);
                let n = format!("{}_{}_check", t.name.name, c.name);
                let n = self
                    .namer
                    .unique_name(&Self::scope(&t.name), &n, &t.name.name, diags);
                out.push((
                    n.clone(),
                    format!("CONSTRAINT {} CHECK ({check})", self.namer.quote_raw(&n)),
                ));
            }
        }
        out
    }

    /// A FOREIGN KEY clause and the referenced table's target name, or None with a diagnostic
    /// when the target could not create it.
    fn fk_sql(
        &mut self,
        t: &Table,
        fk: &ForeignKey,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(String, String)> {
        let to = self.to();
        let Some(rt) = self.schema.table(&fk.ref_table) else {
            diags.push(left_out(
                &codes::UNKNOWN_REFERENCE,
                format!("foreign key of `{}` references `{}`, which the script does not create; it is not converted", t.name, fk.ref_table),
                fk.span,
                t_obj(t),
            ));
            return None;
        };
        let ref_cols = if fk.ref_columns.is_empty() {
            rt.primary_key
                .as_ref()
                .map(|k| k.columns.clone())
                .unwrap_or_default()
        } else {
            fk.ref_columns.clone()
        };
        let same = |a: &[String], b: &[String]| {
            a.len() == b.len()
                && a.iter()
                    .all(|x| b.iter().any(|y| y.eq_ignore_ascii_case(x)))
        };
        let keyed = rt
            .primary_key
            .as_ref()
            .is_some_and(|k| same(&k.columns, &ref_cols))
            || rt.uniques.iter().any(|u| same(&u.columns, &ref_cols))
            || self.schema.indexes.iter().any(|ix| {
                ix.unique
                    && ix.table.matches(&rt.name)
                    && ix.predicate.is_none()
                    && same(
                        &ix.parts
                            .iter()
                            .filter_map(|p| match &p.expr {
                                IndexExpr::Column(c) => Some(c.clone()),
                                IndexExpr::Expr(_) => None,
                            })
                            .collect::<Vec<_>>(),
                        &ref_cols,
                    )
            });
        if !keyed || ref_cols.is_empty() || ref_cols.len() != fk.columns.len() {
            diags.push(left_out(
                &codes::INDEX_MANUAL,
                format!("foreign key of `{}` references `{}` ({}), which is not its primary key or a unique key; it is not converted", t.name, rt.name, ref_cols.join(", ")),
                fk.span,
                t_obj(t),
            ));
            return None;
        }
        let cols: Vec<String> = fk
            .columns
            .iter()
            .map(|c| self.namer.ident(c, diags))
            .collect();
        let rcols: Vec<String> = ref_cols
            .iter()
            .map(|c| self.namer.ident(c, diags))
            .collect();
        let rname = self.namer.object(&rt.name, diags);
        let mut sql = String::new();
        if let Some(n) = &fk.name {
            let n = self
                .namer
                .unique_name(&Self::scope(&t.name), n, &t.name.name, diags);
            sql.push_str(&format!("CONSTRAINT {} ", self.namer.quote_raw(&n)));
        }
        sql.push_str(&format!(
            "FOREIGN KEY ({}) REFERENCES {rname} ({})",
            cols.join(", "),
            rcols.join(", ")
        ));
        for (what, action) in [("DELETE", fk.on_delete), ("UPDATE", fk.on_update)] {
            let Some(a) = action else { continue };
            let not_null = fk
                .columns
                .iter()
                .any(|c| t.column(c).is_some_and(|c| !c.nullable));
            let cascading = matches!(
                a,
                FkAction::Cascade | FkAction::SetNull | FkAction::SetDefault
            );
            if to.one_cascade_path()
                && cascading
                && !self
                    .cascades
                    .admit(what == "DELETE", &rt.name.name, &t.name.name)
            {
                diags.push(
                    Diagnostic::new(&codes::FK_ACTION_CHANGED, format!("ON {what} {} of a foreign key of `{}` becomes NO ACTION: SQL Server refuses a second cascade path (or a cycle) from `{}`", fk_action_sql(a), t.name, rt.name))
                        .at(fk.span)
                        .object(t_obj(t))
                        .help("cascade in a trigger, or in the application"),
                );
                continue;
            }
            let (becomes, why) = match to.fk_action(what == "DELETE", a, not_null) {
                Ok(Some(a)) => {
                    sql.push_str(&format!(" ON {what} {}", fk_action_sql(a)));
                    continue;
                }
                Ok(None) => continue,
                Err(FkRefusal::Dropped(why)) => ("is dropped", why),
                Err(FkRefusal::NoAction(why)) => ("becomes NO ACTION", why),
            };
            diags.push(
                Diagnostic::new(
                    &codes::FK_ACTION_CHANGED,
                    format!(
                        "ON {what} {} of a foreign key of `{}` {becomes}: {why}",
                        fk_action_sql(a),
                        t.name
                    ),
                )
                .at(fk.span)
                .object(t_obj(t)),
            );
        }
        match fk.deferrable {
            Some(_) if !self.target().has_deferrable_fks() => diags.push(
                Diagnostic::new(&codes::FK_DEFERRABLE_DROPPED, format!("a deferrable foreign key of `{}` becomes immediate: {} checks foreign keys at once", t.name, to.title()))
                    .at(fk.span)
                    .object(t_obj(t)),
            ),
            Some(Deferrable::Deferred) => sql.push_str(" DEFERRABLE INITIALLY DEFERRED"),
            Some(Deferrable::Immediate) => sql.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
            None => {}
        }
        Some((sql, rname))
    }

    /// Unique constraints, foreign keys, checks, comments and triggers of a table (not SQLite,
    /// where they are part of CREATE TABLE).
    pub fn table_post_data(&mut self, t: &Table, diags: &mut Vec<Diagnostic>) {
        let to = self.to();
        let name = self.namer.object(&t.name, diags);
        if !to.fk_inline_only() {
            for u in &t.uniques {
                if let Some(col) = self.unindexable_column(t, u.columns.iter().map(String::as_str))
                {
                    diags.push(left_out(
                        &codes::INDEX_MANUAL,
                        format!("a unique constraint of `{}` is not converted: {} cannot index the large-object column `{col}`", t.name, to.title()),
                        u.span,
                        t_obj(t),
                    ));
                    continue;
                }
                let cols = self.key_columns(t, &u.columns, diags);
                let wanted = u
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{}_{}_key", t.name.name, u.columns.join("_")));
                let n = self
                    .namer
                    .unique_name(&Self::scope(&t.name), &wanted, &t.name.name, diags);
                let q = self.namer.quote_raw(&n);
                self.post(
                    StepKind::Unique,
                    t_obj(t),
                    format!("ALTER TABLE {name} ADD CONSTRAINT {q} UNIQUE ({cols})"),
                );
            }
            for (_, ch) in self.check_sqls(t, diags) {
                self.post(
                    StepKind::Check,
                    t_obj(t),
                    format!("ALTER TABLE {name} ADD {ch}"),
                );
            }
            for fk in &t.foreign_keys {
                if let Some((sql, references)) = self.fk_sql(t, fk, diags) {
                    let kind = StepKind::ForeignKey {
                        table: name.clone(),
                        references,
                    };
                    self.post(kind, t_obj(t), format!("ALTER TABLE {name} ADD {sql}"));
                }
            }
        }
        let comments = self.target().comments();
        if comments == Comments::CommentOn {
            if let Some(cm) = &t.comment {
                self.post(
                    StepKind::Comment,
                    t_obj(t),
                    format!("COMMENT ON TABLE {name} IS {}", to.quote_string(cm)),
                );
            }
            for c in &t.columns {
                if let Some(cm) = &c.comment {
                    let cn = self.namer.ident(&c.name, diags);
                    self.post(
                        StepKind::Comment,
                        t_obj(t),
                        format!("COMMENT ON COLUMN {name}.{cn} IS {}", to.quote_string(cm)),
                    );
                }
            }
        }
        if comments == Comments::ExtendedProperty {
            self.extended_properties(t, diags);
        }
        if self.target().on_update_trigger(self.opts.emulate_on_update) {
            self.on_update_trigger(t, &name, diags);
        } else if comments == Comments::Dropped
            && (t.comment.is_some() || t.columns.iter().any(|c| c.comment.is_some()))
        {
            diags.push(
                Diagnostic::new(
                    &codes::COMMENT_DROPPED,
                    format!(
                        "comments on `{}` are dropped: SQLite has no comments",
                        t.name
                    ),
                )
                .at(t.span)
                .object(t_obj(t)),
            );
        }
    }

    /// SQL Server keeps comments as the extended property MS_Description, set by a procedure
    /// (<https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-addextendedproperty-transact-sql>).
    /// Names go in as strings, unquoted; objects land in `dbo`, where emitted tables are.
    fn extended_properties(&mut self, t: &Table, diags: &mut Vec<Diagnostic>) {
        let q = |s: &str| format!("N{}", Dialect::SqlServer.quote_string(s));
        let table = self.namer.raw(&t.name.name, diags);
        let head = format!("EXEC sp_addextendedproperty {}, ", q("MS_Description"));
        let on_table = format!(
            "{}, {}, {}, {}",
            q("SCHEMA"),
            q("dbo"),
            q("TABLE"),
            q(&table)
        );
        if let Some(cm) = &t.comment {
            self.post(
                StepKind::Comment,
                t_obj(t),
                format!("{head}{}, {on_table}", q(cm)),
            );
        }
        for c in &t.columns {
            if let Some(cm) = &c.comment {
                let column = self.namer.raw(&c.name, diags);
                self.post(
                    StepKind::Comment,
                    t_obj(t),
                    format!(
                        "{head}{}, {on_table}, {}, {}",
                        q(cm),
                        q("COLUMN"),
                        q(&column)
                    ),
                );
            }
        }
    }

    /// PostgreSQL trigger that does what MySQL's ON UPDATE CURRENT_TIMESTAMP does.
    fn on_update_trigger(&mut self, t: &Table, name: &str, diags: &mut Vec<Diagnostic>) {
        let cols: Vec<&Column> = t.columns.iter().filter(|c| c.on_update_now).collect();
        if cols.is_empty() {
            return;
        }
        let func_raw = self.namer.raw(&format!("{}_on_update", t.name.name), diags);
        let func = match (&t.name.schema, self.to().has_schemas()) {
            (Some(s), true) => format!(
                "{}.{}",
                self.namer.ident(s, diags),
                self.namer.quote_raw(&func_raw)
            ),
            _ => self.namer.quote_raw(&func_raw),
        };
        let sets: String = cols
            .iter()
            .map(|c| {
                format!(
                    "  NEW.{} := CURRENT_TIMESTAMP;\n",
                    self.namer.ident(&c.name, &mut Vec::new())
                )
            })
            .collect();
        self.post(
            StepKind::Routine,
            t_obj(t),
            format!("CREATE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $ferry$\nBEGIN\n{sets}  RETURN NEW;\nEND\n$ferry$"),
        );
        let trig = self.namer.quote_raw(&func_raw);
        self.post(StepKind::Trigger, t_obj(t), format!("CREATE TRIGGER {trig} BEFORE UPDATE ON {name} FOR EACH ROW EXECUTE FUNCTION {func}()"));
    }

    pub fn index(&mut self, ix: &Index, diags: &mut Vec<Diagnostic>) {
        let to = self.to();
        let Some(t) = self.schema.table(&ix.table) else {
            return;
        };
        let obj = t_obj(t);
        let what = ix.name.clone().unwrap_or_else(|| "(unnamed)".to_string());
        if ix.kind != IndexKind::Plain
            && !(self.same_engine() && self.target().keeps_fulltext_spatial())
        {
            let kind = if ix.kind == IndexKind::Fulltext {
                "full-text"
            } else {
                "spatial"
            };
            diags.push(left_out(
                &codes::INDEX_MANUAL,
                format!("{kind} index `{what}` on `{}` is not converted: {to} indexes text search and geometry differently", t.name),
                ix.span,
                obj,
            ));
            return;
        }
        if let Some(col) = self.unindexable_column(
            t,
            ix.parts.iter().filter_map(|p| match &p.expr {
                IndexExpr::Column(c) => Some(c.as_str()),
                IndexExpr::Expr(_) => None,
            }),
        ) {
            diags.push(left_out(
                &codes::INDEX_MANUAL,
                format!("index `{what}` on `{}` is not converted: {} cannot index the large-object column `{col}`", t.name, to.title()),
                ix.span,
                obj,
            ));
            return;
        }
        let mut parts = Vec::new();
        for p in &ix.parts {
            let mut s = match &p.expr {
                IndexExpr::Column(c) => {
                    let q = self.namer.ident(c, diags);
                    let col_ty = t
                        .column(c)
                        .map(|col| self.column_type(col))
                        .unwrap_or_default();
                    match p.prefix_len {
                        Some(n) if self.target().has_prefix_indexes() => format!("{q}({n})"),
                        None if self.target().needs_key_prefix(&col_ty) => format!("{q}(255)"),
                        Some(_) => {
                            diags.push(
                                Diagnostic::new(&codes::INDEX_PREFIX_DROPPED, format!("prefix length of index `{what}` on `{}` is dropped: {to} indexes the whole value", t.name))
                                    .at(ix.span)
                                    .object(obj.clone()),
                            );
                            q
                        }
                        None => q,
                    }
                }
                IndexExpr::Expr(e) => {
                    let printed = match self.target().refuses_expression_indexes() {
                        Some(why) => Err(Refusal::TargetLacks(why)),
                        None => expr::expr(e, self.opts.from, to, &self.namer),
                    };
                    match printed {
                        Ok(s) => format!("({s})"),
                        Err(why) => {
                            diags.push(left_out(
                                &codes::INDEX_MANUAL,
                                format!("index `{what}` on `{}` is not converted: {why}", t.name),
                                ix.span,
                                obj,
                            ));
                            return;
                        }
                    }
                }
            };
            if p.descending {
                s.push_str(" DESC");
            }
            parts.push(s);
        }
        let mut predicate = String::new();
        if let Some(pred) = &ix.predicate {
            let printed = if !to.has_partial_indexes() {
                Err(Refusal::NoPartialIndexes(to))
            } else {
                expr::expr(pred, self.opts.from, to, &self.namer)
            };
            match printed {
                Ok(s) => predicate = format!(" WHERE {s}"),
                Err(why) => {
                    diags.push(left_out(
                        &codes::INDEX_MANUAL,
                        format!(
                            "partial index `{what}` on `{}` is not converted: {why}",
                            t.name
                        ),
                        ix.span,
                        obj,
                    ));
                    return;
                }
            }
        }
        let method = match ix.method.as_deref() {
            None => String::new(),
            Some(m) => match self.target().index_method(m, self.same_engine()) {
                Some(using) => using,
                None => {
                    diags.push(left_out(&codes::INDEX_MANUAL, format!("index `{what}` on `{}` uses method {m}, which {to} lacks; it is not converted", t.name), ix.span, obj));
                    return;
                }
            },
        };
        let col_names: Vec<String> = ix
            .parts
            .iter()
            .map(|p| match &p.expr {
                IndexExpr::Column(c) => c.clone(),
                IndexExpr::Expr(_) => "expr".to_string(),
            })
            .collect();
        let wanted = ix
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_{}_idx", t.name.name, col_names.join("_")));
        let n = self
            .namer
            .unique_name(&Self::scope(&t.name), &wanted, &t.name.name, diags);
        let q = self.namer.quote_raw(&n);
        let table = self.namer.object(&t.name, diags);
        let unique = if ix.unique { "UNIQUE " } else { "" };
        let kind = match ix.kind {
            IndexKind::Fulltext => "FULLTEXT ",
            IndexKind::Spatial => "SPATIAL ",
            IndexKind::Plain => "",
        };
        let (using_before, using_after) = if self.target().method_before_columns() {
            (method, String::new())
        } else {
            (String::new(), method)
        };
        let include = self.include_columns(t, ix, diags);
        self.post(StepKind::Index, obj, format!("CREATE {unique}{kind}INDEX {q} ON {table}{using_before} ({}){using_after}{include}{predicate}", parts.join(", ")));
    }

    /// ` INCLUDE (...)`: columns a covering index carries without sorting on them, where the
    /// target has it (`Dialect::has_index_include`); elsewhere dropped with a note, the index
    /// still serves its lookups.
    fn include_columns(&mut self, t: &Table, ix: &Index, diags: &mut Vec<Diagnostic>) -> String {
        if ix.include.is_empty() {
            return String::new();
        }
        let to = self.to();
        if !to.has_index_include() {
            diags.push(
                Diagnostic::new(
                    &codes::INDEX_OPTION_DROPPED,
                    format!(
                        "the covering columns INCLUDE ({}) of an index on `{}` are dropped: {} has no INCLUDE",
                        ix.include.join(", "),
                        t.name,
                        to.title()
                    ),
                )
                .at(ix.span)
                .object(t_obj(t)),
            );
            return String::new();
        }
        let cols: Vec<String> = ix
            .include
            .iter()
            .map(|c| self.namer.ident(c, diags))
            .collect();
        format!(" INCLUDE ({})", cols.join(", "))
    }

    pub fn view(&mut self, v: &View, diags: &mut Vec<Diagnostic>) {
        let to = self.to();
        let obj = ObjectRef::new(ObjectKind::View, &v.name);
        // SQL Server takes ORDER BY in a view only with a row limit
        // (https://learn.microsoft.com/en-us/sql/t-sql/statements/create-view-transact-sql); a
        // view's rows have no order anyway unless the query that reads it asks for one.
        let unordered = (!self.target().view_takes_order_by()
            && self.opts.from != to
            && v.query.order_by.is_some()
            && v.query.limit_clause.is_none()
            && v.query.fetch.is_none())
        .then(|| sqlparser::ast::Query {
            order_by: None,
            ..v.query.clone()
        });
        let query = match self.view_reads_missing(v) {
            Some(why) => Err(why),
            None => expr::query(
                unordered.as_ref().unwrap_or(&v.query),
                self.opts.from,
                to,
                &self.namer,
            ),
        };
        if unordered.is_some() && query.is_ok() {
            diags.push(
                Diagnostic::new(
                    &codes::VIEW_ORDER_DROPPED,
                    format!("ORDER BY of view `{}` is dropped: SQL Server views are unordered; order the rows where the view is read", v.name),
                )
                .at(v.span)
                .object(obj.clone()),
            );
        }
        match query {
            Ok(converted) => {
                for w in &converted.warnings {
                    diags.push(
                        Diagnostic::new(w.code, format!("view `{}`: {}", v.name, w.message))
                            .at(v.span)
                            .object(obj.clone()),
                    );
                }
                let q = converted.sql;
                let name = self.namer.object(&v.name, diags);
                self.namer.reserve(&Self::scope(&v.name), &v.name.name);
                let cols = if v.columns.is_empty() {
                    String::new()
                } else {
                    let c: Vec<String> = v
                        .columns
                        .iter()
                        .map(|c| self.namer.ident(c, diags))
                        .collect();
                    format!(" ({})", c.join(", "))
                };
                let kind = if v.materialized && self.target().has_materialized_views() {
                    "MATERIALIZED VIEW"
                } else {
                    if v.materialized {
                        diags.push(
                            Diagnostic::new(
                                &codes::MATERIALIZED_VIEW_CHANGED,
                                format!(
                                    "materialized view `{}` becomes a plain view on {to}",
                                    v.name
                                ),
                            )
                            .at(v.span)
                            .object(obj.clone()),
                        );
                    }
                    "VIEW"
                };
                self.out.views.push(Stmt {
                    object: obj,
                    kind: StepKind::View,
                    sql: format!("CREATE {kind} {name}{cols} AS {q}"),
                    end: self
                        .to()
                        .unit_lines()
                        .map_or(End::Semicolon, |(before, after)| End::Alone {
                            before,
                            after,
                        }),
                });
            }
            Err(why) => {
                diags.push(left_out(
                    &codes::VIEW_MANUAL,
                    format!("view `{}` is not converted: {why}", v.name),
                    v.span,
                    obj,
                ));
                self.dropped_views.push(v.name.clone());
            }
        }
    }

    /// Why a view cannot be created on the target whatever its query says: it reads a view
    /// left out, a relation the script does not create, or another engine's catalog.
    fn view_reads_missing(&self, v: &View) -> Option<Refusal> {
        let dropped = relations_of(&v.query).iter().find_map(|r| {
            let n =
                r.0.last()
                    .and_then(|p| p.as_ident())
                    .map(|i| i.value.clone())
                    .unwrap_or_default();
            self.dropped_views
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(&n))
                .cloned()
        });
        if let Some(dep) = dropped {
            return Some(Refusal::ReadsLeftOutView(dep.to_string()));
        }
        let same_engine = self.opts.from == self.to();
        let missing = crate::order::undefined_relations(&v.query, self.schema, same_engine);
        missing.first().map(|m| {
            if crate::order::is_system_relation(m) {
                Refusal::ReadsCatalog {
                    relation: m.to_string(),
                    source: self.opts.from,
                }
            } else {
                Refusal::ReadsUndefined(m.to_string())
            }
        })
    }

    /// A domain, within one engine: as the source wrote it, before what names it.
    pub fn domain(&mut self, d: &crate::ir::Domain) {
        let sql = d.text.trim().trim_end_matches(';').trim_end().to_string();
        self.pre(
            StepKind::Type,
            ObjectRef::new(ObjectKind::Domain, &d.name),
            sql,
        );
    }

    /// Whether the pre-data makes the target's setting for routines already.
    fn routine_setting_made(&self) -> bool {
        self.out
            .pre_data
            .iter()
            .any(|s| s.kind == StepKind::Setting)
    }

    /// A routine the order placed among the tables (within one engine: a function before the
    /// tables whose defaults call it, after the domains it names), with the target's setting
    /// for routines before the first.
    pub fn ordered_routine(&mut self, r: &crate::ir::Routine) {
        let setting_made = self.routine_setting_made();
        if let Some((setting, sql)) = self.target().routine_setting()
            && !setting_made
        {
            self.pre(
                StepKind::Setting,
                ObjectRef::new(ObjectKind::Setting, setting),
                sql.to_string(),
            );
        }
        let stmt = self.kept_routine(r);
        self.out.pre_data.push(stmt);
    }

    /// The script's routines that the order did not place, in source order: all of them
    /// between two engines, the triggers within one.
    pub fn routines(&mut self, diags: &mut Vec<Diagnostic>) {
        let same = self.same_engine();
        let rest: Vec<&crate::ir::Routine> = self
            .schema
            .routines
            .iter()
            .filter(|r| !(same && crate::order::ordered_routine(r)))
            .collect();
        let setting_made = self.routine_setting_made();
        if let Some((setting, sql)) = self.target().routine_setting()
            && same
            && !setting_made
            && !rest.is_empty()
        {
            self.post(
                StepKind::Setting,
                ObjectRef::new(ObjectKind::Setting, setting),
                sql.to_string(),
            );
        }
        // Calls between the script's routines re-print where the called routine converts too:
        // those that do not are found by converting until no more drop out.
        let mut namer = self.namer.clone();
        if super::routine::converts(self.opts.from, self.to()) {
            let mut left_out = (*namer.routines).clone();
            for r in &self.schema.routines {
                if matches!(
                    r.kind,
                    crate::ir::RoutineKind::Function | crate::ir::RoutineKind::Procedure
                ) {
                    left_out.remove(&r.name.name.to_lowercase());
                }
            }
            loop {
                namer.routines = Arc::new(left_out.clone());
                namer.converted_routines = Arc::new(
                    self.schema
                        .routines
                        .iter()
                        .map(|r| r.name.name.to_lowercase())
                        .filter(|r| !left_out.contains(r))
                        .collect(),
                );
                let failing: Vec<String> = self
                    .schema
                    .routines
                    .iter()
                    .filter(|r| !left_out.contains(&r.name.name.to_lowercase()))
                    .filter(|r| {
                        matches!(
                            super::routine::convert(
                                r,
                                self.opts.from,
                                self.to(),
                                &namer,
                                &self.opts.routine_types
                            ),
                            Some(Err(_))
                        )
                    })
                    .map(|r| r.name.name.to_lowercase())
                    .collect();
                if failing.is_empty() {
                    break;
                }
                left_out.extend(failing);
            }
        }
        for r in rest {
            self.routine(r, &namer, diags);
        }
    }

    /// A routine as written, for the engine it was written for.
    fn kept_routine(&self, r: &crate::ir::Routine) -> Stmt {
        let body = r.body.trim().to_string();
        let end = match self.to().unit_lines() {
            Some((before, after)) => End::Alone { before, after },
            None if self.target().delimits_routines() && body.contains(';') => End::Delimiter,
            None => End::Semicolon,
        };
        Stmt {
            object: ObjectRef::new(r.kind.object_kind(), &r.name),
            kind: StepKind::Routine,
            sql: body,
            end,
        }
    }

    /// Procedural code runs unchanged on the engine it was written for; anywhere else it is a
    /// manual-action item.
    fn routine(
        &mut self,
        r: &crate::ir::Routine,
        namer: &super::names::Namer,
        diags: &mut Vec<Diagnostic>,
    ) {
        let object = ObjectRef::new(r.kind.object_kind(), &r.name);
        if self.opts.from == self.to() {
            let stmt = self.kept_routine(r);
            self.out.post_data.push(stmt);
            return;
        }
        if r.kind == crate::ir::RoutineKind::Type {
            diags.push(
                Diagnostic::new(
                    &codes::UNSUPPORTED_STATEMENT,
                    format!(
                        "type `{}` is not an enum; composite and range types are not converted",
                        r.name
                    ),
                )
                .at(r.span)
                .object(object),
            );
            return;
        }
        // An operator is no procedural code: it is recreated by hand, if at all.
        if r.kind == crate::ir::RoutineKind::Operator {
            diags.push(
                Diagnostic::new(
                    &codes::UNSUPPORTED_STATEMENT,
                    "an operator is not converted",
                )
                .at(r.head)
                .object(object)
                .help("recreate it by hand on the target if you need it"),
            );
            return;
        }
        let converted = match r.kind {
            crate::ir::RoutineKind::Trigger => super::trigger::convert(
                &r.body,
                self.opts.from,
                self.to(),
                &self.namer,
                &self.opts.routine_types,
            ),
            crate::ir::RoutineKind::Function | crate::ir::RoutineKind::Procedure => {
                let routine = super::routine::convert(
                    r,
                    self.opts.from,
                    self.to(),
                    namer,
                    &self.opts.routine_types,
                );
                match routine {
                    Some(Ok(c)) => {
                        for w in &c.warnings {
                            diags.push(
                                Diagnostic::new(
                                    w.code,
                                    format!("{} `{}`: {}", r.kind.as_str(), r.name, w.message),
                                )
                                .at(r.head)
                                .object(object.clone()),
                            );
                        }
                        self.post(StepKind::Routine, object, c.sql);
                        return;
                    }
                    Some(Err(left)) => {
                        diags.push(
                            Diagnostic::new(
                                &codes::ROUTINE_MANUAL,
                                format!(
                                    "{} `{}` must be rewritten for {}: {}",
                                    r.kind.as_str(),
                                    r.name,
                                    self.to(),
                                    left.why
                                ),
                            )
                            .at(left.span)
                            .object(object)
                            .help(format!(
                                "ferry leaves the {} out: rewrite it in the target's procedural language",
                                r.kind.as_str(),
                            )),
                        );
                        return;
                    }
                    None => None,
                }
            }
            _ => None,
        };
        let why = match converted {
            Some(Ok(t)) => {
                if let Some(f) = t.function {
                    self.post(StepKind::Routine, object.clone(), f);
                }
                self.post(StepKind::Trigger, object, t.trigger);
                return;
            }
            Some(Err(why)) => Some(why),
            None => None,
        };
        let no_routines = match r.kind {
            crate::ir::RoutineKind::Trigger => None,
            _ => self.target().no_routines(),
        };
        let help = match (&why, no_routines) {
            (Some(why), _) => format!("{why}; rewrite it in the target's procedural language"),
            (None, Some(reason)) => reason.to_string(),
            (None, None) => {
                "rewrite it in the target's procedural language; ferry keeps its source location"
                    .to_string()
            }
        };
        diags.push(
            Diagnostic::new(
                &codes::ROUTINE_MANUAL,
                format!(
                    "{} `{}` must be rewritten for {}",
                    r.kind.as_str(),
                    r.name,
                    self.to()
                ),
            )
            .at(r.head)
            .object(object)
            .help(help),
        );
    }
}

/// The names a view's columns go by: its column list, or the aliases of its SELECT.
fn view_output_names(v: &View) -> Vec<&str> {
    if !v.columns.is_empty() {
        return v.columns.iter().map(String::as_str).collect();
    }
    match v.query.body.as_ref() {
        sqlparser::ast::SetExpr::Select(sel) => sel
            .projection
            .iter()
            .filter_map(|item| match item {
                sqlparser::ast::SelectItem::ExprWithAlias { alias, .. } => {
                    Some(alias.value.as_str())
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn fk_action_sql(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "NO ACTION",
        FkAction::Restrict => "RESTRICT",
        FkAction::Cascade => "CASCADE",
        FkAction::SetNull => "SET NULL",
        FkAction::SetDefault => "SET DEFAULT",
    }
}

#[cfg(test)]
mod tests {
    use super::is_iso_temporal;

    #[test]
    fn iso_dates_and_times_are_kept_and_other_text_is_not() {
        for s in [
            "2020-01-02",
            "2020-01-02 03:04:05",
            "2020-01-02T03:04:05.123",
            "2020-01-02 03:04:05+01:00",
            "2020-01-02 03:04:05Z",
            "03:04",
            "03:04:05.6",
        ] {
            assert!(is_iso_temporal(s), "{s}");
        }
        for s in [
            "",
            "0",
            "never",
            "now",
            "2020-1-2",
            "2020-01-02 3:04",
            "03:04:05.",
        ] {
            assert!(!is_iso_temporal(s), "{s}");
        }
    }
}
