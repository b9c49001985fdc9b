//! One column's decision: find the source rule (a `[types]` rule straight to the target, or a
//! `[read]` rule to a canonical type), then the `[write]` rule for the canonical type; merge
//! what the rules say (transform, risk, note, drop, check); apply `[attributes]`; turn the
//! result into diagnostics.

use super::error::PatternError;
use super::pattern::{Bindings, Piece, TypeSpec, lookup};
use super::rules::{AttrAction, AttrRule, Found, Rule, RuleSet, Target, tie_error};
use super::{ColumnCtx, Rules};
use crate::diag::{Diagnostic, codes};
use crate::dialect::Dialect;
use std::sync::Arc;

use crate::ir::{CheckPiece, ColumnCheck, DropAttr, Risk, TypeDecision};
use crate::transform::Transform;

/// What the rules used so far have said.
#[derive(Default)]
struct Draft {
    transforms: Vec<(Transform, String)>,
    risk: Risk,
    notes: Vec<String>,
    origins: Vec<String>,
    drop: Vec<DropAttr>,
    checks: Vec<ColumnCheck>,
    new_enum: Option<(String, Vec<String>)>,
    diags: Vec<Diagnostic>,
}

impl Draft {
    fn take(&mut self, rule: &Rule) {
        if let Some(t) = rule.transform {
            self.transforms.push((t, rule.origin.to_string()));
        }
        self.risk = self.risk.max(rule.risk);
        if let Some(n) = &rule.note {
            self.notes.push(n.clone());
        }
        self.origins.push(rule.origin.to_string());
        for d in &rule.drop {
            if !self.drop.contains(d) {
                self.drop.push(*d);
            }
        }
    }

    fn manual(&mut self, origin: String, note: String) {
        self.risk = Risk::Manual;
        self.origins.push(origin);
        self.notes.push(note);
    }
}

/// Everything about the column the templates may need, computed once.
struct Env<'a> {
    ctx: &'a ColumnCtx<'a>,
    fact: &'a dyn Fn(&str) -> bool,
    /// Enum or set values, quoted for the target and joined: `'a','b'`.
    values: Option<String>,
    raw_values: Vec<String>,
    /// The enum type's name quoted for the target, and whether ferry must create it.
    enum_type: String,
    enum_is_new: Option<String>,
    /// Set when a template used the table's or the column's name (`{enum_type}`): the decision
    /// is then this column's alone. (A CHECK's `{col}` is left for emit to fill in.)
    named: std::cell::Cell<bool>,
}

/// The SQL type ferry writes when no rule gives one: the target's unbounded text type. Used
/// only when a mapping file has no rule for the canonical type `other`.
fn fallback_type(to: Dialect) -> &'static str {
    match to {
        // MySQL TEXT holds 64 KiB; LONGTEXT holds anything a source text can.
        Dialect::Mysql => "longtext",
        Dialect::Postgres | Dialect::Sqlite => "text",
        Dialect::SqlServer => "nvarchar(max)",
        Dialect::Oracle => "clob",
    }
}

pub fn decide(
    rules: &Rules,
    ctx: &ColumnCtx,
    parsed: &Result<TypeSpec, PatternError>,
) -> (TypeDecision, Vec<Diagnostic>) {
    let core = decide_type(rules, ctx, parsed);
    let (decision, diags) = finish(rules, ctx, Arc::new(core.decision), core.diags);
    (Arc::unwrap_or_clone(decision), diags)
}

/// What the type rules decide for a column, before its attributes are looked at.
pub struct Core {
    pub decision: TypeDecision,
    pub diags: Vec<Diagnostic>,
    /// Whether the decision holds for every column of the same source type and facts: no
    /// diagnostic names this column and no type template used its table's or its own name
    /// (a CHECK leaves the column's name out). Enum and
    /// set values and named enum types are the column's too; the caller checks those.
    pub shared: bool,
}

