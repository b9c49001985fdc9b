//! Loading mapping files into rules: TOML with spans, each key parsed as a type pattern, each
//! value checked against the closed vocabularies (canonical types, transforms, risks, drops,
//! facts). A bad rule is reported with its file:line and left out; the others still load.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use super::error::{PatternError, RuleError};
use super::pattern::{self, Bindings, CanonTemplate, Pattern, TextTemplate, TypeSpec};
use super::vocab;
use crate::diag::{Diagnostic, codes};
use crate::ir::{ColumnFacts, DropAttr, Risk};
use crate::transform::Transform;

/// Who wrote a rule. Among equally specific matches the higher level wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `mappings/<dialect>.toml`
    Dialect,
    /// `mappings/<from>-<to>.toml`
    Pair,
    /// `--mappings FILE`
    User,
}

/// Where a rule stands: `mappings/mysql.toml:12`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// What a rule maps to.
#[derive(Clone, Debug)]
pub enum Target {
    /// `[read]`: a canonical type.
    Canon(CanonTemplate),
    /// `[write]` and `[types]`: target SQL text.
    Text(TextTemplate),
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub pattern: Pattern,
    pub target: Target,
    /// A `[types]` rule: maps a source type straight to target text, skipping the canonical hub.
    pub direct: bool,
    pub transform: Option<Transform>,
    pub risk: Risk,
    pub note: Option<String>,
    pub drop: Vec<DropAttr>,
    pub check: Option<TextTemplate>,
    pub origin: Origin,
    pub level: Level,
    pub specificity: u32,
}

/// The winner of a match, and an equally good rival if there was one.
pub struct Found {
    pub rule: usize,
    pub bindings: Bindings,
    pub tie: Option<usize>,
}

/// The rules of one side (source types, or canonical types for the target), indexed by base
/// name so that a column looks at a handful of rules, not all of them.
#[derive(Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    by_base: HashMap<String, Vec<usize>>,
    any: Vec<usize>,
    /// Pairs of rules already reported as a tie at load time (not reported again per column).
    pub load_ties: HashSet<(usize, usize)>,
}

impl RuleSet {
    fn push(&mut self, rule: Rule) {
        let i = self.rules.len();
        match &rule.pattern.base {
            Some(b) => self.by_base.entry(b.clone()).or_default().push(i),
            None => self.any.push(i),
        }
        self.rules.push(rule);
    }

    /// The most specific matching rule; among equally specific ones the highest level. `keep`
    /// filters the rules considered.
    pub fn best(
        &self,
        ty: &TypeSpec,
        fact: &dyn Fn(&str) -> bool,
        keep: &dyn Fn(&Rule) -> bool,
    ) -> Option<Found> {
        let named = self
            .by_base
            .get(&ty.base)
            .map(|v| v.as_slice())
            .unwrap_or(&[]);
        let mut best: Option<Found> = None;
        for &i in named.iter().chain(&self.any) {
            let rule = &self.rules[i];
            if !keep(rule) {
                continue;
            }
            let Some(bindings) = rule.pattern.matches(ty, fact) else {
                continue;
            };
            let key = (rule.specificity, rule.level);
            match &mut best {
                None => {
                    best = Some(Found {
                        rule: i,
                        bindings,
                        tie: None,
                    })
                }
                Some(b) => {
                    let best_rule = &self.rules[b.rule];
                    let best_key = (best_rule.specificity, best_rule.level);
                    if key > best_key {
                        *b = Found {
                            rule: i,
                            bindings,
                            tie: None,
                        };
                    } else if key == best_key {
                        // File order never decides: keep the earlier line for a stable
                        // result and remember the rival so that the caller reports it.
                        if rule.origin.line < best_rule.origin.line {
                            *b = Found {
                                rule: i,
                                bindings,
                                tie: Some(b.rule),
                            };
                        } else {
                            b.tie = Some(i);
                        }
                    }
                }
            }
        }
        best
    }

    /// Reports pairs of rules of one level that are equally specific and can match one type,
    /// unless a more specific rule decides every type they share.
    fn find_ties(&mut self, diags: &mut Vec<Diagnostic>) {
        for i in 0..self.rules.len() {
            for j in i + 1..self.rules.len() {
                let (a, b) = (&self.rules[i], &self.rules[j]);
                if a.level != b.level
                    || a.specificity != b.specificity
                    || !a.pattern.overlaps(&b.pattern)
                {
                    continue;
                }
                let key = (a.specificity, a.level);
                let settled = self.rules.iter().any(|c| {
                    (c.specificity, c.level) > key
                        && c.pattern.covers_overlap(&a.pattern, &b.pattern)
                });
                if !settled {
                    diags.push(tie_error(a, b));
                    self.load_ties.insert((i, j));
                }
            }
        }
    }
}

