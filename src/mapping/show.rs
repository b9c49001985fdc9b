//! `ferry mappings show FROM TO`: the effective table, one line per source pattern, with where
//! each rule stands. Answers "why did `nvarchar(40)` become `text`?" without reading code.

use super::Rules;
use super::pattern::{PParam, Pattern};
use super::rules::{Rule, Target};
use crate::ir::Risk;

/// A parameter of a canonical type as far as a `[read]` template tells: a number, or a
/// placeholder whose value depends on the column (`{n}`).
#[derive(Clone)]
enum Sym {
    Known(u64),
    Unknown(String),
}

impl Sym {
    fn text(&self) -> String {
        match self {
            Sym::Known(n) => n.to_string(),
            Sym::Unknown(s) => s.clone(),
        }
    }
}

/// A write rule that may apply, with the conditions it needs beyond what the source pattern
/// guarantees.
struct Candidate<'r> {
    rule: &'r Rule,
    conditions: Vec<String>,
    bindings: Vec<(String, Sym)>,
}

fn risk_name(r: Risk) -> &'static str {
    match r {
        Risk::None => "none",
        Risk::Lossy => "lossy",
        Risk::Manual => "manual",
    }
}

/// Two patterns that state the same constraints (the higher level shadows the lower).
pub(super) fn same_constraints(a: &Pattern, b: &Pattern) -> bool {
    Pattern {
        text: String::new(),
        ..a.clone()
    } == Pattern {
        text: String::new(),
        ..b.clone()
    }
}

/// `ferry mappings show FROM TO`: the effective table, one line per source pattern: source
/// pattern, canonical, target template, transform, risk, origin (file:line), note.
pub fn show(rules: &Rules) -> String {
    let mut out = format!(
        "type mappings {} -> {}\n",
        rules.from.name(),
        rules.to.name()
    );
    out.push_str(&format!(
        "files (lowest precedence first): {}\n",
        rules.files.join(", ")
    ));
    out.push_str(
        "the most specific matching rule wins; among equally specific ones: user > pair > dialect\n\n",
    );
    let mut rows: Vec<[String; 7]> = vec![[
        "source pattern".into(),
        "canonical".into(),
        "target".into(),
        "transform".into(),
        "risk".into(),
        "origin".into(),
        "note".into(),
    ]];
    let mut source: Vec<&Rule> = rules
        .source
        .rules
        .iter()
        .filter(|r| {
            !rules
                .source
                .rules
                .iter()
                .any(|o| o.level > r.level && same_constraints(&o.pattern, &r.pattern))
        })
        .collect();
    source.sort_by(|a, b| {
        (&a.pattern.base, a.specificity, &a.pattern.text).cmp(&(
            &b.pattern.base,
            b.specificity,
            &b.pattern.text,
        ))
    });
    for r in source {
        rows.push(row(rules, r));
    }
    if rules.from == crate::dialect::Dialect::Sqlite {
        rows.push([
            "(any other name)".into(),
            "int8 | text | blob | float8 | decimal".into(),
            "as the canonical type's [write] rule".into(),
            String::new(),
            "none (rule 5: lossy)".into(),
            "sqlite affinity rules 1-5".into(),
            "SQLite's affinity rules: INT; CHAR, CLOB, TEXT; BLOB; REAL, FLOA, DOUB; else NUMERIC"
                .into(),
        ]);
    }
    out.push_str(&table(&rows));
    out.push_str("\nattributes (when the source engine differs from the target):\n");
    for (name, rule) in [("charset", &rules.charset), ("collate", &rules.collate)] {
        match rule {
            Some(r) => {
                let action = match r.action {
                    super::rules::AttrAction::Keep => "keep",
                    super::rules::AttrAction::Drop => "drop",
                };
                let note = r.note.as_ref().map(|n| n.text.clone()).unwrap_or_default();
                out.push_str(&format!("  {name}: {action} ({}) {note}\n", r.origin));
            }
            None => out.push_str(&format!("  {name}: drop (no rule)\n")),
        }
    }
    out
}

