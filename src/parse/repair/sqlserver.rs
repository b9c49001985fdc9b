//! SQL Server's repairs: storage clauses, `NEXT VALUE FOR`, computed columns, trailing commas.

use crate::diag::codes;

use super::{
    ClauseArg, DialectRepairs, PhysicalClause, Repair, blank, clause_arg_len, find_word,
    nested_len, starts_with_phrase,
};

pub(super) const REPAIRS: DialectRepairs = DialectRepairs {
    first: &[sqlserver_repair],
    clauses: PHYSICAL_CLAUSES,
    // `CREATE UNIQUE NONCLUSTERED INDEX`: the parse stops at UNIQUE.
    clauses_after: Some("UNIQUE"),
    phrases: &[],
    last: &[],
};

/// <https://learn.microsoft.com/en-us/sql/t-sql/statements/create-table-transact-sql>
/// (`ON filegroup`, `TEXTIMAGE_ON`, `WITH (table_option)`, CLUSTERED / NONCLUSTERED) and
/// <https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-transact-sql>
/// (`WITH CHECK | NOCHECK`: whether rows already there are checked).
const PHYSICAL_CLAUSES: &[PhysicalClause] = &[
    (
        "NONCLUSTERED",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NONCLUSTERED (how the index is stored) is dropped",
    ),
    (
        "CLUSTERED",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "CLUSTERED (rows stored in key order) is dropped: the target stores rows its own way",
    ),
    // Replication settings of identities, foreign keys and checks
    // (https://learn.microsoft.com/en-us/sql/relational-databases/replication/control-constraints-identities-and-triggers-with-not-for-replication).
    (
        "NOT FOR REPLICATION",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOT FOR REPLICATION is dropped: the target has no replication agents to exempt",
    ),
    (
        "SPARSE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "SPARSE (storage of mostly-NULL columns) is dropped",
    ),
    (
        "WITH NOCHECK",
        ClauseArg::None,
        &codes::CONSTRAINT_NOW_CHECKED,
        "WITH NOCHECK (rows already there are not checked) is dropped: the target checks the constraint",
    ),
    (
        "WITH CHECK",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "WITH CHECK is dropped: the target checks the constraint",
    ),
    (
        "WITH",
        ClauseArg::Parens,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "storage options WITH (...) are dropped",
    ),
    (
        "TEXTIMAGE_ON",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the filegroup clause TEXTIMAGE_ON is dropped",
    ),
    (
        "ON",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the filegroup clause ON ... is dropped",
    ),
    (
        "ROWGUIDCOL",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "ROWGUIDCOL (the table's row GUID marker) is dropped",
    ),
];

/// SQL Server phrases the parse stops at.
fn sqlserver_repair(text: &str, at: usize) -> Option<Repair> {
    let rest = text.get(at..)?;
    // SQL Server `NEXT VALUE FOR seq` (the parse stops at VALUE): the same-length
    // `      nextval(seq)`, which lowering reads as the sequence's next value.
    if starts_with_phrase(rest, "VALUE FOR").is_some()
        && text[..at].to_ascii_uppercase().ends_with("NEXT ")
    {
        let start = at - "NEXT ".len();
        let after = &text[at + "VALUE FOR".len()..];
        let gap = after.len() - after.trim_start().len();
        let name_len = after[gap..]
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"'))
            })
            .unwrap_or(after.len() - gap);
        if name_len > 0 {
            let end = at + "VALUE FOR".len() + gap + name_len;
            let name = &text[end - name_len..end];
            let call = format!("nextval({name})");
            let replacement = format!("{}{call}", " ".repeat(end - start - call.len()));
            return Some(Repair::new(
                &codes::READ_AS_EQUIVALENT,
                start,
                end,
                replacement,
                "NEXT VALUE FOR is read as the sequence's next value",
            ));
        }
    }
    if let Some(r) = view_attributes(text, at) {
        return Some(r);
    }
    // SQL Server computed column `name AS (expression) [PERSISTED] [NOT NULL]`, which declares
    // no type (https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-computed-column-definition-transact-sql):
    // the parse stops somewhere in its expression. It is left out, as a manual action.
    if let Some(r) = computed_column_around(text, at) {
        return Some(r);
    }
    // SQL Server accepts a comma before the closing parenthesis of a column list.
    if rest.starts_with(')') {
        let before = text[..at].trim_end();
        if before.ends_with(',') {
            let comma = before.len() - 1;
            return Some(Repair::new(
                &codes::READ_AS_EQUIVALENT,
                comma,
                comma + 1,
                " ".to_string(),
                "a trailing comma is dropped",
            ));
        }
    }
    None
}