pub fn tie_error(a: &Rule, b: &Rule) -> Diagnostic {
    let (a, b) = if a.origin.line <= b.origin.line {
        (a, b)
    } else {
        (b, a)
    };
    Diagnostic::new(
        &codes::MAPPING_ERROR,
        format!(
            "{} and {}: rules `{}` and `{}` are equally specific and can match the same type",
            a.origin, b.origin, a.pattern.text, b.pattern.text
        ),
    )
    .help("make one rule more specific (a fixed parameter, a modifier, a `with` or `when` guard) or remove one")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrAction {
    Keep,
    Drop,
}

/// What the target does with a column's CHARACTER SET or COLLATE.
#[derive(Clone, Debug)]
pub struct AttrRule {
    pub action: AttrAction,
    pub note: Option<TextTemplate>,
    pub origin: Origin,
}

/// Which sections a file may have.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileKind {
    /// `mappings/<dialect>.toml`, read for its `[read]` side.
    DialectSource,
    /// `mappings/<dialect>.toml`, read for its `[write]` and `[attributes]` side.
    DialectTarget,
    Pair,
    User,
}

type Table = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    read: Option<Table>,
    write: Option<Table>,
    types: Option<Table>,
    attributes: Option<Table>,
}

/// Which side a section's rules describe.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Read,
    Write,
    Types,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Read => "read",
            Section::Write => "write",
            Section::Types => "types",
        }
    }
}

/// The state of loading: the two rule sets, the attribute rules and the diagnostics so far.
#[derive(Default)]
pub struct Loader {
    pub source: RuleSet,
    pub write: RuleSet,
    pub charset: Option<AttrRule>,
    pub collate: Option<AttrRule>,
    pub files: Vec<String>,
    pub diags: Vec<Diagnostic>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |t| t.matches('\n').count() + 1)
}

fn err(origin: &Origin, msg: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new(&codes::MAPPING_ERROR, format!("{origin}: {msg}"))
}

impl Loader {
    pub fn dialect_source(&mut self, path: &str, text: &str) {
        self.file(path, text, FileKind::DialectSource);
    }

    pub fn dialect_target(&mut self, path: &str, text: &str) {
        self.file(path, text, FileKind::DialectTarget);
    }

    pub fn pair(&mut self, path: &str, text: &str) {
        self.file(path, text, FileKind::Pair);
    }

    pub fn user(&mut self, path: &str, text: &str) {
        self.file(path, text, FileKind::User);
    }

    pub fn finish(&mut self) {
        self.source.find_ties(&mut self.diags);
        self.write.find_ties(&mut self.diags);
    }

    fn file(&mut self, path: &str, text: &str, kind: FileKind) {
        if !self.files.iter().any(|f| f == path) {
            self.files.push(path.to_string());
        }
        let mut found = Vec::new();
        self.read_file(path, text, kind, &mut found);
        // In line order, whatever table each line is in.
        found.sort_by_key(|(line, _)| *line);
        self.diags.extend(found.into_iter().map(|(_, d)| d));
    }

