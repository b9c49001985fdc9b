//! The effort model: how long a person needs for each finding, and how much work each object
//! would be to convert by hand, printed in every report and in the README. The class of each
//! diagnostic code is declared with the code, in `diag::codes`; this module turns classes into hours.
//!
//! The classes follow the shape of AWS SCT's action-item complexity (simple / medium / complex)
//! and ora2pg's migration units (a fixed cost per object kind, more for code, scaled by size):
//! https://docs.aws.amazon.com/SchemaConversionTool/latest/userguide/CHAP_AssessmentReport.html
//! https://ora2pg.darold.net/documentation.html#Migration-cost-assessment

use crate::diag::Code;

pub use crate::diag::Complexity;

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

/// The class (declared with the code, in `diag::codes`) and the hours of one finding; `lines` is the size of the source it points at
/// (routines cost more the longer they are).
pub fn estimate(code: &Code, lines: usize) -> (Complexity, f64) {
    let class = code.effort;
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

    #[test]
    fn routines_cost_by_size() {
        let code = &crate::diag::codes::ROUTINE_MANUAL;
        assert_eq!(estimate(code, 30), (Complexity::Complex, 8.0));
        assert_eq!(estimate(code, 250), (Complexity::Complex, 24.0));
        assert_eq!(estimate(&crate::diag::codes::TYPE_LOSSY, 1).1, 0.1);
    }
}
