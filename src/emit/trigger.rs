//! Triggers converted between engines, statement by statement, with their expressions through
//! the expression rules (`expr/`). MySQL's BEFORE and AFTER row triggers become, on
//! PostgreSQL, a trigger function in PL/pgSQL and a CREATE TRIGGER that runs it for each row
//! (<https://www.postgresql.org/docs/15/plpgsql-trigger.html>). What a body holds beyond
//! `SET NEW.col = ...`, INSERT, UPDATE, DELETE and IF is refused with the construct named.

use std::collections::HashMap;

use sqlparser::ast::{self, Statement};

use super::expr;
use super::names::Namer;
use super::refusal::Refusal;
use crate::dialect::Dialect;

/// A trigger for the target: the function it runs (where the target needs one) and the
/// statement that creates it, as the target reads them.
pub struct Converted {
    pub function: Option<String>,
    pub trigger: String,
}

/// The trigger `sql` (a CREATE TRIGGER as the source wrote it) for the target; None when ferry
/// converts no trigger between these engines.
pub fn convert(
    sql: &str,
    from: Dialect,
    to: Dialect,
    namer: &Namer,
    types: &HashMap<String, String>,
) -> Option<Result<Converted, Refusal>> {
    match (from, to) {
        (Dialect::Mysql, Dialect::Postgres) => Some(mysql_to_postgres(sql, namer, types)),
        (Dialect::Mysql, Dialect::Sqlite) => Some(mysql_to_sqlite(sql, namer)),
        _ => None,
    }
}

/// A MySQL trigger read (<https://mariadb.com/kb/en/create-trigger/>): one event, BEFORE or
/// AFTER, FOR EACH ROW, one statement or a BEGIN ... END block; NEW and OLD name the row.
fn read_mysql(sql: &str) -> Result<MysqlTrigger, Refusal> {
    let dialect = Dialect::Mysql.parser();
    // A body of one statement ends the trigger without the `;` sqlparser expects after it.
    let parsed = sqlparser::parser::Parser::parse_sql(dialect.as_ref(), sql)
        .or_else(|_| sqlparser::parser::Parser::parse_sql(dialect.as_ref(), &format!("{sql};")))
        .map_err(|e| Refusal::NotConverted(format!("the trigger, which ferry cannot read: {e}")))?;
    let Ok([Statement::CreateTrigger(t)]) = <[Statement; 1]>::try_from(parsed) else {
        return Err(Refusal::NotConverted("the trigger's text".into()));
    };
    let event = match t.events.as_slice() {
        [ast::TriggerEvent::Insert] => "INSERT",
        [ast::TriggerEvent::Update(cols)] if cols.is_empty() => "UPDATE",
        [ast::TriggerEvent::Delete] => "DELETE",
        _ => return Err(Refusal::NotConverted("the trigger's event".into())),
    };
    if t.condition.is_some() || t.exec_body.is_some() || !t.referencing.is_empty() {
        return Err(Refusal::NotConverted("the trigger's clauses".into()));
    }
    let statements = t
        .statements
        .as_ref()
        .ok_or_else(|| Refusal::NotConverted("a trigger without a body".into()))?
        .statements()
        .clone();
    Ok(MysqlTrigger {
        name: last_name(&t.name),
        table: last_name(&t.table_name).to_lowercase(),
        event,
        statements,
        create: t,
    })
}

/// What a MySQL trigger says.
struct MysqlTrigger {
    name: String,
    /// Its table, lower case.
    table: String,
    /// INSERT, UPDATE or DELETE.
    event: &'static str,
    statements: Vec<Statement>,
    create: ast::CreateTrigger,
}

