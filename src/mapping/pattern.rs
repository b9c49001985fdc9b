//! The small language of mapping files: type patterns (rule keys), concrete types (a column's
//! `source_type`), canonical templates (the `to` of a `[read]` rule) and text templates (the `to`
//! of `[write]` and `[types]` rules, and `check`). Parsed with `grammar/type_pattern.pest`.
//!
//! Everything here is parsed once: patterns and templates at load time, a concrete type once per
//! distinct `source_type` string (the caller caches).

use pest::Parser;
use pest::iterators::Pair;
use pest_derive::Parser;

use super::error::PatternError;

#[derive(Parser)]
#[grammar = "grammar/type_pattern.pest"]
struct TypeGrammar;

/// A parameter of a concrete type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    Num(u64),
    /// A quoted string, unescaped: an enum or set value.
    Str(String),
    /// A bare word, e.g. `max` or `point` in `geometry(point,4326)`.
    Word(String),
}

/// A concrete type: what a column was declared with, or a canonical type.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TypeSpec {
    /// Lower case, words separated by one space; empty for an untyped (SQLite) column.
    pub base: String,
    pub params: Vec<Param>,
    pub unsigned: bool,
    pub zerofill: bool,
    pub with_tz: bool,
    /// An array of `base` (the number of dimensions is ignored, as PostgreSQL ignores it).
    pub array: bool,
}

impl TypeSpec {
    /// The element type of an array type.
    pub fn element(&self) -> TypeSpec {
        TypeSpec {
            array: false,
            ..self.clone()
        }
    }

    /// The enum or set values written inside the type (`enum('a','b')`).
    pub fn string_params(&self) -> Vec<String> {
        self.params
            .iter()
            .filter_map(|p| match p {
                Param::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }
}

impl std::fmt::Display for TypeSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base)?;
        if !self.params.is_empty() {
            let parts: Vec<String> = self
                .params
                .iter()
                .map(|p| match p {
                    Param::Num(MAX_LEN) => "max".to_string(),
                    Param::Num(n) => n.to_string(),
                    Param::Str(s) => format!("'{}'", s.replace('\'', "''")),
                    Param::Word(w) => w.clone(),
                })
                .collect();
            write!(f, "({})", parts.join(","))?;
        }
        if self.unsigned {
            f.write_str(" unsigned")?;
        }
        if self.zerofill {
            f.write_str(" zerofill")?;
        }
        if self.with_tz {
            f.write_str(" with time zone")?;
        }
        if self.array {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

/// The length parameter `max` (SQL Server `nvarchar(max)`, `varbinary(max)`: up to 2^31-1 bytes,
/// <https://learn.microsoft.com/en-us/sql/t-sql/data-types/nchar-and-nvarchar-transact-sql>) is
/// read as the largest number, in concrete types and in patterns alike: `nvarchar(max)` matches
/// only it, and `nvarchar(n) when n > 4000` matches it too.
pub const MAX_LEN: u64 = u64::MAX;

/// A parameter of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PParam {
    /// Binds the concrete number to this name.
    Var(String),
    /// Matches only this number.
    Fixed(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "<" => Op::Lt,
            "<=" => Op::Le,
            "=" => Op::Eq,
            "!=" | "<>" => Op::Ne,
            _ => return None,
        })
    }

    pub fn holds(self, left: u64, right: u64) -> bool {
        match self {
            Op::Gt => left > right,
            Op::Ge => left >= right,
            Op::Lt => left < right,
            Op::Le => left <= right,
            Op::Eq => left == right,
            Op::Ne => left != right,
        }
    }
}

/// `when <var> <op> <value>`; `pos` is the parameter position the variable names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    pub var: String,
    pub pos: usize,
    pub op: Op,
    pub value: u64,
}

/// A rule's key: the constraints a type must satisfy for the rule to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// As written in the file, for messages and `mappings show`.
    pub text: String,
    /// `None` for the wildcard `any`.
    pub base: Option<String>,
    /// `None` when the pattern has no parentheses: then it matches any parameters.
    pub params: Option<Vec<PParam>>,
    pub unsigned: bool,
    pub zerofill: bool,
    pub with_tz: bool,
    pub array: bool,
    pub facts: Vec<String>,
    pub conds: Vec<Cond>,
}

/// Numeric bindings of pattern variables, in parameter order.
pub type Bindings = Vec<(String, u64)>;

pub fn lookup(bindings: &Bindings, name: &str) -> Option<u64> {
    bindings.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
}

