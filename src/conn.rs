//! Where data comes from and goes to: server URLs, SQLite files and dump files, and the one
//! place that holds a password. A `Secret` prints as `***`; `Endpoint`'s Display and its
//! serialised form never carry the password, so plans, logs, reports and errors cannot leak it.
//!
//! Forms: `postgres://user@host:port/db?sslmode=require` (or `postgresql://`),
//! `mysql://user@host:port/db` (or `mariadb://`), `sqlite:path.db` (or `sqlite://path.db`), or a
//! dump file path (its dialect from `--from` or its header).
//! Passwords: in the URL (works, never printed), else the variable named by `--password-env`,
//! else `PGPASSWORD` / `MYSQL_PWD`.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::dialect::Dialect;

/// A password. Its Debug and Display print `***`; only `expose` gives the text, to a driver.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A database server's address. Serialised without the password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    pub user: String,
    #[serde(skip)]
    pub password: Option<Secret>,
    pub host: String,
    pub port: u16,
    pub database: String,
    /// Query parameters (`sslmode=require`), kept in order.
    pub params: Vec<(String, String)>,
}

impl Server {
    /// A query parameter of the URL (`sslmode`), the first one of that name.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Endpoint {
    Postgres(Server),
    Mysql(Server),
    Sqlite { path: PathBuf },
    Dump { path: PathBuf, dialect: Dialect },
}

impl Endpoint {
    /// The SQL dialect spoken at this endpoint.
    pub fn dialect(&self) -> Dialect {
        match self {
            Endpoint::Postgres(_) => Dialect::Postgres,
            Endpoint::Mysql(_) => Dialect::Mysql,
            Endpoint::Sqlite { .. } => Dialect::Sqlite,
            Endpoint::Dump { dialect, .. } => *dialect,
        }
    }

    /// Fills a missing password from the environment: the variable `password_env` names, else
    /// the engine's own (`PGPASSWORD`, `MYSQL_PWD`). A password in the URL wins.
    pub fn resolve_password(&mut self, password_env: Option<&str>) -> Result<(), EndpointError> {
        let (server, default_var) = match self {
            Endpoint::Postgres(s) => (s, "PGPASSWORD"),
            Endpoint::Mysql(s) => (s, "MYSQL_PWD"),
            _ => return Ok(()),
        };
        if server.password.is_some() {
            return Ok(());
        }
        if let Some(var) = password_env {
            return match std::env::var(var) {
                Ok(p) => {
                    server.password = Some(Secret::new(p));
                    Ok(())
                }
                Err(_) => Err(EndpointError::PasswordEnvUnset {
                    var: var.to_string(),
                }),
            };
        }
        if let Ok(p) = std::env::var(default_var) {
            server.password = Some(Secret::new(p));
        }
        Ok(())
    }
}

impl fmt::Display for Endpoint {
    /// The endpoint as a URL without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let server = |f: &mut fmt::Formatter<'_>, scheme: &str, s: &Server| {
            write!(
                f,
                "{scheme}://{}@{}:{}/{}",
                s.user, s.host, s.port, s.database
            )?;
            for (i, (k, v)) in s.params.iter().enumerate() {
                write!(f, "{}{k}={v}", if i == 0 { '?' } else { '&' })?;
            }
            Ok(())
        };
        match self {
            Endpoint::Postgres(s) => server(f, "postgres", s),
            Endpoint::Mysql(s) => server(f, "mysql", s),
            Endpoint::Sqlite { path } => write!(f, "sqlite:{}", path.display()),
            Endpoint::Dump { path, dialect } => {
                write!(f, "{} ({} dump)", path.display(), dialect.name())
            }
        }
    }
}

