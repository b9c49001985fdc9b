//! CREATE SEQUENCE and ALTER SEQUENCE, read from tokens: sqlparser 0.63 accepts sequence options
//! only in one fixed order and has no ALTER SEQUENCE ... OWNED BY (../shared/SQLPARSER-GAPS.md),
//! while pg_dump writes `START WITH 1 INCREMENT BY 1 NO MINVALUE ...` and `OWNED BY t.c`.
//! Options follow <https://www.postgresql.org/docs/current/sql-createsequence.html>.

use crate::diag::{ObjectKind, ObjectRef};
use sqlparser::tokenizer::{Token, Tokenizer};

use super::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::ir::{Name, Schema, Sequence};

/// Words, numbers and dots of a statement; everything else is dropped.
#[derive(Debug, PartialEq)]
enum Tok {
    Word(String, bool),
    Num(i64),
    Dot,
    Other,
}

fn tokens(cx: &Ctx) -> Option<Vec<Tok>> {
    let d = cx.dialect.parser();
    let toks = Tokenizer::new(&*d, &cx.raw.text).tokenize().ok()?;
    let mut out = Vec::new();
    let mut negative = false;
    for t in toks {
        match t {
            Token::Whitespace(_) => continue,
            Token::Minus => {
                negative = true;
                continue;
            }
            Token::Word(w) => out.push(Tok::Word(w.value, w.quote_style.is_some())),
            Token::Number(n, _) => {
                let v: i64 = n.parse().ok()?;
                out.push(Tok::Num(if negative { -v } else { v }));
            }
            Token::Period => out.push(Tok::Dot),
            Token::SemiColon | Token::EOF => {}
            _ => out.push(Tok::Other),
        }
        negative = false;
    }
    Some(out)
}

fn is_kw(t: Option<&Tok>, kw: &str) -> bool {
    matches!(t, Some(Tok::Word(w, false)) if w.eq_ignore_ascii_case(kw))
}

/// A dotted name starting at `i`; returns the parts and the index after it.
fn dotted(cx: &Ctx, toks: &[Tok], mut i: usize) -> (Vec<String>, usize) {
    let mut parts = Vec::new();
    while let Some(Tok::Word(w, quoted)) = toks.get(i) {
        let folded = if *quoted {
            w.clone()
        } else {
            cx.dialect.fold_unquoted(w)
        };
        parts.push(folded);
        i += 1;
        if toks.get(i) == Some(&Tok::Dot) {
            i += 1;
        } else {
            break;
        }
    }
    (parts, i)
}

fn to_name(mut parts: Vec<String>) -> Option<Name> {
    let name = parts.pop()?;
    Some(Name::new(parts.pop(), name))
}

/// Applies sequence options from `i` on; unknown words are reported, not guessed.
fn options(cx: &Ctx, toks: &[Tok], mut i: usize, seq: &mut Sequence, diags: &mut Vec<Diagnostic>) {
    let num = |j: usize| match toks.get(j) {
        Some(Tok::Num(n)) => Some(*n),
        _ => None,
    };
    while i < toks.len() {
        let word = match &toks[i] {
            Tok::Word(w, false) => w.to_ascii_uppercase(),
            _ => {
                i += 1;
                continue;
            }
        };
        i += 1;
        match word.as_str() {
            "START" | "RESTART" => {
                if is_kw(toks.get(i), "WITH") {
                    i += 1;
                }
                seq.start = num(i).or(seq.start);
            }
            "INCREMENT" => {
                if is_kw(toks.get(i), "BY") {
                    i += 1;
                }
                seq.increment = num(i);
            }
            "MINVALUE" => seq.min = num(i),
            "MAXVALUE" => seq.max = num(i),
            "NO" => {
                // NO MINVALUE / NO MAXVALUE / NO CYCLE: the defaults.
                if is_kw(toks.get(i), "CYCLE") {
                    seq.cycle = false;
                }
                i += 1;
            }
            "CYCLE" => seq.cycle = true,
            "CACHE" | "AS" => i += 1,
            // Oracle's allocation and ordering options
            // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-SEQUENCE.html):
            // how the server hands out numbers, not which.
            "NOCACHE" | "ORDER" | "NOORDER" | "KEEP" | "NOKEEP" | "NOSCALE" | "NOSHARD"
            | "NOMINVALUE" | "NOMAXVALUE" => {}
            "NOCYCLE" => seq.cycle = false,
            // `SEQUENCE NAME s` inside identity options: the target names its own sequence.
            "SEQUENCE" if is_kw(toks.get(i), "NAME") => i = dotted(cx, toks, i + 1).1,
            "OWNED" => {
                if is_kw(toks.get(i), "BY") {
                    i += 1;
                }
                if is_kw(toks.get(i), "NONE") {
                    seq.owned_by = None;
                    i += 1;
                } else {
                    let (mut parts, next) = dotted(cx, toks, i);
                    i = next;
                    if let (Some(col), Some(table)) = (parts.pop(), to_name(parts)) {
                        seq.owned_by = Some((table, col));
                    }
                }
            }
            other => diags.push(
                Diagnostic::new(
                    &codes::IDENTITY_OPTION_DROPPED,
                    format!(
                        "sequence option `{other}` of `{}` is not converted",
                        seq.name
                    ),
                )
                .at(cx.span())
                .object(ObjectRef::new(ObjectKind::Sequence, &seq.name)),
            ),
        }
    }
}

