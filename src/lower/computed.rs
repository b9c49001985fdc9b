//! SQL Server computed columns, `name AS (expression) [PERSISTED] [NOT NULL]`
//! (<https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-computed-column-definition-transact-sql>).
//! sqlparser cannot read a column without a type, so parse/repair/sqlserver.rs leaves the definition out
//! of the text it parses; here it is read on its own and becomes a generated column. It declares
//! no type: the column gets the type SQL Server gives its expression, by SQL Server's rules
//! (<https://learn.microsoft.com/en-us/sql/t-sql/data-types/data-type-precedence-transact-sql>,
//! <https://learn.microsoft.com/en-us/sql/t-sql/data-types/precision-scale-and-length-transact-sql>),
//! for the expressions whose type ferry can tell; any other stays a manual action with the reason.

use sqlparser::ast::{self, BinaryOperator, Expr, UnaryOperator};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::ir::{Column, Generated, Table};
use crate::source::Span;

/// Why a SQL Server computed column is not converted, one variant per situation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uncomputable {
    /// Its text is not inside the statement's (a span that does not fit).
    TextOutside,
    /// sqlparser cannot read the definition.
    Unreadable(String),
    /// An expression whose SQL Server type ferry does not know.
    UnknownType(String),
    UnknownFunctionType(String),
    NotAColumn(String),
    EmptyName,
    CaseWithoutResults,
    /// A comparison or logical operator: a condition, which SQL Server cannot store.
    Condition(String),
    TextPlusNumber,
    UnknownArithmetic {
        op: String,
        left: String,
        right: String,
    },
    IntegerDivision,
    NoCommonType {
        left: String,
        right: String,
    },
}

impl std::fmt::Display for Uncomputable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Uncomputable::TextOutside => f.write_str("its text is not in the statement"),
            Uncomputable::Unreadable(e) => write!(f, "ferry cannot read it: {e}"),
            Uncomputable::UnknownType(e) => write!(f, "ferry does not know the type of `{e}`"),
            Uncomputable::UnknownFunctionType(name) => {
                write!(f, "ferry does not know the type of function `{name}`")
            }
            Uncomputable::NotAColumn(id) => write!(f, "`{id}` is not a column of the table"),
            Uncomputable::EmptyName => f.write_str("an empty name"),
            Uncomputable::CaseWithoutResults => f.write_str("a CASE without results"),
            Uncomputable::Condition(op) => write!(
                f,
                "a `{op}` expression is a condition, which SQL Server cannot store"
            ),
            Uncomputable::TextPlusNumber => {
                f.write_str("`+` of text and a number converts the text to a number on SQL Server")
            }
            Uncomputable::UnknownArithmetic { op, left, right } => write!(
                f,
                "ferry does not know what `{op}` does to `{left}` and `{right}` values"
            ),
            Uncomputable::IntegerDivision => {
                f.write_str("`/` of two integers truncates on SQL Server but not on every target")
            }
            Uncomputable::NoCommonType { left, right } => write!(
                f,
                "its values are `{left}` or `{right}`, whose common type ferry does not know"
            ),
        }
    }
}

fn no_common_type(a: &Ty, b: &Ty) -> Uncomputable {
    Uncomputable::NoCommonType {
        left: a.spelled(),
        right: b.spelled(),
    }
}

/// The computed column defined at `at` (a file span inside the statement), or why it cannot
/// be converted.
pub fn computed_column(cx: &Ctx, at: Span, table: &Table) -> Result<Column, Uncomputable> {
    let base = cx.raw.span.start;
    let text = at
        .start
        .checked_sub(base)
        .zip(at.end.checked_sub(base))
        .and_then(|(s, e)| cx.raw.text.get(s..e))
        .ok_or(Uncomputable::TextOutside)?;
    let d = cx.dialect.parser();
    let read = Parser::new(&*d).try_with_sql(text).and_then(|mut p| {
        let name = p.parse_identifier()?;
        p.expect_keyword(Keyword::AS)?;
        let expr = p.parse_expr()?;
        let persisted = matches!(&p.peek_token().token,
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("PERSISTED"));
        if persisted {
            p.next_token();
        }
        let not_null = p.parse_keywords(&[Keyword::NOT, Keyword::NULL]);
        Ok((name, expr, persisted, not_null))
    });
    let (name, expr, persisted, not_null) =
        read.map_err(|e| Uncomputable::Unreadable(e.to_string()))?;
    let ty = type_of(&expr, table)?;
    // The definition without its trailing comma, as a column's span is.
    let len = text.trim_end().trim_end_matches(',').trim_end().len();
    let mut c = Column::new(
        cx.ident(&name),
        Span::new(at.start, at.start + len),
        ty.spelled(),
    );
    c.nullable = !not_null;
    c.generated = Some(Generated {
        expr: Box::new(strip_nested(expr)),
        stored: persisted,
    });
    Ok(c)
}