/// The type rules' decision for a column: depends on its source type, its facts, its enum
/// values and enum type, and (when `Core::shared` is false) on its table's and its own name.
pub fn decide_type(
    rules: &Rules,
    ctx: &ColumnCtx,
    parsed: &Result<TypeSpec, PatternError>,
) -> Core {
    let col = ctx.column;
    let fact = |f: &str| col.facts.get(f).unwrap_or(false);
    // A column of a named enum type (PostgreSQL CREATE TYPE ... AS ENUM) is matched as `enum`,
    // whatever the type's name.
    let enum_spec = TypeSpec {
        base: "enum".to_string(),
        ..TypeSpec::default()
    };
    let subject: Result<&TypeSpec, &PatternError> = if col.enum_type.is_some() {
        Ok(&enum_spec)
    } else {
        parsed.as_ref()
    };
    let raw_values = match (&col.values, subject) {
        (Some(v), _) => v.clone(),
        (None, Ok(ty)) => ty.string_params(),
        (None, Err(_)) => Vec::new(),
    };
    let (enum_type, enum_is_new) = enum_type_name(ctx);
    let env = Env {
        ctx,
        fact: &fact,
        values: (!raw_values.is_empty()).then(|| {
            raw_values
                .iter()
                .map(|v| ctx.target.quote_string(v))
                .collect::<Vec<_>>()
                .join(",")
        }),
        raw_values,
        enum_type,
        enum_is_new,
        named: std::cell::Cell::new(false),
    };
    let mut d = Draft::default();
    let source_text = source_text(col);

    let mut direct: Option<String> = None;
    let canonical = match subject {
        Ok(ty) => match rules.source.best(ty, &fact, &|_| true) {
            Some(found) => {
                report_tie(&rules.source, &found, &mut d, ctx);
                let rule = &rules.source.rules[found.rule];
                if rule.direct {
                    d.take(rule);
                    direct = Some(write_text(rule, &found.bindings, None, &env, &mut d));
                    // The canonical type is still worth knowing (emit asks whether it is
                    // `bool`); it comes from the [read] rules, for information only.
                    read_only(rules, ty, &fact).unwrap_or_else(other)
                } else {
                    read(rules, rule, &found.bindings, ty, &env, &mut d)
                }
            }
            None => unmatched(rules, col, source_text, None, &mut d),
        },
        Err(e) => unmatched(rules, col, source_text, Some(e), &mut d),
    };

    let target = match direct {
        Some(t) => t,
        None => write(rules, &canonical, &env, &mut d),
    };
    let transform = compose(&d.transforms, &mut d.diags, ctx);
    let decision = TypeDecision {
        target,
        canonical: crate::canonical::CanonicalType::from_spec(&canonical),
        transform,
        risk: d.risk,
        note: (!d.notes.is_empty()).then(|| d.notes.join("; ")),
        origin: d.origins.join(" + "),
        drop: d.drop,
        check: match d.checks.len() {
            0 => None,
            1 => d.checks.pop(),
            _ => Some(ColumnCheck::all(d.checks)),
        },
        new_enum: d.new_enum,
    };
    Core {
        decision,
        shared: d.diags.is_empty() && !env.named.get(),
        diags: d.diags,
    }
}

/// Completes a type decision with what the column's own attributes call for (CHARACTER SET,
/// COLLATE, DEFAULT, NOT NULL dropped) and the diagnostic its risk and note call for. A shared
/// decision is copied only when the column's attributes change it.
pub fn finish(
    rules: &Rules,
    ctx: &ColumnCtx,
    mut decision: Arc<TypeDecision>,
    mut diags: Vec<Diagnostic>,
) -> (Arc<TypeDecision>, Vec<Diagnostic>) {
    attributes(rules, ctx, &mut decision, &mut diags);
    if let Some(diag) = type_diagnostic(ctx, source_text(ctx.column), &decision) {
        diags.push(diag);
    }
    (decision, diags)
}

/// The source type as messages name it.
fn source_text(col: &crate::ir::Column) -> &str {
    if col.source_type.is_empty() {
        "(no type)"
    } else {
        col.source_type.as_str()
    }
}

fn other() -> TypeSpec {
    TypeSpec {
        base: "other".to_string(),
        ..TypeSpec::default()
    }
}

/// The canonical type a `[read]` rule gives, its `{elem}` resolved for arrays.
fn read(
    rules: &Rules,
    rule: &Rule,
    bindings: &Bindings,
    ty: &TypeSpec,
    env: &Env,
    d: &mut Draft,
) -> TypeSpec {
    let Target::Canon(template) = &rule.target else {
        return other();
    };
    d.take(rule);
    if let Some(check) = &rule.check {
        render_check(check, bindings, env, d);
    }
    let elem = if template.base.is_none() {
        let element = ty.element();
        match rules.source.best(&element, env.fact, &|r| !r.direct) {
            Some(found) => {
                report_tie(&rules.source, &found, d, env.ctx);
                let elem_rule = &rules.source.rules[found.rule];
                Some(read(rules, elem_rule, &found.bindings, &element, env, d))
            }
            None => {
                let note = format!("no [read] rule matches the array's element type `{element}`");
                d.manual(format!("mappings/{}.toml", rules.from.name()), note);
                return other();
            }
        }
    } else {
        None
    };
    template
        .render(bindings, elem.as_ref())
        .unwrap_or_else(other)
}

