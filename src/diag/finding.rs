//! One finding as the machine-readable outputs print it. `check --format json` prints a list of
//! them, each of the report's action items is one with the report's additions, and SARIF takes
//! its fields from one: a finding is built here, in one place, from a `Diagnostic` and the file
//! it was made on.

use serde::Serialize;

use super::{Diagnostic, ObjectRef, Severity};
use crate::source::SourceFile;

/// A diagnostic with its place resolved to lines and columns. The field names are part of the
/// JSON formats (`check` version 1, the report's `action_items`): add fields, never rename one.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The code's id, `F2001`.
    pub code: &'static str,
    /// The code's name, `type-lossy`.
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The file the finding is about, as it was named on the command line.
    pub file: String,
    /// Where the finding starts and ends, 1-based, columns counting characters; all four are 0
    /// for a finding about the whole file.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The object it speaks about, as `table film`.
    pub object: Option<ObjectRef>,
    /// What the user should do, when the finding says more than its code's explanation.
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Finding {
    pub fn new(file: &SourceFile, d: &Diagnostic) -> Finding {
        let (line, column, end_line, end_column) = d.span.map_or((0, 0, 0, 0), |s| {
            let (line, column) = file.line_col(s.start);
            let (end_line, end_column) = file.line_col(s.end);
            (line, column, end_line, end_column)
        });
        Finding {
            code: d.code.id,
            name: d.code.name,
            severity: d.severity(),
            message: d.message.clone(),
            file: file.name.clone(),
            line,
            column,
            end_line,
            end_column,
            object: d.object.clone(),
            help: d.help.clone(),
            notes: d.notes.clone(),
        }
    }

    /// Whether the finding has a place in the file.
    pub fn located(&self) -> bool {
        self.line > 0
    }

    /// `F1002 routine-manual`: the code and its name.
    pub fn title(&self) -> String {
        format!("{} {}", self.code, self.name)
    }
}
