//! Renders diagnostics rustc-style with codespan-reporting. Rendering only; no decisions.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config, termcolor};

use super::{Diagnostic, Severity};
use crate::source::SourceFile;

fn to_codespan(d: &Diagnostic) -> CsDiagnostic<()> {
    let severity = match d.severity() {
        Severity::Note => CsSeverity::Note,
        Severity::Warning => CsSeverity::Warning,
        // A manual-action item blocks automatic conversion: shown as an error with a `manual` tag.
        Severity::Manual | Severity::Error => CsSeverity::Error,
    };
    let mut labels = Vec::new();
    if let Some(span) = d.span {
        labels.push(Label::primary((), span.range()));
    }
    for (span, msg) in &d.labels {
        labels.push(Label::secondary((), span.range()).with_message(msg.clone()));
    }
    let mut notes = d.notes.clone();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    let message = match d.severity() {
        Severity::Manual => format!("manual action: {}", d.message),
        _ => d.message.clone(),
    };
    CsDiagnostic::new(severity)
        .with_code(format!("{} {}", d.code.id, d.code.name))
        .with_message(message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders to a plain string (no colour): used by tests and files.
pub fn to_string(file: &SourceFile, diags: &[Diagnostic]) -> String {
    let files = SimpleFile::new(file.name.as_str(), file.text.as_str());
    let config = Config::default();
    let mut out = String::new();
    for d in diags {
        if let Ok(s) = term::emit_into_string(&config, &files, &to_codespan(d)) {
            out.push_str(&s);
        }
    }
    out
}

/// Renders findings into `out` (standard error, in the CLI), grouped unless `every` is set: a
/// group of alike findings (`group.rs`) shows its first few and one line for the rest. Write
/// errors end the rendering (a closed standard error is not worth a panic).
pub fn to_writer(
    out: &mut dyn termcolor::WriteColor,
    file: &SourceFile,
    diags: &[Diagnostic],
    every: bool,
) {
    // Indexing the lines of a large file costs more than the rest of a quiet run's output.
    if diags.is_empty() {
        return;
    }
    let files = SimpleFile::new(file.name.as_str(), file.text.as_str());
    let config = Config::default();
    let mut emit = |d: &CsDiagnostic<()>| term::emit_to_write_style(out, &config, &files, d);
    let groups = if every {
        super::group::each_alone(diags)
    } else {
        super::group::groups(diags)
    };
    for g in groups {
        for &i in g.shown() {
            if emit(&to_codespan(&diags[i])).is_err() {
                return;
            }
        }
        if let Some(line) = super::group::rest_line(diags, &g) {
            let first = &diags[g.members[0]];
            let mut rest = to_codespan(first).with_message(line);
            rest.labels.clear();
            rest.notes.clear();
            if emit(&rest).is_err() {
                return;
            }
        }
    }
}