/// The manual action for a computed column that is not converted, with the reason when known.
pub fn computed_column_manual(at: Span, why: Option<&Uncomputable>) -> Diagnostic {
    let message = match why {
        Some(why) => format!("a computed column is left out of the table: {why}"),
        None => "a computed column (AS expression) is left out of the table".to_string(),
    };
    Diagnostic::new(&codes::COMPUTED_COLUMN_MANUAL, message)
        .at(at)
        .help("recreate it on the target as a generated column, or compute it in a view")
}

/// The expression without the parentheses SQL Server's syntax puts around it.
fn strip_nested(e: Expr) -> Expr {
    match e {
        Expr::Nested(inner) => strip_nested(*inner),
        other => other,
    }
}

/// A SQL Server type as far as expression typing needs it.
#[derive(Clone, Debug, PartialEq)]
enum Ty {
    /// tinyint (1), smallint (2), int (3), bigint (4).
    Int(u8),
    Decimal(u32, u32),
    /// money, or smallmoney.
    Money {
        small: bool,
    },
    /// float, or real.
    Float {
        real: bool,
    },
    /// char / varchar (national: nchar / nvarchar); length None is MAX.
    Text {
        national: bool,
        len: Option<u32>,
    },
    /// Any other type, as the source wrote it: the type of a column used on its own.
    Other(String),
}

impl Ty {
    /// From a column's source type (lower case, as lowering records it).
    fn of_source(t: &str) -> Ty {
        let (base, params) = match t.split_once('(') {
            Some((b, rest)) => (b.trim(), rest.trim_end_matches(')')),
            None => (t.trim(), ""),
        };
        let nums: Vec<Option<u32>> = params
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| p.trim().parse().ok())
            .collect();
        let first = nums.first().copied();
        match base {
            "tinyint" => Ty::Int(1),
            "smallint" => Ty::Int(2),
            "int" | "integer" => Ty::Int(3),
            "bigint" => Ty::Int(4),
            "decimal" | "numeric" | "dec" => match nums.as_slice() {
                [] => Ty::Decimal(18, 0),
                [Some(p)] => Ty::Decimal(*p, 0),
                [Some(p), Some(s)] => Ty::Decimal(*p, *s),
                _ => Ty::Other(t.to_string()),
            },
            "money" => Ty::Money { small: false },
            "smallmoney" => Ty::Money { small: true },
            "float" => Ty::Float {
                real: first.flatten().is_some_and(|n| n <= 24),
            },
            "real" => Ty::Float { real: true },
            "char" | "varchar" | "nchar" | "nvarchar" => Ty::Text {
                national: base.starts_with('n'),
                len: match first {
                    None => Some(1),
                    Some(n) => n,
                },
            },
            _ => Ty::Other(t.to_string()),
        }
    }

    /// The type as SQL Server spells it, for the mapping.
    fn spelled(&self) -> String {
        match self {
            Ty::Int(1) => "tinyint".into(),
            Ty::Int(2) => "smallint".into(),
            Ty::Int(3) => "int".into(),
            Ty::Int(_) => "bigint".into(),
            Ty::Decimal(p, s) => format!("decimal({p},{s})"),
            Ty::Money { small: false } => "money".into(),
            Ty::Money { small: true } => "smallmoney".into(),
            Ty::Float { real: false } => "float".into(),
            Ty::Float { real: true } => "real".into(),
            Ty::Text { national, len } => {
                let n = if *national { "n" } else { "" };
                match len {
                    Some(l) => format!("{n}varchar({l})"),
                    None => format!("{n}varchar(max)"),
                }
            }
            Ty::Other(t) => t.clone(),
        }
    }

    /// (national, length) of a text type.
    fn text(&self) -> Option<(bool, Option<u32>)> {
        match self {
            Ty::Text { national, len } => Some((*national, *len)),
            _ => None,
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(
            self,
            Ty::Int(_) | Ty::Decimal(..) | Ty::Money { .. } | Ty::Float { .. }
        )
    }

    /// The exact decimal that holds every value of a numeric type.
    fn as_decimal(&self) -> Option<(u32, u32)> {
        match self {
            Ty::Int(1) => Some((3, 0)),
            Ty::Int(2) => Some((5, 0)),
            Ty::Int(3) => Some((10, 0)),
            Ty::Int(_) => Some((19, 0)),
            Ty::Decimal(p, s) => Some((*p, *s)),
            Ty::Money { small: false } => Some((19, 4)),
            Ty::Money { small: true } => Some((10, 4)),
            _ => None,
        }
    }
}

