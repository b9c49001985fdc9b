//! Why an expression or a view's query is not printed for the target (`expr.rs`), one variant
//! per situation. The emitter leaves the object out and its diagnostic says `Display`'s text.

use std::fmt;

use crate::dialect::Dialect;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A MySQL operator whose meaning differs elsewhere (`expr::mysql_operator`).
    MysqlOperator(&'static str),
    /// A selected column neither grouped nor aggregated (MySQL's loose GROUP BY).
    LooseGroupBy {
        column: String,
    },
    FetchFirst,
    LimitBy,
    LimitNotANumber,
    /// What the target's file (`targets/`) says it cannot write, with the vendor's reason.
    TargetLacks(&'static str),
    RowLimitNeedsOrderBy,
    ViewOrderWithoutTop,
    UsingJoin,
    NoBooleanLiteral(Dialect),
    EmptyStringIsNull,
    TextLiteralOnOracle,
    TextComparedWithNumber(Dialect),
    /// `+` of two texts, bound for a target whose concatenation treats NULL differently.
    PlusOfTexts,
    /// `+` with a text operand between SQL Server and another engine.
    PlusOnText,
    /// `||` bound for SQL Server from a source whose operands are not known texts.
    NoConcatOperator,
    ConcatArguments,
    ConcatTwoOrMore,
    RoundNeedsDigits,
    OraclePseudoColumn(String),
    NewerPostgres(String),
    /// A text or boolean column compared with a number, or text in arithmetic, which
    /// PostgreSQL does not cast implicitly.
    NoImplicitCast {
        column: String,
        kind: &'static str,
        used: &'static str,
    },
    /// A call of a routine the script defines (routines are not emitted).
    CallsScriptRoutine(String),
    /// `||` bound for MySQL, where it is a logical OR.
    OrIsConcat,
    UnknownFunction {
        name: String,
        target: Dialect,
    },
    Cast(String),
    Convert,
    /// A view over a view that is not converted.
    ReadsLeftOutView(String),
    /// A view reading a catalog of the source engine.
    ReadsCatalog {
        relation: String,
        source: Dialect,
    },
    /// A view reading a relation the script does not create.
    ReadsUndefined(String),
    NoPartialIndexes(Dialect),
    /// An expression kind with no conversion (INTERVAL, EXTRACT, AT TIME ZONE), as printed.
    NotConverted(String),
    /// What the procedural conversion (`emit/routine/`) says, a sentence.
    Procedural(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::MysqlOperator(why) | Refusal::TargetLacks(why) => f.write_str(why),
            Refusal::LooseGroupBy { column } => write!(
                f,
                "`{column}` is selected but neither grouped nor aggregated (MySQL's loose GROUP BY)"
            ),
            Refusal::FetchFirst => f.write_str("FETCH FIRST in the source is not converted"),
            Refusal::LimitBy => f.write_str("LIMIT ... BY is not converted"),
            Refusal::LimitNotANumber => {
                f.write_str("a row limit that is not a number is not converted")
            }
            Refusal::RowLimitNeedsOrderBy => f.write_str(
                "SQL Server limits rows with OFFSET ... FETCH only after an ORDER BY",
            ),
            Refusal::ViewOrderWithoutTop => {
                f.write_str("SQL Server takes ORDER BY in a view only with TOP")
            }
            Refusal::UsingJoin => f.write_str("SQL Server has no JOIN ... USING or NATURAL JOIN"),
            Refusal::NoBooleanLiteral(to) => write!(f, "{to} has no boolean literal in SQL"),
            Refusal::EmptyStringIsNull => f.write_str("Oracle reads the empty string '' as NULL"),
            Refusal::TextLiteralOnOracle => f.write_str(
                "a text literal compared with a column that is not text converts by the session's format on Oracle",
            ),
            Refusal::TextComparedWithNumber(to) => write!(
                f,
                "a text column compared with a number fails on {to} for text that is not a number"
            ),
            Refusal::PlusOfTexts => f.write_str(
                "`+` of texts is NULL when either is NULL on SQL Server; Oracle's || reads NULL as ''",
            ),
            Refusal::PlusOnText => {
                f.write_str("`+` on text concatenates on SQL Server and adds elsewhere")
            }
            Refusal::NoConcatOperator => f.write_str(
                "SQL Server has no || operator, and its + concatenates only two texts",
            ),
            Refusal::ConcatArguments => f.write_str("concat() takes plain arguments here"),
            Refusal::ConcatTwoOrMore => {
                f.write_str("concat() takes two or more plain arguments here")
            }
            Refusal::RoundNeedsDigits => f.write_str("SQL Server's ROUND needs the number of digits"),
            Refusal::OraclePseudoColumn(name) => {
                write!(f, "Oracle's `{name}` has no equivalent that ferry vouches for")
            }
            Refusal::NewerPostgres(name) => write!(
                f,
                "function `{name}` needs a newer PostgreSQL than 15, which ferry targets"
            ),
            Refusal::NoImplicitCast { column, kind, used } => write!(
                f,
                "`{column}` is {kind} and is {used}, which PostgreSQL does not cast implicitly"
            ),
            Refusal::CallsScriptRoutine(name) => write!(
                f,
                "it calls `{name}`, which the script defines and ferry does not convert"
            ),
            Refusal::OrIsConcat => {
                f.write_str("`||` concatenates strings here but is a logical OR on MySQL")
            }
            Refusal::UnknownFunction { name, target } => {
                write!(f, "function `{name}` has no known equivalent on {target}")
            }
            Refusal::Cast(ty) => write!(f, "cast to `{ty}` is not converted"),
            Refusal::Convert => f.write_str("CONVERT(...) is not converted"),
            Refusal::NotConverted(e) => write!(f, "`{e}` is not converted"),
            Refusal::Procedural(why) => f.write_str(why),
            Refusal::ReadsLeftOutView(dep) => {
                write!(f, "it selects from view `{dep}`, which is not converted")
            }
            Refusal::ReadsCatalog { relation, source } => {
                write!(f, "it reads `{relation}`, a catalog of {source}")
            }
            Refusal::ReadsUndefined(relation) => write!(
                f,
                "it selects from `{relation}`, which the script does not create"
            ),
            Refusal::NoPartialIndexes(to) => write!(f, "{} has no partial indexes", to.title()),
        }
    }
}

impl std::error::Error for Refusal {}