/// Why an endpoint on the command line cannot be used. Messages never carry a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointError {
    /// A server URL that does not parse: the URL (redacted) and what is wrong.
    BadUrl { url: String, problem: UrlProblem },
    /// `sqlite:` without a path.
    NoSqlitePath,
    /// `scheme://` of an engine ferry does not talk to (the URL redacted).
    UnknownScheme { url: String },
    /// A dump of a dialect whose data ferry cannot read (SQL Server, Oracle scripts).
    DumpDataUnsupported { path: String, dialect: Dialect },
    /// A dump file whose dialect neither `--from` nor its header tells.
    DumpDialectUnknown { path: String },
    /// `--password-env VAR` names a variable that is not set.
    PasswordEnvUnset { var: String },
}

/// What is wrong in a server URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    BadPort(String),
    NoHost,
    ShortEscape,
    BadEscape(String),
    EscapeNotUtf8,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlProblem::BadPort(p) => write!(f, "port `{p}` is not a number from 1 to 65535"),
            UrlProblem::NoHost => write!(f, "the URL names no host"),
            UrlProblem::ShortEscape => write!(f, "a `%` escape is cut short"),
            UrlProblem::BadEscape(hex) => write!(f, "`%{hex}` is not an escape"),
            UrlProblem::EscapeNotUtf8 => write!(f, "an escape decodes to invalid UTF-8"),
        }
    }
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::BadUrl { url, problem } => write!(f, "{url}: {problem}"),
            EndpointError::NoSqlitePath => {
                write!(f, "sqlite: needs a file path, e.g. sqlite:out.db")
            }
            EndpointError::UnknownScheme { url } => write!(
                f,
                "{url}: unknown scheme; use postgres://, mysql://, sqlite: or a dump file path"
            ),
            EndpointError::DumpDataUnsupported { path, dialect } => write!(
                f,
                "{path}: moving data out of {dialect} scripts is not supported yet; `ferry convert --from {dialect}` converts their schema"
            ),
            EndpointError::DumpDialectUnknown { path } => write!(
                f,
                "{path}: cannot tell the dialect of this dump; pass --from mysql|postgres|sqlite"
            ),
            EndpointError::PasswordEnvUnset { var } => {
                write!(f, "--password-env names `{var}`, which is not set")
            }
        }
    }
}

impl std::error::Error for EndpointError {}

/// Parses an endpoint. `dump_dialect` is the dialect of a dump file (from `--from` or the
/// file's header); Err names what is wrong, without the password.
pub fn parse(text: &str, dump_dialect: Option<Dialect>) -> Result<Endpoint, EndpointError> {
    let lower = text.to_ascii_lowercase();
    for (scheme, pg) in [
        ("postgres://", true),
        ("postgresql://", true),
        ("mysql://", false),
        ("mariadb://", false),
    ] {
        if lower.starts_with(scheme) {
            let s = parse_server(&text[scheme.len()..], if pg { 5432 } else { 3306 }).map_err(
                |problem| EndpointError::BadUrl {
                    url: redact(text),
                    problem,
                },
            )?;
            return Ok(if pg {
                Endpoint::Postgres(s)
            } else {
                Endpoint::Mysql(s)
            });
        }
    }
    if let Some(path) = text
        .strip_prefix("sqlite://")
        .or_else(|| text.strip_prefix("sqlite:"))
    {
        if path.is_empty() {
            return Err(EndpointError::NoSqlitePath);
        }
        return Ok(Endpoint::Sqlite {
            path: PathBuf::from(path),
        });
    }
    if text.contains("://") {
        return Err(EndpointError::UnknownScheme { url: redact(text) });
    }
    let path = PathBuf::from(text);
    match dump_dialect {
        Some(dialect) if !dialect.reads_dump_data() => Err(EndpointError::DumpDataUnsupported {
            path: text.to_string(),
            dialect,
        }),
        Some(dialect) => Ok(Endpoint::Dump { path, dialect }),
        None => Err(EndpointError::DumpDialectUnknown {
            path: text.to_string(),
        }),
    }
}

