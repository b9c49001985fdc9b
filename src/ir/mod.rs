//! The intermediate representation: what a schema *is*, independent of any dialect's spelling.
//!
//! Pure data, no I/O. Every object keeps the `Span` of the source text it came from. Column types
//! are kept verbatim as the source wrote them (`source_type`) next to the mapping decision
//! (`mapped`), which the `mapping` stage fills in. Expressions (defaults, checks, generated
//! columns, view queries) are kept as sqlparser ASTs of the source dialect; `emit` re-prints them.

pub mod procedural;

use sqlparser::ast;

use crate::source::Span;
use crate::transform::Transform;

/// A possibly schema-qualified name. Identifiers are stored as the source database would store
/// them: unquoted PostgreSQL names already folded to lower case.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Name {
    pub schema: Option<String>,
    pub name: String,
}

impl Name {
    pub fn new(schema: Option<String>, name: impl Into<String>) -> Name {
        Name {
            schema,
            name: name.into(),
        }
    }

    pub fn bare(name: impl Into<String>) -> Name {
        Name {
            schema: None,
            name: name.into(),
        }
    }

    /// Compares names the way a lookup inside one script should: case-insensitively, and a
    /// missing schema matches any schema.
    pub fn matches(&self, other: &Name) -> bool {
        self.name.eq_ignore_ascii_case(&other.name)
            && match (&self.schema, &other.schema) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
            }
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Everything read from one source.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Schemas created by the script (PostgreSQL `CREATE SCHEMA`).
    pub schemas: Vec<SchemaDef>,
    pub tables: Vec<Table>,
    pub indexes: Vec<Index>,
    pub views: Vec<View>,
    pub sequences: Vec<Sequence>,
    pub enums: Vec<EnumType>,
    /// PostgreSQL extensions the script creates (`CREATE EXTENSION`), by name.
    pub extensions: Vec<(String, Span)>,
    /// PostgreSQL domains: columns that use one get its base type.
    pub domains: Vec<Domain>,
    /// Procedures, functions, triggers and other code: kept as text, reported as manual action.
    pub routines: Vec<Routine>,
    /// Positions in `tables` by lower-case table name, kept by `add_table`: a schema of
    /// thousands of tables looks tables up for every key, index and foreign key.
    tables_by_name: foldhash::HashMap<String, Vec<usize>>,
    /// How many tables `tables_by_name` holds.
    tables_indexed: usize,
}

impl Schema {
    pub fn add_table(&mut self, table: Table) {
        self.tables_by_name
            .entry(table.name.name.to_lowercase())
            .or_default()
            .push(self.tables.len());
        self.tables_indexed += 1;
        self.tables.push(table);
    }

    /// Rebuilds the name index after tables were removed or renamed in place.
    pub fn reindex(&mut self) {
        self.tables_by_name.clear();
        for (i, t) in self.tables.iter().enumerate() {
            self.tables_by_name
                .entry(t.name.name.to_lowercase())
                .or_default()
                .push(i);
        }
        self.tables_indexed = self.tables.len();
    }

    /// Where the table named `name` is in `tables`: the first that `Name::matches` it.
    /// The table a reference names: the one spelled exactly so, else the one with the same
    /// schema (or none on both sides), else any that `Name::matches` (a schema given on one
    /// side only). So `sales.customer` finds `sales.customer` before a plain `customer`.
    pub fn table_position(&self, name: &Name) -> Option<usize> {
        let all: Vec<usize>;
        let candidates: &[usize] = if self.tables_indexed != self.tables.len() {
            // Tables were pushed directly (tests build schemas by hand): look at each.
            all = (0..self.tables.len()).collect();
            &all
        } else {
            self.tables_by_name.get(&name.name.to_lowercase())?
        };
        let find = |pred: &dyn Fn(&Name) -> bool| {
            candidates
                .iter()
                .copied()
                .find(|i| pred(&self.tables[*i].name))
        };
        find(&|n| n == name)
            .or_else(|| find(&|n| n.matches(name) && n.schema.is_some() == name.schema.is_some()))
            .or_else(|| find(&|n| n.matches(name)))
    }

    pub fn table(&self, name: &Name) -> Option<&Table> {
        self.table_position(name).map(|i| &self.tables[i])
    }