/// The type SQL Server gives an expression over the table's columns.
fn type_of(e: &Expr, table: &Table) -> Result<Ty, Uncomputable> {
    match e {
        Expr::Nested(inner) => type_of(inner, table),
        Expr::Identifier(id) => column_type(id, table),
        Expr::CompoundIdentifier(ids) => {
            column_type(ids.last().ok_or(Uncomputable::EmptyName)?, table)
        }
        Expr::Value(v) => literal_type(&v.value),
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => {
            let t = type_of(expr, table)?;
            if t.is_numeric() {
                Ok(t)
            } else {
                Err(Uncomputable::UnknownType(e.to_string()))
            }
        }
        Expr::BinaryOp { left, op, right } => {
            binary_type(op, type_of(left, table)?, type_of(right, table)?)
        }
        Expr::Case {
            operand: _,
            conditions,
            else_result,
            ..
        } => {
            let mut results = conditions
                .iter()
                .map(|w| &w.result)
                .chain(else_result.as_deref());
            let first = results.next().ok_or(Uncomputable::CaseWithoutResults)?;
            results.try_fold(type_of(first, table)?, |acc, r| {
                union_type(acc, type_of(r, table)?)
            })
        }
        Expr::Function(f) => function_type(f, table),
        // CAST and CONVERT are of the type they name; a character type without a length is 30
        // long there (https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql).
        Expr::Cast { data_type, .. }
        | Expr::Convert {
            data_type: Some(data_type),
            ..
        } => {
            let spelled = data_type.to_string().to_lowercase();
            let text = ["char", "varchar", "nchar", "nvarchar"].contains(&spelled.as_str());
            Ok(Ty::of_source(&if text {
                format!("{spelled}(30)")
            } else {
                spelled
            }))
        }
        _ => Err(Uncomputable::UnknownType(e.to_string())),
    }
}

fn column_type(id: &ast::Ident, table: &Table) -> Result<Ty, Uncomputable> {
    table
        .column(&id.value)
        .map(|c| Ty::of_source(&c.source_type))
        .ok_or_else(|| Uncomputable::NotAColumn(id.to_string()))
}

fn literal_type(v: &ast::Value) -> Result<Ty, Uncomputable> {
    let len = |s: &str| u32::try_from(s.chars().count().max(1)).ok();
    match v {
        ast::Value::Number(n, _) if n.contains(['e', 'E']) => Ok(Ty::Float { real: false }),
        ast::Value::Number(n, _) => {
            let (int, frac) = n.split_once('.').unwrap_or((n, ""));
            let int = int.trim_start_matches(['0', '-', '+']);
            if frac.is_empty() && n.parse::<i32>().is_ok() {
                return Ok(Ty::Int(3));
            }
            let digits = |s: &str| u32::try_from(s.len()).unwrap_or(u32::MAX);
            let s = digits(frac);
            Ok(Ty::Decimal((digits(int) + s).clamp(1, 38), s.min(38)))
        }
        ast::Value::SingleQuotedString(s) => Ok(Ty::Text {
            national: false,
            len: len(s),
        }),
        ast::Value::NationalStringLiteral(s) => Ok(Ty::Text {
            national: true,
            len: len(s),
        }),
        other => Err(Uncomputable::UnknownType(other.to_string())),
    }
}

/// SQL Server's result of `a op b`.
fn binary_type(op: &BinaryOperator, a: Ty, b: Ty) -> Result<Ty, Uncomputable> {
    use BinaryOperator::*;
    if !matches!(op, Plus | Minus | Multiply | Divide | Modulo) {
        return Err(Uncomputable::Condition(op.to_string()));
    }
    match (&a, &b) {
        (Ty::Text { .. }, Ty::Text { .. }) if *op == Plus => Ok(concat_type(&a, &b)),
        (Ty::Text { .. }, _) | (_, Ty::Text { .. }) if *op == Plus => {
            Err(Uncomputable::TextPlusNumber)
        }
        _ if a.is_numeric() && b.is_numeric() => numeric_type(op, &a, &b),
        _ => Err(Uncomputable::UnknownArithmetic {
            op: op.to_string(),
            left: a.spelled(),
            right: b.spelled(),
        }),
    }
}

