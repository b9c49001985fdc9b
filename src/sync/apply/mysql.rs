//! MySQL and MariaDB as the sync target: one statement per request (the affected-row count
//! of each is what the applier checks), values as the loader writes them.

use mysql_async::Conn;
use mysql_async::prelude::Queryable;
use tokio::runtime::Runtime;

use super::{Statement, SyncTarget};
use crate::conn::Server;
use crate::load::mysql::{connect, is_binary, literal, run};
use crate::load::timeout::Link;
use crate::load::{LoadError, Timeouts};
use crate::plan::Plan;
use crate::value::Value;

pub struct MysqlLink {
    rt: Runtime,
    conn: Conn,
    link: Link,
    /// Per plan table and column: the target type and whether it is binary.
    types: Vec<Vec<(String, bool)>>,
}

impl MysqlLink {
    pub fn open(plan: &Plan, server: &Server, timeouts: Timeouts) -> Result<MysqlLink, LoadError> {
        let (rt, conn, link) = connect(server, timeouts)?;
        let mut l = MysqlLink {
            rt,
            conn,
            link,
            types: Vec::new(),
        };
        l.exec(
            "SET NAMES utf8mb4, SESSION sql_mode = \
             'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', \
             SESSION time_zone = '+00:00'",
        )?;
        l.follow(plan);
        Ok(l)
    }

    fn exec(&mut self, sql: &str) -> Result<(), LoadError> {
        run(&self.rt, &self.link, self.conn.query_drop(sql), || {
            let first: String = sql.chars().take(80).collect();
            format!("`{first}`")
        })
    }
}

/// An UPDATE's affected rows are the rows it changed, not those it found: one that sets the
/// values a row has already counts 0. The rows it found are in the OK packet's message,
/// `Rows matched: 1  Changed: 0  Warnings: 0`
/// (https://dev.mysql.com/doc/c-api/8.0/en/mysql-info.html).
fn rows_matched(info: &str) -> Option<u64> {
    let rest = info.split("Rows matched:").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

impl SyncTarget for MysqlLink {
    fn literal(
        &self,
        table: usize,
        column: usize,
        v: &Value,
        out: &mut String,
    ) -> Result<(), String> {
        let (ty, binary) = self
            .types
            .get(table)
            .and_then(|t| t.get(column))
            .ok_or_else(|| format!("no plan column {table}.{column}"))?;
        literal(v, ty, *binary, out)
    }

    /// https://mariadb.com/kb/en/insert-on-duplicate-key-update/ (`VALUES(c)` is the value
    /// proposed for c; MySQL 8.0.20 deprecates it but keeps it, and MariaDB has nothing else).
    fn upsert(&self, key: &[&str], others: &[&str]) -> String {
        let set: Vec<String> = if others.is_empty() {
            key.iter().map(|c| format!("{c} = {c}")).collect()
        } else {
            others
                .iter()
                .map(|c| format!("{c} = VALUES({c})"))
                .collect()
        };
        format!(" ON DUPLICATE KEY UPDATE {}", set.join(", "))
    }

    /// `<=>`, NULL-safe equality (https://mariadb.com/kb/en/null-safe-equal/).
    fn same_value(&self, _table: usize, _column: usize, name: &str, literal: &str) -> String {
        format!("{name} <=> {literal}")
    }

    /// `... LIMIT 1`, which DELETE and UPDATE take
    /// (https://mariadb.com/kb/en/delete/, https://dev.mysql.com/doc/refman/8.0/en/update.html).
    fn one_row(&self, _table: &str, condition: &str) -> String {
        format!("{condition} LIMIT 1")
    }

    fn run(&mut self, statements: &[Statement]) -> Result<Vec<u64>, LoadError> {
        let mut counts = Vec::with_capacity(statements.len());
        for s in statements {
            let sql = if s.sql == "BEGIN" {
                "START TRANSACTION"
            } else {
                &s.sql
            };
            self.exec(sql).map_err(|e| {
                e.map_message(|m| match s.what.is_empty() {
                    true => m.to_string(),
                    false => format!("{m} ({})", s.what),
                })
            })?;
            counts.push(rows_matched(&self.conn.info()).unwrap_or(self.conn.affected_rows()));
        }
        Ok(counts)
    }

    fn texts(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, LoadError> {
        let rows: Vec<mysql_async::Row> = run(&self.rt, &self.link, self.conn.query(sql), || {
            format!("`{sql}`")
        })?;
        Ok(rows
            .into_iter()
            .map(|r| {
                r.unwrap()
                    .into_iter()
                    .map(|v| match v {
                        mysql_async::Value::NULL => None,
                        mysql_async::Value::Bytes(b) => {
                            Some(String::from_utf8_lossy(&b).into_owned())
                        }
                        mysql_async::Value::Int(i) => Some(i.to_string()),
                        mysql_async::Value::UInt(u) => Some(u.to_string()),
                        mysql_async::Value::Float(f) => Some(f.to_string()),
                        mysql_async::Value::Double(f) => Some(f.to_string()),
                        other => Some(other.as_sql(true)),
                    })
                    .collect()
            })
            .collect())
    }

    fn try_lock(&mut self, name: &str) -> Result<bool, LoadError> {
        let sql = format!(
            "SELECT GET_LOCK(CONCAT('ferry sync ', IFNULL(DATABASE(), ''), ' {}'), 0)",
            name.replace('\'', "''")
        );
        Ok(super::first_text(self.texts(&sql)?).as_deref() == Some("1"))
    }

    /// A MySQL or MariaDB source's binary log leaves out the rows its foreign keys' actions
    /// changed (https://mariadb.com/kb/en/replication-and-foreign-keys/): the target's own
    /// keys must act. A PostgreSQL source's log has them: checks off
    /// (https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_foreign_key_checks).
    fn set_up(&mut self, replayed_cascades: bool) -> Result<(), LoadError> {
        if replayed_cascades {
            self.exec("SET SESSION foreign_key_checks = 0")?;
        }
        Ok(())
    }

    fn follow(&mut self, plan: &Plan) {
        self.types = plan
            .tables
            .iter()
            .map(|t| {
                t.columns
                    .iter()
                    .map(|c| (c.target_type.clone(), is_binary(&c.target_type)))
                    .collect()
            })
            .collect();
    }

    fn describe(&self) -> String {
        self.link.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::rows_matched;

    #[test]
    fn an_update_counts_the_rows_it_found() {
        assert_eq!(
            rows_matched("Rows matched: 1  Changed: 0  Warnings: 0"),
            Some(1)
        );
        assert_eq!(
            rows_matched("Rows matched: 12  Changed: 3  Warnings: 1"),
            Some(12)
        );
        assert_eq!(rows_matched(""), None);
        assert_eq!(rows_matched("Records: 3  Duplicates: 0  Warnings: 0"), None);
    }
}
