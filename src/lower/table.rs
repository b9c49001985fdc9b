//! CREATE TABLE and ALTER TABLE.

use crate::diag::ObjectRef;
use sqlparser::ast::{
    self, AlterColumnOperation, AlterTableOperation, ColumnOption, CreateTable, CreateTableOptions,
    DataType, GeneratedAs, SqlOption, TableConstraint,
};
use sqlparser::tokenizer::Token;

use super::default::lower_default;
use super::{Ctx, expr_i64};
use crate::diag::{Diagnostic, codes};
use crate::dialect::Dialect;
use crate::ir::{
    Check, Column, Deferrable, FkAction, ForeignKey, Generated, Identity, IdentityKind, Index,
    IndexExpr, IndexKind, IndexPart, Key, Schema, Table,
};

/// A CREATE TABLE lowered on its own, before the statements ahead of it are: on a parser thread
/// (`super::prepare`), so that its syntax tree is dropped there. `add_table` completes it.
pub struct NewTable {
    table: Table,
    indexes: Vec<Index>,
    diags: Vec<Diagnostic>,
}

/// CREATE TABLE as far as it does not depend on the tables created before it; None for a table
/// that needs them (it inherits: the parent's columns come first) or has no column list.
pub fn prepare_table(cx: &Ctx, ct: &CreateTable) -> Option<NewTable> {
    if !defined_by_columns(ct) || ct.inherits.as_ref().is_some_and(|p| !p.is_empty()) {
        return None;
    }
    let mut new = NewTable {
        table: empty_table(cx, ct, cx.name(&ct.name)),
        indexes: Vec::new(),
        diags: Vec::new(),
    };
    table_body(cx, ct, &mut new.table, &mut new.indexes, &mut new.diags);
    Some(new)
}

impl NewTable {
    /// Adds the SQL Server computed columns the parse left out (`tsql::computed_column`), each
    /// where it stood among the columns, or reports why it stays a manual action.
    pub fn computed_columns(&mut self, cx: &Ctx, spans: &[crate::source::Span]) {
        for at in spans {
            match super::computed::computed_column(cx, *at, &self.table) {
                Ok(c) => {
                    let i = self
                        .table
                        .columns
                        .iter()
                        .position(|o| o.span.start > at.start)
                        .unwrap_or(self.table.columns.len());
                    self.table.columns.insert(i, c);
                }
                Err(why) => self
                    .diags
                    .push(super::computed::computed_column_manual(*at, Some(&why))),
            }
        }
    }
}

/// Adds a prepared table, unless the script created one of that name before.
pub fn add_table(cx: &Ctx, new: NewTable, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    if internal_table(cx, &new.table.name, diags)
        || created_twice(cx, &new.table.name, schema, diags)
    {
        return;
    }
    diags.extend(new.diags);
    schema.add_table(new.table);
    schema.indexes.extend(new.indexes);
}

/// The engine's own bookkeeping (SQLite's `sqlite_sequence`, `sqlite_stat1`, ...) is no user
/// table: skipped with a note. Its meaning moves with the identity columns and the indexes.
/// So are ferry's own tables (a load's or a sync's state, a SQLite capture's change table) in
/// a database that was a target or a sync source before.
fn internal_table(cx: &Ctx, name: &crate::ir::Name, diags: &mut Vec<Diagnostic>) -> bool {
    let whose = if cx.dialect.is_internal_table(&name.name) {
        "the engine's"
    } else if crate::sync::is_own_table(&name.name) {
        "ferry's"
    } else {
        return false;
    };
    diags.push(
        Diagnostic::new(
            &codes::SKIPPED_STATEMENT,
            format!("skipped `{name}`: {whose} own bookkeeping, not a user table"),
        )
        .at(cx.span()),
    );
    true
}

pub fn create_table(cx: &Ctx, ct: &CreateTable, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let name = cx.name(&ct.name);
    if internal_table(cx, &name, diags) {
        return;
    }
    if !defined_by_columns(ct) {
        diags.push(
            Diagnostic::new(
                &codes::UNSUPPORTED_STATEMENT,
                format!("table `{name}` is defined by a query or copied from another table"),
            )
            .at(cx.span())
            .object(ObjectRef::table(&name))
            .help("create the table with explicit columns"),
        );
        return;
    }
    if created_twice(cx, &name, schema, diags) {
        return;
    }
    let mut table = empty_table(cx, ct, name.clone());
    let mut indexes = Vec::new();
    // PostgreSQL table inheritance: the child has the parent's columns first.
    for parent in ct.inherits.iter().flatten() {
        let pname = cx.name(parent);
        match schema.table(&pname) {
            Some(p) => table.columns.extend(p.columns.iter().cloned()),
            None => diags.push(
                Diagnostic::new(
                    &codes::UNKNOWN_REFERENCE,
                    format!(
                        "table `{name}` inherits from `{pname}`, which the script does not create"
                    ),
                )
                .at(cx.span())
                .object(ObjectRef::table(&name)),
            ),
        }
        diags.push(
            Diagnostic::new(&codes::INHERITANCE_DROPPED, format!("table `{name}` inherits from `{pname}`: it gets the parent's columns, but the inheritance itself is not converted"))
                .at(cx.span())
                .object(ObjectRef::table(&name))
                .note("queries on the parent no longer see the child's rows"),
        );
    }
    table_body(cx, ct, &mut table, &mut indexes, diags);
    schema.add_table(table);
    schema.indexes.extend(indexes);
}

