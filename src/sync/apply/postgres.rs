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
}

impl PgLink {
    pub fn open(plan: &Plan, server: &Server, timeouts: Timeouts) -> Result<PgLink, LoadError> {
        let conn = connect(server, timeouts)?;
        conn.run(
            conn.client
                .batch_execute("SET TIME ZONE 'UTC'; SET standard_conforming_strings = on"),
            || "setting up the session".to_string(),
        )?;
        Ok(PgLink {
            conn,
            encoders: plan
                .tables
                .iter()
                .map(|t| Encoder::new(&t.columns))
                .collect(),
        })
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
        self.encoders[table].sql_literal(column, v, out)
    }

    fn upsert(&self, key: &[&str], others: &[&str]) -> String {
        upsert_on_conflict(key, others, "EXCLUDED")
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
