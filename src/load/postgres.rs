//! PostgreSQL as a target, through tokio-postgres on a runtime of its own (the loader's code
//! stays plain and blocking). Rows go in with `COPY ... FROM STDIN`, in binary format where
//! `pg_copy` can write every value exactly, else in text format, which the server reads for
//! every target type, enums, arrays and domains included. A batch the server refuses is
//! split in halves until the refused rows are found: they are rejected or stop the load by key,
//! and every other row is written once. After the data, identity sequences are set past the
//! loaded maximum.

use bytes::Bytes;
use futures_util::SinkExt;
use tokio::runtime::Runtime;
use tokio_postgres::{Client, NoTls};

use std::future::Future;

use super::error::pg_error;
use super::pg_copy::Encoder;
use super::rejects::Rejects;
use super::timeout::{Link, Probe, Timeouts};
use super::{LoadError, Refusal, Target};
use crate::conn::Server;
use crate::plan::{OnError, Plan, TablePlan};
use crate::value::Row;

pub struct PgTarget {
    conn: PgConn,
}

/// A PostgreSQL connection with its runtime and the watch over its answers.
pub struct PgConn {
    pub rt: Runtime,
    pub client: Client,
    /// Its server (`postgres://user@host:port/db`, no password) and timeouts.
    pub link: Link,
}

impl PgConn {
    /// The server, for messages.
    pub fn name(&self) -> &str {
        &self.link.name
    }

    /// Runs one request. Err, by kind, is "`server`: `doing` failed: the server's message",
    /// or a `Timeout` when the server stopped answering.
    pub fn run<T>(
        &self,
        work: impl Future<Output = Result<T, tokio_postgres::Error>>,
        doing: impl Fn() -> String,
    ) -> Result<T, LoadError> {
        self.link.wait(&self.rt, work, &doing)?.map_err(|e| {
            let message = format!("{}: {} failed: {}", self.name(), doing(), pg_message(&e));
            pg_error(message, e)
        })
    }
}

/// Connects to a PostgreSQL server; the error names the server, never the password.
pub fn connect(server: &Server, timeouts: Timeouts) -> Result<PgConn, LoadError> {
    let name = format!(
        "postgres://{}@{}:{}/{}",
        server.user, server.host, server.port, server.database
    );
    let param = |key: &str| server.param(key);
    let mode = param("sslmode").unwrap_or("prefer");
    let tls = tls_connector(mode, param("sslrootcert"))
        .map_err(|e| LoadError::config(format!("{name}: {e}")))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LoadError::io(format!("cannot start the I/O runtime: {e}"), e))?;
    let mut config = tokio_postgres::Config::new();
    let (idle, interval) = timeouts.keepalive();
    config
        .host(&server.host)
        .port(server.port)
        .user(&server.user)
        .dbname(&server.database)
        .application_name("ferry")
        .connect_timeout(timeouts.connect())
        .keepalives(true)
        .keepalives_idle(idle)
        .keepalives_interval(interval)
        .keepalives_retries(3);
    if let Some(t) = timeouts.io() {
        // Data sent and not acknowledged for this long closes the connection (Linux).
        config.tcp_user_timeout(t);
    }
    if let Some(p) = &server.password {
        config.password(p.expose());
    }
    let tls = match tls {
        None => {
            config.ssl_mode(tokio_postgres::config::SslMode::Disable);
            None
        }
        Some((ssl_mode, connector)) => {
            config.ssl_mode(ssl_mode);
            Some(connector)
        }
    };
    let client =
        Link::connect_within(&rt, timeouts, &name, open_client(&config, &tls))?.map_err(|e| {
            let message = format!(
                "{name}: cannot connect (sslmode={mode}): {}",
                tls_message(&e)
            );
            LoadError::connect(message, e)
        })?;
    // The check that a silent server lives: a new connection and `SELECT 1`. Any answer, a
    // refusal included, is one.
    let probe: Probe = Box::new(move || {
        let (config, tls) = (config.clone(), tls.clone());
        Box::pin(async move {
            match open_client(&config, &tls).await {
                Ok(client) => match client.simple_query("SELECT 1").await {
                    Ok(_) => true,
                    Err(e) => e.as_db_error().is_some(),
                },
                Err(e) => e.as_db_error().is_some(),
            }
        })
    });
    Ok(PgConn {
        rt,
        client,
        link: Link::new(name, timeouts, probe),
    })
}

