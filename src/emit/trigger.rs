//! Triggers converted between engines, statement by statement, with their expressions through
//! the expression rules (`expr/`). MySQL's BEFORE and AFTER row triggers become, on
//! PostgreSQL, a trigger function in PL/pgSQL and a CREATE TRIGGER that runs it for each row
//! (<https://www.postgresql.org/docs/15/plpgsql-trigger.html>). What a body holds beyond
//! `SET NEW.col = ...`, INSERT, UPDATE, DELETE and IF is refused with the construct named.

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
) -> Option<Result<Converted, Refusal>> {
    match (from, to) {
        (Dialect::Mysql, Dialect::Postgres) => Some(mysql_to_postgres(sql, namer)),
        _ => None,
    }
}

/// MySQL's trigger (<https://mariadb.com/kb/en/create-trigger/>): one event, BEFORE or AFTER,
/// FOR EACH ROW, one statement or a BEGIN ... END block; NEW and OLD name the row.
fn mysql_to_postgres(sql: &str, namer: &Namer) -> Result<Converted, Refusal> {
    let (from, to) = (Dialect::Mysql, Dialect::Postgres);
    let dialect = from.parser();
    // A body of one statement ends the trigger without the `;` sqlparser expects after it.
    let parsed = sqlparser::parser::Parser::parse_sql(dialect.as_ref(), sql)
        .or_else(|_| sqlparser::parser::Parser::parse_sql(dialect.as_ref(), &format!("{sql};")))
        .map_err(|e| Refusal::NotConverted(format!("the trigger, which ferry cannot read: {e}")))?;
    let [Statement::CreateTrigger(t)] = parsed.as_slice() else {
        return Err(Refusal::NotConverted("the trigger's text".into()));
    };
    let period = match t.period {
        Some(ast::TriggerPeriod::Before) => "BEFORE",
        Some(ast::TriggerPeriod::After) => "AFTER",
        _ => {
            return Err(Refusal::NotConverted(
                "a trigger that is neither BEFORE nor AFTER".into(),
            ));
        }
    };
    let (event, returns) = match t.events.as_slice() {
        [ast::TriggerEvent::Insert] => ("INSERT", "NEW"),
        [ast::TriggerEvent::Update(cols)] if cols.is_empty() => ("UPDATE", "NEW"),
        [ast::TriggerEvent::Delete] => ("DELETE", "OLD"),
        _ => return Err(Refusal::NotConverted("the trigger's event".into())),
    };
    // An AFTER trigger's result is ignored; a BEFORE trigger's row is the one written.
    let returns = if period == "AFTER" { "NULL" } else { returns };
    if t.condition.is_some() || t.exec_body.is_some() || !t.referencing.is_empty() {
        return Err(Refusal::NotConverted("the trigger's clauses".into()));
    }
    let statements = t
        .statements
        .as_ref()
        .ok_or_else(|| Refusal::NotConverted("a trigger without a body".into()))?;
    let table = last_name(&t.table_name).to_lowercase();
    let body = Body {
        namer,
        from,
        to,
        table: table.clone(),
        before: period == "BEFORE",
    };
    let mut lines = String::new();
    for s in statements.statements() {
        lines.push_str(&body.statement(s, 1)?);
    }
    let name = last_name(&t.name);
    let function = namer.quote_raw(&namer.raw(&format!("{name}_fn"), &mut Vec::new()));
    let trigger = namer.quote_raw(&namer.raw(&name, &mut Vec::new()));
    let on = expr::relation(&t.table_name, from, to, namer);
    Ok(Converted {
        function: Some(format!(
            "CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $ferry$\nBEGIN\n{lines}  RETURN {returns};\nEND\n$ferry$"
        )),
        trigger: format!(
            "CREATE TRIGGER {trigger} {period} {event} ON {on} FOR EACH ROW EXECUTE FUNCTION {function}()"
        ),
    })
}

