//! The registry of diagnostic codes: each code with its name, severity, a one-line summary and
//! the long explanation that `ferry explain CODE` prints. Add a code here, never inline.
//!
//! Numbering: F0xxx reading the input, F1xxx objects that need manual action, F2xxx conversions
//! with a risk or a note, F3xxx mapping files.

use serde::{Serialize, Serializer};

use super::Severity;

#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub explanation: &'static str,
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

macro_rules! codes {
    ($( $konst:ident = $id:literal, $name:literal, $sev:ident, $summary:literal, $explanation:literal; )*) => {
        $( pub static $konst: Code = Code {
            id: $id, name: $name, severity: Severity::$sev, summary: $summary, explanation: $explanation,
        }; )*
        /// Every code, in numbering order.
        pub static ALL: &[&Code] = &[ $( &$konst ),* ];
    };
}

codes! {
    PARSE_ERROR = "F0001", "parse-error", Error,
        "a statement could not be parsed",
        "The statement is not valid SQL for the source dialect as ferry's parser reads it. The statement \
         is left out of the output and conversion goes on with the rest. Check that --from names the \
         right dialect; if the statement is valid for your server, convert it by hand and report the \
         case to ferry.";
    UNTERMINATED = "F0002", "unterminated", Error,
        "a string, quoted identifier, comment or block is not closed",
        "The splitter reached the end of the file inside a quoted string, a quoted identifier, a block \
         comment, a dollar-quoted body or a DELIMITER block. Everything from the opening mark to the end \
         of the file is one unfinished statement and is not converted. The file is probably truncated.";
    SKIPPED_STATEMENT = "F0003", "skipped-statement", Note,
        "a statement that carries no schema was skipped",
        "Session settings (SET), locks, transaction control, USE, DROP ... IF EXISTS guards and data \
         statements (INSERT, COPY) carry no schema. `convert` skips them; the data mover reads the data \
         statements of a dump.";
    DIALECT_GUESS = "F0004", "dialect-guessed", Note,
        "the source dialect was inferred from the file",
        "No --from was given and the file's header names the tool that wrote it (mysqldump, pg_dump, \
         sqlite3 .dump, SQL Server Management Studio, Oracle SQL Developer). Pass --from to be \
         explicit.";
    UNSUPPORTED_STATEMENT = "F1001", "unsupported-statement", Manual,
        "a statement kind that ferry does not convert",
        "ferry read the statement but has no conversion for this kind of object (for example CREATE \
         RULE, CREATE AGGREGATE, GRANT). It is not in the output. Recreate it by hand on the target if \
         you need it.";
    ROUTINE_MANUAL = "F1002", "routine-manual", Manual,
        "a routine or trigger must be rewritten by hand",
        "Procedures, functions and triggers are code in the source's procedural language. ferry keeps \
         their text and location but does not translate procedural code: rewrite each one for the \
         target and test it.";
    VIEW_MANUAL = "F1003", "view-manual", Manual,
        "a view's query could not be converted",
        "The view's SELECT uses a construct that ferry cannot re-print for the target (a function \
         without a known equivalent, a dialect-only clause). The view is left out of the output; the \
         message names the construct. Rewrite the query for the target.";
    TYPE_MANUAL = "F1004", "type-manual", Manual,
        "a column type has no automatic mapping",
        "No mapping rule converts this type to the target, or the rule says the conversion needs a \
         person (risk = manual). The table is emitted with the column's type as the rule's fallback; \
         check the column. Add a rule with --mappings to decide it yourself.";
    INDEX_MANUAL = "F1005", "index-manual", Manual,
        "an index or constraint could not be converted",
        "The index or constraint uses a feature the target lacks (an index method, a full-text or \
         spatial index, an expression the target cannot index). It is left out of the output.";
    DEFAULT_MANUAL = "F1006", "default-manual", Manual,
        "a column default could not be converted",
        "The default expression uses a function or construct with no equivalent on the target. The \
         column is emitted without the default; add one by hand if the application relies on it.";
    COMPUTED_COLUMN_MANUAL = "F1007", "computed-column-manual", Manual,
        "a computed column could not be converted",
        "SQL Server's computed columns (`name AS (expression) [PERSISTED]`) declare no type. ferry \
         converts one to a generated column when it can tell the expression's type by SQL Server's \
         rules (columns, literals, arithmetic, concatenation, CASE, ISNULL, COALESCE and a few text \
         functions). Any other is left out of the table, with the reason; recreate it on the target \
         as a generated column (`GENERATED ALWAYS AS (expression) STORED` on PostgreSQL and MySQL) \
         or a view column.";
    CONFIG_REFERENCE_MANUAL = "F1008", "config-reference-manual", Manual,
        "an object refers to a column the configuration drops, or in a way ferry cannot follow",
        "migration.toml renames and drops columns, tables and schemas; ferry rewrites every reference \
         to them in views, indexes (expressions and partial-index predicates), CHECK constraints, \
         defaults and generated columns. Where it cannot be sure the rewritten object means what the \
         source's did, the object is left out of the output and the message names it and the \
         column: a reference to a dropped column (a generated column over one is dropped with it), a \
         column name that several tables of a view's query have, a qualifier ferry cannot resolve \
         (a subquery's or CTE's name), or USING / NATURAL joins over an edited column. Create the \
         object by hand for the new names, or keep the column.";
    TYPE_LOSSY = "F2001", "type-lossy", Warning,
        "a column type conversion may lose information",
        "The mapping rule used for this column carries risk = lossy: some values of the source type \
         cannot be represented exactly on the target (the note says which). Check that your data does \
         not use them, or choose another target type with --mappings.";
    TYPE_NOTE = "F2002", "type-note", Note,
        "a column type was mapped with a note",
        "The mapping rule used for this column carries a note: the conversion is exact but differs \
         from the source in a way worth knowing (a wider type, a check constraint added).";
    ATTRIBUTE_DROPPED = "F2003", "attribute-dropped", Note,
        "a column attribute the target cannot express was dropped",
        "Character set, collation, or a storage attribute has no equivalent on the target column. \
         The data mover converts text to the target's encoding (UTF-8).";
    ON_UPDATE = "F2004", "on-update-timestamp", Warning,
        "ON UPDATE CURRENT_TIMESTAMP has no equivalent on the target",
        "MySQL refreshes the column on every UPDATE. PostgreSQL and SQLite have no column attribute \
         for that. With --emulate on-update ferry writes a trigger on PostgreSQL that does it; \
         otherwise the application must set the column.";
    NAME_SHORTENED = "F2005", "name-shortened", Note,
        "an identifier was longer than the target allows and was shortened",
        "PostgreSQL keeps 63 bytes of a name, MySQL 64. ferry shortens a longer name deterministically: \
         a prefix and a hash of the whole name, so distinct names stay distinct.";
    FK_CYCLE = "F2006", "fk-cycle-broken", Note,
        "foreign keys form a cycle; they are added after the tables",
        "Tables that reference each other cannot be created in any order with their foreign keys \
         inline. ferry creates the tables first and adds these foreign keys with ALTER TABLE.";
    DEFAULT_CHANGED = "F2007", "default-changed", Warning,
        "a column default was changed or dropped",
        "The default could not be kept as written (a zero date, a value outside the target type). The \
         message says what ferry emitted instead.";
    FEATURE_DROPPED = "F2008", "feature-dropped", Warning,
        "part of an object was dropped because the target cannot express it",
        "For example an index prefix length, an index method, a partial-index predicate, a \
         deferrable foreign key, a table option. The object is emitted without it.";
    UNKNOWN_REFERENCE = "F2009", "unknown-reference", Warning,
        "an object refers to something the script does not define",
        "A foreign key, view or column type names a table or type that is not in the input. The \
         output refers to it as written; it must exist on the target before this script runs.";
    IDENTITY_CONVERTED = "F2010", "identity-converted", Note,
        "an auto-increment column was converted to the target's form",
        "AUTO_INCREMENT, SERIAL, IDENTITY and SQLite's INTEGER PRIMARY KEY AUTOINCREMENT are one \
         idea with different spellings; the start value is kept where the source gave one. Oracle \
         scripts written before 12c number rows with a sequence and a BEFORE INSERT trigger that \
         assigns its NEXTVAL: ferry reads that as an identity, and drops the trigger and the \
         sequence when the trigger does nothing else.";
    ENUM_CONVERTED = "F2011", "enum-converted", Note,
        "an enumerated type was converted",
        "MySQL's inline ENUM becomes a PostgreSQL enum type named after table and column; \
         PostgreSQL's enum types become MySQL inline ENUMs; on SQLite an enum is text with a CHECK.";
    NAME_COLLISION = "F2012", "name-collision", Warning,
        "two objects would have one name on the target; the later one was renamed",
        "A target without schemas (MySQL, SQLite) flattens `a.t` and `b.t` into one namespace, \
         and MySQL (on case-insensitive file systems) and SQLite compare names without case, so \
         `Foo` and `foo` meet there. ferry keeps the first in output order and renames the \
         other (`schema_name`, else a number), in every statement that refers to it.";
    MAPPING_ERROR = "F3001", "mapping-error", Error,
        "a mapping file is invalid",
        "A mapping rule could not be read: a bad type pattern, an unknown transform, drop or risk \
         name, or two equally specific rules that match the same type. The message names the file \
         and line. Fix the file; see mappings/README.md for the format.";
    CONFIG_ERROR = "F3002", "config-error", Error,
        "the migration configuration names something the source does not have",
        "A table, column or setting in migration.toml matches nothing in the source schema, or asks \
         for something that cannot be done (dropping a key column). Nothing is moved until it is \
         fixed: a typo would otherwise move the wrong data. See the README for the format.";
}

/// Looks a code up by its id (`F2001`) or its name (`type-lossy`).
pub fn find(key: &str) -> Option<&'static Code> {
    ALL.iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(key) || c.name == key)
}
