//! Column defaults, normalised: mapping guards and emitters test meaning, never raw text
//! (pgloader #1359: a guard comparing `current_timestamp` text missed `current_timestamp(1)`).

use sqlparser::ast::{self, Expr};

use crate::dialect::Dialect;
use crate::ir::{Default, Name};

/// The default `e` of a script in dialect `from`, by meaning.
pub fn lower_default(e: &Expr, from: Dialect) -> Default {
    match e {
        Expr::Nested(inner) => lower_default(inner, from),
        // `'G'::mpaa_rating`, `0::numeric`: a literal with a cast keeps its literal.
        Expr::Cast { expr, .. } if matches!(**expr, Expr::Value(_)) => lower_default(expr, from),
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
        } => match lower_default(expr, from) {
            Default::Number(n) => Default::Number(format!("-{n}")),
            _ => Default::Expr(Box::new(e.clone())),
        },
        Expr::Function(f) => {
            function_default(f).unwrap_or_else(|| Default::Expr(Box::new(e.clone())))
        }
        // SQLite's `DEFAULT ""`, `DEFAULT "plain"`: a string, since a default names no column.
        Expr::Identifier(id)
            if id.quote_style == Some('"') && from.double_quoted_default_is_string() =>
        {
            Default::String(id.value.clone())
        }
        // `CURRENT_TIMESTAMP` may also come through as a bare identifier.
        Expr::Identifier(id) if id.quote_style.is_none() => {
            match id.value.to_ascii_uppercase().as_str() {
                // Oracle's SYSDATE and SYSTIMESTAMP are the time now too
                // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/SYSDATE.html).
                "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" | "SYSDATE" | "SYSTIMESTAMP" => now(None),
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
            Some(now(precision))
        }
        // SQL Server (https://learn.microsoft.com/en-us/sql/t-sql/functions/getdate-transact-sql).
        "getdate" | "sysdatetime" => Some(now(None)),
        "current_date" | "curdate" => Some(Default::CurrentDate),
        "current_time" | "curtime" | "localtime" => Some(Default::CurrentTime),
        // SQLite (https://sqlite.org/lang_datefunc.html): datetime('now') is CURRENT_TIMESTAMP
        // spelled out, in UTC; the 'localtime' modifier asks for the machine's local time.
        "datetime" if args.len() == 1 && is_now_literal(args[0]) => Some(now(None)),
        "datetime"
            if args.len() == 2
                && is_now_literal(args[0])
                && literal_string(args[1]).is_some_and(|m| m.eq_ignore_ascii_case("localtime")) =>
        {
            Some(Default::CurrentTimestamp {
                precision: None,
                local: true,
            })
        }
        // `strftime('%Y-%m-%d %H:%M:%f', 'now')`: the time now to the millisecond (%f is SS.SSS).
        "strftime"
            if args.len() == 2
                && is_now_literal(args[1])
                && literal_string(args[0]).is_some_and(|f| f == "%Y-%m-%d %H:%M:%f") =>
        {
            Some(now(Some(3)))
        }
        // `strftime('%s', 'now')`, `unixepoch()` (SQLite 3.38), `UNIX_TIMESTAMP()` (MySQL):
        // the seconds since 1970 now.
        "strftime"
            if args.len() == 2
                && is_now_literal(args[1])
                && literal_string(args[0]).is_some_and(|f| f == "%s") =>
        {
            Some(Default::UnixTimeNow)
        }
        "unixepoch" if args.is_empty() || (args.len() == 1 && is_now_literal(args[0])) => {
            Some(Default::UnixTimeNow)
        }
        "unix_timestamp" if args.is_empty() => Some(Default::UnixTimeNow),
        "date" if args.len() == 1 && is_now_literal(args[0]) => Some(Default::CurrentDate),
        "time" if args.len() == 1 && is_now_literal(args[0]) => Some(Default::CurrentTime),
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

/// The time now, in UTC where the source says.
fn now(precision: Option<u64>) -> Default {
    Default::CurrentTimestamp {
        precision,
        local: false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::{PostgreSqlDialect, SQLiteDialect};
    use sqlparser::parser::Parser;

    fn sqlite(sql: &str) -> Default {
        let e = Parser::new(&SQLiteDialect {})
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .expect("a test expression parses");
        lower_default(&e, Dialect::Sqlite)
    }

    #[test]
    fn a_double_quoted_sqlite_default_is_a_string() {
        assert_eq!(sqlite("\"\""), Default::String(String::new()));
        assert_eq!(sqlite("\"plain\""), Default::String("plain".into()));
        let e = Parser::new(&PostgreSqlDialect {})
            .try_with_sql("\"plain\"")
            .and_then(|mut p| p.parse_expr())
            .expect("a test expression parses");
        assert!(matches!(
            lower_default(&e, Dialect::Postgres),
            Default::Expr(_)
        ));
    }

    #[test]
    fn sqlite_time_functions_are_the_time_now() {
        let utc = |precision| Default::CurrentTimestamp {
            precision,
            local: false,
        };
        assert_eq!(sqlite("(datetime('now'))"), utc(None));
        assert_eq!(
            sqlite("(strftime('%Y-%m-%d %H:%M:%f', 'now'))"),
            utc(Some(3))
        );
        assert_eq!(
            sqlite("(datetime('now', 'localtime'))"),
            Default::CurrentTimestamp {
                precision: None,
                local: true
            }
        );
        assert_eq!(sqlite("current_date"), Default::CurrentDate);
        assert_eq!(sqlite("(date('now'))"), Default::CurrentDate);
        assert_eq!(sqlite("(time('now'))"), Default::CurrentTime);
        // The seconds since 1970, now.
        assert_eq!(sqlite("(strftime('%s', 'now'))"), Default::UnixTimeNow);
        assert_eq!(sqlite("(unixepoch())"), Default::UnixTimeNow);
        // Another format is another text: not the time now as the targets write it.
        assert!(matches!(
            sqlite("(strftime('%Y', 'now'))"),
            Default::Expr(_)
        ));
    }
}
