//! A live PostgreSQL database as a source. The schema is read from the catalog and written out
//! as PostgreSQL DDL, which the ordinary front end then converts (one path for files and live
//! databases). Rows are streamed with `COPY (SELECT ...) TO STDOUT` in text format, inside one
//! REPEATABLE READ, READ ONLY transaction: every table is read from the same snapshot, and no
//! lock beyond ACCESS SHARE is taken, so writers are never blocked.
//! Catalog: https://www.postgresql.org/docs/current/catalogs.html;
//! functions: https://www.postgresql.org/docs/current/functions-info.html

use futures_util::StreamExt;

use super::dump::{copy_unescape, text_or_bytes};
use super::postgres::{PgConn, connect};
use super::timeout::Timeouts;
use super::{KeyBounds, KeyRange, LoadError, chunk_key, count_sql, select_sql, where_clause};
use crate::conn::Server;
use crate::plan::TablePlan;
use crate::value::{Row, Value};

/// Schemas that are PostgreSQL's own, never the user's.
const SYSTEM_SCHEMAS: &str = "('pg_catalog', 'information_schema', 'pg_toast')";

pub struct PgSource {
    conn: PgConn,
}

fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl PgSource {
    /// Connects and opens the read transaction; with `snapshot`, it reads the data another
    /// connection's exported snapshot sees
    /// (https://www.postgresql.org/docs/current/sql-set-transaction.html).
    pub fn open(
        server: &Server,
        snapshot: Option<&str>,
        timeouts: Timeouts,
    ) -> Result<PgSource, LoadError> {
        let src = PgSource {
            conn: connect(server, timeouts)?,
        };
        src.exec("SET TIME ZONE 'UTC'")?;
        src.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        if let Some(id) = snapshot {
            src.exec(&format!("SET TRANSACTION SNAPSHOT {}", literal(id)))?;
        }
        Ok(src)
    }

    fn exec(&self, sql: &str) -> Result<(), LoadError> {
        self.conn
            .run(self.conn.client.batch_execute(sql), || format!("`{sql}`"))
    }

    fn rows(&self, sql: &str) -> Result<Vec<tokio_postgres::Row>, LoadError> {
        self.conn.run(self.conn.client.query(sql, &[]), || {
            let first: String = sql.chars().take(80).collect();
            format!("reading the catalog (`{first}`)")
        })
    }

    /// The database's schema as PostgreSQL DDL: schemas, enum types, sequences, tables with
    /// their columns, identity and defaults, constraints, indexes, views and comments.
    pub fn schema_text(&self) -> Result<String, LoadError> {
        let mut out = String::new();
        for r in self.rows(&format!(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT IN {SYSTEM_SCHEMAS} \
             AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'public' ORDER BY 1"
        ))? {
            out.push_str(&format!("CREATE SCHEMA {};\n", ident(r.get(0))));
        }
        for r in self.rows(&format!(
            "SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) \
             FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE n.nspname NOT IN {SYSTEM_SCHEMAS} GROUP BY 1, 2 ORDER BY 1, 2"
        ))? {
            let labels: Vec<String> = r.get(2);
            let labels: Vec<String> = labels.iter().map(|l| literal(l)).collect();
            out.push_str(&format!(
                "CREATE TYPE {}.{} AS ENUM ({});\n",
                ident(r.get(0)),
                ident(r.get(1)),
                labels.join(", ")
            ));
        }
        // Sequences, except those an identity column owns (they come with the column).
        for r in self.rows(&format!(
            "SELECT s.schemaname, s.sequencename, s.start_value, s.increment_by, s.min_value, s.max_value, s.cycle \
             FROM pg_sequences s WHERE s.schemaname NOT IN {SYSTEM_SCHEMAS} AND NOT EXISTS ( \
               SELECT 1 FROM pg_depend d JOIN pg_class c ON c.oid = d.objid \
               JOIN pg_namespace n ON n.oid = c.relnamespace \
               WHERE c.relname = s.sequencename AND n.nspname = s.schemaname AND d.deptype = 'i') \
             ORDER BY 1, 2"
        ))? {
            let (start, inc, min, max): (i64, i64, i64, i64) =
                (r.get(2), r.get(3), r.get(4), r.get(5));
            let cycle: bool = r.get(6);
            out.push_str(&format!(
                "CREATE SEQUENCE {}.{} START WITH {start} INCREMENT BY {inc} MINVALUE {min} MAXVALUE {max}{};\n",
                ident(r.get(0)),
                ident(r.get(1)),
                if cycle { " CYCLE" } else { "" }
            ));
        }
        let tables = self.rows(&format!(
            "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN {SYSTEM_SCHEMAS} AND NOT c.relispartition \
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
               AND d.objid = c.oid AND d.deptype = 'e') \
             ORDER BY 2, 3"
        ))?;
        for t in &tables {
            let oid: u32 = t.get(0);
            let qname = format!("{}.{}", ident(t.get(1)), ident(t.get(2)));
            out.push_str(&self.table_ddl(oid, &qname)?);
        }
        for r in self.rows(&format!(
            "SELECT n.nspname, c.relname, pg_get_viewdef(c.oid, true), c.relkind = 'm' \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('v', 'm') AND n.nspname NOT IN {SYSTEM_SCHEMAS} ORDER BY 1, 2"
        ))? {
            let body: String = r.get(2);
            let materialized: bool = r.get(3);
            out.push_str(&format!(
                "CREATE {}VIEW {}.{} AS {};\n",
                if materialized { "MATERIALIZED " } else { "" },
                ident(r.get(0)),
                ident(r.get(1)),
                body.trim().trim_end_matches(';')
            ));
        }
        Ok(out)
    }

    fn table_ddl(&self, oid: u32, qname: &str) -> Result<String, LoadError> {
        let mut lines = Vec::new();
        let mut comments = Vec::new();
        for c in self.rows(&format!(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
             pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text, \
             col_description(a.attrelid, a.attnum) \
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
        ))? {
            let name: String = c.get(0);
            let ty: String = c.get(1);
            let not_null: bool = c.get(2);
            let default: Option<String> = c.get(3);
            let identity: String = c.get(4);
            let generated: String = c.get(5);
            let mut line = format!("{} {ty}", ident(&name));
            match identity.as_str() {
                "a" => line.push_str(" GENERATED ALWAYS AS IDENTITY"),
                "d" => line.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
                _ => {}
            }
            if let Some(d) = default {
                if generated == "s" {
                    line.push_str(&format!(" GENERATED ALWAYS AS ({d}) STORED"));
                } else {
                    line.push_str(&format!(" DEFAULT {d}"));
                }
            }
            if not_null {
                line.push_str(" NOT NULL");
            }
            lines.push(line);
            if let Some(text) = c.get::<_, Option<String>>(6) {
                comments.push(format!(
                    "COMMENT ON COLUMN {qname}.{} IS {};\n",
                    ident(&name),
                    literal(&text)
                ));
            }
        }
        let mut out = format!("CREATE TABLE {qname} (\n  {}\n);\n", lines.join(",\n  "));
        // Primary keys and unique and check constraints first, foreign keys after every table
        // would be nicer, but the front end orders foreign keys itself.
        for k in self.rows(&format!(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = {oid} AND contype IN ('p', 'u', 'c', 'f', 'x') \
             ORDER BY CASE contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'c' THEN 2 ELSE 3 END, conname"
        ))? {
            out.push_str(&format!(
                "ALTER TABLE {qname} ADD CONSTRAINT {} {};\n",
                ident(k.get(0)),
                k.get::<_, String>(1)
            ));
        }
        for i in self.rows(&format!(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i \
             WHERE i.indrelid = {oid} AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) \
             ORDER BY i.indexrelid"
        ))? {
            out.push_str(&format!("{};\n", i.get::<_, String>(0)));
        }
        if let Some(r) = self
            .rows(&format!("SELECT obj_description({oid}, 'pg_class')"))?
            .first()
            && let Some(text) = r.get::<_, Option<String>>(0)
        {
            out.push_str(&format!(
                "COMMENT ON TABLE {qname} IS {};\n",
                literal(&text)
            ));
        }
        for c in comments {
            out.push_str(&c);
        }
        Ok(out)
    }
}