/// For PostgreSQL: a PL/pgSQL trigger function and a CREATE TRIGGER that runs it.
fn mysql_to_postgres(
    sql: &str,
    namer: &Namer,
    types: &HashMap<String, String>,
) -> Result<Converted, Refusal> {
    let (from, to) = (Dialect::Mysql, Dialect::Postgres);
    // sqlparser reads the head (name, event, table); the body is read below. A body it cannot
    // read (DECLARE, loops) stands in as one statement for the head's sake.
    let m = read_mysql(sql).or_else(|why| {
        let start = crate::emit::routine::mysql::trigger_body_start(sql)
            .map_err(|u| Refusal::Procedural(format!("{} is not converted", u.construct)))?;
        read_mysql(&format!("{} SET @ferry_body = 1", &sql[..start])).map_err(|_| why)
    })?;
    let t = &m.create;
    let period = match t.period {
        Some(ast::TriggerPeriod::Before) => "BEFORE",
        Some(ast::TriggerPeriod::After) => "AFTER",
        _ => {
            return Err(Refusal::NotConverted(
                "a trigger that is neither BEFORE nor AFTER".into(),
            ));
        }
    };
    let event = m.event;
    // An AFTER trigger's result is ignored; a BEFORE trigger's row is the one written.
    let returns = match (period, event) {
        ("AFTER", _) => "NULL",
        (_, "DELETE") => "OLD",
        _ => "NEW",
    };
    // The body through the procedural IR, as a routine's: NEW and OLD are rows of the table.
    let block = crate::emit::routine::mysql::read_trigger_body(sql, 0)
        .map_err(|u| Refusal::Procedural(format!("{} is not converted", u.construct)))?;
    let mut printer = crate::emit::routine::plpgsql::Printer::new(namer, from, types, &[]);
    printer.scope = vec![
        ("new".into(), m.table.clone()),
        ("old".into(), m.table.clone()),
    ];
    printer.before_trigger = period == "BEFORE";
    let lines = printer
        .body(
            &block,
            crate::source::Span::new(0, 0),
            &format!("  RETURN {returns};\n"),
        )
        .map_err(|left| Refusal::Procedural(left.why))?;
    let name = m.name.clone();
    let function = namer.quote_raw(&namer.raw(&format!("{name}_fn"), &mut Vec::new()));
    let trigger = namer.quote_raw(&namer.raw(&name, &mut Vec::new()));
    let on = expr::relation(&t.table_name, from, to, namer);
    Ok(Converted {
        function: Some(format!(
            "CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $ferry$\n{lines}$ferry$"
        )),
        trigger: format!(
            "CREATE TRIGGER {trigger} {period} {event} ON {on} FOR EACH ROW EXECUTE FUNCTION {function}()"
        ),
    })
}

/// For SQLite, whose triggers hold INSERT, UPDATE, DELETE and SELECT only, with a WHEN
/// condition (<https://sqlite.org/lang_createtrigger.html>): an AFTER trigger's statements as
/// they are, its body's one IF (without ELSE) as WHEN; a BEFORE INSERT trigger that sets NEW's
/// columns as an AFTER INSERT trigger that updates the row just inserted, found by its primary
/// key (SQLite cannot change NEW; the row ends the same).
fn mysql_to_sqlite(sql: &str, namer: &Namer) -> Result<Converted, Refusal> {
    let (from, to) = (Dialect::Mysql, Dialect::Sqlite);
    let m = read_mysql(sql)?;
    let (t, event, statements, table) = (&m.create, m.event, &m.statements, &m.table);
    let body = Body {
        namer,
        from,
        to,
        table: table.clone(),
    };
    let name = namer.quote_raw(&namer.raw(&m.name, &mut Vec::new()));
    let on = expr::relation(&t.table_name, from, to, namer);
    let (when, lines) = match (t.period, event) {
        (Some(ast::TriggerPeriod::After), _) => match statements.as_slice() {
            [Statement::If(ifs)] if ifs.elseif_blocks.is_empty() && ifs.else_block.is_none() => {
                let cond = ifs
                    .if_block
                    .condition
                    .as_ref()
                    .ok_or_else(|| Refusal::NotConverted("IF without a condition".into()))?;
                let when = format!(" WHEN {}", body.expr(cond)?);
                (
                    when,
                    body.dml(ifs.if_block.conditional_statements.statements())?,
                )
            }
            all => (String::new(), body.dml(all)?),
        },
        (Some(ast::TriggerPeriod::Before), "INSERT") => {
            let pk = namer
                .primary_keys
                .get(table)
                .filter(|pk| !pk.is_empty())
                .ok_or_else(|| {
                    Refusal::NotConverted("SET NEW on a table without a primary key".into())
                })?;
            let mut sets = Vec::new();
            let mut assigned: Vec<String> = Vec::new();
            for s in statements {
                let (col, value) = set_new(s)?;
                // Each SET sees the ones before it; one UPDATE sees the row as inserted.
                if assigned
                    .iter()
                    .any(|a| value.to_string().to_lowercase().contains(a.as_str()))
                {
                    return Err(Refusal::NotConverted(format!(
                        "SET NEW.{col} after a SET it reads"
                    )));
                }
                assigned.push(format!("new.{}", col.value.to_lowercase()));
                let col = expr::column(col, from, to, namer);
                sets.push(format!("{col} = {}", body.expr(value)?));
            }
            let key: Vec<String> = pk
                .iter()
                .map(|c| {
                    let c = expr::column(&ast::Ident::new(c.as_str()), from, to, namer);
                    format!("{c} = NEW.{c}")
                })
                .collect();
            (
                String::new(),
                format!(
                    "  UPDATE {on} SET {} WHERE {};\n",
                    sets.join(", "),
                    key.join(" AND ")
                ),
            )
        }
        _ => {
            return Err(Refusal::NotConverted(
                "a BEFORE trigger other than one that sets NEW on INSERT".into(),
            ));
        }
    };
    Ok(Converted {
        function: None,
        trigger: format!(
            "CREATE TRIGGER {name} AFTER {event} ON {on} FOR EACH ROW{when}\nBEGIN\n{lines}END"
        ),
    })
}