pub fn create_or_alter_sequence(cx: &Ctx, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let Some(toks) = tokens(cx) else {
        diags.push(
            Diagnostic::new(&codes::PARSE_ERROR, "cannot read this sequence statement")
                .at(cx.span()),
        );
        return;
    };
    let alter = is_kw(toks.first(), "ALTER");
    let mut i = 1;
    while is_kw(toks.get(i), "TEMP")
        || is_kw(toks.get(i), "TEMPORARY")
        || is_kw(toks.get(i), "SEQUENCE")
    {
        i += 1;
    }
    for kw in ["IF", "NOT", "EXISTS"] {
        if is_kw(toks.get(i), kw) {
            i += 1;
        }
    }
    let (parts, next) = dotted(cx, &toks, i);
    let Some(name) = to_name(parts) else {
        diags.push(Diagnostic::new(&codes::PARSE_ERROR, "expected a sequence name").at(cx.span()));
        return;
    };
    if alter {
        let Some(seq) = schema.sequences.iter_mut().find(|s| s.name.matches(&name)) else {
            diags.push(
                Diagnostic::new(
                    &codes::UNKNOWN_REFERENCE,
                    format!("ALTER SEQUENCE names `{name}`, which the script does not create"),
                )
                .at(cx.span()),
            );
            return;
        };
        let mut s = seq.clone();
        options(cx, &toks, next, &mut s, diags);
        *seq = s;
        return;
    }
    let mut seq = Sequence::new(name, cx.span());
    options(cx, &toks, next, &mut seq, diags);
    schema.sequences.push(seq);
}

/// `ALTER TABLE [ONLY] t ALTER [COLUMN] c ADD GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(opts)]`.
pub fn add_identity(cx: &Ctx, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let Some(toks) = tokens(cx) else {
        diags.push(
            Diagnostic::new(
                &codes::PARSE_ERROR,
                "cannot read this ALTER TABLE statement",
            )
            .at(cx.span()),
        );
        return;
    };
    let mut i = 2;
    for kw in ["IF", "EXISTS", "ONLY"] {
        if is_kw(toks.get(i), kw) {
            i += 1;
        }
    }
    let (parts, next) = dotted(cx, &toks, i);
    i = next;
    if !is_kw(toks.get(i), "ALTER") {
        diags.push(Diagnostic::new(&codes::PARSE_ERROR, "expected ALTER COLUMN").at(cx.span()));
        return;
    }
    i += 1;
    if is_kw(toks.get(i), "COLUMN") {
        i += 1;
    }
    let (mut col, next) = dotted(cx, &toks, i);
    i = next;
    let (Some(table_name), Some(column)) = (to_name(parts), col.pop()) else {
        diags.push(
            Diagnostic::new(&codes::PARSE_ERROR, "expected a table and a column name")
                .at(cx.span()),
        );
        return;
    };
    let always = is_kw(toks.get(i + 2), "ALWAYS");
    // Identity options are sequence options: read them into a scratch sequence.
    let mut seq = Sequence::new(table_name.clone(), cx.span());
    let opts_from = toks
        .iter()
        .position(|t| matches!(t, Tok::Other))
        .unwrap_or(toks.len());
    options(cx, &toks, opts_from, &mut seq, diags);
    let Some(c) = schema
        .table_mut(&table_name)
        .and_then(|t| t.column_mut(&column))
    else {
        diags.push(
            Diagnostic::new(
                &codes::UNKNOWN_REFERENCE,
                format!(
                    "ALTER TABLE names `{table_name}.{column}`, which the script does not create"
                ),
            )
            .at(cx.span()),
        );
        return;
    };
    diags.extend(super::table::identity_limits_dropped(
        &c.name,
        (seq.min, seq.max, seq.cycle),
        cx.span(),
    ));
    c.identity = Some(crate::ir::Identity {
        kind: crate::ir::IdentityKind::Identity,
        always,
        start: seq.start.filter(|s| *s != 1),
        increment: seq.increment.filter(|s| *s != 1),
    });
    c.nullable = false;
}