/// A client whose connection runs on the current runtime.
async fn open_client(
    config: &tokio_postgres::Config,
    tls: &Option<postgres_native_tls::MakeTlsConnector>,
) -> Result<Client, tokio_postgres::Error> {
    match tls {
        None => {
            let (client, connection) = config.connect(NoTls).await?;
            tokio::spawn(connection);
            Ok(client)
        }
        Some(connector) => {
            let (client, connection) = config.connect(connector.clone()).await?;
            tokio::spawn(connection);
            Ok(client)
        }
    }
}

/// TLS as libpq's `sslmode` asks for it (https://www.postgresql.org/docs/15/libpq-ssl.html):
/// `disable` none; `allow` and `prefer` (the default) TLS when the server offers it;
/// `require` TLS without checking the certificate; `verify-ca` a certificate signed by a
/// trusted authority (`sslrootcert=FILE`, else the system's); `verify-full` that, for this
/// host name. None: no TLS.
fn tls_connector(
    mode: &str,
    root_cert: Option<&str>,
) -> Result<
    Option<(
        tokio_postgres::config::SslMode,
        postgres_native_tls::MakeTlsConnector,
    )>,
    String,
> {
    use tokio_postgres::config::SslMode;
    Ok(
        native_tls_connector(mode, root_cert)?.map(|(required, connector)| {
            let mode = if required {
                SslMode::Require
            } else {
                SslMode::Prefer
            };
            (mode, postgres_native_tls::MakeTlsConnector::new(connector))
        }),
    )
}

/// The TLS a server's `sslmode` and `sslrootcert` ask for (libpq's meanings): `None` for
/// none, else whether TLS is required and the connector; for connections tokio-postgres does
/// not make (the replication connection of `ferry sync`).
pub fn native_tls_connector(
    mode: &str,
    root_cert: Option<&str>,
) -> Result<Option<(bool, native_tls::TlsConnector)>, String> {
    let (required, check_cert, check_host) = match mode {
        "disable" => return Ok(None),
        "allow" | "prefer" => (false, false, false),
        "require" => (true, false, false),
        "verify-ca" => (true, true, false),
        "verify-full" => (true, true, true),
        other => {
            return Err(format!(
                "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"
            ));
        }
    };
    let mut builder = native_tls::TlsConnector::builder();
    builder
        .danger_accept_invalid_certs(!check_cert)
        .danger_accept_invalid_hostnames(!check_host);
    if let Some(path) = root_cert {
        let pem =
            std::fs::read(path).map_err(|e| format!("cannot read sslrootcert {path}: {e}"))?;
        let cert = native_tls::Certificate::from_pem(&pem)
            .map_err(|e| format!("sslrootcert {path} is not a PEM certificate: {e}"))?;
        builder.add_root_certificate(cert);
    }
    let connector = builder
        .build()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    Ok(Some((required, connector)))
}

/// A connection error with its cause: a refused certificate says why.
fn tls_message(e: &tokio_postgres::Error) -> String {
    let mut msg = pg_message(e);
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

/// The server's own message when there is one (`password authentication failed ...`).
pub fn pg_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                m.push_str(&format!(" ({d})"));
            }
            m
        }
        None => {
            use std::error::Error;
            match e.source() {
                Some(s) => format!("{e}: {s}"),
                None => e.to_string(),
            }
        }
    }
}

impl PgTarget {
    pub fn open(server: &Server, timeouts: Timeouts) -> Result<PgTarget, LoadError> {
        let t = PgTarget {
            conn: connect(server, timeouts)?,
        };
        // Values without an offset are UTC, as every source session is set to read them. The
        // application name lets a resumed load wait for a killed one's sessions to end. Index
        // builds sort in memory up to maintenance_work_mem (default 64MB): a few million keys
        // fit in 256MB instead of spilling to disk (pgloader sets 128MB).
        t.exec(
            "session",
            "SET TIME ZONE 'UTC'; SET application_name = 'ferry-load'; \
             SET maintenance_work_mem = '256MB'",
        )?;
        Ok(t)
    }

