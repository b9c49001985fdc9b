//! The rewrite rules of expressions, in the order they are tried: small named functions, each
//! with the source and target dialects it concerns and the vendor's documentation (sqlglot's
//! transforms are the model). A rule either passes (`Step::Next`: the next rule is tried) or
//! takes the expression (`Step::Stop`). `Pre` rules see an expression before its parts are
//! converted (names, refusals, renames); `Post` rules after, so that what they build from the
//! converted parts is not converted twice (`rules_for`). Each rule has its own table of
//! `(from, to, input, expected)` cases at the bottom, run through one `check`.

use sqlparser::ast::{self, Expr, Ident, ObjectName};

use super::functions::{self, Becomes};
use super::{
    ORACLE_PSEUDO_COLUMNS, Rewrite, bit_literal, call, function_arg_count, function_base_name,
    is_arithmetic, is_comparison, is_number, is_string,
};
use crate::dialect::Dialect::{self, *};
use crate::emit::names::ColumnKind;
use crate::emit::refusal::Refusal;

/// Whether the next rule is tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The rule does not concern this expression.
    Next,
    /// The rule changed the expression; the next rules are tried on it too.
    Went,
    /// The rule took the expression.
    Stop,
}

/// When a rule sees an expression: before or after its parts are converted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Pre,
    Post,
}

pub struct Rule {
    pub name: &'static str,
    /// Source dialects it reads (empty: every one).
    pub from: &'static [Dialect],
    /// Target dialects it writes for (empty: every one).
    pub to: &'static [Dialect],
    pub when: When,
    pub doc: &'static str,
    pub apply: fn(&mut Rewrite<'_>, &mut Expr) -> Step,
}

const ANY: &[Dialect] = &[];
const NOT_POSTGRES: &[Dialect] = &[Mysql, Sqlite, SqlServer, Oracle];
const NOT_SQLITE: &[Dialect] = &[Mysql, Postgres, SqlServer, Oracle];

/// Every rule, in the order they are tried.
pub const RULES: &[Rule] = &[
    Rule {
        name: "mysql_operators",
        from: &[Mysql],
        to: &[Postgres, Sqlite, SqlServer, Oracle],
        when: When::Pre,
        doc: "https://dev.mysql.com/doc/refman/8.0/en/non-typed-operators.html",
        apply: mysql_operators,
    },
    Rule {
        name: "national_strings",
        from: ANY,
        to: &[Mysql, Postgres, Sqlite, Oracle],
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/data-types/nchar-and-nvarchar-transact-sql",
        apply: national_strings,
    },
    Rule {
        name: "no_boolean_literals",
        from: ANY,
        to: &[SqlServer, Oracle],
        when: When::Pre,
        doc: "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Literals.html",
        apply: no_boolean_literals,
    },
    Rule {
        name: "oracle_empty_string",
        from: ANY,
        to: &[Oracle],
        when: When::Pre,
        doc: "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Nulls.html",
        apply: oracle_empty_string,
    },
    Rule {
        name: "oracle_text_literal_comparison",
        from: ANY,
        to: &[Oracle],
        when: When::Pre,
        doc: "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Type-Comparison-Rules.html",
        apply: oracle_text_literal_comparison,
    },
    Rule {
        name: "oracle_text_literal_between",
        from: ANY,
        to: &[Oracle],
        when: When::Pre,
        doc: "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Type-Comparison-Rules.html",
        apply: oracle_text_literal_between,
    },
    Rule {
        name: "text_compared_with_number",
        from: ANY,
        to: &[SqlServer, Oracle],
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/data-types/data-type-precedence-transact-sql",
        apply: text_compared_with_number,
    },
    Rule {
        name: "sqlserver_plus_of_texts_as_operator",
        from: &[SqlServer],
        to: &[Postgres, Sqlite],
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/language-elements/string-concatenation-transact-sql",
        apply: sqlserver_plus_of_texts_as_operator,
    },
    Rule {
        name: "sqlserver_plus_of_texts_as_concat",
        from: &[SqlServer],
        to: &[Mysql],
        when: When::Pre,
        doc: "https://dev.mysql.com/doc/refman/8.0/en/string-functions.html#function_concat",
        apply: sqlserver_plus_of_texts_as_concat,
    },
    Rule {
        name: "sqlserver_plus_of_texts_refused",
        from: &[SqlServer],
        to: &[Oracle],
        when: When::Pre,
        doc: "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Concatenation-Operator.html",
        apply: sqlserver_plus_of_texts_refused,
    },
    Rule {
        name: "plus_on_text_from_sqlserver",
        from: &[SqlServer],
        to: ANY,
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/language-elements/string-concatenation-transact-sql",
        apply: plus_on_text,
    },
    Rule {
        name: "plus_on_text_for_sqlserver",
        from: ANY,
        to: &[SqlServer],
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/language-elements/string-concatenation-transact-sql",
        apply: plus_on_text,
    },
    Rule {
        name: "concat_operator_as_plus_for_sqlserver",
        from: &[Postgres, Sqlite],
        to: &[SqlServer],
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/language-elements/string-concatenation-transact-sql",
        apply: concat_operator_as_plus_for_sqlserver,
    },
    Rule {
        name: "oracle_concat_operator_for_sqlserver",
        from: &[Oracle],
        to: &[SqlServer],
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/functions/concat-transact-sql",
        apply: oracle_concat_operator_for_sqlserver,
    },
    Rule {
        name: "concat_operator_refused_for_sqlserver",
        from: ANY,
        to: &[SqlServer],
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/language-elements/string-concatenation-transact-sql",
        apply: concat_operator_refused_for_sqlserver,
    },
    Rule {
        name: "postgres_concat_for_mysql",
        from: &[Postgres],
        to: &[Mysql],
        when: When::Pre,
        doc: "https://dev.mysql.com/doc/refman/8.0/en/string-functions.html#function_concat-ws",
        apply: postgres_concat_for_mysql,
    },
    Rule {
        name: "postgres_concat_for_sqlserver",
        from: &[Postgres],
        to: &[SqlServer],
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/functions/concat-transact-sql",
        apply: postgres_concat_for_sqlserver,
    },
    Rule {
        name: "postgres_concat_for_oracle",
        from: &[Postgres],
        to: &[Oracle],
        when: When::Pre,
        doc: "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CONCAT.html",
        apply: postgres_concat_for_oracle,
    },
    Rule {
        name: "sqlserver_round_digits",
        from: ANY,
        to: &[SqlServer],
        when: When::Pre,
        doc: "https://learn.microsoft.com/en-us/sql/t-sql/functions/round-transact-sql",
        apply: sqlserver_round_digits,
    },
    Rule {
        name: "oracle_pseudo_columns",
        from: &[Oracle],
        to: &[Mysql, Postgres, Sqlite, SqlServer],
        when: When::Pre,
        doc: "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Pseudocolumns.html",
        apply: oracle_pseudo_columns,
    },
    Rule {
        name: "identifiers",
        from: ANY,
        to: ANY,
        when: When::Pre,
        doc: "https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS",
        apply: identifiers,
    },
    Rule {
        name: "newer_postgres_functions",
        from: ANY,
        to: &[Postgres],
        when: When::Pre,
        doc: "https://www.postgresql.org/docs/18/functions-uuid.html",
        apply: newer_postgres_functions,
    },
    Rule {
        name: "postgres_comparisons",
        from: NOT_POSTGRES,
        to: &[Postgres],
        when: When::Pre,
        doc: "https://www.postgresql.org/docs/15/typeconv-oper.html",
        apply: postgres_comparisons,
    },
    Rule {
        name: "postgres_arithmetic_on_text",
        from: NOT_POSTGRES,
        to: &[Postgres],
        when: When::Pre,
        doc: "https://www.postgresql.org/docs/15/typeconv-oper.html",
        apply: postgres_arithmetic_on_text,
    },
    Rule {
        name: "script_routines",
        from: ANY,
        to: ANY,
        when: When::Pre,
        doc: "https://www.postgresql.org/docs/15/sql-createfunction.html",
        apply: script_routines,
    },
    Rule {
        name: "concat_operator_for_mysql",
        from: &[Postgres, Sqlite, SqlServer, Oracle],
        to: &[Mysql],
        when: When::Pre,
        doc: "https://dev.mysql.com/doc/refman/8.0/en/logical-operators.html#operator_or",
        apply: concat_operator_for_mysql,
    },
    Rule {
        name: "function_names",
        from: ANY,
        to: ANY,
        when: When::Pre,
        doc: "src/emit/expr/functions.rs",
        apply: function_names,
    },
    Rule {
        name: "casts",
        from: ANY,
        to: ANY,
        when: When::Pre,
        doc: "https://www.postgresql.org/docs/15/sql-expressions.html#SQL-SYNTAX-TYPE-CASTS",
        apply: casts,
    },
    Rule {
        name: "double_quoted_strings",
        from: ANY,
        to: ANY,
        when: When::Pre,
        doc: "https://dev.mysql.com/doc/refman/8.0/en/string-literals.html",
        apply: double_quoted_strings,
    },
    Rule {
        name: "mysql_charset_introducers",
        from: &[Mysql],
        to: ANY,
        when: When::Pre,
        doc: "https://dev.mysql.com/doc/refman/8.0/en/charset-introducer.html",
        apply: mysql_charset_introducers,
    },
    Rule {
        name: "mysql_interval_postgres",
        from: &[Mysql],
        to: &[Postgres],
        when: When::Pre,
        doc: "https://www.postgresql.org/docs/15/datatype-datetime.html#DATATYPE-INTERVAL-INPUT",
        apply: mysql_interval_postgres,
    },
    Rule {
        name: "unconverted_kinds",
        from: ANY,
        to: ANY,
        when: When::Pre,
        doc: "https://www.postgresql.org/docs/15/functions-datetime.html",
        apply: unconverted_kinds,
    },
    // After the parts are converted.
    Rule {
        name: "templates",
        from: ANY,
        to: ANY,
        when: When::Post,
        doc: "src/emit/expr/functions.rs",
        apply: templates,
    },
    Rule {
        name: "str_to_date_postgres",
        from: &[Mysql],
        to: &[Postgres],
        when: When::Post,
        doc: "https://www.postgresql.org/docs/15/functions-formatting.html",
        apply: str_to_date_postgres,
    },
    Rule {
        name: "mysql_concat_postgres",
        from: &[Mysql],
        to: &[Postgres],
        when: When::Post,
        doc: "https://mariadb.com/kb/en/concat/",
        apply: mysql_concat_postgres,
    },
    Rule {
        name: "mysql_concat_sqlite",
        from: &[Mysql],
        to: &[Sqlite],
        when: When::Post,
        doc: "https://mariadb.com/kb/en/concat/",
        apply: mysql_concat_sqlite,
    },
    Rule {
        name: "concat_skipping_nulls",
        from: &[Postgres, SqlServer, Oracle],
        to: &[Sqlite],
        when: When::Post,
        doc: "https://sqlite.org/lang_expr.html#operators_and_parse_affecting_attributes",
        apply: concat_skipping_nulls,
    },
    Rule {
        name: "if_to_case_postgres",
        from: &[Mysql],
        to: &[Postgres],
        when: When::Post,
        doc: "https://www.postgresql.org/docs/15/functions-conditional.html",
        apply: if_to_case_postgres,
    },
    Rule {
        name: "if_to_case_sqlite",
        from: &[Mysql],
        to: &[Sqlite],
        when: When::Post,
        doc: "https://sqlite.org/lang_expr.html#the_case_expression",
        apply: if_to_case_sqlite,
    },
    Rule {
        name: "group_concat_postgres",
        from: &[Mysql],
        to: &[Postgres],
        when: When::Post,
        doc: "https://www.postgresql.org/docs/15/functions-aggregate.html",
        apply: group_concat_postgres,
    },
    Rule {
        name: "group_concat_sqlite",
        from: &[Mysql],
        to: &[Sqlite],
        when: When::Post,
        doc: "https://sqlite.org/windowfunctions.html",
        apply: group_concat_sqlite,
    },
    Rule {
        name: "sqlite_ascii_case",
        from: NOT_SQLITE,
        to: &[Sqlite],
        when: When::Post,
        doc: "https://sqlite.org/lang_corefunc.html#upper",
        apply: sqlite_ascii_case,
    },
    Rule {
        name: "decimal_sum_sqlite",
        from: NOT_SQLITE,
        to: &[Sqlite],
        when: When::Post,
        doc: "https://sqlite.org/datatype3.html",
        apply: decimal_sum_sqlite,
    },
    Rule {
        name: "mysql_decimal_avg",
        from: &[Mysql],
        to: &[Postgres, Sqlite],
        when: When::Post,
        doc: "https://mariadb.com/kb/en/server-system-variables/#div_precision_increment",
        apply: mysql_decimal_avg,
    },
];

/// The rules for one source and target at one moment, in order.
pub fn rules_for(from: Dialect, to: Dialect, when: When) -> impl Iterator<Item = &'static Rule> {
    RULES.iter().filter(move |r| {
        r.when == when
            && (r.from.is_empty() || r.from.contains(&from))
            && (r.to.is_empty() || r.to.contains(&to))
    })
}