/// The canonical type by the `[read]` rules alone, for a column a `[types]` rule decided.
fn read_only(rules: &Rules, ty: &TypeSpec, fact: &dyn Fn(&str) -> bool) -> Option<TypeSpec> {
    let found = rules.source.best(ty, fact, &|r| !r.direct)?;
    let Target::Canon(template) = &rules.source.rules[found.rule].target else {
        return None;
    };
    let elem = match template.base {
        None => read_only(rules, &ty.element(), fact),
        Some(_) => None,
    };
    template.render(&found.bindings, elem.as_ref())
}

/// No source rule matched (or the type could not be read): SQLite's affinity rules for a
/// SQLite source, else `other`, which a person must decide.
fn unmatched(
    rules: &Rules,
    col: &crate::ir::Column,
    source_text: &str,
    parse_error: Option<&PatternError>,
    d: &mut Draft,
) -> TypeSpec {
    if rules.from.has_type_affinity() {
        let (rule_no, canonical, affinity) = sqlite_affinity(&col.source_type);
        let origin = format!("sqlite affinity rule {rule_no}");
        d.origins.push(origin);
        d.notes.push(format!(
            "no rule names `{source_text}`; SQLite's affinity rule {rule_no} ({}) gives it {affinity} \
             affinity (https://www.sqlite.org/datatype3.html#determination_of_column_affinity)",
            affinity_reason(rule_no)
        ));
        // NUMERIC affinity keeps text that does not look like a number as text.
        if rule_no == 5 {
            d.risk = d.risk.max(Risk::Lossy);
        }
        return TypeSpec {
            base: canonical.to_string(),
            ..TypeSpec::default()
        };
    }
    let file = format!("mappings/{}.toml", rules.from.name());
    let note = match parse_error {
        Some(e) => format!("`{source_text}` could not be read as a type ({e})"),
        None => format!("no [read] rule in {file} matches `{source_text}`"),
    };
    d.manual(file, note);
    other()
}

/// SQLite's rules for a declared type name, in their order
/// (<https://www.sqlite.org/datatype3.html#determination_of_column_affinity>): the rule number,
/// the canonical type ferry gives that affinity, and the affinity's name.
pub fn sqlite_affinity(declared: &str) -> (u8, &'static str, &'static str) {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        (1, "int8", "INTEGER")
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        (2, "text", "TEXT")
    } else if t.contains("BLOB") || t.trim().is_empty() {
        (3, "blob", "BLOB")
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        (4, "float8", "REAL")
    } else {
        (5, "decimal", "NUMERIC")
    }
}

/// Why SQLite's affinity rule `rule_no` applies to a type name, as a note says it.
fn affinity_reason(rule_no: u8) -> &'static str {
    match rule_no {
        1 => "the name contains INT",
        2 => "the name contains CHAR, CLOB or TEXT",
        3 => "the name contains BLOB or there is none",
        4 => "the name contains REAL, FLOA or DOUB",
        _ => "the name contains none of INT, CHAR, CLOB, TEXT, BLOB, REAL, FLOA, DOUB",
    }
}

/// The target type for a canonical type by the `[write]` rules.
fn write(rules: &Rules, canonical: &TypeSpec, env: &Env, d: &mut Draft) -> String {
    let file = format!("mappings/{}.toml", rules.to.name());
    let Some(found) = rules.write.best(canonical, env.fact, &|_| true) else {
        d.manual(
            file.clone(),
            format!("no [write] rule in {file} for canonical type `{canonical}`"),
        );
        return fallback_type(rules.to).to_string();
    };
    report_tie(&rules.write, &found, d, env.ctx);
    let rule = &rules.write.rules[found.rule];
    d.take(rule);
    let elem = if canonical.array {
        Some(write(rules, &canonical.element(), env, d))
    } else {
        None
    };
    write_text(rule, &found.bindings, elem, env, d)
}