/// A view's attributes, `CREATE VIEW v WITH SCHEMABINDING, VIEW_METADATA, ENCRYPTION AS ...`
/// (<https://learn.microsoft.com/en-us/sql/t-sql/statements/create-view-transact-sql>), where the
/// parse stops at the first: blanked from WITH to the last, with a note naming them. They say
/// how the source server guards and describes the view, not what it shows.
fn view_attributes(text: &str, at: usize) -> Option<Repair> {
    const ATTRIBUTES: [&str; 3] = ["SCHEMABINDING", "VIEW_METADATA", "ENCRYPTION"];
    let head = text[..at].trim_end();
    let with = head.len().checked_sub("WITH".len())?;
    if !head.get(with..)?.eq_ignore_ascii_case("WITH")
        || find_word(&head.to_ascii_uppercase(), "VIEW").is_none()
    {
        return None;
    }
    let mut end = at;
    let mut names = Vec::new();
    loop {
        let rest = &text[end..];
        let gap = rest.len() - rest.trim_start().len();
        let (name, len) = ATTRIBUTES
            .iter()
            .find_map(|a| starts_with_phrase(&rest[gap..], a).map(|n| (*a, n)))?;
        names.push(name);
        end += gap + len;
        let rest = &text[end..];
        let gap = rest.len() - rest.trim_start().len();
        if !rest[gap..].starts_with(',') {
            break;
        }
        end += gap + 1;
    }
    let guard = if names.contains(&"SCHEMABINDING") {
        " (SCHEMABINDING kept the tables it reads from changing under it)"
    } else {
        ""
    };
    let note = format!(
        "the view attribute{} {} {} dropped: the target's view shows the same rows{guard}",
        if names.len() > 1 { "s" } else { "" },
        names.join(", "),
        if names.len() > 1 { "are" } else { "is" },
    );
    Some(Repair::new(
        &codes::VIEW_OPTION_DROPPED,
        with,
        end,
        blank(&text[with..end]),
        note,
    ))
}

/// The computed column definition (`name AS (...) [PERSISTED] [NOT NULL]` and its comma) that
/// holds `at`, blanked. It starts after a `(` or `,` before `at`: the nearest one whose text
/// reads as such a definition (the parse may stop inside the expression's own parentheses).
fn computed_column_around(text: &str, at: usize) -> Option<Repair> {
    let mut depth = 0usize;
    for (i, c) in text[..at].char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' | ',' if depth == 0 => {
                if let Some(r) = computed_column_at(text, i + 1, at) {
                    return Some(r);
                }
            }
            _ => {}
        }
    }
    None
}

/// A computed column definition starting at `item` (after whitespace) and reaching past `at`.
fn computed_column_at(text: &str, item: usize, at: usize) -> Option<Repair> {
    let rest = &text[item..];
    let indent = rest.len() - rest.trim_start().len();
    let def = &rest[indent..];
    let name_len = match def.chars().next()? {
        '[' => def.find(']')? + 1,
        '"' => def[1..].find('"')? + 2,
        _ => def.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?,
    };
    let after_name = &def[name_len..];
    let gap = after_name.len() - after_name.trim_start().len();
    let as_len = starts_with_phrase(&after_name[gap..], "AS")?;
    let after_as = &after_name[gap + as_len..];
    // SSMS writes the expression in parentheses; by hand it may stand bare (`AS a + b`), up to
    // the comma or parenthesis that ends the column.
    let expr_len = clause_arg_len(after_as, ClauseArg::Parens)
        .filter(|n| {
            !after_as[*n..]
                .trim_start()
                .starts_with(['+', '-', '*', '/', '%'])
        })
        .unwrap_or_else(|| nested_len(after_as, true));
    if after_as[..expr_len].trim().is_empty() {
        return None;
    }
    let mut len = name_len + gap + as_len + expr_len;
    for tail in ["PERSISTED", "NOT NULL", "NULL"] {
        let rest = &def[len..];
        let gap = rest.len() - rest.trim_start().len();
        if let Some(n) = starts_with_phrase(&rest[gap..], tail) {
            len += gap + n;
        }
    }
    let rest = &def[len..];
    if rest.trim_start().starts_with(',') {
        len += rest.len() - rest.trim_start().len() + 1;
    }
    let start = item + indent;
    let end = start + len;
    (end > at).then(|| Repair {
        start,
        end,
        replacement: blank(&text[start..end]),
        code: &codes::COMPUTED_COLUMN_MANUAL,
        note: "a computed column (AS expression) is left out of the table: recreate it as a generated column".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::check;
    use crate::dialect::Dialect;

    #[test]
    fn sqlserver_phrases_sqlparser_cannot_read() {
        let s = Dialect::SqlServer;
        check(
            s,
            "CREATE TABLE t ([a] int, [b] AS ([a] * 2) PERSISTED, [c] int)",
            &["computed column"],
        );
        check(s, "CREATE TABLE t (a int,\n)", &["trailing comma"]);
        check(
            s,
            "CREATE TABLE t (a int DEFAULT NEXT VALUE FOR dbo.s)",
            &["NEXT VALUE FOR"],
        );
        check(
            s,
            "CREATE UNIQUE NONCLUSTERED INDEX i ON t (a) WITH (FILLFACTOR = 80) ON [PRIMARY]",
            &["NONCLUSTERED", "WITH (...)", "filegroup"],
        );
        check(
            s,
            "ALTER TABLE t WITH NOCHECK ADD CONSTRAINT pk PRIMARY KEY CLUSTERED (a)",
            &["WITH NOCHECK"],
        );
        check(
            s,
            "CREATE TABLE t (id int IDENTITY(1,1) NOT FOR REPLICATION NOT NULL, n int SPARSE NULL)",
            &["NOT FOR REPLICATION", "SPARSE"],
        );
    }
}