    fn exec(&self, what: &str, sql: &str) -> Result<(), LoadError> {
        self.conn.run(self.conn.client.batch_execute(sql), || {
            let first = sql.lines().next().unwrap_or("");
            format!("{what} statement `{first}`")
        })
    }

    fn exists(&self, target_name: &str) -> Result<bool, LoadError> {
        let row = self.conn.run(
            self.conn
                .client
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&target_name]),
            || format!("looking for table {target_name}"),
        )?;
        Ok(row.get::<_, bool>(0))
    }

    /// One COPY of `rows`; a refusal carries the server's message and the refused row's
    /// index; a lost or silent server stops the write.
    fn copy(&self, table: &TablePlan, encoder: &Encoder, rows: &[&Row]) -> Result<(), Refusal> {
        let (data, binary) = encoder
            .encode(rows)
            .map_err(|(reason, i)| Refusal::Row(reason, Some(i), None))?;
        let cols: Vec<&str> = table.columns.iter().map(|c| c.target.as_str()).collect();
        let format = if binary { " (FORMAT binary)" } else { "" };
        let sql = format!(
            "COPY {} ({}) FROM STDIN{format}",
            table.target,
            cols.join(", ")
        );
        let work = async {
            let sink = self.conn.client.copy_in::<_, Bytes>(sql.as_str()).await?;
            let mut sink = Box::pin(sink);
            sink.send(Bytes::from(data)).await?;
            sink.as_mut().finish().await
        };
        let doing = || format!("COPY into {}", table.target);
        let result = self.conn.link.wait(&self.conn.rt, work, doing)?;
        result.map(|_| ()).map_err(|e| {
            let Some(db) = e.as_db_error() else {
                // No answer of the server's own: the connection is lost, not the row refused.
                let message = format!(
                    "{}: {} failed: {}",
                    self.conn.name(),
                    doing(),
                    pg_message(&e)
                );
                return Refusal::Stop(pg_error(message, e));
            };
            let line = db.where_().and_then(copy_line).map(|l| l.saturating_sub(1));
            let column = db.where_().and_then(copy_column);
            Refusal::Row(pg_message(&e), line, column)
        })
    }
}

