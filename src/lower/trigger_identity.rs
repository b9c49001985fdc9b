//! Oracle before 12c had no identity columns: a sequence and a `BEFORE INSERT ... FOR EACH ROW`
//! trigger that assigns `seq.NEXTVAL` to `:NEW.col` were the way to number rows
//! (<https://docs.oracle.com/en/database/oracle/oracle-database/19/lnpls/plsql-triggers.html>,
//! "Trigger Uses"; identity columns came in 12c,
//! <https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html>).
//! This pass reads that pattern as an identity on the column. A trigger that does nothing else
//! is absorbed with its sequence; one that does more stays (a manual action on other engines)
//! and keeps its sequence.

use crate::diag::ObjectRef;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::diag::{Diagnostic, codes};
use crate::dialect::Dialect;
use crate::ir::{Identity, IdentityKind, Name, RoutineKind, Schema};

/// The trigger's tokens as upper-case text (quoted words keep their case), `:NEW` and `:=` as
/// one token each, whitespace dropped.
fn tokens(body: &str) -> Vec<String> {
    let d = Dialect::Oracle.parser();
    let Ok(toks) = Tokenizer::new(&*d, body).tokenize() else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for t in toks {
        let text = match t {
            Token::Whitespace(_) | Token::EOF => continue,
            Token::Word(w) if w.quote_style.is_some() => w.value,
            Token::Word(w) => w.value.to_ascii_uppercase(),
            other => other.to_string().to_ascii_uppercase(),
        };
        match out.last_mut() {
            Some(last) if last == ":" && (text == "NEW" || text == "=") => last.push_str(&text),
            _ => out.push(text),
        }
    }
    out
}

/// (table, column, sequence) of `CREATE TRIGGER t BEFORE INSERT ON table FOR EACH ROW` whose
/// body assigns `seq.NEXTVAL` to `:NEW.column`, and whether the body does nothing else.
fn pattern(toks: &[String]) -> Option<(String, String, String, bool)> {
    let at = |i: usize| toks.get(i).map(String::as_str);
    let before = toks.iter().position(|t| t == "BEFORE")?;
    if at(before + 1) != Some("INSERT") || at(before + 2) != Some("ON") {
        return None;
    }
    let table = at(before + 3)?.to_string();
    // The body's BEGIN comes after the head (a trigger may be named "BEGIN").
    let begin = before + toks[before..].iter().position(|t| t == "BEGIN")?;
    if !toks[before..begin]
        .windows(3)
        .any(|w| w == ["FOR", "EACH", "ROW"])
    {
        return None;
    }
    let body = &toks[begin + 1..];
    let mut found = None;
    let mut only_identity = true;
    for stmt in body.split(|t| t == ";") {
        // `IF :NEW.id IS NULL THEN` guards the assignment; `END IF` and `END` close blocks.
        let stmt = match stmt.iter().position(|t| t == "THEN") {
            Some(then) if stmt.first().is_some_and(|t| t == "IF") => &stmt[then + 1..],
            _ => stmt,
        };
        let s: Vec<&str> = stmt.iter().map(String::as_str).collect();
        match s.as_slice() {
            [] | ["END"] | ["END", "IF"] => {}
            // SELECT seq.NEXTVAL INTO :NEW.col FROM DUAL
            ["SELECT", seq, ".", "NEXTVAL", "INTO", ":NEW", ".", col, "FROM", "DUAL"]
            | ["SELECT", seq, ".", "NEXTVAL", "INTO", ":NEW", ".", col, "FROM", "SYS", ".", "DUAL"]
            // :NEW.col := seq.NEXTVAL
            | [":NEW", ".", col, ":=", seq, ".", "NEXTVAL"]
                if found.is_none() =>
            {
                found = Some((col.to_string(), seq.to_string()));
            }
            _ => only_identity = false,
        }
    }
    let (column, sequence) = found?;
    Some((table, column, sequence, only_identity))
}

pub fn absorb_trigger_identities(schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let mut absorbed_triggers = Vec::new();
    let mut absorbed_sequences = Vec::new();
    for (ri, r) in schema.routines.iter().enumerate() {
        if r.kind != RoutineKind::Trigger {
            continue;
        }
        let Some((table, column, sequence, only_identity)) = pattern(&tokens(&r.body)) else {
            continue;
        };
        let seq_name = Name::bare(sequence);
        let Some(seq) = schema.sequences.iter().find(|s| s.name.matches(&seq_name)) else {
            continue;
        };
        let (start, increment, seq_name) = (seq.start, seq.increment, seq.name.clone());
        let table_name = Name::bare(table);
        let Some(t) = schema
            .tables
            .iter_mut()
            .find(|t| t.name.matches(&table_name))
        else {
            continue;
        };
        let t_name = t.name.clone();
        let Some(c) = t
            .columns
            .iter_mut()
            .find(|c| c.name.eq_ignore_ascii_case(&column))
        else {
            continue;
        };
        if c.identity.is_some() {
            continue;
        }
        c.identity = Some(Identity {
            kind: IdentityKind::Identity,
            always: false,
            start: start.filter(|s| *s != 1),
            increment: increment.filter(|i| *i != 1),
        });
        let what = format!(
            "sequence `{seq_name}` and trigger `{}` number the rows of `{t_name}`: `{}` becomes an identity column",
            r.name, c.name
        );
        let diag = Diagnostic::new(&codes::IDENTITY_CONVERTED, what)
            .at(r.head)
            .object(ObjectRef::table(&t_name));
        if only_identity {
            absorbed_triggers.push(ri);
            absorbed_sequences.push(seq_name);
            diags.push(
                diag.note("the trigger does nothing else: it and the sequence are not emitted"),
            );
        } else {
            diags.push(diag.note(
                "the trigger does more than that: it stays (a manual action on other engines), and so does the sequence",
            ));
        }
    }
    let mut i = 0;
    schema.routines.retain(|_| {
        i += 1;
        !absorbed_triggers.contains(&(i - 1))
    });
    schema
        .sequences
        .retain(|s| !absorbed_sequences.contains(&s.name));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_trigger_pattern() {
        let t = tokens(
            "CREATE OR REPLACE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  IF :NEW.id IS NULL THEN\n    SELECT t_seq.NEXTVAL INTO :NEW.id FROM DUAL;\n  END IF;\nEND;",
        );
        assert_eq!(
            pattern(&t),
            Some(("T".into(), "ID".into(), "T_SEQ".into(), true))
        );
        let t = tokens(
            "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN :new.id := t_seq.nextval; :new.at := sysdate; END;",
        );
        assert_eq!(
            pattern(&t),
            Some(("T".into(), "ID".into(), "T_SEQ".into(), false))
        );
        // AFTER INSERT, or no row trigger: not the pattern.
        let t = tokens(
            "CREATE TRIGGER a AFTER INSERT ON t FOR EACH ROW BEGIN :new.id := s.nextval; END;",
        );
        assert_eq!(pattern(&t), None);
        let t = tokens("CREATE TRIGGER a BEFORE INSERT ON t BEGIN :new.id := s.nextval; END;");
        assert_eq!(pattern(&t), None);
        // A trigger named like a keyword is read by its head, not its name.
        let t = tokens(
            "CREATE TRIGGER \"BEGIN\" BEFORE INSERT ON t FOR EACH ROW BEGIN :new.id := s.nextval; END;",
        );
        assert_eq!(
            pattern(&t),
            Some(("T".into(), "ID".into(), "S".into(), true))
        );
    }
}