impl Pattern {
    /// How many constraints the pattern states; the most specific matching rule wins.
    /// A named base counts 1 (the wildcard `any` 0), each parameter position 1 and each fixed
    /// parameter 1 more, each modifier 1, each `with` fact 1, each `when` condition 1.
    pub fn specificity(&self) -> u32 {
        let mut n = u32::from(self.base.is_some());
        if let Some(params) = &self.params {
            for p in params {
                n += match p {
                    PParam::Var(_) => 1,
                    PParam::Fixed(_) => 2,
                };
            }
        }
        n += u32::from(self.unsigned) + u32::from(self.zerofill) + u32::from(self.with_tz);
        n + self.facts.len() as u32 + self.conds.len() as u32
    }

    /// The variables the pattern binds.
    pub fn vars(&self) -> Vec<&str> {
        match &self.params {
            Some(params) => params
                .iter()
                .filter_map(|p| match p {
                    PParam::Var(v) => Some(v.as_str()),
                    PParam::Fixed(_) => None,
                })
                .collect(),
            None => Vec::new(),
        }
    }

    /// Whether the type part (no guards) matches, and the variables it binds.
    pub fn match_type(&self, ty: &TypeSpec) -> Option<Bindings> {
        if let Some(base) = &self.base
            && *base != ty.base
        {
            return None;
        }
        if self.array != ty.array {
            return None;
        }
        // Significant modifiers must agree exactly: `int` must not match `int unsigned`.
        // ZEROFILL only pads the display (and implies UNSIGNED), so it matters only when the
        // pattern asks for it. The wildcard `any` stands for a whole type, modifiers included.
        if self.base.is_some() && (self.unsigned != ty.unsigned || self.with_tz != ty.with_tz) {
            return None;
        }
        if self.zerofill && !ty.zerofill {
            return None;
        }
        let mut bindings = Vec::new();
        if let Some(params) = &self.params {
            if params.len() != ty.params.len() {
                return None;
            }
            for (p, c) in params.iter().zip(&ty.params) {
                let Param::Num(value) = c else { return None };
                match p {
                    PParam::Fixed(f) if f != value => return None,
                    PParam::Fixed(_) => {}
                    PParam::Var(v) => bindings.push((v.clone(), *value)),
                }
            }
        }
        for c in &self.conds {
            let value = lookup(&bindings, &c.var)?;
            if !c.op.holds(value, c.value) {
                return None;
            }
        }
        Some(bindings)
    }

    /// Whether the pattern matches a type with these facts.
    pub fn matches(&self, ty: &TypeSpec, fact: &dyn Fn(&str) -> bool) -> Option<Bindings> {
        if !self.facts.iter().all(|f| fact(f)) {
            return None;
        }
        self.match_type(ty)
    }

    /// Whether some type could match both patterns (used to find ties at load time). Errs on
    /// the side of "yes": facts can always hold together.
    pub fn overlaps(&self, other: &Pattern) -> bool {
        if let (Some(a), Some(b)) = (&self.base, &other.base)
            && a != b
        {
            return false;
        }
        if self.array != other.array {
            return false;
        }
        let both_named = self.base.is_some() && other.base.is_some();
        if both_named && (self.unsigned != other.unsigned || self.with_tz != other.with_tz) {
            return false;
        }
        match (&self.params, &other.params) {
            (Some(a), Some(b)) => {
                if a.len() != b.len() {
                    return false;
                }
                (0..a.len()).all(|pos| {
                    let mut range = self.range_at(pos);
                    range.intersect(&other.range_at(pos));
                    !range.is_empty()
                })
            }
            // A pattern without parameters says nothing about them.
            _ => self.satisfiable() && other.satisfiable(),
        }
    }

    /// Whether every type that matches both `a` and `b` also matches `self`: then `self`, when
    /// more specific, decides those types and `a` and `b` never tie.
    pub fn covers_overlap(&self, a: &Pattern, b: &Pattern) -> bool {
        let base = a.base.as_ref().or(b.base.as_ref());
        if let Some(own) = &self.base
            && Some(own) != base
        {
            return false;
        }
        if self.array != a.array {
            return false;
        }
        // The shared types carry the modifiers of whichever of `a` and `b` names a base.
        let named = if a.base.is_some() { a } else { b };
        if self.base.is_some() && (self.unsigned != named.unsigned || self.with_tz != named.with_tz)
        {
            return false;
        }
        if self.zerofill && !(a.zerofill || b.zerofill) {
            return false;
        }
        if !self
            .facts
            .iter()
            .all(|f| a.facts.contains(f) || b.facts.contains(f))
        {
            return false;
        }
        let Some(own) = &self.params else { return true };
        let arity = a.params.as_ref().or(b.params.as_ref()).map(|p| p.len());
        if arity != Some(own.len()) {
            return false;
        }
        (0..own.len()).all(|pos| {
            let mut both = a.range_at(pos);
            both.intersect(&b.range_at(pos));
            both.within(&self.range_at(pos))
        })
    }