/// Not `CREATE TABLE ... AS SELECT`, `LIKE` or `CLONE`.
fn defined_by_columns(ct: &CreateTable) -> bool {
    ct.query.is_none() && ct.like.is_none() && ct.clone.is_none()
}

/// Whether the script created a table of this name before (said in a diagnostic).
fn created_twice(
    cx: &Ctx,
    name: &crate::ir::Name,
    schema: &Schema,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let twice = schema.table(name).is_some_and(|t| t.name == *name);
    if twice {
        diags.push(
            Diagnostic::new(
                &codes::UNSUPPORTED_STATEMENT,
                format!("table `{name}` is created twice; the second definition is ignored"),
            )
            .at(cx.span())
            .object(ObjectRef::table(name)),
        );
    }
    twice
}

fn empty_table(cx: &Ctx, ct: &CreateTable, name: crate::ir::Name) -> Table {
    Table {
        name,
        span: cx.span(),
        columns: Vec::with_capacity(ct.columns.len()),
        primary_key: None,
        uniques: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        comment: ct.comment.as_ref().map(comment_text),
        auto_increment_start: None,
        default_charset: None,
        default_collation: None,
    }
}

/// Columns, constraints and options: what the statement says about the table itself.
fn table_body(
    cx: &Ctx,
    ct: &CreateTable,
    table: &mut Table,
    indexes: &mut Vec<Index>,
    diags: &mut Vec<Diagnostic>,
) {
    for col in &ct.columns {
        lower_column(cx, table, col, diags);
    }
    for c in &ct.constraints {
        add_constraint(cx, table, indexes, c, diags);
    }
    table_options(cx, table, &ct.table_options, diags);
    let name = &table.name;
    // PostgreSQL storage settings (https://www.postgresql.org/docs/15/sql-createtable.html):
    // how the server writes the table, not what it holds.
    let mut storage = Vec::new();
    if ct.unlogged {
        storage.push("UNLOGGED".to_string());
    }
    if let CreateTableOptions::With(params) = &ct.table_options
        && !params.is_empty()
    {
        let params: Vec<String> = params.iter().map(ToString::to_string).collect();
        storage.push(format!("WITH ({})", params.join(", ")));
    }
    if !storage.is_empty() {
        let message = format!(
            "the storage settings {} of table `{name}` are dropped: it is created as an ordinary table",
            storage.join(" and ")
        );
        diags.push(
            Diagnostic::new(&codes::PHYSICAL_CLAUSE_DROPPED, message)
                .at(cx.span())
                .object(ObjectRef::table(name)),
        );
    }
    if ct.partition_by.is_some() {
        diags.push(
            Diagnostic::new(&codes::PARTITIONING_DROPPED, format!("partitioning of table `{name}` is not converted"))
                .at(cx.span())
                .object(ObjectRef::table(name))
                .note("the table is created unpartitioned; its partitions, if any, become tables of their own"),
        );
    }
    if ct.without_rowid {
        diags.push(
            Diagnostic::new(
                &codes::PHYSICAL_CLAUSE_DROPPED,
                format!("WITHOUT ROWID on table `{name}` has no equivalent"),
            )
            .at(cx.span())
            .object(ObjectRef::table(name)),
        );
    }
}

fn comment_text(c: &ast::CommentDef) -> String {
    match c {
        ast::CommentDef::WithEq(s) | ast::CommentDef::WithoutEq(s) => s.clone(),
    }
}

/// The table options lowering reads (AUTO_INCREMENT, COMMENT, the default character set and
/// collation); ENGINE is dropped quietly (every MySQL table names one, and the target stores
/// tables its own way). Any other option (TABLESPACE, ROW_FORMAT, KEY_BLOCK_SIZE, ...) says
/// how the source server stores the table: dropped with a note naming it. The options of
/// `WITH (...)` are PostgreSQL storage settings, reported with UNLOGGED by `table_body`.
fn table_options(
    cx: &Ctx,
    table: &mut Table,
    opts: &CreateTableOptions,
    diags: &mut Vec<Diagnostic>,
) {
    let list = match opts {
        CreateTableOptions::Plain(l)
        | CreateTableOptions::With(l)
        | CreateTableOptions::Options(l) => l,
        _ => return,
    };
    let mut dropped = Vec::new();
    for o in list {
        match o {
            SqlOption::KeyValue { key, value } => match key.value.to_ascii_uppercase().as_str() {
                "AUTO_INCREMENT" => {
                    table.auto_increment_start = expr_i64(value).and_then(|v| u64::try_from(v).ok())
                }
                "COMMENT" => {
                    if let ast::Expr::Value(v) = value
                        && let ast::Value::SingleQuotedString(s) = &v.value
                    {
                        table.comment = Some(s.clone());
                    }
                }
                "DEFAULT CHARSET" | "CHARSET" | "DEFAULT CHARACTER SET" | "CHARACTER SET" => {
                    table.default_charset = Some(option_word(value))
                }
                "DEFAULT COLLATE" | "COLLATE" => table.default_collation = Some(option_word(value)),
                "ENGINE" => {}
                _ => dropped.push(o.to_string()),
            },
            SqlOption::Comment(c) => table.comment = Some(comment_text(c)),
            SqlOption::NamedParenthesizedList(l) if l.key.value.eq_ignore_ascii_case("ENGINE") => {}
            _ => dropped.push(o.to_string()),
        }
    }
    if !dropped.is_empty() && !matches!(opts, CreateTableOptions::With(_)) {
        let name = &table.name;
        diags.push(
            Diagnostic::new(
                &codes::PHYSICAL_CLAUSE_DROPPED,
                format!(
                    "the table options {} of table `{name}` are dropped: they say how the source server stores the table",
                    dropped.join(", ")
                ),
            )
            .at(cx.span())
            .object(ObjectRef::table(name)),
        );
    }
}