    fn read_file(
        &mut self,
        path: &str,
        text: &str,
        kind: FileKind,
        found: &mut Vec<(usize, Diagnostic)>,
    ) {
        let raw: RawFile = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let msg = e.to_string().replace('\n', " ");
                let line = e.span().map_or(1, |s| line_of(text, s.start));
                found.push((
                    line,
                    err(
                        &Origin {
                            file: path.to_string(),
                            line,
                        },
                        msg.trim(),
                    ),
                ));
                return;
            }
        };
        let level = match kind {
            FileKind::DialectSource | FileKind::DialectTarget => Level::Dialect,
            FileKind::Pair => Level::Pair,
            FileKind::User => Level::User,
        };
        let allowed: &[Section] = match kind {
            FileKind::DialectSource | FileKind::DialectTarget => &[Section::Read, Section::Write],
            FileKind::Pair => &[Section::Types],
            FileKind::User => &[Section::Read, Section::Write, Section::Types],
        };
        let sections = [
            (Section::Read, raw.read),
            (Section::Write, raw.write),
            (Section::Types, raw.types),
        ];
        for (section, table) in sections {
            let Some(table) = table else { continue };
            if !allowed.contains(&section) {
                let line = table
                    .keys()
                    .next()
                    .map_or(1, |k| line_of(text, k.span().start));
                let origin = Origin {
                    file: path.to_string(),
                    line,
                };
                found.push((
                    line,
                    err(
                        &origin,
                        format!("this file cannot have a [{}] table", section.name()),
                    ),
                ));
                continue;
            }
            // A dialect file is read twice, once per side; each pass takes its own table.
            let wanted = match (kind, section) {
                (FileKind::DialectSource, Section::Read)
                | (FileKind::DialectTarget, Section::Write) => true,
                (FileKind::DialectSource | FileKind::DialectTarget, _) => false,
                _ => true,
            };
            if !wanted {
                continue;
            }
            let mut entries: Vec<_> = table.into_iter().collect();
            entries.sort_by_key(|(k, _)| k.span().start);
            for (key, value) in entries {
                let origin = Origin {
                    file: path.to_string(),
                    line: line_of(text, key.span().start),
                };
                match rule(key.get_ref(), value.get_ref(), section, level, &origin) {
                    Ok(r) => match section {
                        Section::Write => self.write.push(r),
                        Section::Read | Section::Types => self.source.push(r),
                    },
                    Err(msg) => found.push((origin.line, err(&origin, msg))),
                }
            }
        }
        if let Some(attrs) = raw.attributes {
            if kind == FileKind::DialectSource {
                return;
            }
            let mut entries: Vec<_> = attrs.into_iter().collect();
            entries.sort_by_key(|(k, _)| k.span().start);
            for (key, value) in entries {
                let origin = Origin {
                    file: path.to_string(),
                    line: line_of(text, key.span().start),
                };
                match attribute(value.get_ref(), &origin) {
                    // Loaded in precedence order (dialect, pair, user): a later file overrides.
                    Ok(a) => match key.get_ref().as_str() {
                        "charset" => self.charset = Some(a),
                        "collate" => self.collate = Some(a),
                        other => found.push((
                            origin.line,
                            err(&origin, RuleError::UnknownAttribute(other.to_string())),
                        )),
                    },
                    Err(msg) => found.push((origin.line, err(&origin, msg))),
                }
            }
        }
    }
}

/// The names a `drop` list may hold.
const DROP_NAMES: &[(&str, DropAttr)] = &[
    ("default", DropAttr::Default),
    ("not_null", DropAttr::NotNull),
    ("charset", DropAttr::Charset),
    ("collate", DropAttr::Collate),
];

const RISK_NAMES: &[(&str, Risk)] = &[
    ("none", Risk::None),
    ("lossy", Risk::Lossy),
    ("manual", Risk::Manual),
];

