//! T-SQL statements sqlparser 0.63 cannot read (../shared/SQLPARSER-GAPS.md), read with its parser's
//! building blocks instead: alias types (`CREATE TYPE t FROM nvarchar(16)`,
//! <https://learn.microsoft.com/en-us/sql/t-sql/statements/create-type-transact-sql>) and named
//! defaults added to a column (`ALTER TABLE t ADD CONSTRAINT df DEFAULT (getdate()) FOR c`,
//! <https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-transact-sql>), and
//! comments, which SQL Server keeps as the extended property `MS_Description`
//! (<https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-addextendedproperty-transact-sql>).

use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

use super::Ctx;
use super::default::lower_default;
use crate::diag::{Diagnostic, codes};
use crate::ir::{Domain, Name, Schema};

pub(super) fn parser<'d>(
    cx: &Ctx,
    d: &'d dyn sqlparser::dialect::Dialect,
) -> Result<Parser<'d>, ParserError> {
    Parser::new(d).try_with_sql(&cx.raw.text)
}

pub(super) fn cannot_read(cx: &Ctx, what: &str, err: &ParserError) -> Diagnostic {
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
        let not_null = p.parse_keywords(&[Keyword::NOT, Keyword::NULL]);
        Ok((name, ty, not_null))
    });
    match read {
        Ok((name, ty, not_null)) => schema.domains.push(Domain {
            name: cx.name(&name),
            base_type: super::table::source_type(&ty, cx.dialect).0,
            collation: None,
            default: None,
            not_null,
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
        Some(c) => c.default = Some(lower_default(&expr, cx.dialect)),
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

/// The parameters of `sp_addextendedproperty`, in their positional order.
const PROPERTY_PARAMS: [&str; 8] = [
    "@name",
    "@value",
    "@level0type",
    "@level0name",
    "@level1type",
    "@level1name",
    "@level2type",
    "@level2name",
];

/// The procedure's arguments by position, named (`@value = N'...'`) or positional; NULL or a
/// missing argument is None.
fn property_args(cx: &Ctx) -> Option<[Option<String>; 8]> {
    let d = cx.dialect.parser();
    let toks = Tokenizer::new(&*d, &cx.raw.text).tokenize().ok()?;
    let toks: Vec<Token> = toks
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let start = toks.iter().position(
        |t| matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("sp_addextendedproperty")),
    )?;
    let mut args: [Option<String>; 8] = Default::default();
    let mut position = 0;
    let mut i = start + 1;
    while i < toks.len() && position < 8 {
        let mut slot = position;
        if let (Token::Word(w), Some(Token::Eq)) = (&toks[i], toks.get(i + 1)) {
            slot = PROPERTY_PARAMS
                .iter()
                .position(|p| p.eq_ignore_ascii_case(&w.value))?;
            i += 2;
        }
        let value = match toks.get(i)? {
            Token::SingleQuotedString(s) | Token::NationalStringLiteral(s) => Some(s.clone()),
            Token::Word(w) if w.value.eq_ignore_ascii_case("NULL") => None,
            _ => return None,
        };
        args[slot] = value;
        position = slot + 1;
        i += 1;
        match toks.get(i) {
            Some(Token::Comma) => i += 1,
            _ => break,
        }
    }
    Some(args)
}

/// `EXEC sp_addextendedproperty N'MS_Description', N'text', N'SCHEMA', N'dbo', N'TABLE', N't'
/// [, N'COLUMN', N'c']`: the comment of a table or a column. Other properties are reported.
pub fn extended_property(cx: &Ctx, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let Some(args) = property_args(cx) else {
        diags.push(
            Diagnostic::new(
                &codes::PARSE_ERROR,
                "cannot read the arguments of sp_addextendedproperty",
            )
            .at(cx.span()),
        );
        return;
    };
    let arg = |i: usize| args[i].as_deref().unwrap_or("");
    let is = |i: usize, v: &str| arg(i).eq_ignore_ascii_case(v);
    if !is(0, "MS_Description") || !is(4, "TABLE") || !(args[6].is_none() || is(6, "COLUMN")) {
        diags.push(
            Diagnostic::new(
                &codes::UNSUPPORTED_STATEMENT,
                format!(
                    "extended property `{}` on {} `{}` is not converted",
                    arg(0),
                    arg(4).to_lowercase(),
                    arg(5)
                ),
            )
            .at(cx.span()),
        );
        return;
    }
    let schema_name = (is(2, "SCHEMA") && cx.dialect.implied_schema() != Some(arg(3)))
        .then(|| arg(3).to_string());
    let table = Name::new(schema_name, arg(5));
    let comment = args[1].clone();
    let found = schema.table_mut(&table).and_then(|t| match &args[7] {
        Some(column) => t.column_mut(column).map(|c| c.comment = comment),
        None => {
            t.comment = comment;
            Some(())
        }
    });
    if found.is_none() {
        diags.push(
            Diagnostic::new(
                &codes::UNKNOWN_REFERENCE,
                format!("a comment names `{table}`, which the script does not create; it is not converted"),
            )
            .at(cx.span()),
        );
    }
}
