//! PostgreSQL as the sync target: statements sent as one simple-protocol request per batch
//! (one round trip), each statement's row count read from its CommandComplete.

use tokio_postgres::SimpleQueryMessage;

use super::{Statement, SyncTarget};
use crate::conn::Server;
use crate::load::pg_copy::Encoder;
use crate::load::postgres::{PgConn, connect};
use crate::load::{LoadError, Timeouts};
use crate::plan::Plan;
use crate::value::Value;

pub struct PgLink {
    conn: PgConn,
    /// Per plan table: the COPY text encoder whose fields the literals are made of.
    encoders: Vec<Encoder>,
    /// Per plan table and column: the target type.
    types: Vec<Vec<String>>,
}

impl PgLink {
    pub fn open(plan: &Plan, server: &Server, timeouts: Timeouts) -> Result<PgLink, LoadError> {
        let conn = connect(server, timeouts)?;
        conn.run(
            conn.client
                .batch_execute("SET TIME ZONE 'UTC'; SET standard_conforming_strings = on"),
            || "setting up the session".to_string(),
        )?;
        let mut link = PgLink {
            conn,
            encoders: Vec::new(),
            types: Vec::new(),
        };
        link.follow(plan);
        Ok(link)
    }
}

impl SyncTarget for PgLink {
    fn literal(
        &self,
        table: usize,
        column: usize,
        v: &Value,
        out: &mut String,
    ) -> Result<(), String> {
        self.encoders
            .get(table)
            .ok_or_else(|| format!("no plan table {table}"))?
            .sql_literal(column, v, out)
    }

    fn upsert(&self, key: &[&str], others: &[&str]) -> String {
        upsert_on_conflict(key, others, "EXCLUDED")
    }

    /// `IS NOT DISTINCT FROM` (https://www.postgresql.org/docs/current/functions-comparison.html);
    /// types without an equality operator (json, xml, the geometric types) are compared as
    /// their text.
    fn same_value(&self, table: usize, column: usize, name: &str, literal: &str) -> String {
        let ty = self
            .types
            .get(table)
            .and_then(|t| t.get(column))
            .map_or(String::new(), |t| t.to_lowercase());
        let no_equality = [
            "json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle",
        ]
        .iter()
        .any(|t| ty == *t || ty.starts_with(&format!("{t}[")));
        if no_equality {
            format!("{name}::text IS NOT DISTINCT FROM ({literal})::{ty}::text")
        } else {
            format!("{name} IS NOT DISTINCT FROM {literal}")
        }
    }

    /// The row's physical place: `ctid` (https://www.postgresql.org/docs/current/ddl-system-columns.html).
    fn one_row(&self, table: &str, condition: &str) -> String {
        format!("ctid = (SELECT ctid FROM {table} WHERE {condition} LIMIT 1)")
    }

    /// https://www.postgresql.org/docs/current/sql-update.html (`FROM` another table, here
    /// a VALUES list).
    fn update_from(&self, table: &str, key: &[&str], set: &[&str], values: &str) -> Option<String> {
        Some(update_from_values(table, key, set, values, true))
    }

    fn value_cast(&self, table: usize, column: usize) -> Option<String> {
        Some(format!("::{}", self.types.get(table)?.get(column)?))
    }

    fn follow(&mut self, plan: &Plan) {
        self.encoders = plan
            .tables
            .iter()
            .map(|t| Encoder::new(&t.columns))
            .collect();
        self.types = plan
            .tables
            .iter()
            .map(|t| t.columns.iter().map(|c| c.target_type.clone()).collect())
            .collect();
    }

    fn run(&mut self, statements: &[Statement]) -> Result<Vec<u64>, LoadError> {
        let mut sql = String::with_capacity(statements.iter().map(|s| s.sql.len() + 2).sum());
        for s in statements {
            sql.push_str(&s.sql);
            sql.push_str(";\n");
        }
        let messages = self.conn.run(self.conn.client.simple_query(&sql), || {
            let first = statements
                .iter()
                .find(|s| !s.what.is_empty())
                .map_or("the changes", |s| s.what.as_str());
            format!("applying {first} (and what follows in its batch)")
        })?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::CommandComplete(n) => Some(*n),
                _ => None,
            })
            .collect())
    }

    fn texts(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, LoadError> {
        let messages = self
            .conn
            .run(self.conn.client.simple_query(sql), || format!("`{sql}`"))?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect())
    }

    fn try_lock(&mut self, name: &str) -> Result<bool, LoadError> {
        let sql = format!(
            "SELECT pg_try_advisory_lock(hashtext('ferry sync {}'))",
            name.replace('\'', "''")
        );
        Ok(super::first_text(self.texts(&sql)?).as_deref() == Some("t"))
    }

    /// `session_replication_role = replica` turns off the target's foreign key checks and
    /// actions and its ordinary triggers for this session
    /// (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-SESSION-REPLICATION-ROLE):
    /// the rows they would change arrive as changes of their own.
    fn set_up(&mut self, replayed_cascades: bool) -> Result<(), LoadError> {
        if replayed_cascades {
            self.conn.run(
                self.conn
                    .client
                    .batch_execute("SET session_replication_role = replica"),
                || {
                    "SET session_replication_role = replica (the login needs to be a \
                     superuser, or granted SET on that parameter)"
                        .to_string()
                },
            )?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.conn.name().to_string()
    }
}

/// PostgreSQL's and SQLite's upsert (`excluded` names the row proposed for insertion):
/// https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT,
/// https://sqlite.org/lang_upsert.html.
pub fn upsert_on_conflict(key: &[&str], others: &[&str], excluded: &str) -> String {
    if others.is_empty() {
        return format!(" ON CONFLICT ({}) DO NOTHING", key.join(", "));
    }
    let set: Vec<String> = others
        .iter()
        .map(|c| format!("{c} = {excluded}.{c}"))
        .collect();
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {}",
        key.join(", "),
        set.join(", ")
    )
}

/// `UPDATE table SET s = v.s FROM (VALUES ...) AS v (k, s) WHERE table.k = v.k`. The VALUES
/// columns are named `k0..`, `s0..` (`named`: PostgreSQL) or are SQLite's own `column1..`
/// (https://sqlite.org/lang_update.html#update_from).
pub fn update_from_values(
    table: &str,
    key: &[&str],
    set: &[&str],
    values: &str,
    named: bool,
) -> String {
    let name = |i: usize| {
        if named {
            format!("v.c{i}")
        } else {
            format!("v.column{}", i + 1)
        }
    };
    let sets: Vec<String> = set
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = {}", name(key.len() + i)))
        .collect();
    let on: Vec<String> = key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{table}.{k} = {}", name(i)))
        .collect();
    let alias = if named {
        let cols: Vec<String> = (0..key.len() + set.len())
            .map(|i| format!("c{i}"))
            .collect();
        format!("v ({})", cols.join(", "))
    } else {
        "v".to_string()
    };
    format!(
        "UPDATE {table} SET {} FROM (VALUES {values}) AS {alias} WHERE {}",
        sets.join(", "),
        on.join(" AND ")
    )
}
