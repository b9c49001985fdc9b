//! What can stop a load (or a validation), by kind. The message is what the user reads: it
//! names the database, table, row key or statement. The kind is what the code decides on
//! (`ErrorKind`: reconnect, "already exists", the exit code); it comes from the driver's error codes,
//! SQLSTATEs and I/O error kinds, never from the message text. The driver's error is kept as
//! the `source()`.

use std::error::Error;
use std::sync::Arc;

/// The error a driver or the operating system reported, shared (errors are cloned into the
/// state of parallel workers).
pub type Cause = Arc<dyn Error + Send + Sync>;

/// A load that cannot go on: what the user reads, and the kind the code decides on.
#[derive(Clone, Debug)]
pub struct LoadError {
    kind: ErrorKind,
    message: String,
}

/// The kinds of `LoadError`, with what each keeps of its cause.
#[derive(Clone, Debug)]
pub enum ErrorKind {
    /// A database could not be connected to (refused, authentication, TLS).
    Connect { source: Option<Cause> },
    /// A statement the database refused, with the engine's code and SQLSTATE when it gave them.
    Sql {
        code: SqlCode,
        source: Option<Cause>,
    },
    /// A row that was refused (by shaping or by the target) while bad rows stop the load.
    RefusedRow,
    /// The load state in the target does not allow this run (resume refusals, a foreign
    /// state table, orphans that stop the load).
    State,
    /// The source's data cannot be read as the plan expects (a malformed dump statement,
    /// rows without a value for a planned column).
    Input,
    /// A local file could not be read or written (a dump, the reject file).
    Io { source: Option<Cause> },
    /// The plan or the options ask for what cannot be done (a dump as target, `--worker` on
    /// SQLite, a source kind not read yet).
    Config,
    /// A server gave no answer for `seconds` (a frozen server, a half-open connection).
    Timeout { seconds: u64 },
    /// The connection to a server went away (closed, reset, the server shut down).
    ConnectionLost { source: Option<Cause> },
}

/// The codes a database gave with an error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SqlCode {
    /// The engine's own error number (MySQL / MariaDB; SQLite's extended result code).
    pub engine: Option<i64>,
    /// The five-character SQLSTATE (PostgreSQL, MySQL).
    pub sqlstate: Option<String>,
    /// The codes of the notes the server attached to the error (MySQL's `SHOW WARNINGS`:
    /// error 1005 "can't create table" says why only there, e.g. 121 for a duplicate name).
    pub notes: Vec<i64>,
}

impl SqlCode {
    /// Whether the statement failed because what it creates exists already.
    /// PostgreSQL (https://www.postgresql.org/docs/current/errcodes-appendix.html):
    /// 42P07 duplicate_table, 42710 duplicate_object, 42P06 duplicate_schema, 42723
    /// duplicate_function. MySQL / MariaDB
    /// (https://mariadb.com/kb/en/mariadb-error-code-reference/): 1050 table (view) exists,
    /// 1061 duplicate key name, 1826 duplicate foreign key or CHECK name, 1005 with InnoDB's
    /// 121 (duplicate constraint name) among its notes.
    pub fn already_exists(&self) -> bool {
        let by_state = matches!(
            self.sqlstate.as_deref(),
            Some("42P07" | "42710" | "42P06" | "42723")
        );
        let by_engine = match self.engine {
            Some(1050 | 1061 | 1826) => true,
            Some(1005) => self.notes.contains(&121),
            _ => false,
        };
        by_state || by_engine
    }
}

