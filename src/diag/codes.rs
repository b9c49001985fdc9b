//! The registry of diagnostic codes: each code declared once, with its name, severity, a one-line
//! summary, the effort class of one finding and what ferry did about it (the report's effort
//! model, `report::effort`), and the long explanation that `ferry explain CODE` prints. Add a code
//! here, never inline; a test checks that every code is emitted somewhere.
//!
//! Numbering: F0xxx reading the input, F1xxx objects that need manual action, F2xxx conversions
//! with a risk or a note, F3xxx mapping files. A code is one situation: a new situation gets a new
//! code, never a reused one. Codes are public output; the codes a split replaced are in
//! `RETIRED`, so that `ferry explain` still answers for them.

use serde::{Serialize, Serializer};

use super::{Complexity, Severity};

#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// How much work one finding of this code is for a person (the report's effort model).
    pub effort: Complexity,
    pub summary: &'static str,
    /// What ferry did about a finding of this code, as the report says it.
    pub ferry_did: &'static str,
    pub explanation: &'static str,
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

macro_rules! codes {
    ($( $konst:ident = $id:literal, $name:literal, $sev:ident, $effort:ident,
        $summary:literal, $did:literal, $explanation:literal; )*) => {
        $( pub static $konst: Code = Code {
            id: $id, name: $name, severity: Severity::$sev, effort: Complexity::$effort,
            summary: $summary, ferry_did: $did, explanation: $explanation,
        }; )*
        /// Every code, in numbering order.
        pub static ALL: &[&Code] = &[ $( &$konst ),* ];
        /// Every code with the name of its constant, for the test that finds its emitters.
        #[cfg(test)]
        static CONSTANTS: &[(&str, &Code)] = &[ $( (stringify!($konst), &$konst) ),* ];
    };
}

