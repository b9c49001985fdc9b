//! Every object read and how it ended: converted, converted with warnings, or needing manual
//! action. An object's status is the worst diagnostic that names it; a manual-action finding
//! that names no object the IR holds (an unsupported statement, a statement that did not parse)
//! is an object of kind `statement` of its own, so nothing that needs a person goes uncounted.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt, HashSet};

use serde::Serialize;

use crate::diag::{Diagnostic, ObjectKind, ObjectRef, Severity};
use crate::ir::Schema;
use crate::lower::Stats;
use crate::source::Span;

/// How one object ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Converted,
    WithWarnings,
    Manual,
}

impl Status {
    fn of(worst: Severity) -> Status {
        match worst {
            Severity::Note => Status::Converted,
            Severity::Warning => Status::WithWarnings,
            Severity::Manual | Severity::Error => Status::Manual,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Converted => "converted",
            Status::WithWarnings => "with warnings",
            Status::Manual => "manual",
        }
    }
}

/// One object of the source and its status.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectStatus {
    /// `table`, `view`, `sequence`, `type`, `function`, ..., or `statement`.
    pub kind: &'static str,
    /// The name as the source spells it (schema-qualified when it was).
    pub name: String,
    /// The object as diagnostics name it.
    #[serde(skip)]
    pub key: ObjectRef,
    #[serde(skip)]
    pub span: Option<Span>,
    pub status: Status,
}

/// Every object of the schema with its status, in source order per kind.
pub fn objects(schema: &Schema, diags: &[Diagnostic]) -> Vec<ObjectStatus> {
    let mut worst: HashMap<&ObjectRef, Severity> = HashMap::new();
    for d in diags {
        if let Some(o) = &d.object {
            let e = worst.entry(o).or_insert(Severity::Note);
            *e = (*e).max(d.severity());
        }
    }
    let mut out = Vec::new();
    let mut add = |kind: ObjectKind, name: String, span: Span| {
        let key = ObjectRef::new(kind, &name);
        let status = Status::of(worst.get(&key).copied().unwrap_or(Severity::Note));
        out.push(ObjectStatus {
            kind: kind.as_str(),
            name,
            key,
            span: Some(span),
            status,
        });
    };
    for e in &schema.enums {
        add(ObjectKind::Type, e.name.to_string(), e.span);
    }
    for q in &schema.sequences {
        add(ObjectKind::Sequence, q.name.to_string(), q.span);
    }
    for t in &schema.tables {
        add(ObjectKind::Table, t.name.to_string(), t.span);
    }
    for v in &schema.views {
        add(ObjectKind::View, v.name.to_string(), v.span);
    }
    for r in &schema.routines {
        add(r.kind.object_kind(), r.name.to_string(), r.span);
    }
    let mut known: HashSet<ObjectRef> = out.iter().map(|o| o.key.clone()).collect();
    for d in diags.iter().filter(|d| d.severity() >= Severity::Manual) {
        // A finding that names no object stands for its statement, one per place.
        let (name, key) = match &d.object {
            Some(o) => (o.to_string(), o.clone()),
            None => (
                d.message.clone(),
                ObjectRef::new(
                    ObjectKind::Unsupported("statement"),
                    format_args!("{}@{:?}", d.message, d.span),
                ),
            ),
        };
        // One entry per statement: a second finding on the same object is not a second object.
        if !known.insert(key.clone()) {
            continue;
        }
        out.push(ObjectStatus {
            kind: "statement",
            key,
            name,
            span: d.span,
            status: Status::Manual,
        });
    }
    out
}

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct KindCounts {
    pub read: usize,
    pub converted: usize,
    pub with_warnings: usize,
    pub manual: usize,
}

impl KindCounts {
    pub fn add(&mut self, status: Status) {
        self.read += 1;
        match status {
            Status::Converted => self.converted += 1,
            Status::WithWarnings => self.with_warnings += 1,
            Status::Manual => self.manual += 1,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub statements: usize,
    pub skipped_statements: usize,
    pub parse_errors: usize,
    /// Per object kind (`table`, `view`, `index`, ...).
    pub objects: BTreeMap<&'static str, KindCounts>,
    pub diagnostics: BTreeMap<&'static str, usize>,
}

pub fn summarize(schema: &Schema, stats: &Stats, diags: &[Diagnostic]) -> Summary {
    let mut s = Summary {
        statements: stats.statements,
        skipped_statements: stats.noise_skipped + stats.data_skipped,
        parse_errors: stats.parse_errors,
        ..Summary::default()
    };
    for o in objects(schema, diags) {
        s.objects.entry(o.kind).or_default().add(o.status);
    }
    for d in diags {
        *s.diagnostics.entry(d.code.id).or_default() += 1;
    }
    s
}