/// `COPY album, line 3, column title: "..."` -> `title` (PostgreSQL names the column whose
/// value it refused in the error's context).
fn copy_column(context: &str) -> Option<String> {
    let rest = &context[context.find(", column ")? + 9..];
    let name = rest.split(':').next()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// `COPY album, line 3, column title: "..."` -> 3
fn copy_line(context: &str) -> Option<usize> {
    let rest = &context[context.find("line ")? + 5..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl Target for PgTarget {
    fn table_exists(&mut self, name: &str) -> Result<bool, LoadError> {
        self.exists(name)
    }

    fn run(&mut self, what: &str, statements: &[String]) -> Result<(), LoadError> {
        super::state::in_transaction(self, what, statements)
    }

    fn drop_sql(&self, name: &str) -> String {
        format!("DROP TABLE IF EXISTS {name} CASCADE")
    }

    fn empty(&mut self, names: &[&str]) -> Result<(), LoadError> {
        if names.is_empty() {
            return Ok(());
        }
        self.exec("truncate", &format!("TRUNCATE {}", names.join(", ")))
    }

    fn describe(&self) -> String {
        self.conn.name().to_string()
    }

    fn write(
        &mut self,
        table: &TablePlan,
        rows: &[Row],
        on_error: OnError,
        rejects: &Rejects,
    ) -> Result<u64, LoadError> {
        let refs: Vec<&Row> = rows.iter().collect();
        let encoder = Encoder::new(&table.columns);
        // The caller's transaction holds a whole chunk: a refused COPY must not abort it, so
        // each attempt runs under a savepoint it rolls back to.
        super::write_split(
            "PostgreSQL",
            table,
            &refs,
            on_error,
            rejects,
            &mut |batch| {
                self.exec("savepoint", "SAVEPOINT ferry_batch")?;
                match self.copy(table, &encoder, batch) {
                    Ok(()) => Ok(self.exec("savepoint", "RELEASE SAVEPOINT ferry_batch")?),
                    Err(Refusal::Row(reason, at, column)) => {
                        self.exec("savepoint", "ROLLBACK TO SAVEPOINT ferry_batch")?;
                        Err(Refusal::Row(reason, at, column))
                    }
                    Err(stop) => Err(stop),
                }
            },
        )
    }

    fn execute(&mut self, what: &str, sql: &str) -> Result<(), LoadError> {
        self.exec(what, sql)
    }

    fn setup_lock(&mut self, take: bool) -> Result<(), LoadError> {
        // A session-level advisory lock of this database (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS).
        let f = if take {
            "pg_advisory_lock"
        } else {
            "pg_advisory_unlock"
        };
        self.exec("lock", &format!("SELECT {f}(hashtext('ferry-load'))"))
    }

    fn other_loads(&mut self) -> Result<u64, LoadError> {
        self.count(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = 'ferry-load' AND pid <> pg_backend_pid()",
        )
    }

    fn query_ints(&mut self, sql: &str) -> Result<Vec<Vec<i64>>, LoadError> {
        let rows = self
            .conn
            .run(self.conn.client.query(sql, &[]), || format!("`{sql}`"))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<_, i64>(i)
                            .or_else(|_| r.try_get::<_, i32>(i).map(i64::from))
                            .or_else(|_| r.try_get::<_, i16>(i).map(i64::from))
                            .map_err(|e| {
                                LoadError::sql(format!("{}: `{sql}`: {e}", self.conn.name()))
                            })
                    })
                    .collect()
            })
            .collect()
    }

    fn count(&mut self, sql: &str) -> Result<u64, LoadError> {
        let row = self
            .conn
            .run(self.conn.client.query_one(sql, &[]), || format!("`{sql}`"))?;
        let n = row
            .try_get::<_, i64>(0)
            .or_else(|_| row.try_get::<_, i32>(0).map(i64::from))
            .map_err(|e| LoadError::sql(format!("{}: `{sql}`: {e}", self.conn.name())))?;
        Ok(n.max(0) as u64)
    }

    fn after_load(&mut self, plan: &Plan) -> Result<(), LoadError> {
        // Sequences that column defaults draw from go past the largest loaded value (and never
        // back: one sequence may serve several tables).
        for t in &plan.tables {
            for c in &t.columns {
                let Some(seq) = &c.sequence else { continue };
                use crate::canonical::Family;
                if !matches!(c.canonical.family(), Family::Int | Family::UInt) {
                    continue;
                }
                let sql = format!(
                    "SELECT setval('{seq_text}', greatest(m, (SELECT last_value FROM {seq}))) \
                     FROM (SELECT max({col})::bigint AS m FROM {table}) AS loaded WHERE m IS NOT NULL",
                    seq_text = seq.replace('\'', "''"),
                    col = c.target,
                    table = t.target
                );
                self.conn
                    .run(self.conn.client.query(sql.as_str(), &[]), || {
                        format!("setting the sequence {seq} past {}.{}", t.target, c.target)
                    })?;
            }
        }
        // Identity and serial sequences start after the largest loaded value.
        for t in &plan.tables {
            for c in t.columns.iter().filter(|c| c.identity) {
                let sql = format!(
                    "SELECT setval(s, coalesce((SELECT max({col}) FROM {table}), 0) + 1, false) \
                     FROM pg_get_serial_sequence($1, $2) AS s WHERE s IS NOT NULL",
                    col = c.target,
                    table = t.target
                );
                let col = crate::plan::target_name(&c.target).name;
                self.conn.run(
                    self.conn.client.query(sql.as_str(), &[&t.target, &col]),
                    || format!("resetting the sequence of {}.{}", t.target, c.target),
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{copy_column, copy_line};

    #[test]
    fn a_copy_error_context_names_line_and_column() {
        let context = "COPY m, line 2, column n: \"five\"";
        assert_eq!(copy_line(context), Some(2));
        assert_eq!(copy_column(context).as_deref(), Some("n"));
        assert_eq!(copy_column("COPY m, line 2"), None);
    }
}