/// `user[:password]@host[:port]/database[?k=v&...]`
fn parse_server(rest: &str, default_port: u16) -> Result<Server, UrlProblem> {
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (auth, hostpart) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    let (user, password) = match auth {
        Some(a) => match a.split_once(':') {
            Some((u, p)) => (percent_decode(u)?, Some(Secret::new(percent_decode(p)?))),
            None => (percent_decode(a)?, None),
        },
        None => (String::new(), None),
    };
    let (hostport, database) = match hostpart.split_once('/') {
        Some((h, d)) => (h, percent_decode(d)?),
        None => (hostpart, String::new()),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (
            h.to_string(),
            p.parse::<u16>()
                .map_err(|_| UrlProblem::BadPort(p.to_string()))?,
        ),
        None => (hostport.to_string(), default_port),
    };
    if host.is_empty() {
        return Err(UrlProblem::NoHost);
    }
    let mut params = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.push((percent_decode(k)?, percent_decode(v)?));
    }
    Ok(Server {
        user,
        password,
        host,
        port,
        database,
        params,
    })
}

fn percent_decode(s: &str) -> Result<String, UrlProblem> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or(UrlProblem::ShortEscape)?;
            let byte =
                u8::from_str_radix(hex, 16).map_err(|_| UrlProblem::BadEscape(hex.to_string()))?;
            out.push(byte);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UrlProblem::EscapeNotUtf8)
}

/// A URL with any password replaced by `***`, for messages about URLs that did not parse.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let after = &url[scheme_end + 3..];
    let auth_end = after.find(['/', '?']).unwrap_or(after.len());
    match after[..auth_end].rfind('@') {
        Some(at) => match after[..at].find(':') {
            Some(colon) => format!(
                "{}{}:***{}",
                &url[..scheme_end + 3],
                &after[..colon],
                &after[at..]
            ),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_parse_and_never_print_the_password() {
        let e = parse(
            "postgres://ann:s%40cret@db.example:6543/shop?sslmode=require",
            None,
        );
        let Ok(Endpoint::Postgres(s)) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(s.user, "ann");
        assert_eq!(s.password.as_ref().map(Secret::expose), Some("s@cret"));
        assert_eq!(
            (s.host.as_str(), s.port, s.database.as_str()),
            ("db.example", 6543, "shop")
        );
        assert_eq!(s.params, vec![("sslmode".into(), "require".into())]);
        let shown = format!(
            "{} {:?}",
            e.as_ref().map_or(String::new(), |e| e.to_string()),
            e
        );
        assert!(!shown.contains("cret"), "{shown}");
        let json = serde_json::to_string(&e.ok()).unwrap_or_default();
        assert!(!json.contains("cret"), "{json}");
    }

    #[test]
    fn other_forms() {
        assert!(
            matches!(parse("mysql://root@127.0.0.1/", None), Ok(Endpoint::Mysql(s)) if s.port == 3306)
        );
        assert!(matches!(
            parse("sqlite:out.db", None),
            Ok(Endpoint::Sqlite { .. })
        ));
        assert!(matches!(
            parse("dump.sql", Some(Dialect::Mysql)),
            Ok(Endpoint::Dump {
                dialect: Dialect::Mysql,
                ..
            })
        ));
        assert!(matches!(
            parse("dump.sql", None),
            Err(EndpointError::DumpDialectUnknown { .. })
        ));
        assert_eq!(parse("sqlite:", None), Err(EndpointError::NoSqlitePath));
        let bad = parse("mysql://u:pw1@h:99999/db", None);
        assert!(
            matches!(&bad, Err(e @ EndpointError::BadUrl { problem: UrlProblem::BadPort(_), .. })
                if e.to_string().contains("99999") && !e.to_string().contains("pw1")),
            "{bad:?}"
        );
        assert!(
            matches!(parse("oracle://u:pw1@h/x", None), Err(e @ EndpointError::UnknownScheme { .. }) if !e.to_string().contains("pw1"))
        );
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("mysql://u:p@h/d"), "mysql://u:***@h/d");
        assert_eq!(redact("mysql://u@h/d"), "mysql://u@h/d");
        assert_eq!(redact("x.sql"), "x.sql");
    }
}