/// A trigger body's statements for PL/pgSQL.
struct Body<'n> {
    namer: &'n Namer,
    from: Dialect,
    to: Dialect,
    /// The trigger's table (lower case): NEW and OLD are rows of it.
    table: String,
    before: bool,
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

    /// One statement, on lines of its own, indented by `depth`.
    fn statement(&self, s: &Statement, depth: usize) -> Result<String, Refusal> {
        let pad = "  ".repeat(depth);
        match s {
            // SET NEW.col = value, in a BEFORE trigger: the row to be written.
            Statement::Set(ast::Set::SingleAssignment {
                scope: None,
                hivevar: false,
                variable,
                values,
            }) => {
                let [row, col] = variable.0.as_slice() else {
                    return Err(Refusal::NotConverted(format!("SET {variable}")));
                };
                let (Some(row), Some(col), [value]) =
                    (row.as_ident(), col.as_ident(), values.as_slice())
                else {
                    return Err(Refusal::NotConverted(format!("SET {variable}")));
                };
                if !(self.before && row.value.eq_ignore_ascii_case("new")) {
                    return Err(Refusal::NotConverted(format!("SET {variable}")));
                }
                let col = expr::column(col, self.from, self.to, self.namer);
                Ok(format!("{pad}NEW.{col} := {};\n", self.expr(value)?))
            }
            Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
                let sql = expr::statement(s, self.from, self.to, self.namer, self.scope())?;
                Ok(format!("{pad}{sql};\n"))
            }
            Statement::If(ifs) => {
                let mut out = String::new();
                let blocks = std::iter::once(&ifs.if_block).chain(&ifs.elseif_blocks);
                for (i, block) in blocks.enumerate() {
                    let cond = block
                        .condition
                        .as_ref()
                        .ok_or_else(|| Refusal::NotConverted("IF without a condition".into()))?;
                    let word = if i == 0 { "IF" } else { "ELSIF" };
                    out.push_str(&format!("{pad}{word} {} THEN\n", self.expr(cond)?));
                    for inner in block.conditional_statements.statements() {
                        out.push_str(&self.statement(inner, depth + 1)?);
                    }
                }
                if let Some(block) = &ifs.else_block {
                    out.push_str(&format!("{pad}ELSE\n"));
                    for inner in block.conditional_statements.statements() {
                        out.push_str(&self.statement(inner, depth + 1)?);
                    }
                }
                out.push_str(&format!("{pad}END IF;\n"));
                Ok(out)
            }
            other => Err(Refusal::NotConverted(format!(
                "the trigger's statement `{}`",
                first_words(&other.to_string())
            ))),
        }
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

    fn pg(sql: &str) -> String {
        let namer = Namer::new(Dialect::Postgres, IdentCase::Keep);
        match convert(sql, Dialect::Mysql, Dialect::Postgres, &namer) {
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
            "CREATE FUNCTION ins_film_fn() RETURNS trigger LANGUAGE plpgsql AS $ferry$\nBEGIN\n  INSERT INTO film_text (film_id, title) VALUES (new.film_id, new.title);\n  RETURN NULL;\nEND\n$ferry$\nCREATE TRIGGER ins_film AFTER INSERT ON film FOR EACH ROW EXECUTE FUNCTION ins_film_fn()"
        );
        assert_eq!(
            pg("CREATE TRIGGER upd AFTER UPDATE ON film FOR EACH ROW BEGIN
                IF (old.title != new.title) OR (old.n <> new.n) THEN
                  UPDATE film_text SET title = CONCAT(new.title, '!') WHERE film_id = old.film_id;
                ELSE
                  DELETE FROM film_text WHERE film_id = old.film_id;
                END IF;
              END"),
            "CREATE FUNCTION upd_fn() RETURNS trigger LANGUAGE plpgsql AS $ferry$\nBEGIN\n  IF (old.title <> new.title) OR (old.n <> new.n) THEN\n    UPDATE film_text SET title = (CAST(new.title AS TEXT) || '!') WHERE film_id = old.film_id;\n  ELSE\n    DELETE FROM film_text WHERE film_id = old.film_id;\n  END IF;\n  RETURN NULL;\nEND\n$ferry$\nCREATE TRIGGER upd AFTER UPDATE ON film FOR EACH ROW EXECUTE FUNCTION upd_fn()"
        );
        assert_eq!(
            pg(
                "CREATE TRIGGER stamp BEFORE INSERT ON customer FOR EACH ROW SET NEW.create_date = NOW()"
            ),
            "CREATE FUNCTION stamp_fn() RETURNS trigger LANGUAGE plpgsql AS $ferry$\nBEGIN\n  NEW.create_date := now();\n  RETURN NEW;\nEND\n$ferry$\nCREATE TRIGGER stamp BEFORE INSERT ON customer FOR EACH ROW EXECUTE FUNCTION stamp_fn()"
        );
    }

    #[test]
    fn what_has_no_conversion_is_refused_by_name() {
        assert_eq!(
            pg(
                "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN CALL log_it(NEW.b); SET NEW.b = 1; END"
            ),
            "refused: `the trigger's statement `CALL log_it(NEW.b)`` is not converted"
        );
        assert_eq!(
            pg("CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW SET NEW.b = 1"),
            "refused: `SET NEW.b` is not converted"
        );
        let namer = Namer::new(Dialect::Sqlite, IdentCase::Keep);
        assert!(
            convert(
                "CREATE TRIGGER t ...",
                Dialect::Mysql,
                Dialect::Sqlite,
                &namer
            )
            .is_none()
        );
    }
}