    /// Whether any type can satisfy the pattern's own conditions.
    pub fn satisfiable(&self) -> bool {
        match &self.params {
            Some(params) => (0..params.len()).all(|pos| !self.range_at(pos).is_empty()),
            None => true,
        }
    }

    /// The values the parameter at `pos` may take.
    fn range_at(&self, pos: usize) -> Range {
        let mut r = Range {
            lo: 0,
            hi: u64::MAX,
            not: Vec::new(),
        };
        if let Some(Some(PParam::Fixed(f))) = self.params.as_ref().map(|p| p.get(pos)) {
            r.lo = *f;
            r.hi = *f;
        }
        for c in self.conds.iter().filter(|c| c.pos == pos) {
            r.apply(c.op, c.value);
        }
        r
    }
}

/// An inclusive range of integers minus some values, for overlap tests.
struct Range {
    lo: u64,
    hi: u64,
    not: Vec<u64>,
}

impl Range {
    fn apply(&mut self, op: Op, v: u64) {
        match op {
            Op::Gt => match v.checked_add(1) {
                Some(next) => self.lo = self.lo.max(next),
                None => self.make_empty(),
            },
            Op::Ge => self.lo = self.lo.max(v),
            Op::Lt => match v.checked_sub(1) {
                Some(prev) => self.hi = self.hi.min(prev),
                None => self.make_empty(),
            },
            Op::Le => self.hi = self.hi.min(v),
            Op::Eq => {
                self.lo = self.lo.max(v);
                self.hi = self.hi.min(v);
            }
            Op::Ne => self.not.push(v),
        }
    }

    fn make_empty(&mut self) {
        self.lo = 1;
        self.hi = 0;
    }

    fn intersect(&mut self, other: &Range) {
        self.lo = self.lo.max(other.lo);
        self.hi = self.hi.min(other.hi);
        self.not.extend(other.not.iter().copied());
    }

    /// Whether every value of `self` is a value of `other`.
    fn within(&self, other: &Range) -> bool {
        if self.is_empty() {
            return true;
        }
        self.lo >= other.lo
            && self.hi <= other.hi
            && other
                .not
                .iter()
                .all(|v| *v < self.lo || *v > self.hi || self.not.contains(v))
    }

    fn is_empty(&self) -> bool {
        if self.lo > self.hi {
            return true;
        }
        // Only a one-value range can be emptied by `!=` in practice.
        self.lo == self.hi && self.not.contains(&self.lo)
    }
}

/// A parameter of a canonical template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TParam {
    Fixed(u64),
    Var(String),
}

/// The `to` of a `[read]` rule: a canonical type whose parameters may be placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonTemplate {
    pub text: String,
    /// `None` for `{elem}`: the element type of the array being read.
    pub base: Option<String>,
    pub params: Vec<TParam>,
    pub array: bool,
}

impl CanonTemplate {
    pub fn vars(&self) -> Vec<&str> {
        self.params
            .iter()
            .filter_map(|p| match p {
                TParam::Var(v) => Some(v.as_str()),
                TParam::Fixed(_) => None,
            })
            .collect()
    }

    /// The canonical type for these bindings; `elem` is the element's canonical type when the
    /// template starts with `{elem}`. `None` when a variable is unbound (prevented at load).
    pub fn render(&self, bindings: &Bindings, elem: Option<&TypeSpec>) -> Option<TypeSpec> {
        let mut ty = match &self.base {
            Some(base) => TypeSpec {
                base: base.clone(),
                ..TypeSpec::default()
            },
            None => elem?.element(),
        };
        for p in &self.params {
            ty.params.push(Param::Num(match p {
                TParam::Fixed(f) => *f,
                TParam::Var(v) => lookup(bindings, v)?,
            }));
        }
        ty.array = ty.array || self.array;
        Some(ty)
    }
}