    pub fn table_mut(&mut self, name: &Name) -> Option<&mut Table> {
        self.table_position(name).map(|i| &mut self.tables[i])
    }

    pub fn enum_type(&self, name: &Name) -> Option<&EnumType> {
        self.enums.iter().find(|e| e.name.matches(name))
    }
}

#[derive(Clone, Debug)]
pub struct SchemaDef {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: Name,
    pub span: Span,
    pub columns: Vec<Column>,
    pub primary_key: Option<Key>,
    pub uniques: Vec<Key>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    pub comment: Option<String>,
    /// The next AUTO_INCREMENT value the source declared (`AUTO_INCREMENT=1000` table option).
    pub auto_increment_start: Option<u64>,
    /// MySQL's `DEFAULT CHARSET=...` and `COLLATE=...` table options: what the table's text
    /// columns without their own take. Kept when the target is MySQL too.
    pub default_charset: Option<String>,
    pub default_collation: Option<String>,
}

impl Column {
    /// A nullable column with nothing but a name and a source type.
    pub fn new(name: impl Into<String>, span: Span, source_type: impl Into<String>) -> Column {
        Column {
            name: name.into(),
            span,
            source_type: source_type.into(),
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            charset: None,
            collation: None,
            comment: None,
            on_update_now: false,
            facts: ColumnFacts::default(),
            values: None,
            enum_type: None,
            domain: None,
            mapped: None,
        }
    }
}

impl Sequence {
    /// A sequence with the server's default options.
    pub fn new(name: Name, span: Span) -> Sequence {
        Sequence {
            name,
            start: None,
            increment: None,
            min: None,
            max: None,
            cycle: false,
            owned_by: None,
            span,
        }
    }
}

impl Table {
    /// A table with nothing but a name.
    pub fn new(name: Name, span: Span) -> Table {
        Table {
            name,
            span,
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: None,
            auto_increment_start: None,
            default_charset: None,
            default_collation: None,
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns
            .iter_mut()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub span: Span,
    /// The type as the source wrote it, lower case, e.g. `int unsigned`, `varchar(45)`,
    /// `enum('G','PG')`, `timestamp(3) with time zone`, `integer[]`. Empty for an untyped SQLite
    /// column.
    pub source_type: String,
    pub nullable: bool,
    pub default: Option<Default>,
    pub identity: Option<Identity>,
    pub generated: Option<Generated>,
    pub charset: Option<String>,
    pub collation: Option<String>,
    pub comment: Option<String>,
    /// MySQL `ON UPDATE CURRENT_TIMESTAMP[(p)]`.
    pub on_update_now: bool,
    /// Facts computed by lowering that mapping guards test (`with zero_dates`, ...).
    pub facts: ColumnFacts,
    /// Enum values when the type is an enum (MySQL inline ENUM, or a PostgreSQL enum type) or a
    /// MySQL SET.
    pub values: Option<Vec<String>>,
    /// The named enum type this column uses (PostgreSQL `CREATE TYPE ... AS ENUM`).
    pub enum_type: Option<Name>,
    /// The domain this column uses, where it is kept (within one engine): the source type is
    /// then the domain's base type, and the domain holds its NOT NULL, default and checks.
    pub domain: Option<Name>,
    /// Filled by `mapping`: the target type and how it was decided. Shared: the columns of one
    /// type and the same facts hold one decision (`mapping::map_tables`), and it is half the size
    /// of a column, which lowering leaves empty.
    pub mapped: Option<std::sync::Arc<TypeDecision>>,
}

/// Facts about a column that mapping rules may require with `with <fact>` guards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnFacts {
    /// The column is auto-incremented (AUTO_INCREMENT, SERIAL, IDENTITY, SQLite rowid alias).
    pub auto_increment: bool,
    /// The column's default is a zero date (`0000-00-00`), so the data may hold them too.
    pub zero_dates: bool,
    /// The column is (part of) the primary key.
    pub primary_key: bool,
    /// The column is in a key: the primary key, a unique constraint, an index, or either side of
    /// a foreign key. MySQL cannot key a whole TEXT or BLOB value.
    pub key: bool,
}

impl ColumnFacts {
    /// The names a mapping guard may use, with their values.
    pub fn get(&self, fact: &str) -> Option<bool> {
        match fact {
            "auto_increment" => Some(self.auto_increment),
            "zero_dates" => Some(self.zero_dates),
            "primary_key" => Some(self.primary_key),
            "key" => Some(self.key),
            _ => None,
        }
    }

