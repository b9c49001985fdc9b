//! The SQL dialects ferry reads and writes, and every behaviour that differs between them, each
//! documented once here with the vendor's reference. Code elsewhere asks a method; it never tests
//! `dialect == X` for a quirk that belongs here.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// MySQL and MariaDB.
    #[value(alias = "mariadb")]
    Mysql,
    /// PostgreSQL.
    #[value(alias = "postgresql", alias = "pg")]
    Postgres,
    /// SQLite 3.
    Sqlite,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Mysql, Dialect::Postgres, Dialect::Sqlite];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Mysql => "mysql",
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
        }
    }

    pub fn from_name(name: &str) -> Option<Dialect> {
        match name.to_ascii_lowercase().as_str() {
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
            "sqlite" => Some(Dialect::Sqlite),
            _ => None,
        }
    }

    /// The sqlparser dialect used to parse statements of this dialect.
    pub fn parser(self) -> Box<dyn sqlparser::dialect::Dialect> {
        match self {
            Dialect::Mysql => Box::new(sqlparser::dialect::MySqlDialect {}),
            Dialect::Postgres => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
            Dialect::Sqlite => Box::new(sqlparser::dialect::SQLiteDialect {}),
        }
    }

    /// Longest identifier in bytes.
    /// PostgreSQL: NAMEDATALEN - 1 = 63 bytes
    /// (<https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS>).
    /// MySQL: 64 characters for tables, columns, indexes, constraints
    /// (<https://dev.mysql.com/doc/refman/8.0/en/identifier-length.html>); we count bytes to be safe.
    /// SQLite: no limit (<https://www.sqlite.org/limits.html>).
    pub fn max_ident_len(self) -> usize {
        match self {
            Dialect::Mysql => 64,
            Dialect::Postgres => 63,
            Dialect::Sqlite => usize::MAX,
        }
    }

    /// Quotes an identifier for this dialect, always. MySQL uses backticks
    /// (<https://dev.mysql.com/doc/refman/8.0/en/identifiers.html>); PostgreSQL and SQLite use the
    /// standard double quote, doubled inside.
    pub fn quote_ident(self, name: &str) -> String {
        match self {
            Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
            Dialect::Postgres | Dialect::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// Quotes a string literal. MySQL treats backslash as an escape in strings by default
    /// (<https://dev.mysql.com/doc/refman/8.0/en/string-literals.html>), so it is doubled there.
    pub fn quote_string(self, value: &str) -> String {
        match self {
            Dialect::Mysql => format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''")),
            Dialect::Postgres | Dialect::Sqlite => format!("'{}'", value.replace('\'', "''")),
        }
    }

    /// How this dialect folds unquoted identifiers. PostgreSQL folds to lower case
    /// (<https://www.postgresql.org/docs/current/sql-syntax-lexical.html>); MySQL keeps the case of
    /// column names and, on Linux, of table names; SQLite keeps the case and compares without it.
    pub fn folds_to_lower(self) -> bool {
        matches!(self, Dialect::Postgres)
    }

    /// Whether a table's foreign keys may be declared inside CREATE TABLE only. SQLite cannot add a
    /// foreign key with ALTER TABLE (<https://www.sqlite.org/lang_altertable.html>), so all of them
    /// are emitted inline and the tables' order does not matter there (checked at use time).
    pub fn fk_inline_only(self) -> bool {
        matches!(self, Dialect::Sqlite)
    }

    /// Whether CREATE TYPE ... AS ENUM exists
    /// (<https://www.postgresql.org/docs/current/datatype-enum.html>).
    pub fn has_enum_types(self) -> bool {
        matches!(self, Dialect::Postgres)
    }

    /// Whether the dialect has schemas inside a database (PostgreSQL); in MySQL a schema is a
    /// database and in SQLite an attached file, so names are emitted unqualified there.
    pub fn has_schemas(self) -> bool {
        matches!(self, Dialect::Postgres)
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