/// Concatenation: nvarchar when either side is, the lengths added (MAX past 8000 bytes).
fn concat_type(a: &Ty, b: &Ty) -> Ty {
    let Some(((na, la), (nb, lb))) = a.text().zip(b.text()) else {
        return Ty::Text {
            national: true,
            len: None,
        };
    };
    let national = na || nb;
    let limit = if national { 4000 } else { 8000 };
    let len = la.zip(lb).map(|(x, y)| x + y).filter(|n| *n <= limit);
    Ty::Text { national, len }
}

/// Arithmetic on two numbers: the operand of higher precedence decides; two exact decimals give
/// the precision and scale of SQL Server's table.
fn numeric_type(op: &BinaryOperator, a: &Ty, b: &Ty) -> Result<Ty, Uncomputable> {
    use BinaryOperator::*;
    let float = |t: &Ty| matches!(t, Ty::Float { .. });
    if float(a) || float(b) {
        let real = [a, b]
            .iter()
            .all(|t| matches!(t, Ty::Float { real: true }) || !float(t));
        return Ok(Ty::Float { real });
    }
    if let (Ty::Int(x), Ty::Int(y)) = (a, b) {
        if *op == Divide {
            return Err(Uncomputable::IntegerDivision);
        }
        return Ok(Ty::Int(*x.max(y)));
    }
    let decimal = |t: &Ty| matches!(t, Ty::Decimal(..));
    if !decimal(a) && !decimal(b) {
        // money or smallmoney with an integer or with money.
        let small = [a, b]
            .iter()
            .all(|t| matches!(t, Ty::Money { small: true } | Ty::Int(_)));
        return Ok(Ty::Money { small });
    }
    let ((p1, s1), (p2, s2)) = a
        .as_decimal()
        .zip(b.as_decimal())
        .ok_or_else(|| no_common_type(a, b))?;
    // Integral digits; a scale above the precision is the source's error, read as none.
    let (i1, i2) = (p1.saturating_sub(s1), p2.saturating_sub(s2));
    let (p, s) = match op {
        Plus | Minus => {
            let s = s1.max(s2);
            (s + i1.max(i2) + 1, s)
        }
        Multiply => (p1 + p2 + 1, s1 + s2),
        Divide => {
            let s = 6.max(s1 + p2 + 1);
            (i1 + s2 + s, s)
        }
        _ => {
            let s = s1.max(s2);
            (i1.min(i2) + s, s)
        }
    };
    Ok(capped_decimal(p, s))
}

/// Precision past 38 is cut to 38, and the scale with it, keeping the integral digits and at
/// least six decimals (or the scale, when smaller).
fn capped_decimal(p: u32, s: u32) -> Ty {
    if p <= 38 {
        return Ty::Decimal(p, s);
    }
    let int = p - s;
    let s = s.min(6).max(38u32.saturating_sub(int)).min(s);
    Ty::Decimal(38, s)
}

/// The type of a value that is either of two (CASE branches, COALESCE arguments).
fn union_type(a: Ty, b: Ty) -> Result<Ty, Uncomputable> {
    match (&a, &b) {
        _ if a == b => Ok(a),
        _ if a.text().is_some() && b.text().is_some() => {
            let ((na, la), (nb, lb)) = a
                .text()
                .zip(b.text())
                .ok_or_else(|| no_common_type(&a, &b))?;
            Ok(Ty::Text {
                national: na || nb,
                len: la.zip(lb).map(|(x, y)| x.max(y)),
            })
        }
        // Two exact numbers, one a decimal: the integral digits and the scale of the wider.
        (Ty::Decimal(..), _) | (_, Ty::Decimal(..)) if a.is_numeric() && b.is_numeric() => {
            match a.as_decimal().zip(b.as_decimal()) {
                Some(((p1, s1), (p2, s2))) => {
                    let s = s1.max(s2);
                    Ok(capped_decimal(
                        p1.saturating_sub(s1).max(p2.saturating_sub(s2)) + s,
                        s,
                    ))
                }
                None => Ok(Ty::Float { real: false }),
            }
        }
        // Otherwise the one of higher precedence, as arithmetic would give.
        _ if a.is_numeric() && b.is_numeric() => numeric_type(&BinaryOperator::Plus, &a, &b),
        _ => Err(no_common_type(&a, &b)),
    }
}