/// A table option's value as written: `utf8mb4`, `'utf8mb4'`.
fn option_word(value: &ast::Expr) -> String {
    match value {
        ast::Expr::Identifier(id) => id.value.clone(),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}

/// The column type as written, lower case; enum and set values are kept apart, unlowered.
pub(super) fn source_type(dt: &DataType, dialect: Dialect) -> (String, Option<Vec<String>>) {
    match dt {
        DataType::Enum(members, _) => (
            "enum".to_string(),
            Some(
                members
                    .iter()
                    .map(|m| match m {
                        ast::EnumMember::Name(n) => n.clone(),
                        ast::EnumMember::NamedValue(n, _) => n.clone(),
                    })
                    .collect(),
            ),
        ),
        DataType::Set(values) => ("set".to_string(), Some(values.clone())),
        DataType::Unspecified => (String::new(), None),
        // SQL Server lets a type name be quoted like any name: `[nvarchar](16)`, `"int"`.
        DataType::Custom(name, modifiers) if name.0.len() == 1 && dialect.quotes_type_names() => {
            let base = name.0[0]
                .as_ident()
                .map_or_else(|| name.to_string(), |i| i.value.clone())
                .to_lowercase();
            if modifiers.is_empty() {
                (base, None)
            } else {
                (
                    format!("{base}({})", modifiers.join(",")).to_lowercase(),
                    None,
                )
            }
        }
        // A user's alias type named with its schema, quoted or not (`[dbo].[Flag]`, `dbo.Flag`):
        // the name without its quotes, and without the schema a name implies
        // (`Dialect::implied_schema`), as an unqualified use reads it.
        DataType::Custom(name, modifiers)
            if name.0.len() > 1 && modifiers.is_empty() && dialect.quotes_type_names() =>
        {
            let parts: Vec<String> = name
                .0
                .iter()
                .map(|p| {
                    p.as_ident()
                        .map_or_else(|| p.to_string(), |i| i.value.clone())
                })
                .collect();
            let parts = match parts.split_first() {
                Some((first, rest))
                    if dialect
                        .implied_schema()
                        .is_some_and(|s| s.eq_ignore_ascii_case(first)) =>
                {
                    rest
                }
                _ => &parts[..],
            };
            (parts.join(".").to_lowercase(), None)
        }
        // Oracle `NUMBER(*, s)`, which parse/repair/oracle.rs reads as `NUMBER(X, s)`: the
        // largest precision.
        DataType::Custom(name, modifiers)
            if name.to_string().eq_ignore_ascii_case("number")
                && modifiers
                    .first()
                    .is_some_and(|m| m.eq_ignore_ascii_case("x")) =>
        {
            match dialect.number_star_precision() {
                Some(largest) => {
                    let params = std::iter::once(largest.to_string())
                        .chain(modifiers[1..].iter().cloned())
                        .collect::<Vec<_>>()
                        .join(",");
                    (format!("{name}({params})").to_lowercase(), None)
                }
                None => (type_text(dt), None),
            }
        }
        // Oracle `VARCHAR2(10 CHAR)` / `VARCHAR2(10 BYTE)`: the length's unit is left out of the
        // type; the target's length counts characters, which holds the value either way.
        DataType::Custom(name, modifiers)
            if dialect.has_length_units()
                && modifiers.len() == 2
                && ["char", "byte"]
                    .iter()
                    .any(|u| modifiers[1].eq_ignore_ascii_case(u)) =>
        {
            (format!("{name}({})", modifiers[0]).to_lowercase(), None)
        }
        other => (type_text(other), None),
    }
}

/// A type's text, lower case. A schema spells a few dozen types over thousands of columns, so
/// each parser thread remembers the text of the types it has printed.
fn type_text(dt: &DataType) -> String {
    thread_local! {
        static KNOWN: std::cell::RefCell<foldhash::HashMap<DataType, String>> =
            std::cell::RefCell::new(foldhash::HashMap::default());
    }
    KNOWN.with_borrow_mut(|known| {
        if let Some(text) = known.get(dt) {
            return text.clone();
        }
        let text = dt.to_string().to_lowercase();
        // Bounded: a script of endless distinct types (`varchar(1)`, `varchar(2)`, ...) starts
        // the memory over rather than growing it.
        if known.len() >= 4096 {
            known.clear();
        }
        known.insert(dt.clone(), text.clone());
        text
    })
}

fn lower_column(cx: &Ctx, table: &mut Table, col: &ast::ColumnDef, diags: &mut Vec<Diagnostic>) {
    let (mut ty, values) = source_type(&col.data_type, cx.dialect);
    let name = cx.ident(&col.name);
    let span = cx.line_span_from(&col.name);
    let mut c = Column {
        values,
        ..Column::new(name.clone(), span, "")
    };
    // PostgreSQL serial types are an integer with a sequence behind it.
    if let Some(base) = serial_base(&ty).filter(|_| cx.dialect.has_serial_types()) {
        c.identity = Some(Identity {
            kind: IdentityKind::Serial,
            always: false,
            start: None,
            increment: None,
        });
        c.nullable = false;
        ty = base.to_string();
    }
    c.source_type = ty;
    for opt in &col.options {
        match &opt.option {
            ColumnOption::Null => c.nullable = true,
            ColumnOption::NotNull => c.nullable = false,
            ColumnOption::Default(e) => c.default = Some(lower_default(e, cx.dialect)),
            ColumnOption::PrimaryKey(_) => {
                c.nullable = false;
                table.primary_key = Some(Key {
                    name: opt.name.as_ref().map(|n| cx.ident(n)),
                    columns: vec![name.clone()],
                    span,
                });
            }
            ColumnOption::Unique(_) => table.uniques.push(Key {
                name: opt.name.as_ref().map(|n| cx.ident(n)),
                columns: vec![name.clone()],
                span,
            }),
            ColumnOption::ForeignKey(fk) => table.foreign_keys.push(ForeignKey {
                name: opt.name.as_ref().map(|n| cx.ident(n)),
                columns: vec![name.clone()],
                ref_table: cx.name(&fk.foreign_table),
                ref_columns: fk.referred_columns.iter().map(|i| cx.ident(i)).collect(),
                on_delete: fk.on_delete.map(fk_action),
                on_update: fk.on_update.map(fk_action),
                deferrable: deferrable(fk.characteristics.as_ref()),
                span,
                deferred_to_post_data: false,
            }),
            // MariaDB's JSON is LONGTEXT with CHECK (json_valid(col)), which is how SHOW CREATE
            // TABLE prints it (https://mariadb.com/kb/en/json-data-type/): read it as JSON.
            ColumnOption::Check(ch) if is_json_valid_of(&ch.expr, &c.name) => {
                c.source_type = "json".to_string();
                c.charset = None;
                c.collation = None;
            }
            ColumnOption::Check(ch) => table.checks.push(Check {
                name: opt.name.as_ref().or(ch.name.as_ref()).map(|n| cx.ident(n)),
                expr: (*ch.expr).clone(),
                span,
            }),
            ColumnOption::CharacterSet(cs) => c.charset = Some(cs.to_string()),
            ColumnOption::Collation(co) => c.collation = Some(co.to_string()),
            ColumnOption::Comment(s) => c.comment = Some(s.clone()),
            ColumnOption::OnUpdate(e) => {
                if matches!(
                    lower_default(e, cx.dialect),
                    crate::ir::Default::CurrentTimestamp { .. }
                ) {
                    c.on_update_now = true;
                } else {
                    diags.push(
                        Diagnostic::new(
                            &codes::ON_UPDATE_DROPPED,
                            format!("ON UPDATE {e} on column `{name}` is not converted"),
                        )
                        .at(span)
                        .object(ObjectRef::table(&table.name)),
                    );
                }
            }
            ColumnOption::DialectSpecific(tokens) => {
                let words: Vec<String> = tokens
                    .iter()
                    .filter_map(|t| match t {
                        Token::Word(w) => Some(w.value.to_ascii_uppercase()),
                        _ => None,
                    })
                    .collect();
                if words.iter().any(|w| w == "AUTO_INCREMENT") {
                    c.identity = Some(Identity {
                        kind: IdentityKind::AutoIncrement,
                        always: false,
                        start: None,
                        increment: None,
                    });
                } else if words.iter().any(|w| w == "AUTOINCREMENT") {
                    c.identity = Some(Identity {
                        kind: IdentityKind::Rowid,
                        always: false,
                        start: None,
                        increment: None,
                    });
                } else {
                    diags.push(
                        Diagnostic::new(
                            &codes::UNKNOWN_COLUMN_OPTION,
                            format!(
                                "column attribute `{}` on `{name}` is not converted",
                                words.join(" ")
                            ),
                        )
                        .at(span)
                        .object(ObjectRef::table(&table.name)),
                    );
                }
            }
            ColumnOption::Identity(kind) => {
                let (start, increment) = identity_seed_increment(kind);
                c.identity = Some(Identity {
                    kind: IdentityKind::Identity,
                    always: false,
                    start,
                    increment,
                });
            }
            ColumnOption::Generated {
                generated_as,
                sequence_options,
                generation_expr,
                generation_expr_mode,
                ..
            } => match generation_expr {
                Some(expr) => {
                    let stored = matches!(
                        generation_expr_mode,
                        Some(ast::GeneratedExpressionMode::Stored)
                    ) || matches!(generated_as, GeneratedAs::ExpStored);
                    c.generated = Some(Generated {
                        expr: Box::new(expr.clone()),
                        stored,
                    });
                }
                None => {
                    let opts = sequence_options.as_deref().unwrap_or(&[]);
                    let (start, increment) = seq_start_increment(opts);
                    diags.extend(identity_limits_dropped(&name, seq_limits(opts), span));
                    c.identity = Some(Identity {
                        kind: IdentityKind::Identity,
                        always: matches!(generated_as, GeneratedAs::Always),
                        start,
                        increment,
                    });
                    c.nullable = false;
                }
            },
            ColumnOption::Alias(_) | ColumnOption::Materialized(_) | ColumnOption::Ephemeral(_) => {
            }
            other => diags.push(
                Diagnostic::new(
                    &codes::UNKNOWN_COLUMN_OPTION,
                    format!("column option `{other}` on `{name}` is not converted"),
                )
                .at(span)
                .object(ObjectRef::table(&table.name)),
            ),
        }
    }
    table.columns.push(c);
}

/// SQL Server `IDENTITY(seed, increment)`
/// (<https://learn.microsoft.com/en-us/sql/t-sql/statements/create-table-transact-sql-identity-property>).
fn identity_seed_increment(kind: &ast::IdentityPropertyKind) -> (Option<i64>, Option<i64>) {
    let (ast::IdentityPropertyKind::Identity(p) | ast::IdentityPropertyKind::Autoincrement(p)) =
        kind;
    match &p.parameters {
        // (1, 1) is what IDENTITY alone means: nothing to keep.
        Some(ast::IdentityPropertyFormatKind::FunctionCall(f))
        | Some(ast::IdentityPropertyFormatKind::StartAndIncrement(f)) => (
            expr_i64(&f.seed).filter(|s| *s != 1),
            expr_i64(&f.increment).filter(|i| *i != 1),
        ),
        None => (None, None),
    }
}

pub(crate) fn seq_start_increment(opts: &[ast::SequenceOptions]) -> (Option<i64>, Option<i64>) {
    let mut start = None;
    let mut increment = None;
    for o in opts {
        match o {
            ast::SequenceOptions::StartWith(e, _) => start = expr_i64(e),
            ast::SequenceOptions::IncrementBy(e, _) => increment = expr_i64(e),
            _ => {}
        }
    }
    (start, increment)
}

/// MINVALUE, MAXVALUE and CYCLE of an identity's options, which the IR does not carry.
fn seq_limits(opts: &[ast::SequenceOptions]) -> (Option<i64>, Option<i64>, bool) {
    let (mut min, mut max, mut cycle) = (None, None, false);
    for o in opts {
        match o {
            ast::SequenceOptions::MinValue(Some(e)) => min = expr_i64(e),
            ast::SequenceOptions::MaxValue(Some(e)) => max = expr_i64(e),
            // sqlparser reads `NO CYCLE` as `Cycle(true)`.
            ast::SequenceOptions::Cycle(no) => cycle = !no,
            _ => {}
        }
    }
    (min, max, cycle)
}

/// A note for the limits of an identity that are not kept: MINVALUE (other than 1, where an
/// ascending identity starts anyway), MAXVALUE, CYCLE. The target's identity counts from its
/// start up to its type's largest value. (CACHE says how the server hands numbers out, not
/// which: not noted.)
pub(crate) fn identity_limits_dropped(
    column: &str,
    (min, max, cycle): (Option<i64>, Option<i64>, bool),
    span: crate::source::Span,
) -> Option<Diagnostic> {
    let mut dropped = Vec::new();
    if let Some(n) = min.filter(|n| *n != 1) {
        dropped.push(format!("MINVALUE {n}"));
    }
    if let Some(n) = max {
        dropped.push(format!("MAXVALUE {n}"));
    }
    if cycle {
        dropped.push("CYCLE".to_string());
    }
    (!dropped.is_empty()).then(|| {
        Diagnostic::new(
            &codes::IDENTITY_OPTION_DROPPED,
            format!(
                "the identity of `{column}` loses {}: it counts up to its type's largest value",
                dropped.join(", ")
            ),
        )
        .at(span)
    })
}

/// PostgreSQL's serial pseudo-types and their integer
/// (<https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-SERIAL>).
fn serial_base(ty: &str) -> Option<&'static str> {
    match ty {
        "serial" | "serial4" => Some("integer"),
        "bigserial" | "serial8" => Some("bigint"),
        "smallserial" | "serial2" => Some("smallint"),
        _ => None,
    }
}