codes! {
    PARSE_ERROR = "F0001", "parse-error", Error, Medium,
        "a statement could not be parsed",
        "left the statement out of the output",
        "The statement is not valid SQL for the source dialect as ferry's parser reads it. The statement \
         is left out of the output and conversion goes on with the rest. Check that --from names the \
         right dialect; if the statement is valid for your server, convert it by hand and report the \
         case to ferry.";
    UNTERMINATED = "F0002", "unterminated", Error, Medium,
        "a string, quoted identifier, comment or block is not closed",
        "left the unfinished text out of the output",
        "The splitter reached the end of the file inside a quoted string, a quoted identifier, a block \
         comment, a dollar-quoted body or a DELIMITER block. Everything from the opening mark to the end \
         of the file is one unfinished statement and is not converted. The file is probably truncated.";
    SKIPPED_STATEMENT = "F0003", "skipped-statement", Note, None,
        "a statement that carries no schema was skipped",
        "skipped the statement: it carries no schema",
        "Session settings (SET), locks, transaction control, USE, DROP ... IF EXISTS guards and data \
         statements (INSERT, COPY) carry no schema. `convert` skips them; the data mover reads the data \
         statements of a dump. An engine's own tables (SQLite's `sqlite_sequence`, `sqlite_stat1`) \
         are no user tables and are skipped too; the identity columns carry their meaning.";
    GO_GLUED = "F0005", "go-glued", Warning, Trivial,
        "a GO batch separator is glued to the end of a line",
        "read it as a GO line: the batch ends there",
        "SQL Server's client tools (sqlcmd, SSMS) end a batch at a line that holds only `GO`. \
         Scripts written for an application's own installer sometimes glue it to the end of the \
         line before (`)GO`, `END GO`), which sqlcmd would not take. Where it can only be the \
         separator (right after a closing parenthesis or the END of a block, outside strings, \
         comments and names) ferry reads it as a GO line. Put it on a line of its own if the \
         script is run with sqlcmd.";
    HASH_COMMENT = "F0006", "hash-comment", Warning, Trivial,
        "a line starting with # in a SQLite script",
        "read the line as a comment",
        "SQLite's comments are `--` to the end of the line and `/* ... */` \
         (https://sqlite.org/lang_comment.html); `#` is not one, and sqlite3 stops at such a line. \
         Scripts written for an application's own installer (which strips them) often carry them \
         anyway, as MySQL would read them. Where a line starts with `#` at the start of a \
         statement, ferry reads it as a comment. Remove it if the script is run with sqlite3.";
    UNSUPPORTED_STATEMENT = "F1001", "unsupported-statement", Manual, Medium,
        "a statement kind that ferry does not convert",
        "left the statement out of the output",
        "ferry read the statement but has no conversion for this kind of object (for example CREATE \
         RULE, CREATE AGGREGATE, GRANT). It is not in the output. Recreate it by hand on the target if \
         you need it.";
    ROUTINE_MANUAL = "F1002", "routine-manual", Manual, Complex,
        "a routine or trigger must be rewritten by hand",
        "kept the code out of the output; its text is in the source",
        "Procedures, functions and triggers are code in the source's procedural language. ferry keeps \
         their text and location; it translates MySQL's row triggers for PostgreSQL and SQLite, and \
         MySQL's stored functions and procedures for PostgreSQL (PL/pgSQL); the message names the \
         construct that stopped one and points at its line (dynamic SQL, a handler for another \
         condition than NOT FOUND, a function without a known equivalent). SQLite has no stored \
         routines at all. Rewrite each one left out for the target and test it.";
    VIEW_MANUAL = "F1003", "view-manual", Manual, Medium,
        "a view's query could not be converted",
        "left the view out of the output",
        "The view's SELECT uses a construct that ferry cannot re-print for the target (a function \
         without a known equivalent, a dialect-only clause). The view is left out of the output; the \
         message names the construct. Rewrite the query for the target.";
    TYPE_MANUAL = "F1004", "type-manual", Manual, Simple,
        "a column type has no automatic mapping",
        "emitted the column with the rule's fallback type",
        "No mapping rule converts this type to the target, or the rule says the conversion needs a \
         person (risk = manual). The table is emitted with the column's type as the rule's fallback; \
         check the column. Add a rule with --mappings to decide it yourself.";
    INDEX_MANUAL = "F1005", "index-manual", Manual, Simple,
        "an index or constraint could not be converted",
        "left the index or constraint out of the output",
        "The index or constraint uses a feature the target lacks (an index method, a full-text or \
         spatial index, an expression the target cannot index). It is left out of the output.";
    DEFAULT_MANUAL = "F1006", "default-manual", Manual, Simple,
        "a column default could not be converted",
        "emitted the column without its default",
        "The default expression uses a function or construct with no equivalent on the target. The \
         column is emitted without the default; add one by hand if the application relies on it.";
    COMPUTED_COLUMN_MANUAL = "F1007", "computed-column-manual", Manual, Simple,
        "a computed column could not be converted",
        "left the computed column out of its table",
        "SQL Server's computed columns (`name AS (expression) [PERSISTED]`) declare no type. ferry \
         converts one to a generated column when it can tell the expression's type by SQL Server's \
         rules (columns, literals, arithmetic, concatenation, CASE, ISNULL, COALESCE and a few text \
         functions). Any other is left out of the table, with the reason; recreate it on the target \
         as a generated column (`GENERATED ALWAYS AS (expression) STORED` on PostgreSQL and MySQL) \
         or a view column.";
    CONFIG_REFERENCE_MANUAL = "F1008", "config-reference-manual", Manual, Simple,
        "an object refers to a column the configuration drops, or in a way ferry cannot follow",
        "left the object that refers to an edited column out of the output",
        "migration.toml renames and drops columns, tables and schemas; ferry rewrites every reference \
         to them in views, indexes (expressions and partial-index predicates), CHECK constraints, \
         defaults and generated columns. Where it cannot be sure the rewritten object means what the \
         source's did, the object is left out of the output and the message names it and the \
         column: a reference to a dropped column (a generated column over one is dropped with it), a \
         column name that several tables of a view's query have, a qualifier ferry cannot resolve \
         (a subquery's or CTE's name), or USING / NATURAL joins over an edited column. Create the \
         object by hand for the new names, or keep the column.";
    GENERATED_COLUMN_PLAIN = "F1009", "generated-column-plain", Manual, Simple,
        "a generated column became a plain column",
        "emitted the column as a plain column: its values are loaded, not computed",
        "The expression of a generated (computed) column cannot be re-printed for the target (the \
         message says why). ferry emits the column with its type but without the expression, so the \
         data mover loads the source's values into it, and rows written later get no computed value. \
         Rewrite the expression for the target (`GENERATED ALWAYS AS (...)`), or compute the value \
         in a trigger or in the application.";
    TYPE_LOSSY = "F2001", "type-lossy", Warning, Trivial,
        "a column type conversion may lose information",
        "converted the column to a type that may not hold every value",
        "The mapping rule used for this column carries risk = lossy: some values of the source type \
         cannot be represented exactly on the target (the note says which). Check that your data does \
         not use them, or choose another target type with --mappings.";
    TYPE_NOTE = "F2002", "type-note", Note, None,
        "a column type was mapped with a note",
        "converted the column type (see the note)",
        "The mapping rule used for this column carries a note: the conversion is exact but differs \
         from the source in a way worth knowing (a wider type, a check constraint added).";
    ATTRIBUTE_DROPPED = "F2003", "attribute-dropped", Note, None,
        "a column attribute the target cannot express was dropped",
        "dropped the attribute",
        "Character set, collation (MySQL's BINARY attribute is one), display padding (ZEROFILL), \
         a NOT NULL that MariaDB does not take on a generated column, or a DEFAULT or NOT NULL that \
         a mapping rule drops has no place on the target column; the message names it. The data \
         mover converts text to the target's encoding (UTF-8). Where comparisons or sorting \
         depend on the dropped collation, choose the target column's collation by hand.";
    ON_UPDATE = "F2004", "on-update-timestamp", Warning, Simple,
        "ON UPDATE CURRENT_TIMESTAMP has no equivalent on the target",
        "dropped ON UPDATE, or emulated it with a trigger when asked",
        "MySQL refreshes the column on every UPDATE. PostgreSQL and SQLite have no column attribute \
         for that. With --emulate on-update ferry writes a trigger on PostgreSQL that does it; \
         otherwise the application must set the column.";
    NAME_SHORTENED = "F2005", "name-shortened", Note, None,
        "an identifier was longer than the target allows and was shortened",
        "shortened the name deterministically",
        "PostgreSQL keeps 63 bytes of a name, MySQL 64. ferry shortens a longer name deterministically: \
         a prefix and a hash of the whole name, so distinct names stay distinct.";
    FK_CYCLE = "F2006", "fk-cycle-broken", Note, None,
        "foreign keys form a cycle; they are added after the tables",
        "created the tables first and added these foreign keys afterwards",
        "Tables that reference each other cannot be created in any order with their foreign keys \
         inline. ferry creates the tables first and adds these foreign keys with ALTER TABLE.";
    DEFAULT_CHANGED = "F2007", "default-changed", Warning, Trivial,
        "a column default was changed or dropped",
        "changed or dropped the default (the message says how)",
        "The default could not be kept as written (a zero date, a value outside the target type). The \
         message says what ferry emitted instead.";
    UNKNOWN_REFERENCE = "F2009", "unknown-reference", Warning, Trivial,
        "an object refers to something the script does not define",
        "emitted the reference as written",
        "A foreign key, view or column type names a table or type that is not in the input. The \
         output refers to it as written; it must exist on the target before this script runs.";
    IDENTITY_CONVERTED = "F2010", "identity-converted", Note, None,
        "an auto-increment column was converted to the target's form",
        "converted the auto-increment column to the target's form",
        "AUTO_INCREMENT, SERIAL, IDENTITY and SQLite's INTEGER PRIMARY KEY AUTOINCREMENT are one \
         idea with different spellings; the start value is kept where the source gave one. Oracle \
         scripts written before 12c number rows with a sequence and a BEFORE INSERT trigger that \
         assigns its NEXTVAL: ferry reads that as an identity, and drops the trigger and the \
         sequence when the trigger does nothing else.";
    ENUM_CONVERTED = "F2011", "enum-converted", Note, None,
        "an enumerated type was converted",
        "converted the enumerated type",
        "MySQL's inline ENUM becomes a PostgreSQL enum type named after table and column; \
         PostgreSQL's enum types become MySQL inline ENUMs; on SQLite an enum is text with a CHECK.";
    NAME_COLLISION = "F2012", "name-collision", Warning, Trivial,
        "two objects would have one name on the target; the later one was renamed",
        "renamed the later object; code that uses its old name must follow",
        "A target without schemas (MySQL, SQLite) flattens `a.t` and `b.t` into one namespace, \
         and MySQL (on case-insensitive file systems) and SQLite compare names without case, so \
         `Foo` and `foo` meet there. ferry keeps the first in output order and renames the \
         other (`schema_name`, else a number), in every statement that refers to it.";
    SCHEMAS_MERGED = "F2013", "schemas-merged", Warning, Trivial,
        "objects of several schemas land in one database without their schema names",
        "dropped the schema qualifiers; objects of one name were renamed (F2012)",
        "MySQL and SQLite have no schemas inside a database, so `sales.orders` and `hr.orders` \
         both become tables of the one target database. ferry drops the qualifiers and renames an \
         object whose name is already taken (F2012 says which). Queries and code that name the \
         schemas must drop them; convert one schema at a time to keep them apart.";
    EXTENSION_DROPPED = "F2014", "extension-dropped", Warning, Trivial,
        "a PostgreSQL extension has no equivalent on the target",
        "left the CREATE EXTENSION out of the output",
        "The script creates a PostgreSQL extension (uuid-ossp, pgcrypto, postgis, ...), which the \
         target does not have. Types, functions and indexes that come from it are reported where \
         they are used. Check what the application uses the extension for and replace it.";
    IDENTITY_OPTION_DROPPED = "F2015", "identity-option-dropped", Warning, Trivial,
        "an option of an identity or sequence is not kept on the target",
        "emitted the identity or sequence without the option (the message names it)",
        "The target's identity or sequence cannot say this option: an increment other than 1 on \
         MySQL (set for the whole server by auto_increment_increment), a start value on SQLite's \
         AUTOINCREMENT, MINVALUE, MAXVALUE or CYCLE of an identity, Oracle's ON NULL, a sequence \
         option ferry does not know, or a setval beyond the largest bigint. The column still \
         numbers its rows; check that nothing relies on the exact numbers.";
    AUTO_INCREMENT_DROPPED = "F2016", "auto-increment-dropped", Warning, Simple,
        "a column loses its automatic numbering",
        "emitted the column without automatic numbering",
        "SQLite numbers rows automatically only for an INTEGER PRIMARY KEY column. Another \
         auto-increment column becomes a plain column: inserts must supply its value. Make the \
         column the table's INTEGER PRIMARY KEY, or number the rows in the application.";
    INDEX_PREFIX_ADDED = "F2017", "index-prefix-added", Warning, Trivial,
        "a key indexes only the first characters of a text or binary column on MySQL",
        "indexed the first 255 characters of the column",
        "MySQL cannot index whole TEXT or BLOB values, so the key covers the column's first 255 \
         characters. A UNIQUE or PRIMARY KEY then refuses two values that share those 255 \
         characters, which the source allowed. Check that the data allows it, or give the column \
         a VARCHAR type with --mappings.";
    INDEX_PREFIX_DROPPED = "F2018", "index-prefix-dropped", Warning, Trivial,
        "an index's prefix length was dropped: the target indexes the whole value",
        "indexed the whole value instead of its prefix",
        "MySQL indexes a prefix of a column (`KEY (name(10))`); the target has no prefix indexes \
         and indexes the whole value. A unique index then compares whole values: two values that \
         share the prefix, which the source refused, are accepted. Values too long for the \
         target's index are refused when the index is built.";
    FK_ACTION_CHANGED = "F2019", "fk-action-changed", Warning, Simple,
        "a foreign key's ON DELETE or ON UPDATE action was changed",
        "emitted the foreign key with another action (the message says which and why)",
        "The target does not take the action as written: SQL Server refuses a second cascade \
         path to a table (or a cycle), Oracle has no ON UPDATE actions, and some targets lack SET \
         DEFAULT or refuse SET NULL on a NOT NULL column. ferry emits the nearest action the target \
         takes. Deleting or updating a referenced row then no longer changes the referencing rows: \
         do it in a trigger or in the application.";
    FK_DEFERRABLE_DROPPED = "F2020", "fk-deferrable-dropped", Warning, Trivial,
        "a deferrable foreign key becomes immediate",
        "emitted the foreign key as checked at once",
        "MySQL and SQL Server check a foreign key at every statement; they cannot defer the check \
         to the end of the transaction. A transaction that inserts rows in an order that violates \
         the key for a moment now fails. Check that the application writes referenced rows first.";
    VIEW_ORDER_DROPPED = "F2021", "view-order-dropped", Warning, Trivial,
        "a view's ORDER BY was dropped",
        "emitted the view without its ORDER BY",
        "SQL Server takes ORDER BY in a view only with a row limit (TOP): a view's rows have no \
         order. Order the rows in the queries that read the view.";
    MATERIALIZED_VIEW_CHANGED = "F2022", "materialized-view-changed", Warning, Trivial,
        "a materialized view is created differently on the target",
        "emitted a plain view, or a populated materialized view (the message says which)",
        "A target without materialized views gets a plain view: its query runs on every read \
         instead of reading stored rows, and REFRESH MATERIALIZED VIEW no longer exists. A \
         PostgreSQL materialized view declared WITH NO DATA is created populated. Check the \
         queries' speed, and the code that refreshes the view.";
    PARTITIONING_DROPPED = "F2023", "partitioning-dropped", Warning, Trivial,
        "a table's partitioning is not converted: the table is created whole",
        "created the table unpartitioned",
        "ferry does not convert partitioning schemes (PARTITION BY RANGE, LIST, HASH and their \
         partition lists). The table holds all its rows in one piece on the target; the data is \
         unchanged. Partition it by hand where its size calls for it.";
    PARTITION_DETACHED = "F2024", "partition-detached", Warning, Trivial,
        "a partition stays a table of its own",
        "created the partition as a separate table and left the ATTACH PARTITION out",
        "A table that PostgreSQL attaches as a partition (ALTER TABLE ... ATTACH PARTITION, as \
         pg_dump writes it) becomes a table of its own, and its rows are loaded there, not into \
         the parent: queries on the parent no longer see them. Merge the partitions into the parent (INSERT \
         ... SELECT) or partition the table by hand on the target.";
    INHERITANCE_DROPPED = "F2025", "inheritance-dropped", Warning, Simple,
        "a table's inheritance is not converted",
        "gave the child table its parent's columns and left the inheritance out",
        "PostgreSQL table inheritance (INHERITS) has no equivalent on the target. The child table \
         gets the parent's columns, but queries on the parent no longer see the child's rows. \
         Query the child tables too, or merge them into the parent.";
    PHYSICAL_CLAUSE_DROPPED = "F2026", "physical-clause-dropped", Note, None,
        "a clause about how the source stores an object was dropped",
        "dropped the clause: the target stores the object its own way",
        "Tablespaces, filegroups, storage parameters, logging, compression, clustering, index \
         organisation, table options (ROW_FORMAT, KEY_BLOCK_SIZE, ...), SQLite's WITHOUT ROWID, \
         PostgreSQL's UNLOGGED and WITH (...) settings, replication and edition settings, Oracle's \
         FORCE of a view, and constraint states that are the target's default say how the source \
         server stores or manages data, not what the data is. Nothing the data means is lost; tune the target's storage by its own means.";
    ON_UPDATE_DROPPED = "F2027", "on-update-dropped", Warning, Simple,
        "a column's ON UPDATE expression is not converted",
        "emitted the column without its ON UPDATE",
        "MySQL sets the column to the expression on every UPDATE. ferry converts ON UPDATE \
         CURRENT_TIMESTAMP (F2004), but no other expression. Set the column in a trigger or in the \
         application.";
    UNKNOWN_COLUMN_OPTION = "F2028", "unknown-column-option", Warning, Trivial,
        "a column option ferry does not know was not converted",
        "emitted the column without the option",
        "The column carries an option or attribute that ferry reads but has no conversion for; \
         the message names it. Check what it does on the source and add its equivalent by hand.";
    UNIQUE_NULLS_CHANGED = "F2029", "unique-nulls-changed", Warning, Trivial,
        "a unique index's NULLS NOT DISTINCT was dropped",
        "emitted the unique index without NULLS NOT DISTINCT",
        "PostgreSQL 15's NULLS NOT DISTINCT makes a unique index admit one NULL only. Without it \
         the index admits several NULLs (on SQL Server: one, as before). Check that the data and \
         the application do not rely on it, or add a check by hand.";
    COMMENT_DROPPED = "F2030", "comment-dropped", Note, None,
        "a comment on an object is not converted",
        "dropped the comment",
        "The comment (COMMENT ON, or a COMMENT clause) could not be kept: the target has no \
         comments (SQLite), or ferry does not convert comments on this kind of object. Only the \
         documentation in the schema is lost; keep it elsewhere if you need it.";
    FK_TARGET_LEFT_OUT = "F2031", "fk-target-left-out", Warning, Trivial,
        "a foreign key is not created: the configuration leaves out the table it references",
        "left the foreign key out of the output",
        "migration.toml leaves out the table that the foreign key references, so the key cannot \
         be created. Nothing checks the referencing column on the target; include the referenced \
         table if the key matters.";
    VIEW_CHECK_OPTION_DROPPED = "F2032", "view-check-option-dropped", Warning, Trivial,
        "a view's WITH CHECK OPTION was dropped",
        "emitted the view without WITH CHECK OPTION",
        "WITH CHECK OPTION refuses rows written through the view that the view's WHERE would not \
         show. Without it, such rows are written. Check the code that writes through the view.";
    INDEX_OPTION_DROPPED = "F2033", "index-option-dropped", Note, None,
        "an index option that only tunes the index was dropped",
        "emitted the index without the option",
        "Covering columns (INCLUDE), operator classes, NULLS FIRST / LAST and storage parameters of \
         an index have no equivalent on the target. The index still covers the same columns and \
         enforces the same uniqueness; queries may use it less well. Tune it on the target.";
    GENERATED_COLUMN_STORED = "F2034", "generated-column-stored", Note, None,
        "a virtual generated column becomes a stored one",
        "emitted the generated column as STORED",
        "PostgreSQL 15 has stored generated columns only: the value is computed when a row is \
         written and kept, instead of computed when read. Values are the same; the table takes \
         more space.";
    CONSTRAINT_NOW_CHECKED = "F2035", "constraint-now-checked", Warning, Trivial,
        "a constraint the source did not check on all rows is checked on the target",
        "emitted the constraint as an ordinary, checked one",
        "The source created the constraint without checking the rows already there (PostgreSQL \
         NOT VALID, SQL Server WITH NOCHECK, Oracle NOVALIDATE) or disabled it (Oracle DISABLE). \
         The target checks every row, so rows that break it are refused when the constraint is \
         created. Check the data first, or fix the rows the load reports.";
    READ_AS_EQUIVALENT = "F2036", "read-as-equivalent", Note, None,
        "a phrase was read in an equivalent form",
        "read the phrase in an equivalent form; nothing is lost",
        "ferry's parser does not take this spelling (Oracle `NUMBER(*)`, `LONG RAW`, `INTERVAL \
         ... TO ...`, a length unit, SQL Server `NEXT VALUE FOR`, a trailing comma, identity \
         options in another order, the name PostgreSQL gives an identity's own sequence, SQLite \
         type names of several words, ...). It reads it as the same thing said another way; the \
         note says how. Nothing to do.";
    VIEW_OPTION_DROPPED = "F2037", "view-option-dropped", Note, None,
        "a view attribute that guards or describes the view at the source was dropped",
        "emitted the view without the attribute",
        "SQL Server's view attributes SCHEMABINDING (the tables and columns the view reads cannot \
         be changed or dropped while it exists), VIEW_METADATA and ENCRYPTION (the view's text is \
         hidden) say how the source server guards and describes the view, not which rows it \
         shows. The view is emitted without them and shows the same rows. If you relied on \
         SCHEMABINDING to keep the tables from changing, the target does not do that for you.";
    LOOSE_GROUP_BY_AGGREGATED = "F2038", "loose-group-by-aggregated", Warning, Trivial,
        "a column of a grouped view that is neither grouped nor aggregated is read through min()",
        "emitted the view with the column read as min(column) (bool_and for a boolean)",
        "MySQL (without ONLY_FULL_GROUP_BY) returns such a column's value from some row of the \
         group; PostgreSQL refuses the column unless the GROUP BY holds its table's primary key. \
         ferry keeps the column where the key is grouped, and reads it as the group's smallest \
         value otherwise, which is what MySQL returns when the column has one value per group \
         (a city grouped by its store, say). Where a group holds several values, MySQL's pick is \
         arbitrary and the rows may differ: group by the column, or aggregate it as you mean.";
    EXPRESSION_MAY_DIFFER = "F2039", "expression-may-differ", Warning, Trivial,
        "a function of a converted view gives other results on the target for some values",
        "emitted the view with the target's function, which agrees on most values",
        "The target's function is the nearest it has and agrees with the source's on the values \
         the message names (SQLite's upper() and lower() change ASCII letters only, where the \
         other engines change every letter). Check whether your data holds other values; if it \
         does, rewrite the view or transform the data.";
    MAPPING_ERROR = "F3001", "mapping-error", Error, Simple,
        "a mapping file is invalid",
        "stopped: the mapping file must be fixed first",
        "A mapping rule could not be read: a bad type pattern, an unknown transform, drop or risk \
         name, or two equally specific rules that match the same type. The message names the file \
         and line. Fix the file; see mappings/README.md for the format.";
    CONFIG_ERROR = "F3002", "config-error", Error, Simple,
        "the migration configuration names something the source does not have",
        "stopped: the migration configuration must be fixed first",
        "A table, column or setting in migration.toml matches nothing in the source schema, or asks \
         for something that cannot be done (dropping a key column). Nothing is moved until it is \
         fixed: a typo would otherwise move the wrong data. See the README for the format.";
}

