//! What is wrong in a mapping rule file, as values. Each becomes an F3001 diagnostic at the
//! rule's line (`rules.rs`); the message is what `Display` writes.

use std::fmt;

/// A type pattern, a canonical type or a template that does not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternError {
    /// The grammar stopped (`grammar/type_pattern.pest`): what it found, 1-based character.
    Syntax {
        what: String,
        at: usize,
    },
    NumberTooLarge(String),
    VariableTwice(String),
    /// A pattern parameter that is neither a name nor a number.
    BadParameter(String),
    IncompleteCondition,
    ConditionsNeverHold,
    /// `when v ...` about a parameter the pattern does not have.
    NoSuchParameter(String),
    UnknownOperator,
    /// Nothing to read (the grammar matched no type).
    Empty,
    CloseWithoutOpen {
        text: String,
    },
    OpenWithoutClose {
        text: String,
    },
    BadPlaceholder {
        name: String,
        text: String,
    },
    /// A name that is not in the canonical vocabulary (`vocab.rs`).
    NotCanonical(String),
    /// A canonical type with a parameter count it does not take.
    Arity {
        name: String,
        allowed: Vec<usize>,
        given: usize,
    },
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::Syntax { what, at } => write!(f, "{what} at character {at}"),
            PatternError::NumberTooLarge(n) => write!(f, "number `{n}` is too large"),
            PatternError::VariableTwice(v) => write!(f, "variable `{v}` is named twice"),
            PatternError::BadParameter(p) => {
                write!(f, "`{p}`: a pattern parameter is a name or a number")
            }
            PatternError::IncompleteCondition => write!(f, "incomplete condition"),
            PatternError::NoSuchParameter(v) => {
                write!(f, "`when {v}`: the pattern has no parameter `{v}`")
            }
            PatternError::UnknownOperator => write!(f, "unknown operator"),
            PatternError::Empty => write!(f, "empty parse"),
            PatternError::ConditionsNeverHold => {
                write!(f, "the conditions can never hold together")
            }
            PatternError::CloseWithoutOpen { text } => write!(f, "`}}` without `{{` in `{text}`"),
            PatternError::OpenWithoutClose { text } => write!(f, "`{{` without `}}` in `{text}`"),
            PatternError::BadPlaceholder { name, text } => {
                write!(f, "`{{{name}}}` is not a placeholder name in `{text}`")
            }
            PatternError::NotCanonical(name) => write!(
                f,
                "`{name}` is not a canonical type (see mappings/README.md)"
            ),
            PatternError::Arity {
                name,
                allowed,
                given,
            } => {
                let allowed: Vec<String> = allowed.iter().map(usize::to_string).collect();
                write!(
                    f,
                    "canonical type `{name}` takes {} parameter(s), not {given}",
                    allowed.join(" or ")
                )
            }
        }
    }
}

impl std::error::Error for PatternError {}

/// A rule (or an attribute rule) of a mapping file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleError {
    /// The rule's key is not a type pattern.
    BadPattern {
        key: String,
        error: PatternError,
    },
    /// A `[read]` rule's target is not a canonical type.
    BadCanonical {
        to: String,
        error: PatternError,
    },
    /// A template, a canonical name or a parameter count that does not read.
    Pattern(PatternError),
    UnknownFact {
        fact: String,
        key: String,
        known: String,
    },
    NotAString {
        field: &'static str,
    },
    UnknownName {
        what: &'static str,
        name: String,
        known: String,
    },
    UnknownField {
        field: String,
        known: &'static str,
    },
    /// A rule that is neither a string nor a table.
    NotARule,
    NotAnAttributeRule,
    DropNotAList,
    Missing {
        what: &'static str,
        field: &'static str,
    },
    /// `{elem}` in a `[read]` target whose pattern is not an array.
    ElemWithoutArray,
    /// A template names a placeholder its pattern does not bind.
    Unbound {
        to: String,
        var: String,
        key: String,
        hint: &'static str,
    },
    CheckUnbound {
        check: String,
        var: String,
    },
    NoteUnbound {
        var: String,
    },
    UnknownAttribute(String),
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::BadPattern { key, error } => write!(f, "bad type pattern `{key}`: {error}"),
            RuleError::BadCanonical { to, error } => {
                write!(f, "bad canonical type `{to}`: {error}")
            }
            RuleError::Pattern(e) => e.fmt(f),
            RuleError::UnknownFact { fact, key, known } => {
                write!(f, "`with {fact}` in `{key}`: unknown fact (known: {known})")
            }
            RuleError::NotAString { field } => write!(f, "`{field}` must be a string"),
            RuleError::UnknownName { what, name, known } => {
                write!(f, "unknown {what} `{name}` (known: {known})")
            }
            RuleError::UnknownField { field, known } => {
                write!(f, "unknown field `{field}` (known: {known})")
            }
            RuleError::NotARule => {
                write!(f, "a rule is a string or a table `{{ to = \"...\", ... }}`")
            }
            RuleError::NotAnAttributeRule => write!(
                f,
                "an attribute rule is a table `{{ action = \"drop\", note = \"...\" }}`"
            ),
            RuleError::DropNotAList => write!(f, "`drop` must be a list of names"),
            RuleError::Missing { what, field } => write!(f, "{what} has no `{field}`"),
            RuleError::ElemWithoutArray => write!(
                f,
                "`{{elem}}` is the element of an array: the pattern must end in `[]`"
            ),
            RuleError::Unbound { to, var, key, hint } => write!(
                f,
                "`{to}` uses `{{{var}}}` but the pattern `{key}` does not bind it{hint}"
            ),
            RuleError::CheckUnbound { check, var } => write!(
                f,
                "check `{check}` uses `{{{var}}}`, which is not `{{col}}`, `{{values}}` or a pattern variable"
            ),
            RuleError::NoteUnbound { var } => {
                write!(f, "note uses `{{{var}}}` (known: {{charset}}, {{collate}})")
            }
            RuleError::UnknownAttribute(name) => {
                write!(f, "unknown attribute `{name}` (known: charset, collate)")
            }
        }
    }
}

impl std::error::Error for RuleError {}

impl From<PatternError> for RuleError {
    fn from(e: PatternError) -> RuleError {
        RuleError::Pattern(e)
    }
}
