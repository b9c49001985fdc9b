//! Counts of objects read and how each ended: converted, converted with warnings, or needing
//! manual action. An object's status is the worst diagnostic that names it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::{Diagnostic, Severity};
use crate::ir::Schema;
use crate::lower::Stats;

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct KindCounts {
    pub read: usize,
    pub converted: usize,
    pub with_warnings: usize,
    pub manual: usize,
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
    let mut worst: BTreeMap<&str, Severity> = BTreeMap::new();
    for d in diags {
        if let Some(o) = &d.object {
            let e = worst.entry(o.as_str()).or_insert(Severity::Note);
            *e = (*e).max(d.severity());
        }
    }
    let mut s = Summary {
        statements: stats.statements,
        skipped_statements: stats.noise_skipped + stats.data_skipped,
        parse_errors: stats.parse_errors,
        ..Summary::default()
    };
    let mut add = |kind: &'static str, key: String| {
        let c = s.objects.entry(kind).or_default();
        c.read += 1;
        match worst.get(key.as_str()).copied().unwrap_or(Severity::Note) {
            Severity::Note => c.converted += 1,
            Severity::Warning => c.with_warnings += 1,
            Severity::Manual | Severity::Error => c.manual += 1,
        }
    };
    for t in &schema.tables {
        add("table", format!("table {}", t.name));
    }
    for v in &schema.views {
        add("view", format!("view {}", v.name));
    }
    for q in &schema.sequences {
        add("sequence", format!("sequence {}", q.name));
    }
    for e in &schema.enums {
        add("type", format!("type {}", e.name));
    }
    for r in &schema.routines {
        add(r.kind.as_str(), format!("{} {}", r.kind.as_str(), r.name));
    }
    for d in diags {
        *s.diagnostics.entry(d.code.id).or_default() += 1;
    }
    s
}
