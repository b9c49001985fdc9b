//! Target identifiers: case policy, length limits, quoting, and names that must be unique in a
//! schema on the target even where the source scoped them to a table (MySQL index names).

use foldhash::{HashMap, HashSet, HashSetExt};
use std::sync::Arc;

use crate::diag::{Diagnostic, ObjectKind, ObjectRef, codes};
use crate::dialect::Dialect;
use crate::ir::Name;

/// `--identifiers keep|lower`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentCase {
    /// Keep names as the source stores them (quoted on the target where needed).
    #[default]
    Keep,
    /// Lower-case every name, so PostgreSQL users never need to quote them.
    Lower,
}

/// What an expression over a column must respect on a strict target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Bool,
    Other,
}

impl ColumnKind {
    /// The kind of a canonical type (`varchar(20)`, `bool`, ...).
    pub fn of(canonical: &crate::canonical::CanonicalType) -> ColumnKind {
        use crate::canonical::Family;
        match canonical.family() {
            Family::Text => ColumnKind::Text,
            Family::Bool => ColumnKind::Bool,
            _ => ColumnKind::Other,
        }
    }
}

/// Copied for each piece when tables are printed in parallel (`emit::each_in_order`): the facts
/// read while printing, and the names used before the copy (`freeze`), sit behind `Arc`s, so a
/// copy (`fork`) starts with no set of its own.
#[derive(Clone)]
pub struct Namer {
    pub target: Dialect,
    pub case: IdentCase,
    /// Longest name in bytes: the target's limit, or a lower one asked for (`--oracle-compat`).
    pub max_len: usize,
    /// The Oracle release written for (`--oracle-compat`), when older than the current one.
    pub oracle_release: Option<u32>,
    /// Index and key names already used, per schema, lower case (PostgreSQL and SQLite scope
    /// index names to the schema; MySQL to the table, where the set is per table instead):
    /// those used before each `freeze`, shared with copies, and those used since.
    used_before: Vec<Arc<HashSet<String>>>,
    used: HashSet<String>,
    /// Declared spelling of every table, view and column name, by lower case; None where two
    /// declarations differ only in case (then no spelling is preferred).
    declared: Arc<HashMap<String, Option<String>>>,
    /// Column names (lower case) -> their kind, None where tables that have them disagree;
    /// used where a view names a column without its table.
    pub kinds_by_name: Arc<HashMap<String, Option<ColumnKind>>>,
    /// (table, column), lower case -> the kind of the column's canonical type: PostgreSQL
    /// casts neither text to numbers nor numbers to booleans implicitly.
    pub column_types: Arc<HashMap<(String, String), ColumnKind>>,
    /// Column names (lower case) whose target type is boolean in some table: SQL Server's BIT
    /// columns compared with 0 or 1 cannot be compared so on PostgreSQL.
    pub bool_columns: Arc<HashSet<String>>,
    /// (table, column), lower case -> the scale s of a DECIMAL(p,s) column: SQLite sums
    /// such columns as floats, which a view rounds back (`expr/rules.rs`).
    pub decimal_scales: Arc<HashMap<(String, String), u64>>,
    /// Table (lower case) -> its primary key's columns (lower case): PostgreSQL takes a
    /// table's other columns in a query grouped by its key.
    pub primary_keys: Arc<HashMap<String, Vec<String>>>,
    /// Schemas (lower case) that hold a table or view of the script, and the tables and views
    /// (lower case) it declares without a schema: a MySQL view's `db.t` reads such a `t` when
    /// no schema is named `db` (`Dialect::qualifier_is_database`).
    pub schemas: Arc<HashSet<String>>,
    pub unqualified_relations: Arc<HashSet<String>>,
    /// Functions and aggregates the script defines (lower case, unqualified): ferry does not
    /// emit them, so nothing that calls them can be emitted either.
    pub routines: Arc<HashSet<String>>,
    /// Functions and procedures of the script that `emit/routine` converts (lower case): the
    /// routines it converts may call them.
    pub converted_routines: Arc<HashSet<String>>,
    /// The variables and parameters (lower case) of the routine being printed: in its queries
    /// a bare name of one is a value, not a column.
    pub variables: Arc<HashSet<String>>,
    /// Tables, views, sequences and types renamed so that they stay distinct on the target
    /// (`settle`): source name -> target name (case policy applied, not quoted).
    renamed: Arc<HashMap<Name, String>>,
}