/// Renders a `[write]` or `[types]` rule's `to` and `check`.
fn write_text(
    rule: &Rule,
    bindings: &Bindings,
    elem: Option<String>,
    env: &Env,
    d: &mut Draft,
) -> String {
    let Target::Text(template) = &rule.target else {
        return fallback_type(env.ctx.target).to_string();
    };
    let value = |name: &str| -> Option<String> {
        match name {
            "values" => env.values.clone(),
            "enum_type" => {
                env.named.set(true);
                Some(env.enum_type.clone())
            }
            "elem" => elem.clone(),
            var => lookup(bindings, var).map(|v| v.to_string()),
        }
    };
    let text = match template.render(&value) {
        Ok(t) => t,
        Err(missing) => {
            let what = if missing == "values" {
                "enum or set values"
            } else {
                "a value"
            };
            d.manual(
                rule.origin.to_string(),
                format!("the rule needs {{{missing}}} but the column has no {what}"),
            );
            return fallback_type(env.ctx.target).to_string();
        }
    };
    if template.vars().any(|v| v == "enum_type")
        && let Some(name) = &env.enum_is_new
    {
        env.named.set(true);
        d.new_enum = Some((name.clone(), env.raw_values.clone()));
    }
    if let Some(check) = &rule.check {
        render_check(check, bindings, env, d);
    }
    text
}

fn render_check(
    check: &super::pattern::TextTemplate,
    bindings: &Bindings,
    env: &Env,
    d: &mut Draft,
) {
    // `{col}` stays a piece of its own, which `emit` fills in: so the check does not make the
    // decision this column's alone.
    let mut pieces = Vec::new();
    for p in &check.pieces {
        let text = match p {
            Piece::Lit(s) => s.clone(),
            Piece::Var(v) if v == "col" => {
                pieces.push(CheckPiece::Column);
                continue;
            }
            Piece::Var(v) if v == "values" => match &env.values {
                Some(values) => values.clone(),
                None => return missing_check_var(check, v, d),
            },
            Piece::Var(v) => match lookup(bindings, v) {
                Some(value) => value.to_string(),
                None => return missing_check_var(check, v, d),
            },
        };
        match pieces.last_mut() {
            Some(CheckPiece::Sql(s)) => s.push_str(&text),
            _ => pieces.push(CheckPiece::Sql(text)),
        }
    }
    d.checks.push(ColumnCheck { pieces });
}

fn missing_check_var(check: &super::pattern::TextTemplate, missing: &str, d: &mut Draft) {
    d.notes.push(format!(
        "CHECK `{}` not added: the column has no {{{missing}}}",
        check.text
    ));
}

/// `{enum_type}`: the column's named enum type, or `<table>_<column>` for an inline enum, which
/// ferry must then create.
fn enum_type_name(ctx: &ColumnCtx) -> (String, Option<String>) {
    match &ctx.column.enum_type {
        Some(name) => {
            let mut parts: Vec<String> = Vec::new();
            if let Some(s) = &name.schema {
                parts.push(ctx.target.quote_ident(s));
            }
            parts.push(ctx.target.quote_ident(&name.name));
            (parts.join("."), None)
        }
        None => {
            // Lower case and plain characters only: emit writes the name into CREATE TYPE
            // unquoted, where PostgreSQL folds it to lower case.
            let name: String = format!("{}_{}", ctx.table, ctx.column.name)
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            (ctx.target.quote_ident(&name), Some(name))
        }
    }
}

/// Reports a tie found while matching, unless loading already reported that pair.
fn report_tie(set: &RuleSet, found: &Found, d: &mut Draft, ctx: &ColumnCtx) {
    let Some(other) = found.tie else { return };
    let key = (found.rule.min(other), found.rule.max(other));
    if set.load_ties.contains(&key) {
        return;
    }
    d.diags
        .push(tie_error(&set.rules[found.rule], &set.rules[other]).at(ctx.column.span));
}

/// One column takes one value transform. Two rules (read and write) may each name one: the
/// same twice is one; a pair that undoes itself is none; anything else is a mapping error.
fn compose(
    list: &[(Transform, String)],
    diags: &mut Vec<Diagnostic>,
    ctx: &ColumnCtx,
) -> Option<Transform> {
    let (first, first_origin) = list.first()?;
    let mut result = Some(*first);
    for (t, origin) in &list[1..] {
        match (result, *t) {
            (Some(a), b) if a == b => {}
            (Some(Transform::IntToBool), Transform::BoolToInt) | (Some(Transform::BoolToInt), Transform::IntToBool) => {
                result = None
            }
            (None, b) => result = Some(b),
            (Some(a), b) => diags.push(
                Diagnostic::new(
                    &codes::MAPPING_ERROR,
                    format!(
                        "{first_origin} and {origin}: the rules for `{}.{}` name two transforms, `{}` and `{}`; \
                         a column takes one (ferry keeps `{}`)",
                        ctx.table,
                        ctx.column.name,
                        a.name(),
                        b.name(),
                        a.name()
                    ),
                )
                .at(ctx.column.span),
            ),
        }
    }
    result
}