/// pg_dump's `SELECT pg_catalog.setval('seq', n, called)` (after the data, even in a schema-only
/// dump): the sequence hands out `n + increment` next (`n` when `called` is false,
/// https://www.postgresql.org/docs/15/functions-sequence.html). A converted schema has no
/// rows and no sequence state, so that value becomes the start: of the sequence, of the serial
/// column that absorbs it, or of the identity column whose sequence it is (pg_dump names it
/// `table_column_seq`). MySQL prints it as the table's AUTO_INCREMENT.
pub fn setval(cx: &Ctx, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let Some((name, value, called)) = setval_args(cx) else {
        diags.push(
            Diagnostic::new(&codes::PARSE_ERROR, "cannot read this setval call").at(cx.span()),
        );
        return;
    };
    let next = |increment: Option<i64>| {
        if called {
            value.checked_add(increment.unwrap_or(1))
        } else {
            Some(value)
        }
    };
    // What the setval applies to, and the start it gives (None: past the largest bigint).
    let mut target = None;
    if let Some(seq) = schema.sequences.iter_mut().find(|s| s.name.matches(&name)) {
        let n = next(seq.increment);
        seq.start = n.or(seq.start);
        target = Some(("sequence".to_string(), n));
    } else {
        for t in &mut schema.tables {
            for c in &mut t.columns {
                let Some(id) = c.identity.as_mut() else {
                    continue;
                };
                let own = Name::new(
                    t.name.schema.clone(),
                    format!("{}_{}_seq", t.name.name, c.name),
                );
                if own.matches(&name) {
                    let n = next(id.increment);
                    id.start = n.or(id.start);
                    target = Some((format!("identity of `{}.{}`", t.name, c.name), n));
                }
            }
        }
    }
    let diag = match target {
        Some((what, None)) => Diagnostic::new(
            &codes::IDENTITY_OPTION_DROPPED,
            format!(
                "setval of `{name}`: the {what} would go past the largest bigint; its start is not changed"
            ),
        ),
        Some((what, Some(n))) => Diagnostic::new(
            &codes::IDENTITY_CONVERTED,
            format!(
                "setval of `{name}`: the {what} starts at {n} on the target, the value the source hands out next"
            ),
        ),
        None => Diagnostic::new(
            &codes::UNKNOWN_REFERENCE,
            format!(
                "setval names the sequence `{name}`, which the script does not create; it is not converted"
            ),
        ),
    };
    diags.push(diag.at(cx.span()));
}

/// The sequence name, value and `is_called` of `SELECT [pg_catalog.]setval('name', n [, b])`.
fn setval_args(cx: &Ctx) -> Option<(Name, i64, bool)> {
    let d = cx.dialect.parser();
    let toks = Tokenizer::new(&*d, &cx.raw.text).tokenize().ok()?;
    let mut toks = toks
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .skip_while(|t| *t != Token::LParen)
        .skip(1);
    let Some(Token::SingleQuotedString(text)) = toks.next() else {
        return None;
    };
    if toks.next()? != Token::Comma {
        return None;
    }
    let mut sign = 1;
    let mut tok = toks.next()?;
    if tok == Token::Minus {
        sign = -1;
        tok = toks.next()?;
    }
    let Token::Number(n, _) = tok else {
        return None;
    };
    let value = n.parse::<i64>().ok()?.checked_mul(sign)?;
    // `, false`: the value itself comes next; `, true` or nothing: the one after it.
    let called = !matches!(
        (toks.next(), toks.next()),
        (Some(Token::Comma), Some(Token::Word(w))) if w.value.eq_ignore_ascii_case("false")
    );
    // The name is read as regclass reads it: dotted, unquoted parts folded.
    let parts: Vec<String> = text
        .split('.')
        .map(
            |p| match p.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(quoted) => quoted.to_string(),
                None => cx.dialect.fold_unquoted(p),
            },
        )
        .collect();
    Some((to_name(parts)?, value, called))
}