impl Namer {
    pub fn new(target: Dialect, case: IdentCase) -> Namer {
        Namer {
            target,
            case,
            max_len: target.max_ident_len(),
            oracle_release: None,
            used_before: Vec::new(),
            used: HashSet::new(),
            declared: Arc::default(),
            kinds_by_name: Arc::default(),
            column_types: Arc::default(),
            bool_columns: Arc::default(),
            decimal_scales: Arc::default(),
            primary_keys: Arc::default(),
            schemas: Arc::default(),
            unqualified_relations: Arc::default(),
            routines: Arc::default(),
            converted_routines: Arc::default(),
            variables: Arc::default(),
            renamed: Arc::default(),
        }
    }

    /// Gives every table, view, sequence and type a distinct name on the target before anything
    /// is printed. Where two would meet (schemas flattened on a target without them; names
    /// that differ only in case on a target that ignores it, MySQL being taken as such since
    /// its file system may be; names made equal by `--identifiers lower`), the later one in
    /// output order is renamed, `schema_name` first, else numbered, with a warning. Names
    /// without a schema claim theirs first, so that a flattened `a.t` yields to a plain `t`.
    /// `names` pairs each name with its object kind (`table`, `view`, ...) for the diagnostic.
    pub fn settle(&mut self, names: &[(ObjectKind, &Name)], diags: &mut Vec<Diagnostic>) {
        // PostgreSQL and Oracle keep quoted names exact (ferry quotes where case matters).
        let ignores_case = !matches!(self.target, Dialect::Postgres | Dialect::Oracle);
        let key = |schema: &str, name: &str| {
            let name = if ignores_case {
                name.to_lowercase()
            } else {
                name.to_string()
            };
            format!("{schema}\u{0}{name}")
        };
        let mut taken = HashSet::new();
        let plain = names.iter().filter(|(_, n)| n.schema.is_none());
        let qualified = names.iter().filter(|(_, n)| n.schema.is_some());
        for (kind, name) in plain.chain(qualified) {
            // Shortening is reported where the name is printed (`object`), not here.
            let schema = match (&name.schema, self.target.has_schemas()) {
                (Some(s), true) => self.raw(s, &mut Vec::new()),
                _ => String::new(),
            };
            let wanted = self.raw(&name.name, &mut Vec::new());
            if taken.insert(key(&schema, &wanted)) {
                continue;
            }
            let mut candidates = name
                .schema
                .iter()
                .map(|s| format!("{s}_{}", name.name))
                .chain((2..).map(|n| format!("{}_{n}", name.name)));
            let chosen = loop {
                let Some(c) = candidates.next() else {
                    break None;
                };
                let c = self.raw(&c, &mut Vec::new());
                if taken.insert(key(&schema, &c)) {
                    break Some(c);
                }
            };
            if let Some(c) = chosen {
                diags.push(
                    Diagnostic::new(
                        &codes::NAME_COLLISION,
                        format!(
                            "{} `{name}` would have the name of another object on {}; it becomes `{c}`",
                            kind.as_str(),
                            self.target
                        ),
                    )
                    .object(ObjectRef::new(*kind, name)),
                );
                Arc::make_mut(&mut self.renamed).insert((*name).clone(), c);
            }
        }
    }

