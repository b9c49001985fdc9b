//! The migration assessment: what a team reads before it decides to migrate. `build` turns one
//! conversion into a `Report` (plain data, serialised as the versioned JSON format); the other
//! modules only render it: `markdown`, `html` (with `svg` charts), `dot`, and `sarif` (which
//! renders diagnostics directly, for `check` too).
//!
//! The JSON field names are stable; `REPORT_VERSION` changes when one is removed or changes
//! meaning (adding a field does not). The format is documented in README.md.

pub mod dot;
pub mod effort;
pub mod html;
pub mod markdown;
pub mod sarif;
pub mod svg;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::Conversion;
use crate::diag::{Finding, ObjectRef, Severity};
use crate::ir::Risk;
use crate::order::{Object, name_of};
use crate::source::{SourceFile, Span};
use crate::summary::{self, KindCounts, Status};
use effort::Complexity;

/// The version of the JSON report format.
pub const REPORT_VERSION: u32 = 1;

/// Longest source snippet kept per action item, in lines; the rest is counted, not copied.
const SNIPPET_LINES: usize = 40;

#[derive(Debug, Serialize)]
pub struct Report {
    pub report_version: u32,
    pub ferry_version: &'static str,
    pub source: SourceInfo,
    pub target: TargetInfo,
    pub summary: Totals,
    /// Every object read, with its status.
    pub objects: Vec<ObjectEntry>,
    /// Every warning and manual-action finding, in source order.
    pub action_items: Vec<ActionItem>,
    /// Notes (information only), counted by code.
    pub notes: BTreeMap<&'static str, usize>,
    /// The type-mapping decisions used, most columns first.
    pub type_mappings: Vec<TypeMappingUse>,
    pub order: OrderInfo,
    /// The effort model, one line per rule.
    pub effort_model: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SourceInfo {
    pub file: String,
    pub dialect: &'static str,
    pub lines: usize,
    pub bytes: usize,
}

#[derive(Debug, Serialize)]
pub struct TargetInfo {
    pub dialect: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Totals {
    pub statements: usize,
    pub skipped_statements: usize,
    pub parse_errors: usize,
    /// Per object kind.
    pub objects: BTreeMap<&'static str, KindCounts>,
    /// All kinds together.
    pub all_objects: KindCounts,
    /// Objects converted (cleanly or with warnings) over objects read, 0 to 1.
    pub conversion_rate_by_objects: f64,
    /// The same weighted by what each object would take by hand (see the effort model).
    pub conversion_rate_by_effort: f64,
    /// Estimated hours for all action items.
    pub effort_hours: f64,
    /// Action items per complexity class: count and hours.
    pub effort_by_complexity: BTreeMap<&'static str, EffortCount>,
    pub warnings: usize,
    pub manual_items: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct EffortCount {
    pub items: usize,
    pub hours: f64,
}

#[derive(Debug, Serialize)]
pub struct ObjectEntry {
    pub kind: &'static str,
    pub name: String,
    pub status: Status,
    /// Where it starts in the source (1-based), when known.
    pub line: Option<usize>,
    /// The codes of the findings that name it, worst first, each once.
    pub codes: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Serialize)]
pub struct Snippet {
    pub first_line: usize,
    /// The exact source lines, up to `SNIPPET_LINES`.
    pub text: String,
    /// Lines of the span not copied.
    pub more_lines: usize,
}

/// A warning or manual-action finding: the `Finding` every JSON output prints (its fields
/// inline), and what the report adds to it.
#[derive(Debug, Serialize)]
pub struct ActionItem {
    #[serde(flatten)]
    pub finding: Finding,
    /// The kind of object it concerns (`table`, `view`, `function`, ..., `statement`).
    pub object_kind: &'static str,
    /// The finding's place again, as one value (the report's format before `Finding`).
    pub location: Option<Location>,
    pub snippet: Option<Snippet>,
    pub ferry_did: &'static str,
    pub user_must: String,
    pub complexity: Complexity,
    pub hours: f64,
}

impl ActionItem {
    /// `F1002 routine-manual`: the code and its name.
    pub fn title(&self) -> String {
        self.finding.title()
    }
}

#[derive(Debug, Serialize)]
pub struct TypeMappingUse {
    pub source_type: String,
    pub canonical: String,
    pub target_type: String,
    pub columns: usize,
    pub risk: Risk,
    pub transform: Option<crate::transform::Transform>,
    pub origin: String,
}

#[derive(Debug, Serialize)]
pub struct OrderInfo {
    /// Objects in creation order, as `kind name`.
    pub creation_order: Vec<String>,
    /// Groups of tables whose foreign keys form a cycle.
    pub cycles: Vec<Vec<String>>,
    /// Foreign keys moved after the tables to break those cycles, as `table -> referenced`.
    pub deferred_foreign_keys: Vec<String>,
    /// Dependencies: the first must exist before the second (`kind name`).
    pub edges: Vec<(String, String)>,
}

/// Builds the report of one conversion of `file`.
pub fn build(file: &SourceFile, conv: &Conversion) -> Report {
    let schema = &conv.schema;
    let statuses = summary::objects(schema, &conv.diagnostics);
    let kind_of: HashMap<&ObjectRef, &'static str> =
        statuses.iter().map(|o| (&o.key, o.kind)).collect();
    // Several objects may share a key (PostgreSQL triggers of one name on many tables).
    let mut spans_of: HashMap<&ObjectRef, Vec<Span>> = HashMap::new();
    for o in &statuses {
        if let Some(span) = o.span {
            spans_of.entry(&o.key).or_default().push(span);
        }
    }
    let lines_of = |span: Option<Span>| {
        span.map_or(1, |s| {
            let (a, _) = file.line_col(s.start);
            let (b, _) = file.line_col(s.end);
            b - a + 1
        })
    };

    // Codes per object, worst first.
    let mut codes_of: HashMap<&ObjectRef, Vec<&'static crate::diag::Code>> = HashMap::new();
    for d in &conv.diagnostics {
        if let Some(o) = &d.object {
            let v = codes_of.entry(o).or_default();
            if !v.iter().any(|c| c.id == d.code.id) {
                v.push(d.code);
            }
        }
    }
    let columns_of: HashMap<ObjectRef, usize> = schema
        .tables
        .iter()
        .map(|t| (ObjectRef::table(&t.name), t.columns.len()))
        .collect();

    let mut per_kind: BTreeMap<&'static str, KindCounts> = BTreeMap::new();
    let mut all_objects = KindCounts::default();
    let (mut weight_all, mut weight_done) = (0.0, 0.0);
    let mut objects = Vec::with_capacity(statuses.len());
    for o in &statuses {
        per_kind.entry(o.kind).or_default().add(o.status);
        all_objects.add(o.status);
        let columns = columns_of.get(&o.key).copied().unwrap_or(0);
        let w = effort::manual_weight(o.kind, lines_of(o.span), columns);
        weight_all += w;
        if o.status != Status::Manual {
            weight_done += w;
        }
        let mut codes = codes_of.get(&o.key).cloned().unwrap_or_default();
        codes.sort_by_key(|c| std::cmp::Reverse(c.severity));
        objects.push(ObjectEntry {
            kind: o.kind,
            name: o.name.clone(),
            status: o.status,
            line: o.span.map(|s| file.line_col(s.start).0),
            codes: codes.iter().map(|c| c.id).collect(),
        });
    }

    let mut action_items = Vec::new();
    let mut notes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut effort_by_complexity: BTreeMap<&'static str, EffortCount> = BTreeMap::new();
    for d in &conv.diagnostics {
        if d.severity() < Severity::Warning {
            *notes.entry(d.code.id).or_default() += 1;
            continue;
        }
        // Code is sized, and shown, whole: the finding points at its first line only.
        let whole = d.span.and_then(|at| {
            let spans = spans_of.get(d.object.as_ref()?)?;
            spans
                .iter()
                .copied()
                .find(|s| s.start <= at.start && at.start < s.end.max(s.start + 1))
        });
        let (complexity, hours) = effort::estimate(d.code, lines_of(whole.or(d.span)));
        let shown = if complexity == Complexity::Complex {
            whole.or(d.span)
        } else {
            d.span
        };
        let e = effort_by_complexity.entry(complexity.as_str()).or_default();
        e.items += 1;
        e.hours += hours;
        let finding = Finding::new(file, d);
        action_items.push(ActionItem {
            object_kind: d
                .object
                .as_ref()
                .and_then(|o| kind_of.get(o).copied())
                .unwrap_or("statement"),
            location: location(&finding),
            snippet: shown.map(|s| snippet(file, s)),
            ferry_did: d.code.ferry_did,
            user_must: d
                .help
                .clone()
                .unwrap_or_else(|| d.code.explanation.to_string()),
            complexity,
            hours,
            finding,
        });
    }

    let rate = |done: f64, all: f64| if all > 0.0 { done / all } else { 1.0 };
    let summary = Totals {
        statements: conv.stats.statements,
        skipped_statements: conv.stats.noise_skipped + conv.stats.data_skipped,
        parse_errors: conv.stats.parse_errors,
        conversion_rate_by_objects: rate(
            (all_objects.converted + all_objects.with_warnings) as f64,
            all_objects.read as f64,
        ),
        conversion_rate_by_effort: rate(weight_done, weight_all),
        effort_hours: action_items.iter().map(|i| i.hours).fold(0.0, |a, b| a + b),
        effort_by_complexity,
        warnings: action_items
            .iter()
            .filter(|i| i.finding.severity == Severity::Warning)
            .count(),
        manual_items: action_items
            .iter()
            .filter(|i| i.finding.severity >= Severity::Manual)
            .count(),
        objects: per_kind,
        all_objects,
    };

    Report {
        report_version: REPORT_VERSION,
        ferry_version: env!("CARGO_PKG_VERSION"),
        source: SourceInfo {
            file: file.name.clone(),
            dialect: conv.from.name(),
            lines: file.text.lines().count(),
            bytes: file.text.len(),
        },
        target: TargetInfo {
            dialect: conv.to.name(),
        },
        summary,
        objects,
        action_items,
        notes,
        type_mappings: type_mappings(conv),
        order: order_info(conv),
        effort_model: effort::model_text(),
    }
}

fn location(f: &Finding) -> Option<Location> {
    f.located().then(|| Location {
        file: f.file.clone(),
        line: f.line,
        column: f.column,
        end_line: f.end_line,
        end_column: f.end_column,
    })
}

fn snippet(file: &SourceFile, span: Span) -> Snippet {
    let (first, _) = file.line_col(span.start);
    // A span ending right after a line break ends on the line before.
    let end = if span.end > span.start && file.text.as_bytes().get(span.end - 1) == Some(&b'\n') {
        span.end - 1
    } else {
        span.end
    };
    let (last, _) = file.line_col(end);
    let shown_last = last.min(first + SNIPPET_LINES - 1);
    let text = file
        .lines(first, shown_last)
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect::<Vec<_>>()
        .join("\n");
    Snippet {
        first_line: first,
        text,
        more_lines: last - shown_last,
    }
}

fn type_mappings(conv: &Conversion) -> Vec<TypeMappingUse> {
    type Key = (
        String,
        String,
        String,
        Risk,
        Option<crate::transform::Transform>,
        String,
    );
    let mut uses: BTreeMap<Key, usize> = BTreeMap::new();
    for t in &conv.schema.tables {
        for c in &t.columns {
            if let Some(m) = &c.mapped {
                let key = (
                    c.source_type.to_lowercase(),
                    m.canonical.to_string(),
                    m.target.clone(),
                    m.risk,
                    m.transform,
                    m.origin.clone(),
                );
                *uses.entry(key).or_default() += 1;
            }
        }
    }
    let mut out: Vec<TypeMappingUse> = uses
        .into_iter()
        .map(
            |((source_type, canonical, target_type, risk, transform, origin), columns)| {
                TypeMappingUse {
                    source_type,
                    canonical,
                    target_type,
                    columns,
                    risk,
                    transform,
                    origin,
                }
            },
        )
        .collect();
    // Riskiest first, then most used; ties stay in name order (the map's).
    out.sort_by_key(|u| (std::cmp::Reverse(u.risk), std::cmp::Reverse(u.columns)));
    out
}

fn object_label(conv: &Conversion, o: Object) -> String {
    format!("{} {}", o.kind(), name_of(&conv.schema, o))
}

fn order_info(conv: &Conversion) -> OrderInfo {
    let deferred_foreign_keys = conv
        .schema
        .tables
        .iter()
        .flat_map(|t| {
            t.foreign_keys
                .iter()
                .filter(|fk| fk.deferred_to_post_data)
                .map(move |fk| {
                    format!(
                        "{}({}) -> {}({})",
                        t.name,
                        fk.columns.join(", "),
                        fk.ref_table,
                        fk.ref_columns.join(", ")
                    )
                })
        })
        .collect();
    OrderInfo {
        creation_order: conv
            .order
            .objects
            .iter()
            .map(|o| object_label(conv, *o))
            .collect(),
        cycles: conv.order.cycles.clone(),
        deferred_foreign_keys,
        edges: conv
            .order
            .edges
            .iter()
            .map(|(a, b)| (object_label(conv, *a), object_label(conv, *b)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
    }
}

/// A mapping risk as the mapping files spell it.
pub fn risk_word(r: Risk) -> &'static str {
    match r {
        Risk::None => "none",
        Risk::Lossy => "lossy",
        Risk::Manual => "manual",
    }
}

/// Hours with one decimal, for people.
pub fn hours_text(h: f64) -> String {
    format!("{h:.1} h")
}

/// A rate 0..1 as a whole percentage, never rounding a partial conversion up to 100 %.
pub fn percent(rate: f64) -> String {
    let p = (rate * 100.0).floor();
    format!("{p:.0} %")
}