    pub const NAMES: &[&str] = &["auto_increment", "zero_dates", "primary_key", "key"];
}

/// A column default, normalised so that mapping guards and emitters test meaning, not text.
#[derive(Clone, Debug, PartialEq)]
pub enum Default {
    Null,
    /// A numeric literal as written (`0`, `4.99`, `-1`).
    Number(String),
    /// A string literal, unescaped.
    String(String),
    Bool(bool),
    /// CURRENT_TIMESTAMP, NOW(), LOCALTIMESTAMP, `datetime('now')`, with fractional precision.
    CurrentTimestamp {
        precision: Option<u64>,
        /// The source asked for the local time of the machine rather than UTC (SQLite's
        /// `datetime('now', 'localtime')`).
        local: bool,
    },
    CurrentDate,
    CurrentTime,
    /// The seconds since 1970-01-01 00:00 UTC now: SQLite's `strftime('%s', 'now')` and
    /// `unixepoch()`, MySQL's `UNIX_TIMESTAMP()`.
    UnixTimeNow,
    /// A MySQL zero date or datetime (`0000-00-00`, `0000-00-00 00:00:00`).
    ZeroDate(String),
    /// `nextval('seq')`: the column takes its values from a sequence.
    NextVal(Name),
    /// Any other expression, in the source dialect.
    Expr(Box<ast::Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    pub kind: IdentityKind,
    /// `GENERATED ALWAYS` (true) or `BY DEFAULT` (false); MySQL AUTO_INCREMENT is by default.
    pub always: bool,
    pub start: Option<i64>,
    pub increment: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    /// MySQL AUTO_INCREMENT.
    AutoIncrement,
    /// PostgreSQL SERIAL / BIGSERIAL / SMALLSERIAL.
    Serial,
    /// SQL-standard `GENERATED ... AS IDENTITY`.
    Identity,
    /// SQLite `INTEGER PRIMARY KEY [AUTOINCREMENT]`: an alias of the rowid.
    Rowid,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    /// Boxed: few columns are generated, and every column carries this field.
    pub expr: Box<ast::Expr>,
    pub stored: bool,
}

/// A primary key or unique constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: Name,
    pub ref_columns: Vec<String>,
    pub on_delete: Option<FkAction>,
    pub on_update: Option<FkAction>,
    pub deferrable: Option<Deferrable>,
    pub span: Span,
    /// Set by `order`: this FK is part of a cycle and is added after the tables.
    pub deferred_to_post_data: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deferrable {
    /// DEFERRABLE INITIALLY IMMEDIATE
    Immediate,
    /// DEFERRABLE INITIALLY DEFERRED
    Deferred,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub name: Option<String>,
    pub expr: ast::Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Index {
    pub name: Option<String>,
    pub table: Name,
    pub unique: bool,
    pub kind: IndexKind,
    pub parts: Vec<IndexPart>,
    /// Access method as written (`btree`, `hash`, `gist`, `gin`), lower case.
    pub method: Option<String>,
    /// Partial index predicate (`WHERE ...`).
    pub predicate: Option<ast::Expr>,
    /// Covering columns (`INCLUDE (...)`), as the source names them.
    pub include: Vec<String>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    Plain,
    Fulltext,
    Spatial,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndexPart {
    pub expr: IndexExpr,
    /// MySQL prefix length: `KEY (title(10))`.
    pub prefix_len: Option<u64>,
    pub descending: bool,
}

#[derive(Clone, Debug, PartialEq)]
// Index parts are few; boxing the expression would only add noise at every use.
#[allow(clippy::large_enum_variant)]
pub enum IndexExpr {
    Column(String),
    Expr(ast::Expr),
}

#[derive(Clone, Debug)]
pub struct View {
    pub name: Name,
    pub columns: Vec<String>,
    pub query: ast::Query,
    pub materialized: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    pub name: Name,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub cycle: bool,
    /// `OWNED BY table.column`.
    pub owned_by: Option<(Name, String)>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumType {
    pub name: Name,
    pub values: Vec<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    pub name: Name,
    /// The base type, lower case, as a column would write it.
    pub base_type: String,
    pub collation: Option<String>,
    pub default: Option<Default>,
    pub not_null: bool,
    /// CHECK constraints on the keyword `VALUE`, which stands for the column's value.
    pub checks: Vec<Check>,
    pub span: Span,
    /// The statement as the source wrote it: valid on the same engine.
    pub text: String,
}

/// Code ferry keeps but does not translate.
#[derive(Clone, Debug, PartialEq)]
pub struct Routine {
    pub kind: RoutineKind,
    pub name: Name,
    pub span: Span,
    /// Its first line, where diagnostics point.
    pub head: Span,
    /// The statement as the source wrote it (comments blanked): valid on the same engine.
    pub body: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoutineKind {
    Function,
    Procedure,
    Trigger,
    Aggregate,
    /// PostgreSQL `CREATE OPERATOR`: kept within one engine, like the function it calls.
    Operator,
    /// A PostgreSQL composite or range type (`CREATE TYPE t AS (...)`, `AS RANGE (...)`):
    /// kept within one engine, before the columns and functions that name it.
    Type,
    Other,
}

impl RoutineKind {
    /// The kind findings and statements name it by.
    pub fn object_kind(self) -> crate::diag::ObjectKind {
        use crate::diag::ObjectKind;
        match self {
            RoutineKind::Function => ObjectKind::Function,
            RoutineKind::Procedure => ObjectKind::Procedure,
            RoutineKind::Trigger => ObjectKind::Trigger,
            RoutineKind::Aggregate => ObjectKind::Aggregate,
            RoutineKind::Operator => ObjectKind::Unsupported("operator"),
            RoutineKind::Type => ObjectKind::Type,
            RoutineKind::Other => ObjectKind::Routine,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RoutineKind::Function => "function",
            RoutineKind::Procedure => "procedure",
            RoutineKind::Trigger => "trigger",
            RoutineKind::Aggregate => "aggregate",
            RoutineKind::Operator => "operator",
            RoutineKind::Type => "type",
            RoutineKind::Other => "object",
        }
    }
}

/// How bad a mapping is, from the rule that decided it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    #[default]
    None,
    Lossy,
    Manual,
}

/// A column attribute a mapping rule may drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropAttr {
    Default,
    NotNull,
    Charset,
    Collate,
}

/// A CHECK condition on one column, with the column's name left out: the columns of one type
/// share it, and `emit` writes each column's name in as the target spells it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnCheck {
    pub pieces: Vec<CheckPiece>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckPiece {
    Sql(String),
    /// The column's name, quoted for the target.
    Column,
}

impl ColumnCheck {
    /// The condition for the column named `column` (quoted for the target).
    pub fn sql(&self, column: &str) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                CheckPiece::Sql(s) => s.as_str(),
                CheckPiece::Column => column,
            })
            .collect()
    }