pub(crate) fn fk_action(a: ast::ReferentialAction) -> FkAction {
    match a {
        ast::ReferentialAction::Restrict => FkAction::Restrict,
        ast::ReferentialAction::Cascade => FkAction::Cascade,
        ast::ReferentialAction::SetNull => FkAction::SetNull,
        ast::ReferentialAction::NoAction => FkAction::NoAction,
        ast::ReferentialAction::SetDefault => FkAction::SetDefault,
    }
}

fn deferrable(c: Option<&ast::ConstraintCharacteristics>) -> Option<Deferrable> {
    let c = c?;
    if c.deferrable != Some(true) {
        return None;
    }
    Some(match c.initially {
        Some(ast::DeferrableInitial::Deferred) => Deferrable::Deferred,
        _ => Deferrable::Immediate,
    })
}

/// Index columns: plain column names, expressions, MySQL prefix lengths `title(10)`, DESC.
pub(crate) fn index_parts(cx: &Ctx, cols: &[ast::IndexColumn]) -> Vec<IndexPart> {
    cols.iter()
        .map(|ic| {
            let descending = matches!(ic.column.options.sort, Some(ast::OrderBySort::Desc));
            let (expr, prefix_len) = match &ic.column.expr {
                ast::Expr::Identifier(id) => (IndexExpr::Column(cx.ident(id)), None),
                ast::Expr::CompoundIdentifier(ids) if !ids.is_empty() => {
                    (IndexExpr::Column(cx.ident(&ids[ids.len() - 1])), None)
                }
                // MySQL `KEY (title(10))` parses as a call of `title` with argument 10.
                ast::Expr::Function(f) if cx.dialect == crate::dialect::Dialect::Mysql => {
                    match prefix_call(f) {
                        Some(len) => (
                            IndexExpr::Column(
                                cx.ident(
                                    &f.name.0[0]
                                        .as_ident()
                                        .cloned()
                                        .unwrap_or_else(|| ast::Ident::new(f.name.to_string())),
                                ),
                            ),
                            Some(len),
                        ),
                        None => (IndexExpr::Expr(ic.column.expr.clone()), None),
                    }
                }
                other => (IndexExpr::Expr(other.clone()), None),
            };
            IndexPart {
                expr,
                prefix_len,
                descending,
            }
        })
        .collect()
}

