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
use crate::diag::{Diagnostic, ObjectKind, ObjectRef, codes};
use crate::ir::{Domain, Name, Schema};
use crate::source::Span;

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
        Ok((name, ty, not_null)) => push_alias(cx, schema, &name, &ty, not_null),
        Err(e) => diags.push(cannot_read(cx, "this CREATE TYPE", &e)),
    }
}

/// An alias type, as the domain it is: its base type and NOT NULL, no checks.
fn push_alias(
    cx: &Ctx,
    schema: &mut Schema,
    name: &sqlparser::ast::ObjectName,
    ty: &sqlparser::ast::DataType,
    not_null: bool,
) {
    schema.domains.push(Domain {
        name: cx.name(name),
        base_type: super::table::source_type(ty, cx.dialect).0,
        collation: None,
        default: None,
        not_null,
        checks: Vec::new(),
        span: cx.span(),
        text: cx.raw.text.clone(),
    });
}

/// `EXEC sp_addtype [@typename =] name, [@phystype =] 'base type' [, [@nulltype =] 'NOT
/// NULL' | 'NULL']`: the old way of `CREATE TYPE name FROM base type`
/// (<https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-addtype-transact-sql>).
/// Returns false when the call does not read as one (it is then reported as a call).
fn add_type(cx: &Ctx, args: &str, schema: &mut Schema) -> bool {
    // The arguments, split at top-level commas, each without its `@name =` and its quotes.
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in args.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(&args[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&args[start..]);
    let clean: Vec<String> = parts
        .iter()
        .map(|a| {
            let a = a.trim().trim_end_matches(';').trim();
            let a = match a.split_once('=') {
                Some((name, value)) if name.trim_start().starts_with('@') => value.trim(),
                _ => a,
            };
            let a = a
                .strip_prefix(['N', 'n'])
                .filter(|r| r.starts_with('\''))
                .unwrap_or(a);
            a.trim_matches('\'')
                .trim_matches(['[', ']', '"'])
                .to_string()
        })
        .collect();
    let (Some(name), Some(base)) = (clean.first(), clean.get(1)) else {
        return false;
    };
    let d = cx.dialect.parser();
    let Ok(ty) = Parser::new(&*d)
        .try_with_sql(base)
        .and_then(|mut p| p.parse_data_type())
    else {
        return false;
    };
    if name.is_empty() {
        return false;
    }
    let not_null = clean.get(2).is_some_and(|n| {
        n.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .eq_ignore_ascii_case("NOT NULL")
    });
    let name = sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(name.clone())]);
    push_alias(cx, schema, &name, &ty, not_null);
    true
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

/// What a system procedure does, for the ones scripts call besides `sp_addextendedproperty`
/// (<https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/system-stored-procedures-transact-sql>):
/// whether it only manages the server (logins, users, roles, settings, maintenance: skipped like
/// GRANT and SET), and why ferry does not convert it.
fn system_procedure(name: &str) -> Option<(bool, &'static str)> {
    let security = "manages logins, users or roles, which ferry does not convert (as GRANT)";
    let setting =
        "sets an option or does maintenance of the source server, which carries no schema";
    Some(match name {
        "sp_addrolemember"
        | "sp_droprolemember"
        | "sp_addrole"
        | "sp_droprole"
        | "sp_adduser"
        | "sp_dropuser"
        | "sp_grantdbaccess"
        | "sp_revokedbaccess"
        | "sp_addlogin"
        | "sp_droplogin"
        | "sp_grantlogin"
        | "sp_revokelogin"
        | "sp_addsrvrolemember"
        | "sp_dropsrvrolemember"
        | "sp_changedbowner"
        | "sp_change_users_login"
        | "sp_defaultdb"
        | "sp_password"
        | "sp_addapprole" => (true, security),
        "sp_dboption"
        | "sp_configure"
        | "sp_dbcmptlevel"
        | "sp_fulltext_database"
        | "sp_tableoption"
        | "sp_refreshview"
        | "sp_refreshsqlmodule"
        | "sp_recompile"
        | "sp_updatestats"
        | "sp_autostats"
        | "sp_createstats"
        | "sp_help"
        | "sp_helptext"
        | "sp_helpindex"
        | "sp_settriggerorder"
        | "sp_procoption"
        | "sp_serveroption" => (true, setting),
        "sp_rename" => (
            false,
            "renames an object or column after the script created it; ferry converts the names the script creates",
        ),
        "sp_bindrule" | "sp_unbindrule" => (
            false,
            "binds a rule to a column or alias type; rules are not converted (recreate it as a CHECK constraint)",
        ),
        "sp_bindefault" | "sp_unbindefault" => (
            false,
            "binds a default object to a column or alias type; default objects are not converted (recreate it as a column DEFAULT)",
        ),
        "sp_droptype" => (
            false,
            "drops an alias type after the script declared it; ferry converts the types the script creates",
        ),
        "sp_executesql" => (
            false,
            "runs SQL held in a string, which ferry does not read",
        ),
        _ => return None,
    })
}