/// A piece of a text template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    Var(String),
}

/// The `to` of a `[write]` or `[types]` rule, or a `check`: SQL text with `{name}` placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextTemplate {
    pub text: String,
    pub pieces: Vec<Piece>,
}

impl TextTemplate {
    /// Splits `text` at `{name}` placeholders. A `{` that does not open a placeholder is an error,
    /// so that a typo never reaches the target DDL.
    pub fn parse(text: &str) -> Result<TextTemplate, PatternError> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(open) = rest.find(['{', '}']) {
            lit.push_str(&rest[..open]);
            if rest[open..].starts_with('}') {
                return Err(PatternError::CloseWithoutOpen {
                    text: text.to_string(),
                });
            }
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(PatternError::OpenWithoutClose {
                    text: text.to_string(),
                });
            };
            let name = &after[..close];
            let ok = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(PatternError::BadPlaceholder {
                    name: name.to_string(),
                    text: text.to_string(),
                });
            }
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            pieces.push(Piece::Var(name.to_string()));
            rest = &after[close + 1..];
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Ok(TextTemplate {
            text: text.to_string(),
            pieces,
        })
    }

    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v.as_str()),
            Piece::Lit(_) => None,
        })
    }

    /// Substitutes placeholders in one pass, so that substituted text (an enum value holding
    /// `{x}`) is never substituted again. `Err(name)` for a placeholder `value` cannot fill.
    pub fn render(&self, value: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Var(v) => out.push_str(&value(v).ok_or_else(|| v.clone())?),
            }
        }
        Ok(out)
    }
}