fn prefix_call(f: &ast::Function) -> Option<u64> {
    if f.name.0.len() != 1 {
        return None;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.as_slice() {
        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] => {
            expr_i64(e).and_then(|v| u64::try_from(v).ok())
        }
        _ => None,
    }
}

fn columns_of(cx: &Ctx, cols: &[ast::IndexColumn]) -> Option<Vec<String>> {
    index_parts(cx, cols)
        .into_iter()
        .map(|p| match p.expr {
            IndexExpr::Column(c) => Some(c),
            IndexExpr::Expr(_) => None,
        })
        .collect()
}

fn add_constraint(
    cx: &Ctx,
    table: &mut Table,
    indexes: &mut Vec<Index>,
    c: &TableConstraint,
    diags: &mut Vec<Diagnostic>,
) {
    let span = cx.span();
    match c {
        TableConstraint::PrimaryKey(pk) => match columns_of(cx, &pk.columns) {
            Some(columns) => {
                table.primary_key = Some(Key {
                    name: pk.name.as_ref().map(|n| cx.ident(n)),
                    columns,
                    span: constraint_span(cx, pk.name.as_ref(), span),
                })
            }
            None => unsupported_key(cx, table, "primary key on expressions", diags),
        },
        TableConstraint::Unique(u) => {
            let parts = index_parts(cx, &u.columns);
            let prefixed = parts.iter().any(|p| p.prefix_len.is_some());
            match columns_of(cx, &u.columns) {
                // A unique key with a prefix length is an index in MySQL terms.
                Some(columns) if !prefixed => table.uniques.push(Key {
                    name: u
                        .name
                        .as_ref()
                        .or(u.index_name.as_ref())
                        .map(|n| cx.ident(n)),
                    columns,
                    span: constraint_span(cx, u.name.as_ref().or(u.index_name.as_ref()), span),
                }),
                _ => indexes.push(Index {
                    name: u
                        .name
                        .as_ref()
                        .or(u.index_name.as_ref())
                        .map(|n| cx.ident(n)),
                    table: table.name.clone(),
                    unique: true,
                    kind: IndexKind::Plain,
                    parts,
                    method: u.index_type.as_ref().map(|t| t.to_string().to_lowercase()),
                    predicate: None,
                    include: Vec::new(),
                    span,
                }),
            }
        }
        TableConstraint::ForeignKey(fk) => table.foreign_keys.push(ForeignKey {
            name: fk.name.as_ref().map(|n| cx.ident(n)),
            columns: fk.columns.iter().map(|i| cx.ident(i)).collect(),
            ref_table: cx.name(&fk.foreign_table),
            ref_columns: fk.referred_columns.iter().map(|i| cx.ident(i)).collect(),
            on_delete: fk.on_delete.map(fk_action),
            on_update: fk.on_update.map(fk_action),
            deferrable: deferrable(fk.characteristics.as_ref()),
            span: constraint_span(cx, fk.name.as_ref(), span),
            deferred_to_post_data: false,
        }),
        TableConstraint::Check(ch) => table.checks.push(Check {
            name: ch.name.as_ref().map(|n| cx.ident(n)),
            expr: (*ch.expr).clone(),
            span: constraint_span(cx, ch.name.as_ref(), span),
        }),
        TableConstraint::Index(ix) => indexes.push(Index {
            name: ix.name.as_ref().map(|n| cx.ident(n)),
            table: table.name.clone(),
            unique: false,
            kind: IndexKind::Plain,
            parts: index_parts(cx, &ix.columns),
            method: ix.index_type.as_ref().map(|t| t.to_string().to_lowercase()),
            predicate: None,
            include: Vec::new(),
            span: constraint_span(cx, ix.name.as_ref(), span),
        }),
        TableConstraint::FulltextOrSpatial(fs) => indexes.push(Index {
            name: fs.opt_index_name.as_ref().map(|n| cx.ident(n)),
            table: table.name.clone(),
            unique: false,
            kind: if fs.fulltext {
                IndexKind::Fulltext
            } else {
                IndexKind::Spatial
            },
            parts: index_parts(cx, &fs.columns),
            method: None,
            predicate: None,
            include: Vec::new(),
            span: constraint_span(cx, fs.opt_index_name.as_ref(), span),
        }),
        other => diags.push(
            Diagnostic::new(
                &codes::INDEX_MANUAL,
                format!(
                    "constraint `{other}` on table `{}` is not converted",
                    table.name
                ),
            )
            .at(span)
            .object(ObjectRef::table(&table.name)),
        ),
    }
}