    /// Records the names a script declares, so references written in another case can be
    /// printed the way the object was declared.
    pub fn declare<'n>(&mut self, names: impl IntoIterator<Item = &'n str>) {
        let declared = Arc::make_mut(&mut self.declared);
        for n in names {
            let e = declared
                .entry(n.to_lowercase())
                .or_insert_with(|| Some(n.to_string()));
            if e.as_deref() != Some(n) {
                *e = None;
            }
        }
    }

    /// The target name of a table, view, sequence or type that `settle` renamed, for a
    /// reference to it: spelled exactly so first, else without regard to case; the schema
    /// must be the same (or absent on both sides).
    pub fn renamed_name(&self, name: &Name) -> Option<&str> {
        let same_schema = |k: &Name| match (&k.schema, &name.schema) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (None, None) => true,
            _ => false,
        };
        self.renamed
            .get(name)
            .or_else(|| {
                self.renamed
                    .iter()
                    .find(|(k, _)| same_schema(k) && k.name.eq_ignore_ascii_case(&name.name))
                    .map(|(_, v)| v)
            })
            .map(String::as_str)
    }

    /// The declared spelling of a name that differs from it only in case.
    pub fn declared_spelling(&self, name: &str) -> Option<String> {
        self.declared.get(&name.to_lowercase()).cloned().flatten()
    }

    /// The name as the target will store it: case policy applied and shortened to the target's
    /// limit with a deterministic hash suffix.
    pub fn raw(&self, name: &str, diags: &mut Vec<Diagnostic>) -> String {
        let name = match self.case {
            IdentCase::Keep => name.to_string(),
            IdentCase::Lower => name.to_lowercase(),
        };
        let max = self.max_len;
        if name.len() <= max {
            return name;
        }
        let hash = format!("{:08x}", fnv1a(name.as_bytes()));
        let mut cut = max - hash.len() - 1;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        let short = format!("{}_{hash}", &name[..cut]);
        diags.push(Diagnostic::new(
            &codes::NAME_SHORTENED,
            format!(
                "name `{name}` is longer than {max} bytes; it becomes `{short}` on {}",
                self.target
            ),
        ));
        short
    }

    /// An identifier quoted for the target when it has to be: not a plain word, changed by the
    /// target's folding of unquoted names (PostgreSQL to lower case, Oracle to upper case), or a
    /// reserved word of the target.
    pub fn quote_raw(&self, name: &str) -> String {
        self.quote_owned(name.to_string())
    }

    /// `quote_raw` for a name already owned: a plain word is returned as it is.
    fn quote_owned(&self, name: String) -> String {
        if self.is_plain(&name) {
            name
        } else {
            self.target.quote_ident(&name)
        }
    }

    /// Whether a name prints unquoted on the target (`quote_raw`).
    fn is_plain(&self, name: &str) -> bool {
        let b = name.as_bytes();
        b.first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
            && self.target.keeps_unquoted(name)
            && !self.target.is_reserved(name)
    }

    /// A column or constraint name, ready to print.
    pub fn ident(&self, name: &str, diags: &mut Vec<Diagnostic>) -> String {
        self.quote_owned(self.raw(name, diags))
    }

    /// A table, view, type or sequence name, ready to print. Schemas exist only on PostgreSQL.
    pub fn object(&self, name: &Name, diags: &mut Vec<Diagnostic>) -> String {
        let base = match self.renamed.get(name) {
            Some(r) => self.quote_raw(r),
            None => self.ident(&name.name, diags),
        };
        match (&name.schema, self.target.has_schemas()) {
            (Some(s), true) => format!("{}.{base}", self.ident(s, diags)),
            _ => base,
        }
    }

    /// A fresh index or key name: the wanted one if it is free, else prefixed with the table, else
    /// numbered. `scope` is the schema (PostgreSQL, SQLite) or the table (MySQL).
    pub fn unique_name(
        &mut self,
        scope: &str,
        wanted: &str,
        table: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> String {
        let scope = if self.target.index_names_per_table() {
            table
        } else {
            scope
        }
        .to_lowercase();
        let mut n = 1;
        loop {
            let candidate = match n {
                1 => wanted.to_string(),
                2 => format!("{table}_{wanted}"),
                _ => format!("{table}_{wanted}_{n}"),
            };
            n += 1;
            let name = self.raw(&candidate, diags);
            if self.take(format!("{scope}\u{0}{}", name.to_lowercase())) {
                return name;
            }
        }
    }

    /// Records a name that the target creates in a schema (a table, view, sequence, type).
    pub fn reserve(&mut self, scope: &str, name: &str) {
        self.take(format!(
            "{}\u{0}{}",
            scope.to_lowercase(),
            name.to_lowercase()
        ));
    }

    /// Marks `key` used; false if it was already.
    fn take(&mut self, key: String) -> bool {
        !self.used_before.iter().any(|set| set.contains(&key)) && self.used.insert(key)
    }

    /// Shares the names used so far with the copies `fork` makes from now on.
    pub fn freeze(&mut self) {
        if !self.used.is_empty() {
            self.used_before
                .push(Arc::new(std::mem::take(&mut self.used)));
        }
    }

    /// A copy that knows the names used before the last `freeze` and takes its own from there;
    /// `taken_fresh` tells which it took.
    pub fn fork(&self) -> Namer {
        debug_assert!(self.used.is_empty(), "freeze before fork");
        Namer {
            used: HashSet::new(),
            ..self.clone()
        }
    }

    /// The names this copy took since `fork`.
    pub fn taken_fresh(&mut self) -> Vec<String> {
        std::mem::take(&mut self.used).into_iter().collect()
    }

    /// Whether `key` (as `take` spells it) is taken.
    pub fn is_taken(&self, key: &str) -> bool {
        self.used_before.iter().any(|set| set.contains(key)) || self.used.contains(key)
    }

    /// Takes the names a copy of this namer took (`taken_fresh`).
    pub fn absorb(&mut self, taken: impl IntoIterator<Item = String>) {
        self.used.extend(taken);
    }
}