/// The few functions whose result type ferry knows and that re-print on every target.
fn function_type(f: &ast::Function, table: &Table) -> Result<Ty, Uncomputable> {
    let name = f.name.to_string().to_ascii_lowercase();
    let args = crate::parse::sql::call_args(f);
    let unknown = || Uncomputable::UnknownFunctionType(f.name.to_string());
    match (name.as_str(), args.as_slice()) {
        // ISNULL takes the type of its first argument; COALESCE that of highest precedence.
        ("isnull", [a, b]) => {
            let (ta, tb) = (type_of(a, table)?, type_of(b, table)?);
            union_type(ta.clone(), tb)?;
            Ok(ta)
        }
        ("coalesce", [first, rest @ ..]) if !rest.is_empty() => {
            rest.iter().try_fold(type_of(first, table)?, |acc, e| {
                union_type(acc, type_of(e, table)?)
            })
        }
        ("upper" | "lower" | "ltrim" | "rtrim", [a]) => match type_of(a, table)? {
            t @ Ty::Text { .. } => Ok(t),
            _ => Err(unknown()),
        },
        ("abs", [a]) => match type_of(a, table)? {
            t if t.is_numeric() => Ok(t),
            _ => Err(unknown()),
        },
        _ => Err(unknown()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(expr: &str, columns: &[(&str, &str)]) -> Result<String, String> {
        let typed = |e: &Expr, t: &Table| type_of(e, t).map_err(|e| e.to_string());
        let mut t = Table::new(crate::ir::Name::bare("t"), Span::new(0, 0));
        for (n, ty) in columns {
            t.columns.push(Column::new(*n, Span::new(0, 0), *ty));
        }
        let d = sqlparser::dialect::MsSqlDialect {};
        let e = Parser::new(&d)
            .try_with_sql(expr)
            .and_then(|mut p| p.parse_expr())
            .map_err(|e| e.to_string())?;
        typed(&e, &t).map(|t| t.spelled())
    }

    #[test]
    fn sql_server_result_types() {
        let cols = [
            ("q", "smallint"),
            ("p", "decimal(10,2)"),
            ("d", "decimal(4,3)"),
            ("m", "money"),
            ("f", "float"),
            ("a", "nvarchar(40)"),
            ("b", "varchar(10)"),
            ("c", "varchar(max)"),
            ("t", "datetime"),
        ];
        assert_eq!(ty("q * p", &cols), Ok("decimal(16,2)".into()));
        assert_eq!(ty("p + d", &cols), Ok("decimal(12,3)".into()));
        assert_eq!(ty("p / d", &cols), Ok("decimal(18,7)".into()));
        assert_eq!(ty("m * 2", &cols), Ok("money".into()));
        assert_eq!(ty("f * p", &cols), Ok("float".into()));
        assert_eq!(ty("q + 1", &cols), Ok("int".into()));
        assert_eq!(ty("a + N' ' + b", &cols), Ok("nvarchar(51)".into()));
        assert_eq!(ty("b + c", &cols), Ok("varchar(max)".into()));
        assert_eq!(ty("isnull(d, 0)", &cols), Ok("decimal(4,3)".into()));
        assert_eq!(
            ty("CASE WHEN q > 1 THEN 'ab' ELSE 'c' END", &cols),
            Ok("varchar(2)".into())
        );
        assert_eq!(ty("t", &cols), Ok("datetime".into()));
        // Decimals past 38 digits keep the integral part.
        assert_eq!(ty("p * p * p * p * p", &cols), Ok("decimal(38,6)".into()));
        assert_eq!(ty("CAST(q AS bigint) * 2", &cols), Ok("bigint".into()));
        assert_eq!(
            ty("isnull(b, 'x') + '-' + CONVERT(varchar(10), q)", &cols),
            Ok("varchar(21)".into())
        );
        assert_eq!(ty("CAST(q AS nvarchar)", &cols), Ok("nvarchar(30)".into()));
        assert_eq!(
            ty("CONVERT(decimal(8,2), q)", &cols),
            Ok("decimal(8,2)".into())
        );
        assert!(ty("q / q", &cols).is_err());
        assert!(ty("a + q", &cols).is_err());
        assert!(ty("t + 1", &cols).is_err());
        assert!(ty("datepart(year, t)", &cols).is_err());
        assert!(ty("x + 1", &cols).is_err());
    }
}
