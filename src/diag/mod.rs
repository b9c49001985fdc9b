//! One `Diagnostic` type for the whole pipeline, kept apart from how it is rendered.
//!
//! Every stage returns `(T, Vec<Diagnostic>)`; only the CLI turns diagnostics into an exit code.
//! Codes and their explanations are data, in `codes.rs`; `Finding` is a diagnostic as the JSON
//! outputs print it.

pub mod codes;
pub mod finding;
pub mod group;
pub mod render;

pub use codes::Code;
pub use finding::Finding;
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

/// How hard one finding is for a person to act on: each code declares its class (`codes.rs`);
/// `report::effort` turns classes into hours.
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

/// The kind of object a finding or an emitted statement speaks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Schema,
    Table,
    View,
    Sequence,
    /// An enum or composite type.
    Type,
    Domain,
    Extension,
    Index,
    Function,
    Procedure,
    Trigger,
    Aggregate,
    /// A routine of another kind.
    Routine,
    /// A session setting an emitted script makes (`SET check_function_bodies = false`).
    Setting,
    /// A statement kind ferry does not convert (`rule`, `cast`, ...), by the word that names it.
    Unsupported(&'static str),
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Type => "type",
            ObjectKind::Domain => "domain",
            ObjectKind::Extension => "extension",
            ObjectKind::Index => "index",
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Aggregate => "aggregate",
            ObjectKind::Routine => "object",
            ObjectKind::Setting => "setting",
            ObjectKind::Unsupported(word) => word,
        }
    }
}

/// An object of the schema by kind and name. It prints, and serialises, as `table film`, the
/// form the JSON outputs have always had.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: ObjectKind, name: impl std::fmt::Display) -> ObjectRef {
        ObjectRef {
            kind,
            name: name.to_string(),
        }
    }

    pub fn table(name: impl std::fmt::Display) -> ObjectRef {
        ObjectRef::new(ObjectKind::Table, name)
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.name)
    }
}

impl Serialize for ObjectRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
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
    pub object: Option<ObjectRef>,
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

    pub fn object(mut self, object: ObjectRef) -> Diagnostic {
        self.object = Some(object);
        self
    }
}