/// `SET NEW.col = value`: the column and the value.
fn set_new(s: &Statement) -> Result<(&ast::Ident, &ast::Expr), Refusal> {
    if let Statement::Set(ast::Set::SingleAssignment {
        scope: None,
        hivevar: false,
        variable,
        values,
    }) = s
        && let [row, col] = variable.0.as_slice()
        && let (Some(row), Some(col), [value]) = (row.as_ident(), col.as_ident(), values.as_slice())
        && row.value.eq_ignore_ascii_case("new")
    {
        return Ok((col, value));
    }
    Err(Refusal::NotConverted(format!(
        "the trigger's statement `{}`",
        first_words(&s.to_string())
    )))
}

/// A trigger body's statements for SQLite (PL/pgSQL's are printed by `routine/plpgsql.rs`).
struct Body<'n> {
    namer: &'n Namer,
    from: Dialect,
    to: Dialect,
    /// The trigger's table (lower case): NEW and OLD are rows of it.
    table: String,
}

impl Body<'_> {
    fn scope(&self) -> Vec<(String, String)> {
        vec![
            ("new".into(), self.table.clone()),
            ("old".into(), self.table.clone()),
        ]
    }

    fn expr(&self, e: &ast::Expr) -> Result<String, Refusal> {
        expr::scoped(e, self.from, self.to, self.namer, self.scope())
    }

    /// INSERT, UPDATE and DELETE statements, each on a line of its own; anything else refused.
    fn dml(&self, statements: &[Statement]) -> Result<String, Refusal> {
        let mut out = String::new();
        for s in statements {
            match s {
                Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
                    let sql = expr::statement(s, self.from, self.to, self.namer, self.scope())?;
                    out.push_str(&format!("  {sql};\n"));
                }
                other => {
                    return Err(Refusal::NotConverted(format!(
                        "the trigger's statement `{}`",
                        first_words(&other.to_string())
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// The last part of a qualified name, unquoted.
fn last_name(name: &ast::ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_default()
}

/// The first few words of a statement, for a message.
fn first_words(s: &str) -> String {
    s.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::names::IdentCase;

    fn types() -> HashMap<String, String> {
        HashMap::from([("int".to_string(), "integer".to_string())])
    }

    fn pg(sql: &str) -> String {
        let namer = Namer::new(Dialect::Postgres, IdentCase::Keep);
        match convert(sql, Dialect::Mysql, Dialect::Postgres, &namer, &types()) {
            Some(Ok(c)) => format!("{}\n{}", c.function.unwrap_or_default(), c.trigger),
            Some(Err(why)) => format!("refused: {why}"),
            None => "no converter".into(),
        }
    }

    #[test]
    fn mysql_row_triggers_become_trigger_functions() {
        assert_eq!(
            pg(
                "CREATE TRIGGER `ins_film` AFTER INSERT ON `film` FOR EACH ROW BEGIN
                INSERT INTO film_text (film_id, title) VALUES (new.film_id, new.title);
              END"
            ),
            "CREATE FUNCTION ins_film_fn() RETURNS trigger LANGUAGE plpgsql AS $ferry$\nBEGIN\n  INSERT INTO film_text (film_id, title) VALUES (new.film_id, new.title);\n  RETURN NULL;\nEND;\n$ferry$\nCREATE TRIGGER ins_film AFTER INSERT ON film FOR EACH ROW EXECUTE FUNCTION ins_film_fn()"
        );
        assert_eq!(
            pg("CREATE TRIGGER upd AFTER UPDATE ON film FOR EACH ROW BEGIN
                IF (old.title != new.title) OR (old.n <> new.n) THEN
                  UPDATE film_text SET title = CONCAT(new.title, '!') WHERE film_id = old.film_id;
                ELSE
                  DELETE FROM film_text WHERE film_id = old.film_id;
                END IF;
              END"),
            "CREATE FUNCTION upd_fn() RETURNS trigger LANGUAGE plpgsql AS $ferry$\nBEGIN\n  IF (old.title <> new.title) OR (old.n <> new.n) THEN\n    UPDATE film_text SET title = (CAST(new.title AS TEXT) || '!') WHERE film_id = old.film_id;\n  ELSE\n    DELETE FROM film_text WHERE film_id = old.film_id;\n  END IF;\n  RETURN NULL;\nEND;\n$ferry$\nCREATE TRIGGER upd AFTER UPDATE ON film FOR EACH ROW EXECUTE FUNCTION upd_fn()"
        );
        assert_eq!(
            pg(
                "CREATE TRIGGER stamp BEFORE INSERT ON customer FOR EACH ROW SET NEW.create_date = NOW()"
            ),
            "CREATE FUNCTION stamp_fn() RETURNS trigger LANGUAGE plpgsql AS $ferry$\nBEGIN\n  NEW.create_date := now();\n  RETURN NEW;\nEND;\n$ferry$\nCREATE TRIGGER stamp BEFORE INSERT ON customer FOR EACH ROW EXECUTE FUNCTION stamp_fn()"
        );
    }

    #[test]
    fn trigger_bodies_take_declarations_and_loops() {
        assert_eq!(
            pg("CREATE TRIGGER c AFTER INSERT ON film FOR EACH ROW BEGIN
                DECLARE v_total INT DEFAULT 0;
                SELECT COUNT(*) INTO v_total FROM film;
                WHILE v_total > 100 DO
                  SET v_total = v_total - 100;
                END WHILE;
                INSERT INTO film_log (film_id, total) VALUES (NEW.film_id, v_total);
              END"),
            "CREATE FUNCTION c_fn() RETURNS trigger LANGUAGE plpgsql AS $ferry$\n#variable_conflict use_variable\nDECLARE\n  v_total integer := 0;\nBEGIN\n  SELECT COUNT(*) FROM film INTO v_total;\n  WHILE v_total > 100 LOOP\n    v_total := v_total - 100;\n  END LOOP;\n  INSERT INTO film_log (film_id, total) VALUES (NEW.film_id, v_total);\n  RETURN NULL;\nEND;\n$ferry$\nCREATE TRIGGER c AFTER INSERT ON film FOR EACH ROW EXECUTE FUNCTION c_fn()"
        );
    }

    fn sqlite(sql: &str) -> String {
        let mut namer = Namer::new(Dialect::Sqlite, IdentCase::Keep);
        std::sync::Arc::make_mut(&mut namer.primary_keys)
            .insert("customer".into(), vec!["customer_id".into()]);
        match convert(sql, Dialect::Mysql, Dialect::Sqlite, &namer, &types()) {
            Some(Ok(c)) => format!("{:?}\n{}", c.function, c.trigger),
            Some(Err(why)) => format!("refused: {why}"),
            None => "no converter".into(),
        }
    }

    #[test]
    fn mysql_row_triggers_become_sqlite_triggers() {
        assert_eq!(
            sqlite(
                "CREATE TRIGGER upd AFTER UPDATE ON film FOR EACH ROW BEGIN
                IF (old.title != new.title) THEN
                  UPDATE film_text SET title = new.title WHERE film_id = old.film_id;
                END IF;
              END"
            ),
            "None\nCREATE TRIGGER upd AFTER UPDATE ON film FOR EACH ROW WHEN (old.title <> new.title)\nBEGIN\n  UPDATE film_text SET title = new.title WHERE film_id = old.film_id;\nEND"
        );
        assert_eq!(
            sqlite(
                "CREATE TRIGGER stamp BEFORE INSERT ON customer FOR EACH ROW SET NEW.create_date = NOW()"
            ),
            "None\nCREATE TRIGGER stamp AFTER INSERT ON customer FOR EACH ROW\nBEGIN\n  UPDATE customer SET create_date = CURRENT_TIMESTAMP WHERE customer_id = NEW.customer_id;\nEND"
        );
        // SQLite cannot change NEW before the row is written, nor branch.
        assert_eq!(
            sqlite("CREATE TRIGGER s BEFORE INSERT ON film FOR EACH ROW SET NEW.a = 1"),
            "refused: `SET NEW on a table without a primary key` is not converted"
        );
        assert_eq!(
            sqlite(
                "CREATE TRIGGER s BEFORE INSERT ON customer FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = NEW.a; END"
            ),
            "refused: `SET NEW.b after a SET it reads` is not converted"
        );
        assert_eq!(
            sqlite(
                "CREATE TRIGGER s AFTER DELETE ON film FOR EACH ROW BEGIN IF old.a THEN DELETE FROM x; ELSE DELETE FROM y; END IF; END"
            ),
            "refused: `the trigger's statement `IF old.a THEN DELETE`` is not converted"
        );
    }

    #[test]
    fn what_has_no_conversion_is_refused_by_name() {
        assert_eq!(
            pg(
                "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN CALL log_it(NEW.b); SET NEW.b = 1; END"
            ),
            "refused: the statement `CALL log_it(NEW.b)` is not converted"
        );
        assert_eq!(
            pg("CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW SET NEW.b = 1"),
            "refused: `SET NEW.b` is not converted"
        );
        let namer = Namer::new(Dialect::Oracle, IdentCase::Keep);
        assert!(
            convert(
                "CREATE TRIGGER t ...",
                Dialect::Mysql,
                Dialect::Oracle,
                &namer,
                &types()
            )
            .is_none()
        );
    }
}