fn row(rules: &Rules, r: &Rule) -> [String; 7] {
    let mut transforms: Vec<&str> = r.transform.iter().map(|t| t.name()).collect();
    let mut risk = r.risk;
    let mut origins = vec![r.origin.to_string()];
    let mut notes: Vec<String> = r.note.iter().cloned().collect();
    if let Some(c) = &r.check {
        notes.push(format!("CHECK ({})", c.text));
    }
    let (canonical, target) = match &r.target {
        Target::Text(t) => ("(pair rule: direct)".to_string(), t.text.clone()),
        Target::Canon(t) => {
            let params: Vec<Sym> = t
                .params
                .iter()
                .map(|p| match p {
                    super::pattern::TParam::Fixed(n) => Sym::Known(*n),
                    super::pattern::TParam::Var(v) => Sym::Unknown(format!("{{{v}}}")),
                })
                .collect();
            let candidates =
                write_candidates(rules, t.base.as_deref(), &params, t.array, &r.pattern);
            let primary = candidates
                .iter()
                .filter(|c| c.conditions.is_empty())
                .max_by_key(|c| (c.rule.specificity, c.rule.level));
            let mut parts = Vec::new();
            if let Some(p) = primary {
                parts.push(render(p));
                transforms.extend(p.rule.transform.iter().map(|t| t.name()));
                risk = risk.max(p.rule.risk);
                origins.push(p.rule.origin.to_string());
                notes.extend(p.rule.note.iter().cloned());
                if let Some(c) = &p.rule.check {
                    notes.push(format!("CHECK ({})", c.text));
                }
            } else {
                parts.push(format!(
                    "(no unconditional [write] rule in mappings/{}.toml)",
                    rules.to.name()
                ));
            }
            let floor = primary.map(|p| (p.rule.specificity, p.rule.level));
            for c in candidates.iter().filter(|c| !c.conditions.is_empty()) {
                if floor.is_none_or(|f| (c.rule.specificity, c.rule.level) > f) {
                    parts.push(format!(
                        "{} {} ({})",
                        render(c),
                        c.conditions.join(" "),
                        c.rule.origin
                    ));
                }
            }
            (t.text.clone(), parts.join("; "))
        }
    };
    [
        r.pattern.text.clone(),
        canonical,
        target,
        transforms.join(" + "),
        risk_name(risk).to_string(),
        origins.join(" + "),
        notes.join("; "),
    ]
}

/// The `[write]` rules that can apply to a canonical template, with the conditions they need.
fn write_candidates<'r>(
    rules: &'r Rules,
    base: Option<&str>,
    params: &[Sym],
    array: bool,
    source: &Pattern,
) -> Vec<Candidate<'r>> {
    let mut out = Vec::new();
    'rules: for w in &rules.write.rules {
        let p = &w.pattern;
        // `{elem}` (base None) is only known to be some type: only `any` rules surely apply.
        match (&p.base, base) {
            (None, _) => {}
            (Some(a), Some(b)) if a == b => {}
            _ => continue,
        }
        if p.unsigned || p.with_tz || p.zerofill || p.array != array {
            continue;
        }
        let mut conditions = Vec::new();
        let mut bindings = Vec::new();
        if let Some(pp) = &p.params {
            if pp.len() != params.len() {
                continue;
            }
            for (pat, sym) in pp.iter().zip(params) {
                match (pat, sym) {
                    (PParam::Fixed(f), Sym::Known(k)) if f != k => continue 'rules,
                    (PParam::Fixed(_), Sym::Known(_)) => {}
                    (PParam::Fixed(f), Sym::Unknown(s)) => conditions.push(format!("{s} = {f}")),
                    (PParam::Var(v), s) => bindings.push((v.clone(), s.clone())),
                }
            }
        }
        for c in &p.conds {
            match bindings.iter().find(|(v, _)| *v == c.var).map(|(_, s)| s) {
                Some(Sym::Known(k)) if !c.op.holds(*k, c.value) => continue 'rules,
                Some(Sym::Known(_)) => {}
                Some(Sym::Unknown(s)) => {
                    conditions.push(format!("{s} {} {}", op_text(c.op), c.value))
                }
                None => continue 'rules,
            }
        }
        let facts: Vec<&String> = p
            .facts
            .iter()
            .filter(|f| !source.facts.contains(f))
            .collect();
        let mut all = Vec::new();
        if !facts.is_empty() {
            all.push(format!(
                "with {}",
                facts
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
        if !conditions.is_empty() {
            all.push(format!("when {}", conditions.join(" and ")));
        }
        out.push(Candidate {
            rule: w,
            conditions: all,
            bindings,
        });
    }
    out
}

fn op_text(op: super::pattern::Op) -> &'static str {
    use super::pattern::Op;
    match op {
        Op::Gt => ">",
        Op::Ge => ">=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Eq => "=",
        Op::Ne => "!=",
    }
}

fn render(c: &Candidate) -> String {
    let Target::Text(t) = &c.rule.target else {
        return String::new();
    };
    t.render(&|name| match c.bindings.iter().find(|(v, _)| v == name) {
        Some((_, s)) => Some(s.text()),
        None => Some(format!("{{{name}}}")),
    })
    .unwrap_or_else(|_| t.text.clone())
}

/// Aligns columns; the last column (the note) is not padded.
fn table(rows: &[[String; 7]]) -> String {
    let mut widths = [0usize; 7];
    for r in rows {
        for (i, cell) in r.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