    /// Several conditions that must all hold: `(a) AND (b)`.
    pub fn all(checks: Vec<ColumnCheck>) -> ColumnCheck {
        let mut pieces = Vec::new();
        for (i, c) in checks.into_iter().enumerate() {
            let open = if i == 0 { "(" } else { ") AND (" };
            pieces.push(CheckPiece::Sql(open.to_string()));
            pieces.extend(c.pieces);
        }
        pieces.push(CheckPiece::Sql(")".to_string()));
        ColumnCheck { pieces }
    }
}

/// What the mapping stage decided for one column.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDecision {
    /// The target type as SQL text, e.g. `numeric(20)`, `varchar(45)`, `"film_rating"`.
    pub target: String,
    /// The canonical type in between, e.g. `uint8`, `varchar(45)`.
    pub canonical: crate::canonical::CanonicalType,
    pub transform: Option<Transform>,
    pub risk: Risk,
    pub note: Option<String>,
    /// Where the deciding rule(s) stand, e.g. `mappings/mysql.toml:12 + mappings/postgres.toml:40`.
    pub origin: String,
    pub drop: Vec<DropAttr>,
    /// A CHECK constraint the target needs to keep the source's domain, around the column's
    /// name, which `emit` fills in as the target names the column.
    pub check: Option<ColumnCheck>,
    /// A PostgreSQL enum type this column needs: (type name, values).
    pub new_enum: Option<(String, Vec<String>)>,
}
