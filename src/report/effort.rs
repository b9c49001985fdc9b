//! The effort model: how long a person needs for each finding, and how much work each object
//! would be to convert by hand. Data, printed in every report and in the README.
//!
//! The classes follow the shape of AWS SCT's action-item complexity (simple / medium / complex)
//! and ora2pg's migration units (a fixed cost per object kind, more for code, scaled by size):
//! https://docs.aws.amazon.com/SchemaConversionTool/latest/userguide/CHAP_AssessmentReport.html
//! https://ora2pg.darold.net/documentation.html#Migration-cost-assessment

use serde::Serialize;

use crate::diag::Code;

/// How hard one action item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Complexity {
    /// Nothing to do: information only.
    None,
    /// Read it and confirm: a lossy type, a dropped attribute, a changed default.
    Trivial,
    /// A small edit by hand: a column type, a default, an index.
    Simple,
    /// Rewrite one statement: a view's query, an unsupported statement, an unreadable one.
    Medium,
    /// Rewrite and test procedural code: a routine or trigger.
    Complex,
}

impl Complexity {
    pub const ALL: [Complexity; 5] = [
        Complexity::None,
        Complexity::Trivial,
        Complexity::Simple,
        Complexity::Medium,
        Complexity::Complex,
    ];

    /// Hours of one item of this class (for Complex: per started 100 lines of code).
    pub fn hours(self) -> f64 {
        match self {
            Complexity::None => 0.0,
            Complexity::Trivial => 0.1,
            Complexity::Simple => 0.5,
            Complexity::Medium => 2.0,
            Complexity::Complex => 8.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Complexity::None => "none",
            Complexity::Trivial => "trivial",
            Complexity::Simple => "simple",
            Complexity::Medium => "medium",
            Complexity::Complex => "complex",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Complexity::None => "information only, nothing to do",
            Complexity::Trivial => "read the finding and confirm the data allows it",
            Complexity::Simple => "a small edit by hand (a column type, a default, an index)",
            Complexity::Medium => {
                "rewrite one statement for the target (a view, an unsupported statement)"
            }
            Complexity::Complex => "rewrite and test procedural code; per started 100 lines",
        }
    }
}

/// Per diagnostic code: its class and what ferry did about it. Every code in
/// `diag::codes::ALL` has a row (a test checks it).
pub static RULES: &[(&str, Complexity, &str)] = &[
    (
        "F0001",
        Complexity::Medium,
        "left the statement out of the output",
    ),
    (
        "F0002",
        Complexity::Medium,
        "left the unfinished text out of the output",
    ),
    (
        "F0003",
        Complexity::None,
        "skipped the statement: it carries no schema",
    ),
    (
        "F0004",
        Complexity::None,
        "inferred the source dialect from the file's header",
    ),
    (
        "F1001",
        Complexity::Medium,
        "left the statement out of the output",
    ),
    (
        "F1002",
        Complexity::Complex,
        "kept the code out of the output; its text is in the source",
    ),
    (
        "F1003",
        Complexity::Medium,
        "left the view out of the output",
    ),
    (
        "F1004",
        Complexity::Simple,
        "emitted the column with the rule's fallback type",
    ),
    (
        "F1005",
        Complexity::Simple,
        "left the index or constraint out of the output",
    ),
    (
        "F1006",
        Complexity::Simple,
        "emitted the column without its default",
    ),
    (
        "F1007",
        Complexity::Simple,
        "left the computed column out of its table",
    ),
    (
        "F1008",
        Complexity::Simple,
        "left the object that refers to an edited column out of the output",
    ),
    (
        "F2001",
        Complexity::Trivial,
        "converted the column to a type that may not hold every value",
    ),
    (
        "F2002",
        Complexity::None,
        "converted the column type (see the note)",
    ),
    ("F2003", Complexity::None, "dropped the attribute"),
    (
        "F2004",
        Complexity::Simple,
        "dropped ON UPDATE, or emulated it with a trigger when asked",
    ),
    (
        "F2005",
        Complexity::None,
        "shortened the name deterministically",
    ),
    (
        "F2012",
        Complexity::Trivial,
        "renamed the later object; code that uses its old name must follow",
    ),
    (
        "F2006",
        Complexity::None,
        "created the tables first and added these foreign keys afterwards",
    ),
    (
        "F2007",
        Complexity::Trivial,
        "changed or dropped the default (the message says how)",
    ),
    (
        "F2008",
        Complexity::Trivial,
        "emitted the object without the part the target cannot say",
    ),
    (
        "F2009",
        Complexity::Trivial,
        "emitted the reference as written",
    ),
    (
        "F2010",
        Complexity::None,
        "converted the auto-increment column to the target's form",
    ),
    ("F2011", Complexity::None, "converted the enumerated type"),
    (
        "F3001",
        Complexity::Simple,
        "stopped: the mapping file must be fixed first",
    ),
    (
        "F3002",
        Complexity::Simple,
        "stopped: the migration configuration must be fixed first",
    ),
];

fn rule(code: &Code) -> (Complexity, &'static str) {
    RULES
        .iter()
        .find(|(id, _, _)| *id == code.id)
        .map_or((Complexity::Medium, "see the message"), |(_, c, did)| {
            (*c, *did)
        })
}

/// What ferry did about a finding of this code.
pub fn ferry_did(code: &Code) -> &'static str {
    rule(code).1
}

/// The class and the hours of one finding; `lines` is the size of the source it points at
/// (routines cost more the longer they are).
pub fn estimate(code: &Code, lines: usize) -> (Complexity, f64) {
    let class = rule(code).0;
    let hours = match class {
        Complexity::Complex => class.hours() * lines.div_ceil(100).max(1) as f64,
        _ => class.hours(),
    };
    (class, hours)
}

/// How many hours an object would take to convert entirely by hand; weighs the conversion rate
/// by effort. `lines` is the size of its source text, `columns` its column count.
pub fn manual_weight(kind: &str, lines: usize, columns: usize) -> f64 {
    match kind {
        "table" => 0.25 + 0.05 * columns as f64,
        "view" | "statement" => Complexity::Medium.hours(),
        "sequence" | "type" => 0.1,
        // functions, procedures, triggers and other code
        _ => Complexity::Complex.hours() * lines.div_ceil(100).max(1) as f64,
    }
}

/// The model as text, for the report and the README.
pub fn model_text() -> Vec<String> {
    let mut out: Vec<String> = Complexity::ALL
        .iter()
        .map(|c| format!("{}: {} h — {}", c.as_str(), c.hours(), c.description()))
        .collect();
    out.push(
        "Conversion rate by effort: each object weighs what converting it by hand would take \
         (table 0.25 h + 0.05 h per column, view or statement 2 h, sequence or type 0.1 h, \
         routine 8 h per started 100 lines); the rate is the weight ferry converted over the total."
            .to_string(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::codes::ALL;

    #[test]
    fn every_code_has_an_effort_rule() {
        for code in ALL {
            assert!(
                RULES.iter().any(|(id, _, _)| *id == code.id),
                "{} has no effort rule in report/effort.rs",
                code.id
            );
        }
        for (id, _, _) in RULES {
            assert!(ALL.iter().any(|c| c.id == *id), "{id} is not a code");
        }
    }

    #[test]
    fn routines_cost_by_size() {
        let code = &crate::diag::codes::ROUTINE_MANUAL;
        assert_eq!(estimate(code, 30), (Complexity::Complex, 8.0));
        assert_eq!(estimate(code, 250), (Complexity::Complex, 24.0));
        assert_eq!(estimate(&crate::diag::codes::TYPE_LOSSY, 1).1, 0.1);
    }
}