fn unsupported_key(cx: &Ctx, table: &Table, what: &str, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::INDEX_MANUAL,
            format!("{what} on table `{}` is not converted", table.name),
        )
        .at(cx.span())
        .object(ObjectRef::table(&table.name)),
    );
}

/// A constraint's line when it has a name (sqlparser gives names spans), else the statement.
fn constraint_span(
    cx: &Ctx,
    name: Option<&ast::Ident>,
    fallback: crate::source::Span,
) -> crate::source::Span {
    match name {
        Some(n) if n.span.start.line > 0 => cx.line_span_from(n),
        _ => fallback,
    }
}

pub fn alter_table(
    cx: &Ctx,
    at: &ast::AlterTable,
    schema: &mut Schema,
    diags: &mut Vec<Diagnostic>,
) {
    let name = cx.name(&at.name);
    let mut indexes = Vec::new();
    let Some(table) = schema.table_mut(&name) else {
        diags.push(
            Diagnostic::new(&codes::UNKNOWN_REFERENCE, format!("ALTER TABLE names `{name}`, which the script does not create; the statement is not converted"))
                .at(cx.span()),
        );
        return;
    };
    for op in &at.operations {
        match op {
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => {
                // https://www.postgresql.org/docs/15/sql-altertable.html (ADD table_constraint
                // [ NOT VALID ]): the rows already there are not checked.
                if *not_valid {
                    diags.push(
                        Diagnostic::new(
                            &codes::CONSTRAINT_NOW_CHECKED,
                            "NOT VALID is dropped: the target checks the rows already there too",
                        )
                        .at(cx.span()),
                    );
                }
                add_constraint(cx, table, &mut indexes, constraint, diags)
            }
            AlterTableOperation::AddColumn { column_def, .. } => {
                lower_column(cx, table, column_def, diags)
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let col_name = cx.ident(column_name);
                let Some(col) = table.column_mut(&col_name) else {
                    diags.push(
                        Diagnostic::new(
                            &codes::UNKNOWN_REFERENCE,
                            format!("table `{name}` has no column `{col_name}`"),
                        )
                        .at(cx.span()),
                    );
                    continue;
                };
                match op {
                    AlterColumnOperation::SetDefault { value } => {
                        col.default = Some(lower_default(value, cx.dialect))
                    }
                    AlterColumnOperation::DropDefault => col.default = None,
                    AlterColumnOperation::SetNotNull => col.nullable = false,
                    AlterColumnOperation::DropNotNull => col.nullable = true,
                    AlterColumnOperation::AddGenerated {
                        generated_as,
                        sequence_options,
                    } => {
                        let opts = sequence_options.as_deref().unwrap_or(&[]);
                        let (start, increment) = seq_start_increment(opts);
                        diags.extend(identity_limits_dropped(
                            &col.name,
                            seq_limits(opts),
                            cx.span(),
                        ));
                        col.identity = Some(Identity {
                            kind: IdentityKind::Identity,
                            always: matches!(generated_as, Some(GeneratedAs::Always)),
                            start,
                            increment,
                        });
                    }
                    other => diags.push(
                        Diagnostic::new(
                            &codes::UNSUPPORTED_STATEMENT,
                            format!("ALTER COLUMN {other} is not converted"),
                        )
                        .at(cx.span()),
                    ),
                }
            }
            other => diags.push(
                Diagnostic::new(
                    &codes::UNSUPPORTED_STATEMENT,
                    format!("ALTER TABLE operation `{other}` is not converted"),
                )
                .at(cx.span())
                .object(ObjectRef::table(&name)),
            ),
        }
    }
    schema.indexes.extend(indexes);
}