/// `EXEC [schema.]procedure ...` other than `sp_addextendedproperty`: skipped with a note when
/// the procedure only manages the server; otherwise a manual action naming the procedure and
/// why it is not converted.
pub fn procedure_call(cx: &Ctx, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let text = cx.raw.text.trim_start();
    let after = text
        .split_once(char::is_whitespace)
        .map_or("", |(_, rest)| rest.trim_start());
    // `EXEC @rc = proc`, `EXEC ('dynamic SQL')`.
    let after = match after.split_once('=') {
        Some((var, rest)) if var.trim_start().starts_with('@') => rest.trim_start(),
        _ => after,
    };
    let called: String = after
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"' | '#' | '@'))
        .collect();
    let procedure = called
        .rsplit('.')
        .next()
        .unwrap_or("")
        .trim_matches(|c| matches!(c, '[' | ']' | '"'))
        .to_ascii_lowercase();
    if procedure == "sp_addtype" && add_type(cx, &after[called.len()..], schema) {
        return;
    }
    let line = Span::new(
        cx.span().start,
        cx.span().start + super::first_line_len(&cx.raw.text),
    );
    let (code, message) = match system_procedure(&procedure) {
        Some((true, why)) => (
            &codes::SKIPPED_STATEMENT,
            format!("skipped: `{procedure}` {why}"),
        ),
        Some((false, why)) => (
            &codes::UNSUPPORTED_STATEMENT,
            format!("a call of `{procedure}` is not converted: it {why}"),
        ),
        None if procedure.is_empty() => (
            &codes::UNSUPPORTED_STATEMENT,
            "an EXEC of dynamic SQL is not converted: ferry does not read SQL held in a string"
                .to_string(),
        ),
        None => (
            &codes::UNSUPPORTED_STATEMENT,
            format!(
                "a call of procedure `{called}` is not converted: ferry does not run procedures, so what it does to the schema is not known"
            ),
        ),
    };
    let mut d = Diagnostic::new(code, message).at(line);
    if std::ptr::eq(code, &codes::UNSUPPORTED_STATEMENT) {
        d = d
            .object(ObjectRef::new(
                ObjectKind::Unsupported("procedure call (EXEC)"),
                cx.raw.text.trim().lines().next().unwrap_or("").to_string(),
            ))
            .help("recreate its effect by hand on the target if you need it");
    }
    diags.push(d);
}

/// SQL Server constraints switched off by `ALTER TABLE t NOCHECK CONSTRAINT {ALL | c, ...}`
/// and not switched on again by a later `CHECK CONSTRAINT` (scripts switch them off around a
/// data load): the source does not check them, the target checks every constraint it creates.
#[derive(Default)]
pub struct Disabled {
    /// (table, the constraints named or ALL, the warning).
    off: Vec<(Name, Vec<String>, Diagnostic)>,
}

impl Disabled {
    /// Reads `ALTER TABLE t [WITH ...] {CHECK | NOCHECK} CONSTRAINT ...`. Returns how many
    /// statements are now skipped as noise: one that switches constraints on (the target checks
    /// them) with the ones that had switched them off.
    pub fn toggle(&mut self, cx: &Ctx) -> usize {
        let Some((off, names)) = crate::parse::sql::constraint_toggle(&cx.raw.text) else {
            return 1;
        };
        let d = cx.dialect.parser();
        let table = parser(cx, &*d)
            .and_then(|mut p| {
                p.expect_keywords(&[Keyword::ALTER, Keyword::TABLE])?;
                p.parse_object_name(false)
            })
            .map(|n| cx.name(&n))
            .unwrap_or_else(|_| Name::bare(""));
        let all = names.iter().any(|n| n == "ALL");
        if !off {
            let before = self.off.len();
            self.off
                .retain(|(t, n, _)| !(t.matches(&table) && (all || *n == names)));
            return 1 + before - self.off.len();
        }
        let what = if all {
            "all constraints".to_string()
        } else {
            format!("constraint {}", names.join(", ").to_lowercase())
        };
        let warning = Diagnostic::new(
            &codes::CONSTRAINT_NOW_CHECKED,
            format!(
                "NOCHECK CONSTRAINT switches {what} of `{table}` off at the source, and the script does not switch them on again; the target checks them, so rows that break them are refused"
            ),
        )
        .at(Span::new(
            cx.span().start,
            cx.span().start + super::first_line_len(&cx.raw.text),
        ));
        self.off.push((table, names, warning));
        0
    }

    /// The warnings for the constraints that stay off.
    pub fn still_off(self) -> impl Iterator<Item = Diagnostic> {
        self.off.into_iter().map(|(_, _, d)| d)
    }
}