impl LoadError {
    /// An error of `kind` that the user reads as `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> LoadError {
        LoadError {
            kind,
            message: message.into(),
        }
    }

    /// A database that could not be connected to, with the driver's error.
    pub fn connect(
        message: impl Into<String>,
        source: impl Error + Send + Sync + 'static,
    ) -> LoadError {
        let source: Cause = Arc::new(source);
        LoadError::new(
            ErrorKind::Connect {
                source: Some(source),
            },
            message,
        )
    }

    /// A state error: the target's load state (or the run's own bookkeeping) stops the load.
    pub fn state(message: impl Into<String>) -> LoadError {
        LoadError::new(ErrorKind::State, message)
    }

    /// A configuration error: the plan or options ask for what cannot be done.
    pub fn config(message: impl Into<String>) -> LoadError {
        LoadError::new(ErrorKind::Config, message)
    }

    /// A refused row that stops the load.
    pub fn refused_row(message: impl Into<String>) -> LoadError {
        LoadError::new(ErrorKind::RefusedRow, message)
    }

    /// Source data that cannot be read as the plan expects.
    pub fn input(message: impl Into<String>) -> LoadError {
        LoadError::new(ErrorKind::Input, message)
    }

    /// A local file that could not be read or written.
    pub fn io(message: impl Into<String>, source: std::io::Error) -> LoadError {
        let source: Cause = Arc::new(source);
        LoadError::new(
            ErrorKind::Io {
                source: Some(source),
            },
            message,
        )
    }

    /// A statement refused without codes (a value the driver could not convert, a query
    /// that returned what it should not).
    pub fn sql(message: impl Into<String>) -> LoadError {
        let kind = ErrorKind::Sql {
            code: SqlCode::default(),
            source: None,
        };
        LoadError::new(kind, message)
    }

    /// The kind, for decisions.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The message the user reads.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with its message rewritten by `f` (more context before or after it):
    /// the kind and the source stay.
    pub fn map_message(mut self, f: impl FnOnce(&str) -> String) -> LoadError {
        self.message = f(&self.message);
        self
    }

    /// Whether the error is the server's going away rather than the load's own: the
    /// connection was lost or timed out, or a new one could not be made because the server
    /// could not be reached (an I/O error, not a refusal). A load reconnects after these
    /// (`after_lost_target`).
    pub fn is_connection_lost(&self) -> bool {
        match &self.kind {
            ErrorKind::ConnectionLost { .. } | ErrorKind::Timeout { .. } => true,
            ErrorKind::Connect { source } => {
                let mut cause: Option<&(dyn Error + 'static)> =
                    source.as_deref().map(|s| s as &(dyn Error + 'static));
                while let Some(c) = cause {
                    if c.downcast_ref::<std::io::Error>().is_some_and(io_lost) {
                        return true;
                    }
                    cause = c.source();
                }
                false
            }
            _ => false,
        }
    }

    /// Whether a statement failed because what it creates exists already (by the engine's
    /// code, see `SqlCode::already_exists`).
    pub fn already_exists(&self) -> bool {
        matches!(&self.kind, ErrorKind::Sql { code, .. } if code.already_exists())
    }

    /// A short name of the kind, for messages and machine-readable output.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ErrorKind::Connect { .. } => "connect",
            ErrorKind::Sql { .. } => "sql",
            ErrorKind::RefusedRow => "refused_row",
            ErrorKind::State => "state",
            ErrorKind::Input => "input",
            ErrorKind::Io { .. } => "io",
            ErrorKind::Config => "config",
            ErrorKind::Timeout { .. } => "timeout",
            ErrorKind::ConnectionLost { .. } => "connection_lost",
        }
    }

    /// The exit code of a command this error ends: 2, "the command could not complete", for
    /// every kind today (1 is kept for a load that finished with rejected rows, a
    /// validation that found differences). The one place to tell kinds apart by exit code.
    pub fn exit_code(&self) -> u8 {
        2
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for LoadError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.kind {
            ErrorKind::Connect { source }
            | ErrorKind::Sql { source, .. }
            | ErrorKind::Io { source }
            | ErrorKind::ConnectionLost { source } => {
                source.as_deref().map(|s| s as &(dyn Error + 'static))
            }
            _ => None,
        }
    }
}

/// Whether an I/O error means the connection is gone (rather than, say, a refused TLS
/// certificate).
pub fn io_lost(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::ConnectionReset
            | K::ConnectionAborted
            | K::BrokenPipe
            | K::UnexpectedEof
            | K::TimedOut
            | K::NotConnected
            | K::ConnectionRefused
    )
}

/// A PostgreSQL error by kind, with `message` (which names the server and the statement and
/// carries the server's text) as what the user reads. SQLSTATE class 08 (connection
/// exception) and 57P01-57P03 (the server shutting down or starting) mean the connection is
/// gone.
pub fn pg_error(message: String, e: tokio_postgres::Error) -> LoadError {
    let io_cause = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .is_some_and(io_lost);
    let sqlstate = e.code().map(|c| c.code().to_string());
    let lost_state = sqlstate
        .as_deref()
        .is_some_and(|s| s.starts_with("08") || matches!(s, "57P01" | "57P02" | "57P03"));
    let closed = e.is_closed();
    let source: Option<Cause> = Some(Arc::new(e));
    if closed || io_cause || lost_state {
        return LoadError::new(ErrorKind::ConnectionLost { source }, message);
    }
    let code = SqlCode {
        engine: None,
        sqlstate,
        notes: Vec::new(),
    };
    LoadError::new(ErrorKind::Sql { code, source }, message)
}

/// A MySQL / MariaDB error by kind (see `pg_error`). Server errors 1053 (shutdown), 1077
/// (normal shutdown), 1927 (connection killed) and 2006 / 2013 (gone away, lost during a
/// query) mean the connection is gone; so do I/O errors and a closed connection.
pub fn mysql_error(message: String, e: mysql_async::Error, notes: Vec<i64>) -> LoadError {
    use mysql_async::{DriverError, Error as E};
    let (lost, code) = match &e {
        E::Server(s) => (
            matches!(s.code, 1053 | 1077 | 1927 | 2006 | 2013),
            SqlCode {
                engine: Some(i64::from(s.code)),
                sqlstate: Some(s.state.clone()),
                notes,
            },
        ),
        E::Io(_) => (true, SqlCode::default()),
        E::Driver(DriverError::ConnectionClosed) => (true, SqlCode::default()),
        _ => (false, SqlCode::default()),
    };
    let source: Option<Cause> = Some(Arc::new(e));
    if lost {
        return LoadError::new(ErrorKind::ConnectionLost { source }, message);
    }
    LoadError::new(ErrorKind::Sql { code, source }, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_exists_is_decided_by_code() {
        let pg = |s: &str| SqlCode {
            sqlstate: Some(s.to_string()),
            ..SqlCode::default()
        };
        assert!(pg("42P07").already_exists());
        assert!(pg("42710").already_exists());
        assert!(!pg("23505").already_exists());
        let my = |c: i64, notes: Vec<i64>| SqlCode {
            engine: Some(c),
            sqlstate: Some("HY000".into()),
            notes,
        };
        assert!(my(1050, vec![]).already_exists());
        assert!(my(1826, vec![]).already_exists());
        assert!(my(1005, vec![121, 1005, 1022]).already_exists());
        // errno 150: a foreign key that is not well formed, not a duplicate.
        assert!(!my(1005, vec![150, 1005]).already_exists());
    }

    #[test]
    fn context_keeps_the_kind() {
        let e = LoadError::new(ErrorKind::Timeout { seconds: 5 }, "no answer")
            .map_message(|m| format!("{m}\nThe load stopped"));
        assert!(e.is_connection_lost());
        assert_eq!(e.to_string(), "no answer\nThe load stopped");
        assert_eq!(e.kind_name(), "timeout");
    }
}