/// Facts mapping guards test, computed once everything is read.
pub fn compute_facts(schema: &mut Schema) {
    // Columns of each table (by its lower-case name) that another object makes part of a key: the
    // referenced side of foreign keys, and indexes. Table names compare without their schema,
    // as `Name::matches` does. A table's own keys are looked at on the table itself.
    let mut from_outside: foldhash::HashMap<String, Vec<String>> = Default::default();
    for t in &schema.tables {
        for fk in &t.foreign_keys {
            from_outside
                .entry(fk.ref_table.name.to_lowercase())
                .or_default()
                .extend(fk.ref_columns.iter().cloned());
        }
    }
    for ix in &schema.indexes {
        for p in &ix.parts {
            if let IndexExpr::Column(c) = &p.expr {
                from_outside
                    .entry(ix.table.name.to_lowercase())
                    .or_default()
                    .push(c.clone());
            }
        }
    }
    // Each table's columns are its own from here: on all cores for a large schema.
    crate::par::chunks_mut(&mut schema.tables, 256, |tables| {
        tables
            .iter_mut()
            .for_each(|t| table_facts(t, &from_outside))
    });
}

/// A table's column facts, given the columns other objects key (`compute_facts`).
fn table_facts(t: &mut Table, from_outside: &foldhash::HashMap<String, Vec<String>>) {
    let outside = from_outside
        .get(&t.name.name.to_lowercase())
        .map_or(&[][..], Vec::as_slice);
    let pk: &[String] = t.primary_key.as_ref().map_or(&[], |k| &k.columns);
    let keyed: Vec<&String> = t
        .primary_key
        .iter()
        .chain(&t.uniques)
        .flat_map(|k| k.columns.iter())
        .chain(t.foreign_keys.iter().flat_map(|fk| fk.columns.iter()))
        .chain(outside)
        .collect();
    for c in &mut t.columns {
        c.facts.auto_increment = c.identity.is_some();
        c.facts.primary_key = pk.iter().any(|p| p.eq_ignore_ascii_case(&c.name));
        c.facts.zero_dates = matches!(c.default, Some(crate::ir::Default::ZeroDate(_)));
        c.facts.key = keyed.iter().any(|k| same_name(k, &c.name));
        if c.facts.primary_key {
            c.nullable = false;
        }
    }
}