/// FNV-1a, 32 bits: small, stable across versions and platforms.
fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_shortened_deterministically() {
        let n = Namer::new(Dialect::Postgres, IdentCase::Keep);
        let long = "a".repeat(70);
        let mut d = Vec::new();
        let s = n.raw(&long, &mut d);
        assert_eq!(s.len(), 63);
        assert_eq!(s, n.raw(&long, &mut Vec::new()));
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn quoting_only_where_needed() {
        let pg = Namer::new(Dialect::Postgres, IdentCase::Keep);
        assert_eq!(pg.quote_raw("actor"), "actor");
        assert_eq!(pg.quote_raw("Album"), "\"Album\"");
        assert_eq!(pg.quote_raw("order"), "\"order\"");
        let my = Namer::new(Dialect::Mysql, IdentCase::Keep);
        assert_eq!(my.quote_raw("Album"), "Album");
        assert_eq!(my.quote_raw("first name"), "`first name`");
    }

    #[test]
    fn index_names_unique_per_schema_on_postgres() {
        let mut pg = Namer::new(Dialect::Postgres, IdentCase::Keep);
        let mut d = Vec::new();
        assert_eq!(
            pg.unique_name("public", "idx_fk_film_id", "inventory", &mut d),
            "idx_fk_film_id"
        );
        assert_eq!(
            pg.unique_name("public", "idx_fk_film_id", "film_actor", &mut d),
            "film_actor_idx_fk_film_id"
        );
        let mut my = Namer::new(Dialect::Mysql, IdentCase::Keep);
        assert_eq!(
            my.unique_name("", "idx_fk_film_id", "inventory", &mut d),
            "idx_fk_film_id"
        );
        assert_eq!(
            my.unique_name("", "idx_fk_film_id", "film_actor", &mut d),
            "idx_fk_film_id"
        );
    }
}