fn names<T>(list: &[(&str, T)]) -> String {
    list.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

fn string_field(value: &toml::Value, field: &'static str) -> Result<String, RuleError> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or(RuleError::NotAString { field })
}

/// Checks and builds one rule from its key and value.
fn rule(
    key: &str,
    value: &toml::Value,
    section: Section,
    level: Level,
    origin: &Origin,
) -> Result<Rule, RuleError> {
    let pattern = pattern::parse_pattern(key).map_err(|error| RuleError::BadPattern {
        key: key.to_string(),
        error,
    })?;
    for f in &pattern.facts {
        if !ColumnFacts::NAMES.contains(&f.as_str()) {
            return Err(RuleError::UnknownFact {
                fact: f.clone(),
                key: key.to_string(),
                known: ColumnFacts::NAMES.join(", "),
            });
        }
    }
    if section == Section::Write
        && let Some(base) = &pattern.base
    {
        if vocab::find(base).is_none() {
            return Err(PatternError::NotCanonical(base.clone()).into());
        }
        // A bare name matches every parameter count, so only a written count is checked.
        if let Some(params) = &pattern.params {
            vocab::check(base, params.len())?;
        }
    }

    let mut to = None;
    let mut transform = None;
    let mut risk = Risk::None;
    let mut note = None;
    let mut drop = Vec::new();
    let mut check = None;
    match value {
        toml::Value::String(s) => to = Some(s.clone()),
        toml::Value::Table(t) => {
            for (field, v) in t {
                match field.as_str() {
                    "to" => to = Some(string_field(v, "to")?),
                    "transform" => {
                        let name = string_field(v, "transform")?;
                        let known: Vec<&str> = Transform::ALL.iter().map(|t| t.name()).collect();
                        transform = Some(Transform::from_name(&name).ok_or_else(|| {
                            RuleError::UnknownName {
                                what: "transform",
                                name: name.clone(),
                                known: known.join(", "),
                            }
                        })?);
                    }
                    "risk" => {
                        let name = string_field(v, "risk")?;
                        risk = RISK_NAMES
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, r)| *r)
                            .ok_or_else(|| RuleError::UnknownName {
                                what: "risk",
                                name: name.clone(),
                                known: names(RISK_NAMES),
                            })?;
                    }
                    "note" => note = Some(string_field(v, "note")?),
                    "drop" => {
                        let list = v.as_array().ok_or(RuleError::DropNotAList)?;
                        for item in list {
                            let name = item.as_str().ok_or(RuleError::DropNotAList)?;
                            let attr = DROP_NAMES
                                .iter()
                                .find(|(n, _)| *n == name)
                                .map(|(_, a)| *a)
                                .ok_or_else(|| RuleError::UnknownName {
                                    what: "drop",
                                    name: name.to_string(),
                                    known: names(DROP_NAMES),
                                })?;
                            drop.push(attr);
                        }
                    }
                    "check" => check = Some(string_field(v, "check")?),
                    other => {
                        return Err(RuleError::UnknownField {
                            field: other.to_string(),
                            known: "to, transform, risk, note, drop, check",
                        });
                    }
                }
            }
        }
        _ => return Err(RuleError::NotARule),
    }
    let to = to.ok_or(RuleError::Missing {
        what: "the rule",
        field: "to",
    })?;
    let vars = pattern.vars();

    let target = match section {
        Section::Read => {
            let t = pattern::parse_canonical(&to).map_err(|error| RuleError::BadCanonical {
                to: to.clone(),
                error,
            })?;
            match &t.base {
                Some(base) => vocab::check(base, t.params.len())?,
                None if !pattern.array => return Err(RuleError::ElemWithoutArray),
                None => {}
            }
            if let Some(v) = t.vars().into_iter().find(|v| !vars.contains(v)) {
                return Err(RuleError::Unbound {
                    to: to.clone(),
                    var: v.to_string(),
                    key: key.to_string(),
                    hint: "",
                });
            }
            Target::Canon(t)
        }
        Section::Write | Section::Types => {
            let t = TextTemplate::parse(&to)?;
            for v in t.vars() {
                let ok = vars.contains(&v)
                    || v == "values"
                    || v == "enum_type"
                    || (v == "elem" && section == Section::Write && pattern.array);
                if !ok {
                    let hint = if v == "elem" {
                        " ({elem} needs a [write] pattern ending in `[]`)"
                    } else {
                        ""
                    };
                    return Err(RuleError::Unbound {
                        to: to.clone(),
                        var: v.to_string(),
                        key: key.to_string(),
                        hint,
                    });
                }
            }
            Target::Text(t)
        }
    };
    let check = match check {
        Some(c) => {
            let t = TextTemplate::parse(&c)?;
            if let Some(v) = t
                .vars()
                .find(|v| !(vars.contains(v) || *v == "col" || *v == "values"))
            {
                return Err(RuleError::CheckUnbound {
                    check: c.clone(),
                    var: v.to_string(),
                });
            }
            Some(t)
        }
        None => None,
    };
    let specificity = pattern.specificity();
    Ok(Rule {
        pattern,
        target,
        direct: section == Section::Types,
        transform,
        risk,
        note,
        drop,
        check,
        origin: origin.clone(),
        level,
        specificity,
    })
}

fn attribute(value: &toml::Value, origin: &Origin) -> Result<AttrRule, RuleError> {
    let t = value.as_table().ok_or(RuleError::NotAnAttributeRule)?;
    let mut action = None;
    let mut note = None;
    for (field, v) in t {
        match field.as_str() {
            "action" => {
                action = Some(match string_field(v, "action")?.as_str() {
                    "keep" => AttrAction::Keep,
                    "drop" => AttrAction::Drop,
                    other => {
                        return Err(RuleError::UnknownName {
                            what: "action",
                            name: other.to_string(),
                            known: "keep, drop".to_string(),
                        });
                    }
                })
            }
            "note" => {
                let n = TextTemplate::parse(&string_field(v, "note")?)?;
                if let Some(v) = n.vars().find(|v| !matches!(*v, "charset" | "collate")) {
                    return Err(RuleError::NoteUnbound { var: v.to_string() });
                }
                note = Some(n);
            }
            other => {
                return Err(RuleError::UnknownField {
                    field: other.to_string(),
                    known: "action, note",
                });
            }
        }
    }
    let action = action.ok_or(RuleError::Missing {
        what: "the attribute rule",
        field: "action",
    })?;
    Ok(AttrRule {
        action,
        note,
        origin: origin.clone(),
    })
}