/// Lower case, one space between words (`Double   Precision` -> `double precision`).
fn normalize_name(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn short_error(e: &pest::error::Error<Rule>) -> PatternError {
    use pest::error::{ErrorVariant, InputLocation};
    let at = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let what = match &e.variant {
        ErrorVariant::CustomError { message } => message.clone(),
        ErrorVariant::ParsingError { .. } => "unexpected input".to_string(),
    };
    PatternError::Syntax { what, at: at + 1 }
}

fn unquote_string(s: &str) -> String {
    let inner = s.get(1..s.len().saturating_sub(1)).unwrap_or("");
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn number(p: &Pair<Rule>) -> Result<u64, PatternError> {
    p.as_str()
        .parse::<u64>()
        .map_err(|_| PatternError::NumberTooLarge(p.as_str().to_string()))
}

/// The pieces of a `type_expr` (name, parameters, modifiers, array), shared by patterns and
/// concrete types.
struct RawType<'i> {
    base: String,
    params: Vec<Pair<'i, Rule>>,
    unsigned: bool,
    zerofill: bool,
    with_tz: bool,
    array: bool,
}

fn raw_type(expr: Pair<'_, Rule>) -> RawType<'_> {
    let mut t = RawType {
        base: String::new(),
        params: Vec::new(),
        unsigned: false,
        zerofill: false,
        with_tz: false,
        array: false,
    };
    for p in expr.into_inner() {
        match p.as_rule() {
            Rule::base_name => t.base = normalize_name(p.as_str()),
            Rule::params => t.params = p.into_inner().collect(),
            Rule::unsigned => t.unsigned = true,
            Rule::zerofill => t.zerofill = true,
            Rule::with_tz => t.with_tz = true,
            // The defaults, written out: they add nothing.
            Rule::signed | Rule::without_tz => {}
            Rule::array_suffix => t.array = true,
            _ => {}
        }
    }
    // MySQL: "If you specify ZEROFILL for a numeric column, MySQL automatically adds the
    // UNSIGNED attribute" (https://dev.mysql.com/doc/refman/8.0/en/numeric-type-attributes.html).
    if t.zerofill {
        t.unsigned = true;
    }
    t
}

/// Parses a column's declared type. An empty string is the untyped column (`base` empty).
pub fn parse_concrete(text: &str) -> Result<TypeSpec, PatternError> {
    let mut pairs = TypeGrammar::parse(Rule::concrete, text).map_err(|e| short_error(&e))?;
    let top = pairs.next().ok_or(PatternError::Empty)?;
    let mut ty = TypeSpec::default();
    if let Some(expr) = top.into_inner().find(|p| p.as_rule() == Rule::type_expr) {
        let raw = raw_type(expr);
        let mut params = Vec::new();
        for p in &raw.params {
            params.push(match p.as_rule() {
                Rule::number => Param::Num(number(p)?),
                Rule::string => Param::Str(unquote_string(p.as_str())),
                _ if p.as_str().eq_ignore_ascii_case("max") => Param::Num(MAX_LEN),
                _ => Param::Word(p.as_str().to_lowercase()),
            });
        }
        ty = TypeSpec {
            base: raw.base,
            params,
            unsigned: raw.unsigned,
            zerofill: raw.zerofill,
            with_tz: raw.with_tz,
            array: raw.array,
        };
    }
    Ok(ty)
}

/// Parses a rule key. Checks the pattern's own consistency (variables named once, conditions on
/// bound variables, satisfiable); whether the names exist is the loader's business.
pub fn parse_pattern(text: &str) -> Result<Pattern, PatternError> {
    let mut pairs = TypeGrammar::parse(Rule::pattern, text).map_err(|e| short_error(&e))?;
    let top = pairs.next().ok_or(PatternError::Empty)?;
    let mut pat = Pattern {
        text: text.to_string(),
        base: Some(String::new()),
        params: None,
        unsigned: false,
        zerofill: false,
        with_tz: false,
        array: false,
        facts: Vec::new(),
        conds: Vec::new(),
    };
    for part in top.into_inner() {
        match part.as_rule() {
            Rule::type_expr => {
                let raw = raw_type(part);
                pat.base = if raw.base == "any" {
                    None
                } else {
                    Some(raw.base)
                };
                pat.unsigned = raw.unsigned;
                pat.zerofill = raw.zerofill;
                pat.with_tz = raw.with_tz;
                pat.array = raw.array;
                if !raw.params.is_empty() {
                    let mut params = Vec::new();
                    for p in &raw.params {
                        params.push(match p.as_rule() {
                            Rule::number => PParam::Fixed(number(p)?),
                            Rule::ident if p.as_str().eq_ignore_ascii_case("max") => {
                                PParam::Fixed(MAX_LEN)
                            }
                            Rule::ident => {
                                let v = p.as_str().to_lowercase();
                                if params.contains(&PParam::Var(v.clone())) {
                                    return Err(PatternError::VariableTwice(v));
                                }
                                PParam::Var(v)
                            }
                            _ => {
                                return Err(PatternError::BadParameter(p.as_str().to_string()));
                            }
                        });
                    }
                    pat.params = Some(params);
                }
            }
            Rule::guards => {
                for g in part.into_inner() {
                    match g.as_rule() {
                        Rule::fact => pat.facts.push(g.as_str().to_lowercase()),
                        Rule::cond => {
                            let mut it = g.into_inner();
                            let (Some(var), Some(op), Some(value)) =
                                (it.next(), it.next(), it.next())
                            else {
                                return Err(PatternError::IncompleteCondition);
                            };
                            let var = var.as_str().to_lowercase();
                            let pos = pat
                                .params
                                .as_ref()
                                .and_then(|ps| {
                                    ps.iter().position(|p| *p == PParam::Var(var.clone()))
                                })
                                .ok_or_else(|| PatternError::NoSuchParameter(var.to_string()))?;
                            let op = Op::parse(op.as_str()).ok_or(PatternError::UnknownOperator)?;
                            pat.conds.push(Cond {
                                var,
                                pos,
                                op,
                                value: number(&value)?,
                            });
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if !pat.satisfiable() {
        return Err(PatternError::ConditionsNeverHold);
    }
    Ok(pat)
}

/// Parses the `to` of a `[read]` rule.
pub fn parse_canonical(text: &str) -> Result<CanonTemplate, PatternError> {
    let mut pairs = TypeGrammar::parse(Rule::canonical, text).map_err(|e| short_error(&e))?;
    let top = pairs.next().ok_or(PatternError::Empty)?;
    let mut t = CanonTemplate {
        text: text.to_string(),
        base: None,
        params: Vec::new(),
        array: false,
    };
    for p in top.into_inner() {
        match p.as_rule() {
            Rule::base_name => t.base = Some(normalize_name(p.as_str())),
            Rule::elem_ref => t.base = None,
            Rule::tparams => {
                for tp in p.into_inner() {
                    t.params.push(match tp.as_rule() {
                        Rule::number => TParam::Fixed(number(&tp)?),
                        _ => TParam::Var(tp.into_inner().as_str().to_lowercase()),
                    });
                }
            }
            Rule::array_suffix => t.array = true,
            _ => {}
        }
    }
    Ok(t)
}