impl super::RowSource for PgSource {
    fn query(&self, table: &TablePlan) -> String {
        select_sql(table, None, &from_name(table), ident)
    }

    fn count(&self, table: &TablePlan) -> Result<u64, LoadError> {
        let rows = self.rows(&count_sql(table, &from_name(table), ident))?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)).max(0) as u64)
    }

    fn snapshot(&self) -> Result<Option<String>, LoadError> {
        let rows = self.rows("SELECT pg_export_snapshot()")?;
        Ok(rows.first().map(|r| r.get::<_, String>(0)))
    }

    /// The transaction's snapshot (`xmin:xmax:xip,...`; a repeatable read transaction reads
    /// all its statements with one): sync skips the transactions it shows as committed.
    fn change_mark(&self) -> Result<Option<String>, LoadError> {
        let rows = self.rows("SELECT pg_current_snapshot()::text")?;
        Ok(rows.first().and_then(|r| r.try_get::<_, String>(0).ok()))
    }

    fn key_bounds(&self, table: &TablePlan) -> Result<Option<KeyBounds>, LoadError> {
        let Some(key) = chunk_key(table) else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT min({k})::int8, max({k})::int8, count(*) FROM {}{}",
            from_name(table),
            where_clause(table, None, ident),
            k = ident(key)
        );
        let rows = self.rows(&sql)?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let (min, max, rows): (Option<i64>, Option<i64>, i64) = (r.get(0), r.get(1), r.get(2));
        Ok(KeyBounds::from_row(key, min, max, rows))
    }

    fn for_each_batch(
        &self,
        table: &TablePlan,
        range: Option<&KeyRange>,
        batch: usize,
        each: &mut dyn FnMut(Vec<Row>) -> Result<(), LoadError>,
    ) -> Result<(), LoadError> {
        let sql = format!(
            "COPY ({}) TO STDOUT",
            select_sql(table, range, &from_name(table), ident)
        );
        let doing = || format!("reading {}", table.source);
        // Each chunk is awaited on its own: `each` writes into the target, which may run a
        // runtime of its own, and runtimes cannot nest.
        let stream = self
            .conn
            .run(self.conn.client.copy_out(sql.as_str()), doing)?;
        let mut stream = Box::pin(stream);
        let mut pending: Vec<u8> = Vec::new();
        let mut rows = Vec::with_capacity(batch.min(65_536));
        while let Some(chunk) = self
            .conn
            .run(async { stream.next().await.transpose() }, doing)?
        {
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(nl) = pending[start..].iter().position(|b| *b == b'\n') {
                rows.push(copy_line(&pending[start..start + nl]));
                start += nl + 1;
                if rows.len() >= batch {
                    each(std::mem::take(&mut rows))?;
                }
            }
            pending.drain(..start);
        }
        if !pending.is_empty() {
            rows.push(copy_line(&pending));
        }
        if !rows.is_empty() {
            each(rows)?;
        }
        Ok(())
    }
}

/// The table's qualified name as PostgreSQL reads it.
fn from_name(table: &TablePlan) -> String {
    match &table.source.schema {
        Some(s) => format!("{}.{}", ident(s), ident(&table.source.name)),
        None => ident(&table.source.name),
    }
}

/// One COPY text line into values (`\N` is NULL).
fn copy_line(line: &[u8]) -> Row {
    line.split(|b| *b == b'\t')
        .map(|f| {
            if f == b"\\N" {
                Value::Null
            } else {
                text_or_bytes(copy_unescape(f))
            }
        })
        .collect()
}