/// Codes no longer emitted, with what replaced them: `ferry explain` answers for them.
pub static RETIRED: &[(&str, &str, &str)] = &[
    (
        "F0004",
        "dialect-guessed",
        "no longer reported: nothing emitted it. When --from is not given, the dialect is \
         inferred from the file's header, as before.",
    ),
    (
        "F2008",
        "feature-dropped",
        "split by situation: F2013 schemas-merged, F2014 extension-dropped, F2015 \
         identity-option-dropped, F2016 auto-increment-dropped, F2017 index-prefix-added, F2018 \
         index-prefix-dropped, F2019 fk-action-changed, F2020 fk-deferrable-dropped, F2021 \
         view-order-dropped, F2022 materialized-view-changed, F2023 partitioning-dropped, F2024 \
         partition-detached, F2025 inheritance-dropped, F2026 physical-clause-dropped, F2027 \
         on-update-dropped, F2028 unknown-column-option, F2029 unique-nulls-changed, F2030 \
         comment-dropped, F2031 fk-target-left-out, F2032 view-check-option-dropped.",
    ),
];

/// Looks a code up by its id (`F2001`) or its name (`type-lossy`).
pub fn find(key: &str) -> Option<&'static Code> {
    ALL.iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(key) || c.name == key)
}

/// Looks a retired code up by its id or name: its id, name and what replaced it.
pub fn find_retired(key: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    RETIRED
        .iter()
        .find(|(id, name, _)| id.eq_ignore_ascii_case(key) || *name == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of every Rust file under `dir`, without its tests (a `tests.rs` file, and
    /// everything from a file's first `#[cfg(test)]` on), with its path.
    fn sources_without_tests(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                sources_without_tests(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs")
                && !path.ends_with("tests.rs")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                out.push((path.display().to_string(), code.to_string()));
            }
        }
    }

    /// Every code is emitted by code outside this registry and outside tests: a code that
    /// nothing emits is removed (and listed in `RETIRED`), or its emitter added.
    #[test]
    fn every_code_is_emitted_somewhere() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources_without_tests(&src, &mut files);
        assert!(files.len() > 50, "the source tree was not found");
        let emits = |text: &str, konst: &str| {
            let needle = format!("codes::{konst}");
            text.match_indices(&needle).any(|(i, _)| {
                !text[i + needle.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
        };
        let unused: Vec<&str> = CONSTANTS
            .iter()
            .filter(|(konst, _)| {
                !files
                    .iter()
                    .any(|(path, text)| !path.ends_with("diag/codes.rs") && emits(text, konst))
            })
            .map(|(_, c)| c.id)
            .collect();
        assert!(unused.is_empty(), "codes that nothing emits: {unused:?}");
        assert_eq!(CONSTANTS.len(), ALL.len());
    }

    #[test]
    fn ids_and_names_are_unique_ordered_and_not_retired() {
        for pair in ALL.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{} before {}",
                pair[0].id,
                pair[1].id
            );
        }
        for c in ALL {
            assert_eq!(
                ALL.iter().filter(|o| o.name == c.name).count(),
                1,
                "{}",
                c.name
            );
            assert!(find_retired(c.id).is_none() && find_retired(c.name).is_none());
            assert_eq!(find(c.name), Some(*c));
        }
        for (id, name, _) in RETIRED {
            assert!(find(id).is_none() && find(name).is_none(), "{id} {name}");
        }
    }
}
