//! Column defaults, normalised: mapping guards and emitters test meaning, never raw text
//! (pgloader #1359: a guard comparing `current_timestamp` text missed `current_timestamp(1)`).

use sqlparser::ast::{self, Expr};

use crate::ir::{Default, Name};

pub fn lower_default(e: &Expr) -> Default {
    match e {
        Expr::Nested(inner) => lower_default(inner),
        // `'G'::mpaa_rating`, `0::numeric`: a literal with a cast keeps its literal.
        Expr::Cast { expr, .. } if matches!(**expr, Expr::Value(_)) => lower_default(expr),
        Expr::Value(v) => match &v.value {
            ast::Value::Null => Default::Null,
            ast::Value::Number(n, _) => Default::Number(n.clone()),
            ast::Value::Boolean(b) => Default::Bool(*b),
            // SQL Server's N'...' is a Unicode string; every target stores text as Unicode.
            ast::Value::SingleQuotedString(s)
            | ast::Value::DoubleQuotedString(s)
            | ast::Value::NationalStringLiteral(s) => {
                if is_zero_date(s) {
                    Default::ZeroDate(s.clone())
                } else {
                    Default::String(s.clone())
                }
            }
            _ => Default::Expr(Box::new(e.clone())),
        },
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match lower_default(expr) {
            Default::Number(n) => Default::Number(format!("-{n}")),
            _ => Default::Expr(Box::new(e.clone())),
        },
        Expr::Function(f) => {
            function_default(f).unwrap_or_else(|| Default::Expr(Box::new(e.clone())))
        }
        // `CURRENT_TIMESTAMP` may also come through as a bare identifier.
        Expr::Identifier(id) if id.quote_style.is_none() => {
            match id.value.to_ascii_uppercase().as_str() {
                // Oracle's SYSDATE and SYSTIMESTAMP are the time now too
                // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/SYSDATE.html).
                "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" | "SYSDATE" | "SYSTIMESTAMP" => {
                    Default::CurrentTimestamp { precision: None }
                }
                "CURRENT_DATE" => Default::CurrentDate,
                "CURRENT_TIME" | "LOCALTIME" => Default::CurrentTime,
                "TRUE" => Default::Bool(true),
                "FALSE" => Default::Bool(false),
                _ => Default::Expr(Box::new(e.clone())),
            }
        }
        _ => Default::Expr(Box::new(e.clone())),
    }
}

fn is_zero_date(s: &str) -> bool {
    s.starts_with("0000-00-00")
}

fn function_default(f: &ast::Function) -> Option<Default> {
    let name = f.name.to_string().to_ascii_lowercase();
    let args = crate::parse::sql::call_args(f);
    let precision = args
        .first()
        .and_then(|e| super::expr_i64(e))
        .and_then(|v| u64::try_from(v).ok());
    match name.as_str() {
        "current_timestamp" | "now" | "localtimestamp" | "transaction_timestamp" => {
            Some(Default::CurrentTimestamp { precision })
        }
        // SQL Server (https://learn.microsoft.com/en-us/sql/t-sql/functions/getdate-transact-sql).
        "getdate" | "sysdatetime" => Some(Default::CurrentTimestamp { precision: None }),
        "current_date" | "curdate" => Some(Default::CurrentDate),
        "current_time" | "curtime" | "localtime" => Some(Default::CurrentTime),
        // SQLite: datetime('now'), CURRENT_TIMESTAMP's spelled-out twin.
        "datetime" if args.len() == 1 && is_now_literal(args[0]) => {
            Some(Default::CurrentTimestamp { precision: None })
        }
        "date" if args.len() == 1 && is_now_literal(args[0]) => Some(Default::CurrentDate),
        "nextval" => {
            let seq = match args.first()? {
                Expr::Cast { expr, .. } => literal_string(expr)?,
                // SQL Server's NEXT VALUE FOR, as parse/sql.rs rewrites it.
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) => args.first()?.to_string(),
                other => literal_string(other)?,
            };
            let mut parts: Vec<&str> = seq.split('.').collect();
            let name = parts.pop()?.trim_matches(['"', '[', ']']).to_string();
            let schema = parts
                .pop()
                .map(|s| s.trim_matches(['"', '[', ']']).to_string());
            Some(Default::NextVal(Name::new(schema, name)))
        }
        _ => None,
    }
}

fn literal_string(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn is_now_literal(e: &Expr) -> bool {
    literal_string(e).is_some_and(|s| s.eq_ignore_ascii_case("now"))
}
