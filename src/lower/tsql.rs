//! T-SQL statements sqlparser 0.63 cannot read (../shared/SQLPARSER-GAPS.md), read with its parser's
//! building blocks instead: alias types (`CREATE TYPE t FROM nvarchar(16)`,
//! <https://learn.microsoft.com/en-us/sql/t-sql/statements/create-type-transact-sql>) and named
//! defaults added to a column (`ALTER TABLE t ADD CONSTRAINT df DEFAULT (getdate()) FOR c`,
//! <https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-transact-sql>).

use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};

use super::Ctx;
use super::default::lower_default;
use crate::diag::{Diagnostic, codes};
use crate::ir::{Domain, Schema};

fn parser<'d>(cx: &Ctx, d: &'d dyn sqlparser::dialect::Dialect) -> Result<Parser<'d>, ParserError> {
    Parser::new(d).try_with_sql(&cx.raw.text)
}

fn cannot_read(cx: &Ctx, what: &str, err: &ParserError) -> Diagnostic {
    Diagnostic::new(&codes::PARSE_ERROR, format!("cannot read {what}: {err}")).at(cx.span())
}

/// `CREATE TYPE name FROM base_type [NULL | NOT NULL]`: a domain without checks.
pub fn alias_type(cx: &Ctx, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let d = cx.dialect.parser();
    let read = parser(cx, &*d).and_then(|mut p| {
        p.expect_keywords(&[Keyword::CREATE, Keyword::TYPE])?;
        let name = p.parse_object_name(false)?;
        p.expect_keyword(Keyword::FROM)?;
        let ty = p.parse_data_type()?;
        Ok((name, ty))
    });
    match read {
        Ok((name, ty)) => schema.domains.push(Domain {
            name: cx.name(&name),
            base_type: super::table::source_type(&ty, cx.dialect).0,
            checks: Vec::new(),
            span: cx.span(),
        }),
        Err(e) => diags.push(cannot_read(cx, "this CREATE TYPE", &e)),
    }
}

/// `ALTER TABLE t ADD [CONSTRAINT name] DEFAULT expr FOR column`: the column's default.
pub fn named_default(cx: &Ctx, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let d = cx.dialect.parser();
    let read = parser(cx, &*d).and_then(|mut p| {
        p.expect_keywords(&[Keyword::ALTER, Keyword::TABLE])?;
        let table = p.parse_object_name(false)?;
        p.expect_keyword(Keyword::ADD)?;
        if p.parse_keyword(Keyword::CONSTRAINT) {
            p.parse_identifier()?;
        }
        p.expect_keyword(Keyword::DEFAULT)?;
        let expr = p.parse_expr()?;
        p.expect_keyword(Keyword::FOR)?;
        let column = p.parse_identifier()?;
        Ok((table, expr, column))
    });
    let (table, expr, column) = match read {
        Ok(r) => r,
        Err(e) => {
            diags.push(cannot_read(cx, "this ALTER TABLE ... DEFAULT ... FOR", &e));
            return;
        }
    };
    let (table, column) = (cx.name(&table), cx.ident(&column));
    match schema
        .table_mut(&table)
        .and_then(|t| t.column_mut(&column))
    {
        Some(c) => c.default = Some(lower_default(&expr)),
        None => diags.push(
            Diagnostic::new(
                &codes::UNKNOWN_REFERENCE,
                format!(
                    "ALTER TABLE names `{table}.{column}`, which the script does not create; the default is not converted"
                ),
            )
            .at(cx.span()),
        ),
    }
}
