//! One `Diagnostic` type for the whole pipeline, kept apart from how it is rendered.
//!
//! Every stage returns `(T, Vec<Diagnostic>)`; only the CLI turns diagnostics into an exit code.
//! Codes and their explanations are data, in `codes.rs`.

pub mod codes;
pub mod group;
pub mod render;

pub use codes::Code;
use serde::Serialize;

use crate::source::Span;

/// How bad a finding is. The order matters: later is worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Information: something was done that the user may want to know about.
    Note,
    /// Converted, but with a risk (a lossy type, a dropped attribute).
    Warning,
    /// Not converted: a person has to do it (routines, triggers, unsupported constructs).
    Manual,
    /// The input could not be read (a parse error, a bad mapping file).
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Manual => "manual",
            Severity::Error => "error",
        }
    }
}

/// A finding about the source, located at a span of the source text.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    pub code: &'static Code,
    pub message: String,
    /// Where in the source; `None` for findings about the whole file or about a mapping file.
    pub span: Option<Span>,
    /// Secondary places with a message each.
    pub labels: Vec<(Span, String)>,
    pub notes: Vec<String>,
    /// What the user should do.
    pub help: Option<String>,
    /// The object it speaks about, e.g. `table film`; used to count objects by status.
    pub object: Option<String>,
}

impl Diagnostic {
    /// The same finding about a text that holds the one it was made on at `offset`.
    pub fn shifted(mut self, offset: usize) -> Diagnostic {
        self.span = self.span.map(|s| s.shift(offset));
        for (span, _) in &mut self.labels {
            *span = span.shift(offset);
        }
        self
    }

    pub fn new(code: &'static Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            span: None,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            object: None,
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push((span, message.into()));
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn object(mut self, object: impl Into<String>) -> Diagnostic {
        self.object = Some(object.into());
        self
    }
}