/// Names equal ignoring case (Unicode lower case, as the rest of lowering compares them).
fn same_name(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// `json_valid(col)` on this very column.
fn is_json_valid_of(expr: &sqlparser::ast::Expr, column: &str) -> bool {
    let text = expr
        .to_string()
        .to_ascii_lowercase()
        .replace(['`', '"', ' '], "");
    text == format!("json_valid({})", column.to_ascii_lowercase())
}

/// One item after an ADD that `Class::AddList` reads.
enum AddItem {
    Column(ast::ColumnDef),
    /// A computed column without a type (`c AS (expr) [PERSISTED | VIRTUAL] [NOT NULL]`): its
    /// span in the statement, for `computed::computed_column`.
    Computed(std::ops::Range<usize>),
    Constraint(TableConstraint),
}

/// `ALTER TABLE t ADD item, item ...` and Oracle's `ADD (item, item ...)`, read item by item
/// with sqlparser's building blocks (see `Class::AddList`), then lowered as the same items of
/// a CREATE TABLE are: columns, computed columns (typed as `computed.rs` does, or left out with
/// the reason) and table constraints.
pub fn alter_add_list(cx: &Ctx, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let read =
        crate::parse::sql::parse_with(cx.raw, cx.dialect, |text| read_add_list(text, cx.dialect));
    let ((name, items), notes) = match read {
        Ok(r) => r,
        Err(e) => {
            diags.push(*e);
            return;
        }
    };
    diags.extend(notes);
    let name = cx.name(&name);
    let Some(table) = schema.table_mut(&name) else {
        diags.push(
            Diagnostic::new(&codes::UNKNOWN_REFERENCE, format!("ALTER TABLE names `{name}`, which the script does not create; the statement is not converted"))
                .at(cx.span()),
        );
        return;
    };
    let mut indexes = Vec::new();
    for item in items {
        match item {
            AddItem::Column(c) => lower_column(cx, table, &c, diags),
            AddItem::Constraint(c) => add_constraint(cx, table, &mut indexes, &c, diags),
            AddItem::Computed(at) => {
                let base = cx.span().start;
                let at = crate::source::Span::new(base + at.start, base + at.end);
                match super::computed::computed_column(cx, at, table) {
                    Ok(c) => table.columns.push(c),
                    Err(why) => diags.push(super::computed::computed_column_manual(at, Some(&why))),
                }
            }
        }
    }
    schema.indexes.extend(indexes);
}

/// The table and the items of `ALTER TABLE t ADD ...` (see `alter_add_list`).
fn read_add_list(
    text: &str,
    dialect: Dialect,
) -> Result<(ast::ObjectName, Vec<AddItem>), sqlparser::parser::ParserError> {
    use sqlparser::keywords::Keyword;
    use sqlparser::parser::Parser;
    let d = dialect.parser();
    let mut p = Parser::new(&*d).try_with_sql(text)?;
    // Where a token starts in `text`.
    let offset = |t: &sqlparser::tokenizer::TokenWithSpan| {
        crate::source::SourceFile::offset_in(text, t.span.start.line, t.span.start.column)
            .unwrap_or(text.len())
    };
    p.expect_keywords(&[Keyword::ALTER, Keyword::TABLE])?;
    let name = p.parse_object_name(false)?;
    p.expect_keyword(Keyword::ADD)?;
    let parenthesised = p.consume_token(&Token::LParen);
    let mut items = Vec::new();
    loop {
        let next = p.peek_token();
        let is_word = |t: &sqlparser::tokenizer::TokenWithSpan, w: Keyword| matches!(&t.token, Token::Word(x) if x.keyword == w && x.quote_style.is_none());
        let constraint = [
            Keyword::CONSTRAINT,
            Keyword::PRIMARY,
            Keyword::UNIQUE,
            Keyword::FOREIGN,
            Keyword::CHECK,
        ]
        .iter()
        .any(|k| is_word(&next, *k));
        if constraint {
            match p.parse_optional_table_constraint()? {
                Some(c) => items.push(AddItem::Constraint(c)),
                None => return p.expected("a table constraint", p.peek_token()),
            }
        } else if matches!(next.token, Token::Word(_)) && is_word(&p.peek_nth_token(1), Keyword::AS)
        {
            let start = offset(&next);
            p.parse_identifier()?;
            p.expect_keyword(Keyword::AS)?;
            p.parse_expr()?;
            // PERSISTED (SQL Server), VIRTUAL (Oracle), then NOT NULL or NULL.
            while let Token::Word(w) = &p.peek_token().token {
                let tail = ["PERSISTED", "VIRTUAL", "NOT", "NULL"];
                if w.quote_style.is_some() || !tail.iter().any(|t| w.value.eq_ignore_ascii_case(t))
                {
                    break;
                }
                p.next_token();
            }
            let end = offset(&p.peek_token());
            let len = text.get(start..end).map_or(0, |s| s.trim_end().len());
            items.push(AddItem::Computed(start..start + len));
        } else {
            items.push(AddItem::Column(p.parse_column_def()?));
        }
        if !p.consume_token(&Token::Comma) {
            break;
        }
    }
    if parenthesised {
        p.expect_token(&Token::RParen)?;
    }
    while p.consume_token(&Token::SemiColon) {}
    if p.peek_token().token != Token::EOF {
        return p.expected("`,` or the end of the statement", p.peek_token());
    }
    Ok((name, items))
}