/// CHARACTER SET and COLLATE: kept or dropped by the target's `[attributes]` rules, or dropped
/// by the type rule (`drop = ["charset"]`). Any attribute a rule drops that the column has is
/// reported, so nothing is dropped silently.
fn attributes(
    rules: &Rules,
    ctx: &ColumnCtx,
    decision: &mut Arc<TypeDecision>,
    diags: &mut Vec<Diagnostic>,
) {
    let col = ctx.column;
    let attrs: [(DropAttr, Option<&String>, &Option<AttrRule>, &str); 2] = [
        (
            DropAttr::Charset,
            col.charset.as_ref(),
            &rules.charset,
            "CHARACTER SET",
        ),
        (
            DropAttr::Collate,
            col.collation.as_ref(),
            &rules.collate,
            "COLLATE",
        ),
    ];
    for (attr, value, rule, keyword) in attrs {
        let Some(value) = value else { continue };
        let by_rule = decision.drop.contains(&attr);
        // The same engine understands its own names; only a change of engine drops them.
        let by_target =
            rules.from != rules.to && rule.as_ref().is_none_or(|r| r.action == AttrAction::Drop);
        if !by_rule && !by_target {
            continue;
        }
        if !by_rule {
            Arc::make_mut(decision).drop.push(attr);
        }
        let (origin, note) = match (by_rule, rule) {
            (false, Some(r)) => {
                let note = r.note.as_ref().and_then(|n| {
                    n.render(&|name| match name {
                        "charset" => col.charset.clone(),
                        "collate" => col.collation.clone(),
                        _ => None,
                    })
                    .ok()
                });
                (r.origin.to_string(), note)
            }
            (false, None) => (format!("mappings/{}.toml", rules.to.name()), None),
            (true, _) => (decision.origin.clone(), None),
        };
        let mut msg = format!("`{}.{}`: {keyword} {value} dropped", ctx.table, col.name);
        if let Some(n) = note {
            msg.push_str(&format!(": {n}"));
        }
        msg.push_str(&format!(" ({origin})"));
        diags.push(attr_diag(ctx, msg));
    }
    let others = [
        (DropAttr::Default, col.default.is_some(), "DEFAULT"),
        (DropAttr::NotNull, !col.nullable, "NOT NULL"),
    ];
    for (attr, present, keyword) in others {
        if present && decision.drop.contains(&attr) {
            let msg = format!(
                "`{}.{}`: {keyword} dropped by the rule for `{}` -> `{}` ({})",
                ctx.table, col.name, col.source_type, decision.target, decision.origin
            );
            diags.push(attr_diag(ctx, msg));
        }
    }
}

fn attr_diag(ctx: &ColumnCtx, msg: String) -> Diagnostic {
    Diagnostic::new(&codes::ATTRIBUTE_DROPPED, msg).at(ctx.column.span)
}

/// The diagnostic a decision's risk and note call for: lossy -> warning, manual -> manual
/// action, a note alone -> note.
fn type_diagnostic(
    ctx: &ColumnCtx,
    source_text: &str,
    decision: &TypeDecision,
) -> Option<Diagnostic> {
    let (code, default_note) = match decision.risk {
        Risk::Manual => (&codes::TYPE_MANUAL, "no automatic mapping"),
        Risk::Lossy => (&codes::TYPE_LOSSY, "may lose information"),
        Risk::None if decision.note.is_some() => (&codes::TYPE_NOTE, ""),
        Risk::None => return None,
    };
    let note = decision.note.as_deref().unwrap_or(default_note);
    // `t.c`: source -> target: note (origin), joined without formatting: a large schema has a
    // finding like this for most of its columns.
    let parts = [
        "`",
        ctx.table,
        ".",
        &ctx.column.name,
        "`: ",
        source_text,
        " -> ",
        &decision.target,
        ": ",
        note,
        " (",
        &decision.origin,
        ")",
    ];
    let msg = parts.concat();
    let mut diag = Diagnostic::new(code, msg).at(ctx.column.span);
    if decision.risk == Risk::Manual {
        diag = diag.help(
            "decide the type yourself with a rule in a --mappings file (see mappings/README.md)",
        );
    }
    Some(diag)
}