/// MySQL binary operators re-printed for another engine (`super::mysql_operator`); the
/// expression then goes through the other rules too.
fn mysql_operators(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    if rw.mysql_operators(e) {
        Step::Went
    } else {
        Step::Next
    }
}

/// SQL Server's N'...' is a Unicode string; elsewhere a plain string is one.
fn national_strings(_: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    if let Expr::Value(v) = e
        && let ast::Value::NationalStringLiteral(s) = &v.value
    {
        v.value = ast::Value::SingleQuotedString(s.clone());
        return Step::Went;
    }
    Step::Next
}

/// Neither SQL Server nor Oracle before 23ai has boolean literals in SQL.
fn no_boolean_literals(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Value(v) if rw.cross() && matches!(v.value, ast::Value::Boolean(_)) => {
            let to = rw.to;
            rw.refuse(Refusal::NoBooleanLiteral(to));
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// Oracle reads '' as NULL.
fn oracle_empty_string(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Value(v)
            if rw.cross()
                && matches!(&v.value, ast::Value::SingleQuotedString(s) if s.is_empty()) =>
        {
            rw.refuse(Refusal::EmptyStringIsNull);
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// Whether an expression is a column whose target type is known not to be text.
fn known_not_text(rw: &Rewrite<'_>, e: &Expr) -> bool {
    rw.column_kind(e)
        .is_some_and(|k| k.1.is_some_and(|k| k != ColumnKind::Text))
}

/// Oracle turns text into a date by the session's NLS_DATE_FORMAT: a literal compared with a
/// column that is not text may not convert.
fn oracle_text_literal_comparison(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::BinaryOp { left, op, right }
            if rw.cross()
                && is_comparison(op)
                && (is_string(right) && known_not_text(rw, left)
                    || is_string(left) && known_not_text(rw, right)) =>
        {
            rw.refuse(Refusal::TextLiteralOnOracle);
            Step::Stop
        }
        _ => Step::Next,
    }
}

fn oracle_text_literal_between(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Between {
            expr, low, high, ..
        } if rw.cross() && (is_string(low) || is_string(high)) && known_not_text(rw, expr) => {
            rw.refuse(Refusal::TextLiteralOnOracle);
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// SQL Server and Oracle turn the text into a number to compare it with one, and fail on text
/// that is not a number.
fn text_compared_with_number(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::BinaryOp { left, op, right }
            if rw.cross()
                && is_comparison(op)
                && (is_number(right) && rw.is_text_column(left).is_some()
                    || is_number(left) && rw.is_text_column(right).is_some()) =>
        {
            let to = rw.to;
            rw.refuse(Refusal::TextComparedWithNumber(to));
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// SQL Server's `+` of two texts, when both sides are known texts.
fn plus_of_texts(rw: &Rewrite<'_>, e: &Expr) -> Option<(Expr, Expr)> {
    match e {
        Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::Plus,
            right,
        } if rw.is_text(left) && rw.is_text(right) => Some(((**left).clone(), (**right).clone())),
        _ => None,
    }
}

/// SQL Server's `+` of two texts concatenates them, NULL if either is: `||` on PostgreSQL and
/// SQLite.
fn sqlserver_plus_of_texts_as_operator(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Some((left, right)) = plus_of_texts(rw, e) else {
        return Step::Next;
    };
    *e = Expr::BinaryOp {
        left: Box::new(left),
        op: ast::BinaryOperator::StringConcat,
        right: Box::new(right),
    };
    Step::Stop
}

/// ... CONCAT on MySQL (NULL if any argument is).
fn sqlserver_plus_of_texts_as_concat(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Some((left, right)) = plus_of_texts(rw, e) else {
        return Step::Next;
    };
    *e = call("concat", vec![left, right]);
    Step::Stop
}

/// ... and Oracle's || reads NULL as ''.
fn sqlserver_plus_of_texts_refused(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    if plus_of_texts(rw, e).is_none() {
        return Step::Next;
    }
    rw.refuse(Refusal::PlusOfTexts);
    Step::Stop
}

/// `+` adds numbers everywhere but concatenates text on SQL Server.
fn plus_on_text(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::Plus,
            right,
        } if rw.cross()
            && (rw.is_text_column(left).is_some()
                || rw.is_text_column(right).is_some()
                || is_string(left)
                || is_string(right)) =>
        {
            rw.refuse(Refusal::PlusOnText);
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// SQL Server concatenates with +, NULL when either side is, as PostgreSQL's and SQLite's ||
/// is; on two texts only (with a number, + adds).
fn concat_operator_as_plus_for_sqlserver(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::StringConcat,
            right,
        } if rw.is_text(left) && rw.is_text(right) => {
            *e = Expr::BinaryOp {
                left: left.clone(),
                op: ast::BinaryOperator::Plus,
                right: right.clone(),
            };
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// Oracle's || reads NULL as '', as SQL Server's CONCAT does.
fn oracle_concat_operator_for_sqlserver(_: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::StringConcat,
            right,
        } => {
            *e = call("concat", vec![(**left).clone(), (**right).clone()]);
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// Any other `||` bound for SQL Server.
fn concat_operator_refused_for_sqlserver(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::BinaryOp {
            op: ast::BinaryOperator::StringConcat,
            ..
        } if rw.cross() => {
            rw.refuse(Refusal::NoConcatOperator);
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// PostgreSQL's concat() skips NULL arguments; MySQL's CONCAT is NULL when an argument is, its
/// CONCAT_WS skips NULLs.
fn postgres_concat_for_mysql(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if function_base_name(f) != "concat" {
        return Step::Next;
    }
    let mut args: Vec<Expr> = crate::parse::sql::call_args(f)
        .into_iter()
        .cloned()
        .collect();
    if args.len() != function_arg_count(f) {
        rw.refuse(Refusal::ConcatArguments);
    } else {
        args.insert(
            0,
            Expr::value(ast::Value::SingleQuotedString(String::new())),
        );
        *e = call("concat_ws", args);
    }
    Step::Stop
}

/// PostgreSQL's concat() skips NULL arguments, as SQL Server's CONCAT does; the call is kept
/// where it has two or more plain arguments.
fn postgres_concat_for_sqlserver(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if function_base_name(f) != "concat" {
        return Step::Next;
    }
    let args = crate::parse::sql::call_args(f);
    if args.len() < 2 || args.len() != function_arg_count(f) {
        rw.refuse(Refusal::ConcatTwoOrMore);
    }
    Step::Stop
}

/// Oracle's CONCAT skips NULLs too, but takes two arguments: concat(a, b, c) -> concat(a,
/// concat(b, c)).
fn postgres_concat_for_oracle(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if function_base_name(f) != "concat" {
        return Step::Next;
    }
    let args = crate::parse::sql::call_args(f);
    if args.len() < 2 || args.len() != function_arg_count(f) {
        rw.refuse(Refusal::ConcatTwoOrMore);
    } else {
        let mut rev = args.into_iter().rev();
        let last = rev.next().cloned();
        if let Some(last) = last {
            *e = rev.fold(last, |acc, a| call("concat", vec![a.clone(), acc]));
        }
    }
    Step::Stop
}

/// SQL Server's ROUND wants the number of digits.
fn sqlserver_round_digits(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Function(f)
            if rw.cross() && function_base_name(f) == "round" && function_arg_count(f) < 2 =>
        {
            rw.refuse(Refusal::RoundNeedsDigits);
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// Oracle's pseudo-columns read like names but are values
/// (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/SYSDATE.html).
fn oracle_pseudo_columns(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Identifier(id)
            if id.quote_style.is_none()
                && ORACLE_PSEUDO_COLUMNS.contains(&id.value.to_ascii_uppercase().as_str()) =>
        {
            let name = id.value.to_ascii_uppercase();
            rw.refuse(Refusal::OraclePseudoColumn(name));
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// Column references spelled and quoted as the target knows them.
fn identifiers(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Identifier(id) => rw.ident(id),
        // A trigger's NEW and OLD are keywords of the trigger's language in any case: kept as
        // written, never quoted.
        Expr::CompoundIdentifier(ids)
            if ids.len() == 2
                && ids[0].quote_style.is_none()
                && ["new", "old"].contains(&ids[0].value.to_lowercase().as_str())
                && rw
                    .scopes
                    .iter()
                    .flatten()
                    .any(|(n, _)| n.eq_ignore_ascii_case(&ids[0].value)) =>
        {
            rw.ident(&mut ids[1]);
        }
        Expr::CompoundIdentifier(ids) => ids.iter_mut().for_each(|id| rw.ident(id)),
        _ => return Step::Next,
    }
    Step::Stop
}

/// Functions that exist only in PostgreSQL releases newer than the one ferry targets (15, the
/// Debian 12 server): a dump from a newer server may use them.
fn newer_postgres_functions(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Function(f)
            if super::NEWER_POSTGRES_FUNCTIONS
                .iter()
                .any(|(n, _)| f.name.to_string().eq_ignore_ascii_case(n)) =>
        {
            let name = f.name.to_string();
            rw.refuse(Refusal::NewerPostgres(name));
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// PostgreSQL casts neither text to numbers nor numbers to booleans implicitly; a BIT column
/// compared with 0 or 1 (SQL Server, MySQL) is a boolean compared with false or true.
fn postgres_comparisons(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::BinaryOp { left, op, right } = e else {
        return Step::Next;
    };
    if !is_comparison(op) {
        return Step::Next;
    }
    let equality = matches!(op, ast::BinaryOperator::Eq | ast::BinaryOperator::NotEq);
    if equality {
        if rw.is_bool_column(left).is_some()
            && let Some(flag) = bit_literal(right)
        {
            **right = Expr::Value(ast::Value::Boolean(flag).into());
        }
        if rw.is_bool_column(right).is_some()
            && let Some(flag) = bit_literal(left)
        {
            **left = Expr::Value(ast::Value::Boolean(flag).into());
        }
    }
    let (left, right): (&Expr, &Expr) = (left, right);
    for (a, b) in [(left, right), (right, left)] {
        if is_number(b)
            && let Some(col) = rw.is_text_column(a)
        {
            rw.refuse(Refusal::NoImplicitCast {
                column: col.to_string(),
                kind: "text",
                used: "compared with a number",
            });
        }
        if is_number(b)
            && let Some(col) = rw.is_bool_column(a)
        {
            rw.refuse(Refusal::NoImplicitCast {
                column: col.to_string(),
                kind: "boolean",
                used: "compared with a number",
            });
        }
    }
    Step::Stop
}

fn postgres_arithmetic_on_text(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::BinaryOp { left, op, right } = e else {
        return Step::Next;
    };
    if !is_arithmetic(op) {
        return Step::Next;
    }
    let (left, right): (&Expr, &Expr) = (left, right);
    if let Some(col) = rw.is_text_column(left).or_else(|| rw.is_text_column(right)) {
        rw.refuse(Refusal::NoImplicitCast {
            column: col.to_string(),
            kind: "text",
            used: "used in arithmetic",
        });
    }
    Step::Stop
}

/// A call of a routine the script defines: kept where that routine is converted too (the
/// caller is another routine), else not emitted, so neither is the call.
fn script_routines(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Function(f) if rw.namer.converted_routines.contains(&function_base_name(f)) => {
            let raw = rw.namer.raw(&function_base_name(f), &mut Vec::new());
            let mut id = Ident::new(raw.clone());
            if rw.namer.quote_raw(&raw) != raw {
                id.quote_style = Some('"');
            }
            f.name = ObjectName::from(vec![id]);
            Step::Stop
        }
        Expr::Function(f) if rw.namer.routines.contains(&function_base_name(f)) => {
            let name = f.name.to_string();
            rw.refuse(Refusal::CallsScriptRoutine(name));
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// `||` is a logical OR on MySQL.
fn concat_operator_for_mysql(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::BinaryOp {
            op: ast::BinaryOperator::StringConcat,
            ..
        } => {
            rw.refuse(Refusal::OrIsConcat);
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// A call renamed by the function table (`functions.rs`), kept for a later rule, or refused.
fn function_names(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if !rw.cross() {
        return Step::Next;
    }
    let name = f.name.to_string();
    match functions::becomes(&name, rw.from, rw.to) {
        Becomes::Same => f.name = ObjectName::from(vec![Ident::new(name)]),
        Becomes::Name(t) => f.name = ObjectName::from(vec![Ident::new(t)]),
        Becomes::Template(_) | Becomes::ByRule(_) => {}
        Becomes::Nothing => rw.refuse(Refusal::UnknownFunction {
            name,
            target: rw.to,
        }),
    }
    Step::Stop
}

fn casts(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Cast { data_type, .. } if rw.cross() => {
            rw.refuse(Refusal::Cast(data_type.to_string()));
            Step::Stop
        }
        // SQL Server's CONVERT(type, value [, style]) and MySQL's CONVERT(value, type).
        Expr::Convert { .. } if rw.cross() => {
            rw.refuse(Refusal::Convert);
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// MySQL's "text" is a string; elsewhere it would be an identifier.
fn double_quoted_strings(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Value(v) if rw.cross() => {
            if let ast::Value::DoubleQuotedString(s) = &v.value {
                v.value = ast::Value::SingleQuotedString(s.clone());
            }
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// MySQL charset introducers (`_utf8'x'`): the target's strings are UTF-8 already.
fn mysql_charset_introducers(_: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Prefixed { prefix, value } if prefix.value.starts_with('_') => {
            let v = (**value).clone();
            *e = v;
            Step::Stop
        }
        _ => Step::Next,
    }
}

/// INTERVAL, EXTRACT, AT TIME ZONE, and `IS [NOT] JSON [OBJECT | ...] [WITH UNIQUE KEYS]`
/// beyond the plain check that lowering turns into a JSON column (PostgreSQL reads it from 16
/// on only, the others not at all): not converted yet.
fn unconverted_kinds(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    match e {
        Expr::Interval(_)
        | Expr::Extract { .. }
        | Expr::AtTimeZone { .. }
        | Expr::IsJson { .. }
            if rw.cross() =>
        {
            rw.refuse(Refusal::NotConverted(e.to_string()));
            Step::Stop
        }
        _ => Step::Next,
    }
}

// ---------------------------------------------------------------------------------------------
// After the parts are converted: what these rules build is target SQL, parsed back by the
// target's parser, and not converted again.

/// A call's plain arguments, or None when it has others (named, wildcards, clauses).
fn plain_args(f: &ast::Function) -> Option<Vec<Expr>> {
    let args: Vec<Expr> = crate::parse::sql::call_args(f)
        .into_iter()
        .cloned()
        .collect();
    (args.len() == function_arg_count(f)).then_some(args)
}

/// Target SQL read back into an expression; a refusal naming it when the parser does not read
/// it (which would be a fault of the rule that wrote it).
fn parsed(rw: &mut Rewrite<'_>, sql: &str) -> Option<Expr> {
    let dialect = rw.to.parser();
    let e = sqlparser::parser::Parser::new(dialect.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr());
    match e {
        Ok(e) => Some(e),
        Err(_) => {
            rw.refuse(Refusal::NotConverted(sql.to_string()));
            None
        }
    }
}

/// A function table template over the converted arguments.
fn templates(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    let Becomes::Template(template) = functions::becomes(&f.name.to_string(), rw.from, rw.to)
    else {
        return Step::Next;
    };
    let Some(args) = plain_args(f) else {
        rw.refuse(Refusal::NotConverted(e.to_string()));
        return Step::Stop;
    };
    let takes = (0..)
        .take_while(|i| template.contains(&format!("{{{i}}}")))
        .count();
    if takes != args.len() {
        rw.refuse(Refusal::NotConverted(e.to_string()));
        return Step::Stop;
    }
    let sql = args
        .iter()
        .enumerate()
        .fold(template.to_string(), |t, (i, a)| {
            t.replace(&format!("{{{i}}}"), &a.to_string())
        });
    if let Some(new) = parsed(rw, &sql) {
        *e = new;
    }
    Step::Stop
}

/// MySQL's `INTERVAL n unit` of a whole number and one unit as PostgreSQL's `INTERVAL 'n unit'`;
/// any other interval is left to `unconverted_kinds`.
fn mysql_interval_postgres(_: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::Interval(i) = e else {
        return Step::Next;
    };
    let unit = match (&i.leading_field, &i.last_field) {
        (Some(f), None) => f.to_string().to_lowercase(),
        _ => return Step::Next,
    };
    if !["year", "month", "week", "day", "hour", "minute", "second"].contains(&unit.as_str()) {
        return Step::Next;
    }
    let n = match i.value.as_ref() {
        Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) if n.parse::<i64>().is_ok() => n.clone(),
            _ => return Step::Next,
        },
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            Expr::Value(v) => match &v.value {
                ast::Value::Number(n, _) if n.parse::<i64>().is_ok() => format!("-{n}"),
                _ => return Step::Next,
            },
            _ => return Step::Next,
        },
        _ => return Step::Next,
    };
    *i.value = Expr::Value(ast::Value::SingleQuotedString(format!("{n} {unit}")).into());
    i.leading_field = None;
    Step::Stop
}

/// MySQL's STR_TO_DATE(s, format) with a literal format of `%Y %m %d %H %i %s` and separators
/// as PostgreSQL's to_date (a date only) or to_timestamp; other formats are refused.
fn str_to_date_postgres(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if function_base_name(f) != "str_to_date" {
        return Step::Next;
    }
    let Some([s, Expr::Value(format)]) = plain_args(f).and_then(|a| <[Expr; 2]>::try_from(a).ok())
    else {
        rw.refuse(Refusal::NotConverted(e.to_string()));
        return Step::Stop;
    };
    let ast::Value::SingleQuotedString(format) = &format.value else {
        rw.refuse(Refusal::NotConverted(e.to_string()));
        return Step::Stop;
    };
    let mut out = String::new();
    let mut time = false;
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => {
                let (spec, is_time) = match chars.next() {
                    Some('Y') => ("YYYY", false),
                    Some('m') => ("MM", false),
                    Some('d') => ("DD", false),
                    Some('H') => ("HH24", true),
                    Some('i') => ("MI", true),
                    Some('s') => ("SS", true),
                    _ => {
                        rw.refuse(Refusal::NotConverted(e.to_string()));
                        return Step::Stop;
                    }
                };
                time |= is_time;
                out.push_str(spec);
            }
            '-' | ':' | '/' | ' ' | '.' => out.push(c),
            _ => {
                rw.refuse(Refusal::NotConverted(e.to_string()));
                return Step::Stop;
            }
        }
    }
    let call = if time {
        format!("CAST(to_timestamp({s}, '{out}') AS timestamp)")
    } else {
        format!("to_date({s}, '{out}')")
    };
    match parsed(rw, &call) {
        Some(new) => *e = new,
        None => rw.refuse(Refusal::NotConverted(e.to_string())),
    }
    Step::Stop
}

/// Whether a converted expression is known to be text on the target.
fn text_valued(rw: &Rewrite<'_>, e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => text_valued(rw, inner),
        Expr::BinaryOp {
            op: ast::BinaryOperator::StringConcat,
            ..
        } => true,
        Expr::Function(f) if TEXT_RESULTS.contains(&function_base_name(f).as_str()) => true,
        // The smallest or largest of texts is a text (`loosen_group_by` writes these).
        Expr::Function(f) if matches!(function_base_name(f).as_str(), "min" | "max") => {
            matches!(crate::parse::sql::call_args(f)[..], [a] if text_valued(rw, a))
        }
        _ => rw.is_text(e),
    }
}

/// Functions whose result is text whatever their arguments.
const TEXT_RESULTS: &[&str] = &[
    "upper",
    "lower",
    "substr",
    "substring",
    "trim",
    "ltrim",
    "rtrim",
    "replace",
    "concat",
    "concat_ws",
    "string_agg",
    "group_concat",
    "lpad",
    "rpad",
];

/// MySQL's CONCAT is NULL when any argument is (https://mariadb.com/kb/en/concat/), as `||` is
/// on PostgreSQL and SQLite; SQLite before 3.44 has no concat() at all
/// (https://sqlite.org/releaselog/3_44_0.html). SQLite's `||` turns numbers into text itself;
/// PostgreSQL's needs text on one side, so an operand not known to be text is cast (a boolean
/// would print as `true`, not MySQL's 1, and is refused).
fn mysql_concat_postgres(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    mysql_concat(rw, e, Operands::Text)
}

fn mysql_concat_sqlite(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    mysql_concat(rw, e, Operands::AsTheyAre)
}

/// What the target's `||` takes.
#[derive(Clone, Copy)]
enum Operands {
    /// Text (PostgreSQL: one side at least; ferry casts every operand not known to be text,
    /// and refuses a boolean, which prints as `true` where MySQL writes 1).
    Text,
    /// Any value, turned into text (SQLite).
    AsTheyAre,
}

fn mysql_concat(rw: &mut Rewrite<'_>, e: &mut Expr, operands: Operands) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if function_base_name(f) != "concat" {
        return Step::Next;
    }
    let Some(args) = plain_args(f).filter(|a| !a.is_empty()) else {
        rw.refuse(Refusal::ConcatArguments);
        return Step::Stop;
    };
    if let Some(sql) = mysql_concat_sql(rw, &args, operands)
        && let Some(new) = parsed(rw, &sql)
    {
        *e = new;
    }
    Step::Stop
}

/// `(a || b || ...)` with MySQL's NULL rule, or None (refused) when an operand cannot be one.
fn mysql_concat_sql(rw: &mut Rewrite<'_>, args: &[Expr], operands: Operands) -> Option<String> {
    let mut parts = Vec::new();
    for a in args {
        let text = match operands {
            Operands::AsTheyAre => a.to_string(),
            Operands::Text => {
                if let Some(col) = rw.is_bool_column(a) {
                    rw.refuse(Refusal::NoImplicitCast {
                        column: col,
                        kind: "boolean",
                        used: "concatenated (MySQL writes 1 or 0)",
                    });
                    return None;
                }
                if text_valued(rw, a) {
                    a.to_string()
                } else {
                    format!("CAST({a} AS text)")
                }
            }
        };
        parts.push(text);
    }
    Some(if parts.len() == 1 {
        parts.remove(0)
    } else {
        format!("({})", parts.join(" || "))
    })
}

/// PostgreSQL's, SQL Server's and Oracle's CONCAT skip NULL arguments; SQLite before 3.44 has
/// no concat(): each argument becomes '' when NULL, joined with `||`.
fn concat_skipping_nulls(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if function_base_name(f) != "concat" {
        return Step::Next;
    }
    let Some(args) = plain_args(f).filter(|a| !a.is_empty()) else {
        rw.refuse(Refusal::ConcatArguments);
        return Step::Stop;
    };
    let parts: Vec<String> = args
        .iter()
        .map(|a| {
            if is_string(a) {
                a.to_string()
            } else {
                format!("coalesce({a}, '')")
            }
        })
        .collect();
    if let Some(new) = parsed(rw, &format!("({})", parts.join(" || "))) {
        *e = new;
    }
    Step::Stop
}

/// Whether a converted expression is a boolean on PostgreSQL: a comparison, a logical
/// operator, a test, or a boolean column.
fn is_boolean(rw: &Rewrite<'_>, e: &Expr) -> bool {
    use ast::BinaryOperator::*;
    match e {
        Expr::Nested(inner) => is_boolean(rw, inner),
        Expr::BinaryOp { op, .. } => is_comparison(op) || matches!(op, And | Or),
        Expr::UnaryOp {
            op: ast::UnaryOperator::Not,
            ..
        } => true,
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsTrue(_)
        | Expr::IsFalse(_)
        | Expr::IsNotTrue(_)
        | Expr::IsNotFalse(_)
        | Expr::IsDistinctFrom(..)
        | Expr::IsNotDistinctFrom(..)
        | Expr::InList { .. }
        | Expr::InSubquery { .. }
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::ILike { .. }
        | Expr::Exists { .. } => true,
        Expr::Value(v) => matches!(v.value, ast::Value::Boolean(_)),
        _ => rw.is_bool_column(e).is_some(),
    }
}

/// MySQL's IF(c, a, b) is CASE WHEN c THEN a ELSE b END, c true when it is neither 0 nor NULL
/// (https://mariadb.com/kb/en/if-function/). SQLite reads a number as a condition the same
/// way; PostgreSQL wants a boolean, so a number column is compared with 0 and any other
/// condition that is not known to be a boolean is refused.
fn if_to_case_postgres(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    if_to_case(rw, e, Condition::Boolean)
}

fn if_to_case_sqlite(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    if_to_case(rw, e, Condition::Number)
}

/// What the target's CASE WHEN takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Condition {
    /// A boolean (PostgreSQL).
    Boolean,
    /// A number, true when neither 0 nor NULL, as MySQL reads one (SQLite).
    Number,
}

fn if_to_case(rw: &mut Rewrite<'_>, e: &mut Expr, takes: Condition) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if function_base_name(f) != "if" {
        return Step::Next;
    }
    let Some([c, a, b]) = plain_args(f).and_then(|a| <[Expr; 3]>::try_from(a).ok()) else {
        rw.refuse(Refusal::NotConverted(e.to_string()));
        return Step::Stop;
    };
    let cond = if takes == Condition::Number || is_boolean(rw, &c) {
        c.to_string()
    } else if rw
        .column_kind(&c)
        .is_some_and(|(_, k)| k == Some(ColumnKind::Other))
        || is_number(&c)
    {
        format!("{c} <> 0")
    } else {
        rw.refuse(Refusal::NotConverted(format!(
            "IF({c}, ...): a condition not known to be a boolean or a number"
        )));
        return Step::Stop;
    };
    if let Some(new) = parsed(rw, &format!("CASE WHEN {cond} THEN {a} ELSE {b} END")) {
        *e = new;
    }
    Step::Stop
}

/// MySQL's GROUP_CONCAT([DISTINCT] x, ... [ORDER BY k [ASC | DESC], ...] [SEPARATOR s])
/// (https://mariadb.com/kb/en/group_concat/): the values of x (several arguments are
/// concatenated, NULL if one is) that are not NULL, in the order of k (NULLs first, as MySQL
/// sorts them), joined by s (',' when not given).
///
/// PostgreSQL: string_agg(x, s ORDER BY k) (https://www.postgresql.org/docs/15/functions-aggregate.html).
/// With DISTINCT it orders only by the aggregated value itself; ordered by something else, the
/// (k, x) pairs are gathered with jsonb_agg and a scalar subquery keeps one k per distinct x
/// and joins them in k's order.
///
/// SQLite: group_concat(x, s) when nothing is ordered and no DISTINCT needs a separator (SQLite
/// takes one argument with DISTINCT). Otherwise SQLite before 3.44 has no ORDER BY in an
/// aggregate (https://sqlite.org/lang_aggfunc.html): the (k, x) pairs are gathered with
/// json_group_array, and a scalar subquery over json_each joins them with group_concat as a
/// window function, whose frame is taken in the window's order
/// (https://sqlite.org/windowfunctions.html); grouped by the pair's place (or, with DISTINCT,
/// by x). Runs on SQLite 3.25 and later with JSON1 (built in since 3.38).
fn group_concat_postgres(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    group_concat(rw, e, Operands::Text, string_agg)
}

fn group_concat_sqlite(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    group_concat(rw, e, Operands::AsTheyAre, sqlite_group_concat)
}

/// A GROUP_CONCAT's parts: the value (target SQL), DISTINCT, the ordering keys (target SQL,
/// descending) and the separator (an SQL string); the target's SQL for them.
type WriteGroupConcat = fn(&str, bool, &[(String, bool)], &str) -> String;

fn group_concat(
    rw: &mut Rewrite<'_>,
    e: &mut Expr,
    operands: Operands,
    write: WriteGroupConcat,
) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if function_base_name(f) != "group_concat" {
        return Step::Next;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        rw.refuse(Refusal::NotConverted(e.to_string()));
        return Step::Stop;
    };
    let distinct = matches!(
        list.duplicate_treatment,
        Some(ast::DuplicateTreatment::Distinct)
    );
    let mut order: Vec<(String, bool)> = Vec::new();
    let mut separator = "','".to_string();
    for clause in &list.clauses {
        match clause {
            ast::FunctionArgumentClause::OrderBy(keys) => {
                for k in keys {
                    let desc = match &k.options.sort {
                        None | Some(ast::OrderBySort::Asc) => false,
                        Some(ast::OrderBySort::Desc) => true,
                        Some(ast::OrderBySort::Using(_)) => {
                            rw.refuse(Refusal::NotConverted(e.to_string()));
                            return Step::Stop;
                        }
                    };
                    order.push((k.expr.to_string(), desc));
                }
            }
            ast::FunctionArgumentClause::Separator(s) => separator = s.value.to_string(),
            _ => {
                rw.refuse(Refusal::NotConverted(e.to_string()));
                return Step::Stop;
            }
        }
    }
    let Some(args) = plain_args(f).filter(|a| !a.is_empty()) else {
        rw.refuse(Refusal::NotConverted(e.to_string()));
        return Step::Stop;
    };
    let Some(x) = mysql_concat_sql(rw, &args, operands) else {
        return Step::Stop;
    };
    let sql = write(&x, distinct, &order, &separator);
    if let Some(new) = parsed(rw, &sql) {
        *e = new;
    }
    Step::Stop
}

/// `k ASC NULLS FIRST` / `k DESC NULLS LAST`: MySQL sorts NULLs lowest.
fn postgres_key(k: &str, desc: bool) -> String {
    if desc {
        format!("{k} DESC NULLS LAST")
    } else {
        format!("{k} ASC NULLS FIRST")
    }
}

fn string_agg(x: &str, distinct: bool, order: &[(String, bool)], sep: &str) -> String {
    // `x` is text already (`mysql_concat_sql`).
    let x_text = x.to_string();
    let by = |keys: Vec<String>| {
        if keys.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {}", keys.join(", "))
        }
    };
    let by_keys = by(order.iter().map(|(k, d)| postgres_key(k, *d)).collect());
    if !distinct {
        return format!("string_agg({x_text}, {sep}{by_keys})");
    }
    // DISTINCT orders only by the aggregated value.
    if order.is_empty() || order.iter().all(|(k, _)| k == x) {
        let by_x = by(order
            .iter()
            .map(|(_, d)| postgres_key(&x_text, *d))
            .collect());
        return format!("string_agg(DISTINCT {x_text}, {sep}{by_x})");
    }
    let n = order.len();
    let pairs: Vec<String> = order
        .iter()
        .map(|(k, _)| k.clone())
        .chain([x.to_string()])
        .collect();
    let keys: Vec<String> = (0..n)
        .map(|i| format!("ferry_e.e -> {i} AS k{i}"))
        .collect();
    let first_keys: Vec<String> = order
        .iter()
        .enumerate()
        .map(|(i, (_, d))| postgres_key(&format!("ferry_e.e -> {i}"), *d))
        .collect();
    let outer_keys: Vec<String> = order
        .iter()
        .enumerate()
        .map(|(i, (_, d))| postgres_key(&format!("ferry_d.k{i}"), *d))
        .collect();
    format!(
        "(SELECT string_agg(ferry_d.x, {sep} ORDER BY {outer}) FROM (SELECT DISTINCT ON (ferry_e.e ->> {n}) ferry_e.e ->> {n} AS x, {keys} FROM jsonb_array_elements(jsonb_agg(jsonb_build_array({pairs}))) AS ferry_e(e) ORDER BY ferry_e.e ->> {n}, {first}) AS ferry_d)",
        outer = outer_keys.join(", "),
        keys = keys.join(", "),
        pairs = pairs.join(", "),
        first = first_keys.join(", "),
    )
}

fn sqlite_group_concat(x: &str, distinct: bool, order: &[(String, bool)], sep: &str) -> String {
    if order.is_empty() && !distinct {
        return format!("group_concat({x}, {sep})");
    }
    if order.is_empty() && sep == "','" {
        return format!("group_concat(DISTINCT {x})");
    }
    let n = order.len();
    let pairs: Vec<String> = order
        .iter()
        .map(|(k, _)| k.clone())
        .chain([x.to_string()])
        .collect();
    let value = format!("json_extract(ferry_j.value, '$[{n}]')");
    let keys: Vec<String> = order
        .iter()
        .enumerate()
        .map(|(i, (_, d))| {
            format!(
                "min(json_extract(ferry_j.value, '$[{i}]')) {}",
                if *d { "DESC" } else { "ASC" }
            )
        })
        .collect();
    let window = if keys.is_empty() {
        "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING".to_string()
    } else {
        format!(
            "ORDER BY {} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
            keys.join(", ")
        )
    };
    let group = if distinct {
        value.clone()
    } else {
        "ferry_j.key".to_string()
    };
    format!(
        "(SELECT group_concat({value}, {sep}) OVER ({window}) FROM json_each(json_group_array(json_array({pairs}))) AS ferry_j GROUP BY {group} LIMIT 1)",
        pairs = pairs.join(", "),
    )
}

/// SQLite's upper() and lower() change ASCII letters only (https://sqlite.org/lang_corefunc.html#upper);
/// the other engines change every letter (`UPPER('é')` is 'É' there, 'é' on SQLite). The call
/// is kept, with a warning, since it gives the same text wherever the letters are ASCII.
fn sqlite_ascii_case(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    let name = function_base_name(f);
    if !matches!(name.as_str(), "upper" | "lower") {
        return Step::Next;
    }
    rw.warn(
        &crate::diag::codes::EXPRESSION_MAY_DIFFER,
        "upper() and lower() change only ASCII letters on SQLite: text with other letters comes out otherwise than at the source".to_string(),
    );
    Step::Went
}

/// SQLite has no decimal type and adds 8-byte floats (https://sqlite.org/datatype3.html); MySQL
/// and PostgreSQL add decimals exactly and keep s places. SUM of a DECIMAL(p,s) column is
/// rounded to s places on SQLite, which gives the source's sum (5314.21, not 5314.20999999985)
/// while it stays within a float's 15 significant digits.
fn decimal_sum_sqlite(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    round_decimal_aggregate(rw, e, "sum", 0)
}

/// MySQL's AVG of a DECIMAL(p,s) column has s + 4 places (div_precision_increment,
/// https://mariadb.com/kb/en/server-system-variables/#div_precision_increment); PostgreSQL's
/// keeps as many as the division gives, SQLite's is a float: both are rounded to s + 4.
fn mysql_decimal_avg(rw: &mut Rewrite<'_>, e: &mut Expr) -> Step {
    round_decimal_aggregate(rw, e, "avg", 4)
}

/// `name(col)` of a DECIMAL(p,s) column (not a window) -> `round(name(col), s + places)`.
fn round_decimal_aggregate(rw: &mut Rewrite<'_>, e: &mut Expr, name: &str, places: u64) -> Step {
    let Expr::Function(f) = e else {
        return Step::Next;
    };
    if function_base_name(f) != name || f.over.is_some() || function_arg_count(f) != 1 {
        return Step::Next;
    }
    let [arg] = crate::parse::sql::call_args(f)[..] else {
        return Step::Next;
    };
    let Some(scale) = rw.decimal_scale(arg) else {
        return Step::Next;
    };
    let rounded = call(
        "round",
        vec![
            e.clone(),
            Expr::value(ast::Value::Number((scale + places).to_string(), false)),
        ],
    );
    *e = rounded;
    Step::Stop
}

#[cfg(test)]
#[rustfmt::skip] // the cases are tables, one case a line
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::emit::names::{IdentCase, Namer};

    /// A target's namer that knows two tables: `t` (key `id`; `name` text, `active` boolean,
    /// `amount` DECIMAL(5,2), `n` integer) and `u` (key `id`, `t_id`, `label` text), and the
    /// script's function `my_fn`.
    fn namer(to: Dialect) -> Namer {
        let mut n = Namer::new(to, IdentCase::Keep);
        let cols = [
            ("t", "id", ColumnKind::Other),
            ("t", "name", ColumnKind::Text),
            ("t", "active", ColumnKind::Bool),
            ("t", "amount", ColumnKind::Other),
            ("t", "n", ColumnKind::Other),
            ("u", "id", ColumnKind::Other),
            ("u", "t_id", ColumnKind::Other),
            ("u", "label", ColumnKind::Text),
        ];
        for (t, c, k) in cols {
            Arc::make_mut(&mut n.column_types).insert((t.into(), c.into()), k);
            let e = Arc::make_mut(&mut n.kinds_by_name)
                .entry(c.into())
                .or_insert(Some(k));
            if *e != Some(k) {
                *e = None;
            }
            if k == ColumnKind::Bool {
                Arc::make_mut(&mut n.bool_columns).insert(c.into());
            }
        }
        Arc::make_mut(&mut n.decimal_scales).insert(("t".into(), "amount".into()), 2);
        Arc::make_mut(&mut n.primary_keys).insert("t".into(), vec!["id".into()]);
        Arc::make_mut(&mut n.primary_keys).insert("u".into(), vec!["id".into()]);
        Arc::make_mut(&mut n.routines).insert("my_fn".into());
        Arc::make_mut(&mut n.converted_routines).insert("converted_fn".into());
        n
    }

    /// One case: `input` (an expression over table `t`, or a query when it starts with SELECT)
    /// read in `from`'s dialect and printed for `to`; `expected` is the output, or `refused: `
    /// and the refusal's text. Returns the rules that took a part of it.
    fn check(from: Dialect, to: Dialect, input: &str, expected: &str) -> Vec<&'static str> {
        let dialect = from.parser();
        let mut parser = sqlparser::parser::Parser::new(dialect.as_ref())
            .try_with_sql(input)
            .unwrap_or_else(|e| panic!("{input}: {e}"));
        let namer = namer(to);
        let (out, fired) = if input.trim_start().to_ascii_uppercase().starts_with("SELECT") {
            let q = parser
                .parse_query()
                .unwrap_or_else(|e| panic!("{input}: {e}"));
            let (out, fired) = super::super::query_by(&q, from, to, &namer);
            let out = out.map(|c| {
                let mut s = c.sql;
                for w in c.warnings {
                    s.push_str(&format!(" -- warning: {}", w.message));
                }
                s
            });
            (out, fired)
        } else {
            let e = parser
                .parse_expr()
                .unwrap_or_else(|e| panic!("{input}: {e}"));
            super::super::scoped_expr_by(&e, from, to, &namer, vec![vec![("t".into(), "t".into())]])
        };
        let got = out.unwrap_or_else(|why| format!("refused: {why}"));
        assert_eq!(got, expected, "{from} -> {to}: {input}");
        fired
    }

    fn table(cases: &[Case]) {
        for (from, to, input, expected) in cases {
            check(*from, *to, input, expected);
        }
    }

    type Case = (Dialect, Dialect, &'static str, &'static str);

    /// Each rule's own table of cases: (from, to, input, expected), run through `check`.
    const CASES: &[(&str, &[Case])] = &[
        ("mysql_operators", &[
            (Mysql, Postgres, "n / 2", "n / (2 * 1.0)"),
            (Mysql, Sqlite, "a <=> b", "a IS NOT DISTINCT FROM b"),
            (Mysql, Postgres, "n ^ 3", "n # 3"),
            (Mysql, SqlServer, "n ^ 3", "n ^ 3"),
            (Mysql, Sqlite, "n ^ 3", "refused: `^` is a bitwise XOR in MySQL; this engine has no such operator"),
            (Mysql, Postgres, "n DIV 2", "refused: `DIV` is MySQL's integer division, which is not converted"),
            (Mysql, Mysql, "n / 2", "n / 2"),
        ]),
        ("national_strings", &[
            (SqlServer, Postgres, "N'x'", "'x'"),
            (SqlServer, SqlServer, "N'x'", "N'x'"),
        ]),
        ("no_boolean_literals", &[
            (Postgres, SqlServer, "true", "refused: sqlserver has no boolean literal in SQL"),
            (Postgres, Oracle, "false", "refused: oracle has no boolean literal in SQL"),
            (Postgres, Sqlite, "true", "true"),
        ]),
        ("oracle_empty_string", &[
            (Mysql, Oracle, "''", "refused: Oracle reads the empty string '' as NULL"),
            (Mysql, Postgres, "''", "''"),
        ]),
        ("oracle_text_literal_comparison", &[
            (Postgres, Oracle, "t.n = '1'", "refused: a text literal compared with a column that is not text converts by the session's format on Oracle"),
            (Postgres, Oracle, "t.name = 'x'", "\"t\".\"name\" = 'x'"),
        ]),
        ("oracle_text_literal_between", &[
            (Postgres, Oracle, "n BETWEEN '1' AND '2'", "refused: a text literal compared with a column that is not text converts by the session's format on Oracle"),
            (Postgres, Oracle, "n BETWEEN 1 AND 2", "\"n\" BETWEEN 1 AND 2"),
        ]),
        ("text_compared_with_number", &[
            (Postgres, SqlServer, "name = 1", "refused: a text column compared with a number fails on sqlserver for text that is not a number"),
            (Postgres, SqlServer, "n = 1", "n = 1"),
        ]),
        ("sqlserver_plus_of_texts_as_operator", &[
            (SqlServer, Postgres, "name + label", "name || label"),
            (SqlServer, Sqlite, "name + 'x'", "name || 'x'"),
        ]),
        ("sqlserver_plus_of_texts_as_concat", &[
            (SqlServer, Mysql, "name + 'x'", "concat(name, 'x')"),
        ]),
        ("sqlserver_plus_of_texts_refused", &[
            (SqlServer, Oracle, "name + label", "refused: `+` of texts is NULL when either is NULL on SQL Server; Oracle's || reads NULL as ''"),
        ]),
        ("plus_on_text_from_sqlserver", &[
            (SqlServer, Postgres, "name + 1", "refused: `+` on text concatenates on SQL Server and adds elsewhere"),
            (SqlServer, Postgres, "n + 1", "n + 1"),
        ]),
        ("plus_on_text_for_sqlserver", &[
            (Postgres, SqlServer, "'a' + n", "refused: `+` on text concatenates on SQL Server and adds elsewhere"),
            (SqlServer, SqlServer, "'a' + n", "'a' + n"),
        ]),
        ("concat_operator_as_plus_for_sqlserver", &[
            (Postgres, SqlServer, "name || label", "name + label"),
        ]),
        ("oracle_concat_operator_for_sqlserver", &[
            (Oracle, SqlServer, "a || b", "concat(A, B)"),
        ]),
        ("concat_operator_refused_for_sqlserver", &[
            (Postgres, SqlServer, "n || 'x'", "refused: SQL Server has no || operator, and its + concatenates only two texts"),
            (Mysql, SqlServer, "a || b", "refused: SQL Server has no || operator, and its + concatenates only two texts"),
        ]),
        ("postgres_concat_for_mysql", &[
            (Postgres, Mysql, "concat(a, b)", "concat_ws('', a, b)"),
        ]),
        ("postgres_concat_for_sqlserver", &[
            (Postgres, SqlServer, "concat(a, b, c)", "concat(a, b, c)"),
            (Postgres, SqlServer, "concat(a)", "refused: concat() takes two or more plain arguments here"),
        ]),
        ("postgres_concat_for_oracle", &[
            (Postgres, Oracle, "concat(a, b, c)", "concat(\"a\", concat(\"b\", \"c\"))"),
            (Postgres, Oracle, "concat(a)", "refused: concat() takes two or more plain arguments here"),
        ]),
        ("sqlserver_round_digits", &[
            (Postgres, SqlServer, "round(n)", "refused: SQL Server's ROUND needs the number of digits"),
            (Postgres, SqlServer, "round(n, 1)", "round(n, 1)"),
        ]),
        ("oracle_pseudo_columns", &[
            (Oracle, Postgres, "SYSDATE", "refused: Oracle's `SYSDATE` has no equivalent that ferry vouches for"),
            (Oracle, Postgres, "\"SYSDATE\"", "\"SYSDATE\""),
        ]),
        ("identifiers", &[
            (Mysql, Postgres, "`Order`.`Name`", "\"Order\".\"Name\""),
            (Postgres, Sqlite, "t.name", "t.name"),
        ]),
        ("newer_postgres_functions", &[
            (Postgres, Postgres, "uuidv7()", "refused: function `uuidv7` needs a newer PostgreSQL than 15, which ferry targets"),
        ]),
        ("postgres_comparisons", &[
            (SqlServer, Postgres, "active = 1", "active = true"),
            (Mysql, Postgres, "t.name = 1", "refused: `name` is text and is compared with a number, which PostgreSQL does not cast implicitly"),
            (Mysql, Postgres, "active > 1", "refused: `active` is boolean and is compared with a number, which PostgreSQL does not cast implicitly"),
        ]),
        ("postgres_arithmetic_on_text", &[
            (Mysql, Postgres, "name + 1", "refused: `name` is text and is used in arithmetic, which PostgreSQL does not cast implicitly"),
            (Mysql, Postgres, "n + 1", "n + 1"),
        ]),
        ("mysql_interval_postgres", &[
            (Mysql, Postgres, "DATE_SUB(d, INTERVAL 1 MONTH)", "(d - INTERVAL '1 month')"),
            (Mysql, Postgres, "DATE_ADD(d, INTERVAL -2 DAY)", "(d + INTERVAL '-2 day')"),
            (Mysql, Postgres, "DATE_ADD(d, INTERVAL n DAY)", "refused: `INTERVAL n DAY` is not converted"),
        ]),
        ("str_to_date_postgres", &[
            (Mysql, Postgres, "STR_TO_DATE(name, '%Y-%m-%d')", "to_date(name, 'YYYY-MM-DD')"),
            (Mysql, Postgres, "STR_TO_DATE(name, '%d/%m/%Y %H:%i')", "CAST(to_timestamp(name, 'DD/MM/YYYY HH24:MI') AS TIMESTAMP)"),
            (Mysql, Postgres, "STR_TO_DATE(name, '%W %Y')", "refused: `STR_TO_DATE(name, '%W %Y')` is not converted"),
        ]),
        ("script_routines", &[
            (Mysql, Postgres, "my_fn(n)", "refused: it calls `my_fn`, which the script defines and ferry does not convert"),
            (Mysql, Postgres, "MY_FN(n) + 1", "refused: it calls `MY_FN`, which the script defines and ferry does not convert"),
            (Mysql, Postgres, "NOT Converted_Fn(n)", "NOT converted_fn(n)"),
        ]),
        ("concat_operator_for_mysql", &[
            (Postgres, Mysql, "a || b", "refused: `||` concatenates strings here but is a logical OR on MySQL"),
        ]),
        ("function_names", &[
            (Mysql, Postgres, "IFNULL(a, b)", "coalesce(a, b)"),
            (SqlServer, Postgres, "GETDATE()", "now()"),
            (Mysql, Sqlite, "UCASE(name)", "upper(name)"),
            (Mysql, Postgres, "LENGTH(name)", "octet_length(name)"),
            (Mysql, Postgres, "soundex(name)", "refused: function `soundex` has no known equivalent on postgres"),
        ]),
        ("casts", &[
            (Mysql, Postgres, "CAST(n AS CHAR)", "refused: cast to `CHAR` is not converted"),
            (Mysql, Postgres, "CONVERT(n, CHAR)", "refused: CONVERT(...) is not converted"),
        ]),
        ("double_quoted_strings", &[
            (Mysql, Sqlite, "\"x\"", "'x'"),
        ]),
        ("mysql_charset_introducers", &[
            (Mysql, Postgres, "_utf8'x'", "'x'"),
        ]),
        ("unconverted_kinds", &[
            (Mysql, Postgres, "EXTRACT(YEAR FROM d)", "refused: `EXTRACT(YEAR FROM d)` is not converted"),
        ]),
        ("templates", &[
            (Mysql, Sqlite, "LENGTH(name)", "length(CAST(name AS BLOB))"),
            (Mysql, Sqlite, "OCTET_LENGTH(t.name)", "length(CAST(t.name AS BLOB))"),
            (Mysql, Sqlite, "LENGTH(a, b)", "refused: `LENGTH(a, b)` is not converted"),
        ]),
        ("mysql_concat_postgres", &[
            (Mysql, Postgres, "CONCAT(name, _utf8' ', label)", "(name || ' ' || label)"),
            (Mysql, Postgres, "CONCAT(name, n)", "(name || CAST(n AS TEXT))"),
            (Mysql, Postgres, "CONCAT(UCASE(name), n)", "(upper(name) || CAST(n AS TEXT))"),
            (Mysql, Postgres, "CONCAT(name)", "name"),
            (Mysql, Postgres, "CONCAT(name, active)", "refused: `active` is boolean and is concatenated (MySQL writes 1 or 0), which PostgreSQL does not cast implicitly"),
            (Mysql, Mysql, "CONCAT(name, n)", "CONCAT(name, n)"),
        ]),
        ("mysql_concat_sqlite", &[
            (Mysql, Sqlite, "CONCAT(name, ' ', n)", "(name || ' ' || n)"),
            (Mysql, Sqlite, "CONCAT(name, active)", "(name || active)"),
        ]),
        ("concat_skipping_nulls", &[
            (SqlServer, Sqlite, "CONCAT(name, ' ', n)", "(coalesce(name, '') || ' ' || coalesce(n, ''))"),
            (Postgres, Sqlite, "concat(a, b)", "(coalesce(a, '') || coalesce(b, ''))"),
        ]),
        ("if_to_case_postgres", &[
            (Mysql, Postgres, "IF(active, 'yes', '')", "CASE WHEN active THEN 'yes' ELSE '' END"),
            (Mysql, Postgres, "IF(n, 'yes', 'no')", "CASE WHEN n <> 0 THEN 'yes' ELSE 'no' END"),
            (Mysql, Postgres, "IF(n > 2, 1, 0)", "CASE WHEN n > 2 THEN 1 ELSE 0 END"),
            (Mysql, Postgres, "IF(name, 1, 0)", "refused: `IF(name, ...): a condition not known to be a boolean or a number` is not converted"),
            (Mysql, Postgres, "IF(n, 1)", "refused: `IF(n, 1)` is not converted"),
        ]),
        ("if_to_case_sqlite", &[
            (Mysql, Sqlite, "IF(n, 'yes', 'no')", "CASE WHEN n THEN 'yes' ELSE 'no' END"),
            (Mysql, Sqlite, "IF(name IS NULL, 0, 1)", "CASE WHEN name IS NULL THEN 0 ELSE 1 END"),
        ]),
        ("group_concat_postgres", &[
            (Mysql, Postgres, "GROUP_CONCAT(name)", "string_agg(name, ',')"),
            (Mysql, Postgres, "GROUP_CONCAT(n ORDER BY n DESC SEPARATOR '; ')", "string_agg(CAST(n AS TEXT), '; ' ORDER BY n DESC NULLS LAST)"),
            (Mysql, Postgres, "GROUP_CONCAT(DISTINCT name ORDER BY name SEPARATOR ', ')", "string_agg(DISTINCT name, ', ' ORDER BY name ASC NULLS FIRST)"),
            (Mysql, Postgres, "GROUP_CONCAT(DISTINCT label ORDER BY n)", "(SELECT string_agg(ferry_d.x, ',' ORDER BY ferry_d.k0 ASC NULLS FIRST) FROM (SELECT DISTINCT ON (ferry_e.e ->> 1) ferry_e.e ->> 1 AS x, ferry_e.e -> 0 AS k0 FROM jsonb_array_elements(jsonb_agg(jsonb_build_array(n, label))) AS ferry_e (e) ORDER BY ferry_e.e ->> 1, ferry_e.e -> 0 ASC NULLS FIRST) AS ferry_d)"),
            (Mysql, Postgres, "GROUP_CONCAT(name, n)", "string_agg((name || CAST(n AS TEXT)), ',')"),
            (Mysql, SqlServer, "GROUP_CONCAT(name)", "refused: function `GROUP_CONCAT` has no known equivalent on sqlserver"),
        ]),
        ("group_concat_sqlite", &[
            (Mysql, Sqlite, "GROUP_CONCAT(name SEPARATOR ', ')", "group_concat(name, ', ')"),
            (Mysql, Sqlite, "GROUP_CONCAT(DISTINCT name)", "group_concat(DISTINCT name)"),
            (Mysql, Sqlite, "GROUP_CONCAT(name ORDER BY n DESC SEPARATOR ', ')", "(SELECT group_concat(json_extract(ferry_j.value, '$[1]'), ', ') OVER (ORDER BY min(json_extract(ferry_j.value, '$[0]')) DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM json_each(json_group_array(json_array(n, name))) AS ferry_j GROUP BY ferry_j.key LIMIT 1)"),
            (Mysql, Sqlite, "GROUP_CONCAT(DISTINCT name SEPARATOR '; ')", "(SELECT group_concat(json_extract(ferry_j.value, '$[0]'), '; ') OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM json_each(json_group_array(json_array(name))) AS ferry_j GROUP BY json_extract(ferry_j.value, '$[0]') LIMIT 1)"),
        ]),
        ("sqlite_ascii_case", &[
            (Mysql, Sqlite, "SELECT UCASE(t.name) FROM t", "SELECT upper(t.name) FROM t -- warning: upper() and lower() change only ASCII letters on SQLite: text with other letters comes out otherwise than at the source"),
            (Postgres, Sqlite, "SELECT lower(name), upper(label) FROM t, u", "SELECT lower(name), upper(label) FROM t, u -- warning: upper() and lower() change only ASCII letters on SQLite: text with other letters comes out otherwise than at the source"),
            (Sqlite, Sqlite, "SELECT upper(name) FROM t", "SELECT upper(name) FROM t"),
        ]),
        ("decimal_sum_sqlite", &[
            (Mysql, Sqlite, "SUM(t.amount)", "round(SUM(t.amount), 2)"),
            (Postgres, Sqlite, "sum(amount)", "round(sum(amount), 2)"),
            (Mysql, Postgres, "SUM(amount)", "SUM(amount)"),
            (Mysql, Sqlite, "SUM(n)", "SUM(n)"),
            (Mysql, Sqlite, "SUM(amount) OVER ()", "SUM(amount) OVER ()"),
            (Sqlite, Sqlite, "SUM(amount)", "SUM(amount)"),
        ]),
        ("mysql_decimal_avg", &[
            (Mysql, Sqlite, "AVG(amount)", "round(AVG(amount), 6)"),
            (Mysql, Postgres, "AVG(amount)", "round(AVG(amount), 6)"),
            (Postgres, Sqlite, "avg(amount)", "avg(amount)"),
        ]),
    ];

    /// Every rule has a table of cases, and they hold.
    #[test]
    fn each_rule_does_what_its_cases_say() {
        for rule in RULES {
            assert!(
                CASES.iter().any(|(name, _)| *name == rule.name),
                "rule {} has no cases",
                rule.name
            );
        }
        for (name, cases) in CASES {
            assert!(RULES.iter().any(|r| r.name == *name), "{name} is no rule");
            // Every case holds; in one at least the rule takes a part of the input (the others
            // may show what it leaves alone).
            let mut took = false;
            for (from, to, input, expected) in *cases {
                took |= check(*from, *to, input, expected).contains(name);
            }
            assert!(took, "{name}: no case where the rule takes the input");
        }
    }

    #[test]
    fn every_rule_is_tried_for_some_pair_and_cites_its_source() {
        for r in RULES {
            assert!(
                r.doc.starts_with("https://") || r.doc.starts_with("src/"),
                "{}",
                r.name
            );
        }
        let names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(n), "{n} is listed twice");
        }
        // Post rules come after every pre rule in the list, so that its order reads as the
        // order they run in.
        let first_post = RULES.iter().position(|r| r.when == When::Post);
        assert!(first_post.is_some_and(|p| RULES[p..].iter().all(|r| r.when == When::Post)));
    }









































    /// MySQL's loose GROUP BY (`Rewrite::loosen_group_by`, `select_items`), a query-level rule.
    #[test]
    fn loose_group_by() {
        table(&[
            (Mysql, Postgres, "SELECT t.id, t.name, count(*) FROM t JOIN u ON u.t_id = t.id GROUP BY t.id", "SELECT t.id, t.name, count(*) FROM t JOIN u ON u.t_id = t.id GROUP BY t.id"),
            (Mysql, Postgres, "SELECT u.label, t.name FROM t JOIN u ON u.t_id = t.id GROUP BY t.id ORDER BY u.label", "SELECT min(u.label) AS label, t.name FROM t JOIN u ON u.t_id = t.id GROUP BY t.id ORDER BY min(u.label) -- warning: `u.label` is selected but neither grouped nor aggregated (MySQL's loose GROUP BY): PostgreSQL reads each as the group's smallest value, which is the value MySQL returns where the column has one value per group"),
            (Mysql, Postgres, "SELECT t.active AS a, sum(t.n) AS s FROM t GROUP BY t.name ORDER BY s", "SELECT bool_and(t.active) AS a, sum(t.n) AS s FROM t GROUP BY t.name ORDER BY s -- warning: `t.active` is selected but neither grouped nor aggregated (MySQL's loose GROUP BY): PostgreSQL reads each as the group's smallest value, which is the value MySQL returns where the column has one value per group"),
            (Mysql, Sqlite, "SELECT u.label, t.name FROM t JOIN u ON u.t_id = t.id GROUP BY t.id", "SELECT u.label, t.name FROM t JOIN u ON u.t_id = t.id GROUP BY t.id"),
            (Mysql, SqlServer, "SELECT u.label FROM t JOIN u ON u.t_id = t.id GROUP BY t.id", "refused: `u.label` is selected but neither grouped nor aggregated (MySQL's loose GROUP BY)"),
            (Mysql, Postgres, "SELECT u.label, count(*) AS n FROM u GROUP BY 1 HAVING n > 1", "SELECT u.label, count(*) AS n FROM u GROUP BY 1 HAVING (count(*)) > 1"),
            (Mysql, Postgres, "SELECT upper(u.label) AS k, count(*) FROM u GROUP BY k ORDER BY k", "SELECT upper(u.label) AS k, count(*) FROM u GROUP BY k ORDER BY k"),
            (Mysql, Postgres, "SELECT upper(u.label), u.t_id FROM u GROUP BY upper(u.label)", "SELECT upper(u.label), min(u.t_id) AS t_id FROM u GROUP BY upper(u.label) -- warning: `u.t_id` is selected but neither grouped nor aggregated (MySQL's loose GROUP BY): PostgreSQL reads each as the group's smallest value, which is the value MySQL returns where the column has one value per group"),
        ]);
    }
}
