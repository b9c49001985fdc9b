//! Applying changes to the target: each change shaped by the load's own `shape_row` (a synced
//! row equals a loaded row), written as SQL statements, run in the target transaction that
//! also moves the stored position (`state.rs`).
//!
//! In strict mode the changes of a target transaction are netted (`net.rs`): thousands of
//! small source transactions become one DELETE, one UPDATE and one INSERT per table, inside a
//! savepoint; where netting can't say the same thing, or the target refuses the netted
//! statements (a unique index that held between two changes), the savepoint is rolled back and
//! the changes replayed one by one. Replayed, consecutive inserts into one table become one
//! multi-row INSERT and consecutive deletes one `DELETE ... WHERE key IN (...)`; statements
//! are sent in batches. Every statement but the idempotent ones says how many rows it must
//! touch, and a different count stops sync with the table and key: the target no longer
//! matches the source.
//!
//! Two modes: `Strict` after the load's snapshot (an insert of a key that exists, an update or
//! delete of a missing row, is an error) and `Idempotent` while the changes may already be in
//! the target (CDC only, `--start-position`): inserts and complete updates become upserts,
//! deletes and updates of missing rows are no error.
//!
//! The target's spelling and connection are a `SyncTarget`, one file per target.

pub mod mysql;
pub mod net;
pub mod postgres;
pub mod sqlite;

use std::collections::HashSet;

use super::change::{Change, Op};
use crate::conn::Endpoint;
use crate::load::{LoadError, Shape, TableStats, shape_row};
use crate::plan::{Plan, TablePlan};
use crate::value::Value;
use net::{Net, Step};

/// How strictly changes are applied (see the module's comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Strict,
    Idempotent,
}

/// One statement to run and the rows it must touch (`None`: any number).
#[derive(Clone, Debug)]
pub struct Statement {
    pub sql: String,
    pub expect: Option<u64>,
    /// What a wrong count means, for the message: the table and key(s).
    pub what: String,
}

/// A connection to the target for sync, and how the target spells what differs.
pub trait SyncTarget {
    /// Column `column` of plan table `table`'s value as a literal of the target.
    fn literal(
        &self,
        table: usize,
        column: usize,
        v: &Value,
        out: &mut String,
    ) -> Result<(), String>;
    /// What follows `INSERT INTO t (...) VALUES (...)` to make it an upsert: the row with
    /// the same key gets the new values of `others` (target column names).
    fn upsert(&self, key: &[&str], others: &[&str]) -> String;
    /// An UPDATE of many rows at once, `UPDATE table SET set = v.set FROM (values) AS v
    /// WHERE key = v.key`, where `values` is `(k..., s...), (...)`; `None` where the target
    /// has no such statement (MySQL), and each row is updated by a statement of its own.
    fn update_from(
        &self,
        _table: &str,
        _key: &[&str],
        _set: &[&str],
        _values: &str,
    ) -> Option<String> {
        None
    }
    /// What follows a value in a VALUES list for its column to get the column's type
    /// (PostgreSQL: `::type`; a VALUES column is otherwise typed as text).
    fn value_cast(&self, _table: usize, _column: usize) -> Option<String> {
        None
    }
    /// Runs statements in order in the open transaction; the rows each touched.
    fn run(&mut self, statements: &[Statement]) -> Result<Vec<u64>, LoadError>;
    /// The rows of a query, every value as text.
    fn texts(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, LoadError>;
    /// Takes the lock that lets one `ferry sync` of this plan apply at a time (held by the
    /// session or process: a dead one drops it); false when another holds it.
    fn try_lock(&mut self, name: &str) -> Result<bool, LoadError>;
    /// Sets the session up for applying: `replayed_cascades` says the source's log carries
    /// the rows its foreign keys' actions changed (PostgreSQL), so the target's own actions
    /// and checks must not run again.
    fn set_up(&mut self, replayed_cascades: bool) -> Result<(), LoadError>;
    /// `column` (its name in SQL: `name`) equal to `literal`, NULL equal to NULL: how the row
    /// of a table without a primary key is found by all its values.
    fn same_value(&self, table: usize, column: usize, name: &str, literal: &str) -> String;
    /// The condition of a statement that changes one row of `table` among those matching
    /// `condition` (a table without a primary key may hold equal rows; a change is to one).
    fn one_row(&self, table: &str, condition: &str) -> String;
    /// Takes the plan the changes are applied by again (columns added while syncing).
    fn follow(&mut self, _plan: &Plan) {}
    /// For messages: the database, without a password.
    fn describe(&self) -> String;
}

/// Opens the sync connection to the plan's target.
pub fn open(plan: &Plan) -> Result<Box<dyn SyncTarget>, LoadError> {
    let timeouts = plan.settings.timeouts();
    match &plan.target {
        Endpoint::Postgres(server) => Ok(Box::new(postgres::PgLink::open(plan, server, timeouts)?)),
        Endpoint::Mysql(server) => Ok(Box::new(mysql::MysqlLink::open(plan, server, timeouts)?)),
        Endpoint::Sqlite { path } => Ok(Box::new(sqlite::SqliteLink::open(plan, path)?)),
        Endpoint::Dump { path, .. } => Err(LoadError::config(format!(
            "{}: a dump file cannot be a target",
            path.display()
        ))),
    }
}

/// Rows and bytes after which the statements held are sent.
const BATCH_STATEMENTS: usize = 500;
const BATCH_BYTES: usize = 4 << 20;
/// Rows after which a multi-row INSERT or DELETE is closed.
const GROUP_ROWS: usize = 1_000;
/// Changes, and bytes of their values, after which the changes held for netting are applied
/// (memory stays bounded in a source transaction of millions of rows).
const NET_CHANGES: usize = 20_000;
const NET_BYTES: usize = 64 << 20;
/// The savepoint netted statements run in.
const NET_SAVEPOINT: &str = "ferry_net";

/// A multi-row statement being built.
struct Group {
    table: usize,
    kind: GroupKind,
    sql: String,
    rows: u64,
    /// The keys in it (as literals): a repeated key closes the group first.
    keys: HashSet<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum GroupKind {
    Insert(Mode),
    Delete(Mode),
    /// Updates that keep the key and set the same columns (these bits: the plan columns
    /// present, for tables of up to 64 columns).
    Update(u64),
}

/// Applies changes through a `SyncTarget`, one target transaction at a time.
pub struct Applier<'p> {
    pub link: Box<dyn SyncTarget>,
    plan: &'p Plan,
    shapes: Vec<Shape>,
    held: Vec<Statement>,
    held_bytes: usize,
    group: Option<Group>,
    open: bool,
    /// Bytes of SQL sent so far.
    sent: u64,
    /// Changes held for netting (strict mode), and the bytes of their values.
    netting: Vec<Change>,
    netting_bytes: usize,
    /// Per plan table: whether its changes may be netted (see `Applier::new`).
    nettable: Vec<bool>,
    /// Whether the target has a multi-row UPDATE (`SyncTarget::update_from`).
    update_from: bool,
}

impl<'p> Applier<'p> {
    /// `replayed_cascades` as `SyncTarget::set_up` took it: where the target's foreign keys
    /// act, the order of changes between tables matters, and only the changes of tables that
    /// no foreign key links are netted.
    pub fn new(
        plan: &'p Plan,
        mut link: Box<dyn SyncTarget>,
        replayed_cascades: bool,
    ) -> Applier<'p> {
        link.follow(plan);
        let update_from = link.update_from("", &[], &[], "").is_some();
        let bare = |name: &str| {
            let last = name.rsplit('.').next().unwrap_or(name);
            last.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']'))
                .to_lowercase()
        };
        let referenced: HashSet<String> = plan
            .tables
            .iter()
            .flat_map(|t| t.foreign_keys.iter().map(|f| bare(&f.ref_table)))
            .collect();
        let nettable = plan
            .tables
            .iter()
            .map(|t| {
                !t.key.is_empty()
                    && (replayed_cascades
                        || (t.foreign_keys.is_empty() && !referenced.contains(&bare(&t.target))))
            })
            .collect();
        Applier {
            link,
            plan,
            shapes: plan.tables.iter().map(Shape::identity).collect(),
            held: Vec::new(),
            held_bytes: 0,
            group: None,
            open: false,
            sent: 0,
            netting: Vec::new(),
            netting_bytes: 0,
            nettable,
            update_from,
        }
    }

    /// The plan the changes are applied by.
    pub fn plan(&self) -> &'p Plan {
        self.plan
    }

    /// Bytes of SQL sent to the target so far.
    pub fn bytes_sent(&self) -> u64 {
        self.sent
    }

    /// Whether a target transaction is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Opens a target transaction (sent with the first batch).
    pub fn begin(&mut self) {
        if !self.open {
            self.hold("BEGIN".to_string(), None, String::new());
            self.open = true;
        }
    }

    /// Applies one change in the open transaction: held for netting in strict mode, else
    /// (and after what is held) turned into statements.
    pub fn apply(&mut self, change: Change, mode: Mode) -> Result<(), LoadError> {
        if mode == Mode::Strict && self.nettable[change.table] && !matches!(change.op, Op::Truncate)
        {
            self.netting_bytes += size_of(&change);
            self.netting.push(change);
            if self.netting.len() >= NET_CHANGES || self.netting_bytes >= NET_BYTES {
                self.flush_net()?;
            }
            return Ok(());
        }
        self.flush_net()?;
        self.apply_one(change, mode)
    }

    /// Applies the changes held for netting: netted where it says the same thing and the
    /// target takes the netted statements, else one by one.
    fn flush_net(&mut self) -> Result<(), LoadError> {
        if self.netting.is_empty() {
            return Ok(());
        }
        let changes = std::mem::take(&mut self.netting);
        self.netting_bytes = 0;
        if changes.len() > 1
            && let Some(net) = self.net_of(&changes)?
            && self.apply_net(net)?
        {
            return Ok(());
        }
        for c in changes {
            self.apply_one(c, Mode::Strict)?;
        }
        Ok(())
    }

    /// The net effect of changes, keyed by their keys' literals; `None` where netting can't
    /// say the same thing.
    fn net_of(&self, changes: &[Change]) -> Result<Option<Net<String>>, LoadError> {
        let mut net = Net::default();
        for c in changes {
            let ti = c.table;
            let (key, step) = match &c.op {
                Op::Insert(row) => {
                    let row = self.shaped(ti, row.clone())?;
                    let key = self.key_literal(ti, &self.key_of(ti, &row))?;
                    (key, Step::Insert(row))
                }
                Op::Delete(key) => {
                    let key = self.shaped_key(ti, key.clone())?;
                    (self.key_literal(ti, &key)?, Step::Delete)
                }
                Op::Update { key, row } => {
                    let key = self.shaped_key(ti, key.clone())?;
                    let mut present: Vec<bool> = row.iter().map(Option::is_some).collect();
                    let mut row = self.shaped(
                        ti,
                        row.iter()
                            .map(|v| v.clone().unwrap_or(Value::Null))
                            .collect(),
                    )?;
                    let cols = self.key_columns(ti);
                    let moved = cols
                        .iter()
                        .zip(&key)
                        .any(|(i, k)| present[*i] && &row[*i] != k);
                    let moved_to = if moved {
                        if cols.iter().any(|i| !present[*i]) {
                            return Ok(None);
                        }
                        Some(self.key_literal(ti, &self.key_of(ti, &row))?)
                    } else {
                        // The key stays: its columns are known even where not sent.
                        for (i, k) in cols.iter().zip(&key) {
                            row[*i] = k.clone();
                            present[*i] = true;
                        }
                        None
                    };
                    let step = Step::Update {
                        row,
                        present,
                        moved_to,
                    };
                    (self.key_literal(ti, &key)?, step)
                }
                Op::Truncate => return Ok(None),
            };
            if net.add(ti, key, step).is_err() {
                return Ok(None);
            }
        }
        Ok(Some(net))
    }

    /// Runs a net effect in a savepoint: per table the deletes (tables in reverse plan order),
    /// the updates, then the inserts (plan order). False when the target refused a statement
    /// or a count differed: the savepoint is rolled back and nothing of it remains.
    fn apply_net(&mut self, net: Net<String>) -> Result<bool, LoadError> {
        self.close_group();
        self.send()?;
        self.hold(format!("SAVEPOINT {NET_SAVEPOINT}"), None, String::new());
        let tables = self.plan.tables.len();
        let update_from = self.update_from;
        // A whole row is updated by a delete and an insert where the target has no
        // multi-row UPDATE.
        let replaced = |e: &net::Entry<String>| {
            e.existed
                && !update_from
                && e.row
                    .as_ref()
                    .is_some_and(|(_, known)| known.iter().all(|k| *k))
        };
        for ti in (0..tables).rev() {
            for e in net.entries.iter().filter(|e| e.table == ti) {
                if (e.existed && e.row.is_none()) || replaced(e) {
                    self.add_to_group(ti, GroupKind::Delete(Mode::Strict), &e.key, e.key.clone())?;
                }
            }
            self.close_group();
        }
        for ti in 0..tables {
            let mut updates: Vec<(&Vec<Value>, &Vec<bool>)> = net
                .entries
                .iter()
                .filter(|e| e.table == ti && e.existed && !replaced(e))
                .filter_map(|e| e.row.as_ref().map(|(r, k)| (r, k)))
                .collect();
            updates.sort_by_key(|(_, known)| mask_of(known));
            for (row, known) in updates {
                let key = self.key_of(ti, row);
                match self.groupable_update(ti, &key, known, row) {
                    Some(mask) => {
                        let values = self.update_values(ti, &key, known, row)?;
                        let key = self.key_literal(ti, &key)?;
                        self.add_to_group(ti, GroupKind::Update(mask), &values, key)?;
                    }
                    None => {
                        self.close_group();
                        self.update_statement(ti, &key, known, row, Mode::Strict)?;
                    }
                }
            }
            self.close_group();
        }
        for ti in 0..tables {
            for e in net.entries.iter().filter(|e| e.table == ti) {
                if let Some((row, _)) = &e.row
                    && (!e.existed || replaced(e))
                {
                    let values = self.row_literal(ti, row)?;
                    self.add_to_group(ti, GroupKind::Insert(Mode::Strict), &values, e.key.clone())?;
                }
            }
            self.close_group();
        }
        // The counts are checked after the batch ran: the savepoint is released only then
        // (with the next batch), so that a wrong count can still be undone.
        if self.send_unchecked().is_ok() {
            self.hold(
                format!("RELEASE SAVEPOINT {NET_SAVEPOINT}"),
                None,
                String::new(),
            );
            return Ok(true);
        }
        let undo = [
            format!("ROLLBACK TO SAVEPOINT {NET_SAVEPOINT}"),
            format!("RELEASE SAVEPOINT {NET_SAVEPOINT}"),
        ]
        .map(|sql| Statement {
            sql,
            expect: None,
            what: String::new(),
        });
        if let Err(e) = self.link.run(&undo) {
            self.rollback();
            return Err(e);
        }
        Ok(false)
    }

    /// Applies one change in the open transaction, as statements.
    fn apply_one(&mut self, change: Change, mode: Mode) -> Result<(), LoadError> {
        let ti = change.table;
        let t = &self.plan.tables[ti];
        match change.op {
            Op::Insert(row) => {
                let row = self.shaped(ti, row)?;
                let values = self.row_literal(ti, &row)?;
                let key = self.key_literal(ti, &self.key_of(ti, &row))?;
                self.add_to_group(ti, GroupKind::Insert(mode), &values, key)?;
            }
            Op::Delete(key) if t.key.is_empty() => {
                // One row of those equal to it: a statement of its own.
                let key = self.shaped_key(ti, key)?;
                self.close_group();
                let sql = format!(
                    "DELETE FROM {} WHERE {}",
                    t.target,
                    self.key_condition(ti, &key)?
                );
                let what = format!(
                    "table {}, delete of the row {}",
                    t.source,
                    shown_key(t, &key)
                );
                self.hold(sql, (mode == Mode::Strict).then_some(1), what);
            }
            Op::Delete(key) => {
                let key = self.shaped_key(ti, key)?;
                let key = self.key_literal(ti, &key)?;
                self.add_to_group(ti, GroupKind::Delete(mode), &key.clone(), key)?;
            }
            Op::Update { key, row } => {
                let key = self.shaped_key(ti, key)?;
                let present: Vec<bool> = row.iter().map(Option::is_some).collect();
                let full = present.iter().all(|p| *p);
                let row = self.shaped(
                    ti,
                    row.into_iter().map(|v| v.unwrap_or(Value::Null)).collect(),
                )?;
                if mode == Mode::Strict
                    && let Some(mask) = self.groupable_update(ti, &key, &present, &row)
                {
                    let values = self.update_values(ti, &key, &present, &row)?;
                    let key = self.key_literal(ti, &key)?;
                    self.add_to_group(ti, GroupKind::Update(mask), &values, key)?;
                    return self.send_if_full();
                }
                self.close_group();
                self.update_statement(ti, &key, &present, &row, mode)?;
                match mode {
                    Mode::Strict => {}
                    Mode::Idempotent => {
                        if full {
                            let values = self.row_literal(ti, &row)?;
                            let key = self.key_literal(ti, &self.key_of(ti, &row))?;
                            self.add_to_group(ti, GroupKind::Insert(mode), &values, key)?;
                            self.close_group();
                        }
                    }
                }
            }
            Op::Truncate => {
                self.close_group();
                self.hold(format!("DELETE FROM {}", t.target), None, String::new());
            }
        }
        self.send_if_full()
    }

    /// `UPDATE t SET present columns WHERE key` of one row.
    fn update_statement(
        &mut self,
        ti: usize,
        key: &[Value],
        present: &[bool],
        row: &[Value],
        mode: Mode,
    ) -> Result<(), LoadError> {
        let t = &self.plan.tables[ti];
        let mut sql = format!("UPDATE {} SET ", t.target);
        let mut first = true;
        for (i, c) in t.columns.iter().enumerate() {
            if !present[i] {
                continue;
            }
            if !first {
                sql.push_str(", ");
            }
            first = false;
            sql.push_str(&c.target);
            sql.push_str(" = ");
            self.literal_into(ti, i, &row[i], &mut sql)?;
        }
        sql.push_str(" WHERE ");
        sql.push_str(&self.key_condition(ti, key)?);
        let what = format!(
            "table {}, update of the row {}",
            t.source,
            shown_key(t, key)
        );
        let expect = (mode == Mode::Strict).then_some(1);
        self.hold(sql, expect, what);
        Ok(())
    }

    /// Commits the open transaction with `state` (the statement that stores the position,
    /// which must touch one row).
    pub fn commit(&mut self, state: String) -> Result<(), LoadError> {
        self.flush_net()?;
        self.begin();
        self.close_group();
        self.hold(state, Some(1), "the sync state".to_string());
        self.hold("COMMIT".to_string(), None, String::new());
        self.send()?;
        self.open = false;
        Ok(())
    }

    /// Drops what is held and rolls the open transaction back (after an error).
    pub fn rollback(&mut self) {
        self.netting.clear();
        self.netting_bytes = 0;
        self.held.clear();
        self.held_bytes = 0;
        self.group = None;
        if self.open {
            let _ = self.link.run(&[Statement {
                sql: "ROLLBACK".to_string(),
                expect: None,
                what: String::new(),
            }]);
        }
        self.open = false;
    }

    fn hold(&mut self, sql: String, expect: Option<u64>, what: String) {
        self.held_bytes += sql.len();
        self.held.push(Statement { sql, expect, what });
    }

    fn send_if_full(&mut self) -> Result<(), LoadError> {
        if self.held.len() >= BATCH_STATEMENTS || self.held_bytes >= BATCH_BYTES {
            self.send()?;
        }
        Ok(())
    }

    /// Runs what is held; a statement that touched another number of rows than it must is
    /// an error naming it, and rolls the transaction back.
    fn send(&mut self) -> Result<(), LoadError> {
        let sent = self.send_unchecked();
        if sent.is_err() {
            self.rollback();
        }
        sent
    }

    /// `send` that leaves the transaction open after an error (a savepoint may undo it).
    fn send_unchecked(&mut self) -> Result<(), LoadError> {
        if self.held.is_empty() {
            return Ok(());
        }
        let statements = std::mem::take(&mut self.held);
        self.sent += self.held_bytes as u64;
        self.held_bytes = 0;
        let counts = self.link.run(&statements)?;
        for (s, n) in statements.iter().zip(&counts) {
            if let Some(want) = s.expect
                && want != *n
            {
                return Err(LoadError::state(format!(
                    "{}: {}: the target had {} where the source had {want}: the target no \
                     longer matches the source (was it changed by hand?). Sync stopped \
                     before this transaction; the target holds everything before it.",
                    self.link.describe(),
                    s.what,
                    rows(*n)
                )));
            }
        }
        Ok(())
    }

    fn close_group(&mut self) {
        let Some(g) = self.group.take() else {
            return;
        };
        let t = &self.plan.tables[g.table];
        let mut sql = g.sql;
        let (expect, what) = match g.kind {
            GroupKind::Insert(Mode::Strict) => (
                Some(g.rows),
                format!("table {}, insert of {}", t.source, rows(g.rows)),
            ),
            GroupKind::Insert(Mode::Idempotent) => {
                let key: Vec<&str> = self.key_targets(g.table);
                let others: Vec<&str> = t
                    .columns
                    .iter()
                    .map(|c| c.target.as_str())
                    .filter(|c| !key.contains(c))
                    .collect();
                sql.push_str(&self.link.upsert(&key, &others));
                (None, String::new())
            }
            GroupKind::Delete(mode) => {
                sql.push(')');
                (
                    (mode == Mode::Strict).then_some(g.rows),
                    format!("table {}, delete of {}", t.source, rows(g.rows)),
                )
            }
            GroupKind::Update(mask) => {
                let key = self.key_targets(g.table);
                let set: Vec<&str> = t
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(i, c)| mask >> i & 1 == 1 && !key.contains(&c.target.as_str()))
                    .map(|(_, c)| c.target.as_str())
                    .collect();
                match self.link.update_from(&t.target, &key, &set, &sql) {
                    Some(update) => sql = update,
                    None => return,
                }
                (
                    Some(g.rows),
                    format!("table {}, update of {}", t.source, rows(g.rows)),
                )
            }
        };
        self.hold(sql, expect, what);
    }

    /// Adds a row (`values`: its literal list, or a key's for a delete) to the group of
    /// its kind, closing the open group first when it is of another table or kind, full, or
    /// holds the same key.
    fn add_to_group(
        &mut self,
        ti: usize,
        kind: GroupKind,
        values: &str,
        key: String,
    ) -> Result<(), LoadError> {
        let fits = self.group.as_ref().is_some_and(|g| {
            g.table == ti
                && g.kind == kind
                && (g.rows as usize) < GROUP_ROWS
                && g.sql.len() < BATCH_BYTES
                && !g.keys.contains(&key)
        });
        if !fits {
            self.close_group();
            let t = &self.plan.tables[ti];
            let sql = match kind {
                GroupKind::Insert(_) => {
                    let cols: Vec<&str> = t.columns.iter().map(|c| c.target.as_str()).collect();
                    format!("INSERT INTO {} ({}) VALUES ", t.target, cols.join(", "))
                }
                GroupKind::Update(_) => String::new(),
                GroupKind::Delete(_) => {
                    let key = self.key_targets(ti);
                    let key = if key.len() == 1 {
                        key[0].to_string()
                    } else {
                        format!("({})", key.join(", "))
                    };
                    format!("DELETE FROM {} WHERE {key} IN (", t.target)
                }
            };
            self.group = Some(Group {
                table: ti,
                kind,
                sql,
                rows: 0,
                keys: HashSet::new(),
            });
        }
        if let Some(g) = self.group.as_mut() {
            if g.rows > 0 {
                g.sql.push_str(", ");
            }
            g.sql.push_str(values);
            g.rows += 1;
            g.keys.insert(key);
        }
        Ok(())
    }

    /// Whether an update can join a multi-row UPDATE: the target has one, the key stays, the
    /// table has at most 64 columns and the update sets one besides the key. Its mask of
    /// present columns.
    fn groupable_update(
        &self,
        ti: usize,
        key: &[Value],
        present: &[bool],
        row: &[Value],
    ) -> Option<u64> {
        let t = &self.plan.tables[ti];
        if t.key.is_empty() || t.columns.len() > 64 || !self.update_from {
            return None;
        }
        let cols = self.key_columns(ti);
        let same_key = cols
            .iter()
            .zip(key)
            .all(|(i, k)| present[*i] && &row[*i] == k);
        let mask = mask_of(present);
        let sets = present
            .iter()
            .enumerate()
            .any(|(i, p)| *p && !cols.contains(&i));
        (same_key && sets).then_some(mask)
    }

    /// `(k..., s...)` of a grouped update: the key, then the columns it sets, each value cast
    /// to its column's type where the target needs it (every row: any may open a group).
    fn update_values(
        &self,
        ti: usize,
        key: &[Value],
        present: &[bool],
        row: &[Value],
    ) -> Result<String, LoadError> {
        let cols = self.key_columns(ti);
        let mut out = String::from("(");
        let mut n = 0;
        let mut push = |i: usize, v: &Value, out: &mut String| -> Result<(), LoadError> {
            if n > 0 {
                out.push_str(", ");
            }
            n += 1;
            self.literal_into(ti, i, v, out)?;
            if let Some(cast) = self.link.value_cast(ti, i) {
                out.push_str(&cast);
            }
            Ok(())
        };
        for (i, k) in cols.iter().zip(key) {
            push(*i, k, &mut out)?;
        }
        for (i, v) in row.iter().enumerate() {
            if present[i] && !cols.contains(&i) {
                push(i, v, &mut out)?;
            }
        }
        out.push(')');
        Ok(out)
    }

    /// The target names of a table's key columns.
    fn key_targets(&self, ti: usize) -> Vec<&str> {
        let t = &self.plan.tables[ti];
        t.key
            .iter()
            .filter_map(|k| t.columns.iter().find(|c| &c.source == k))
            .map(|c| c.target.as_str())
            .collect()
    }

    /// The plan column indexes of a table's key columns.
    /// A table without a primary key is keyed by all its columns (PostgreSQL's REPLICA
    /// IDENTITY FULL: its changes carry the whole old row).
    fn key_columns(&self, ti: usize) -> Vec<usize> {
        let t = &self.plan.tables[ti];
        if t.key.is_empty() {
            return (0..t.columns.len()).collect();
        }
        t.key
            .iter()
            .filter_map(|k| t.columns.iter().position(|c| &c.source == k))
            .collect()
    }

    fn key_of(&self, ti: usize, row: &[Value]) -> Vec<Value> {
        self.key_columns(ti)
            .into_iter()
            .map(|i| row[i].clone())
            .collect()
    }

    /// A row shaped as the full load shapes it.
    fn shaped(&self, ti: usize, row: Vec<Value>) -> Result<Vec<Value>, LoadError> {
        let t = &self.plan.tables[ti];
        let mut stats = TableStats::default();
        shape_row(t, &self.shapes[ti], row, &mut stats).map_err(|r| {
            LoadError::refused_row(format!(
                "table {}, {}: a change's value is refused: {r}; sync stopped before its \
                 transaction",
                t.source,
                r.key.clone().unwrap_or_else(|| "(no key)".to_string())
            ))
        })
    }

    /// A key shaped as the full load shapes its columns.
    fn shaped_key(&self, ti: usize, key: Vec<Value>) -> Result<Vec<Value>, LoadError> {
        let t = &self.plan.tables[ti];
        let cols = self.key_columns(ti);
        let mut row = vec![Value::Null; t.columns.len()];
        for (i, v) in cols.iter().zip(key) {
            row[*i] = v;
        }
        let row = self.shaped(ti, row)?;
        Ok(cols.into_iter().map(|i| row[i].clone()).collect())
    }

    fn literal_into(
        &self,
        ti: usize,
        i: usize,
        v: &Value,
        out: &mut String,
    ) -> Result<(), LoadError> {
        self.link.literal(ti, i, v, out).map_err(|e| {
            let t = &self.plan.tables[ti];
            LoadError::refused_row(format!(
                "table {}, column {}: {e}; sync stopped before its transaction",
                t.source, t.columns[i].source
            ))
        })
    }

    /// `(v1, v2, ...)` of a whole row.
    fn row_literal(&self, ti: usize, row: &[Value]) -> Result<String, LoadError> {
        let mut out = String::from("(");
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.literal_into(ti, i, v, &mut out)?;
        }
        out.push(')');
        Ok(out)
    }

    /// A key as a literal: `v` for one column, `(v1, v2)` for several.
    fn key_literal(&self, ti: usize, key: &[Value]) -> Result<String, LoadError> {
        let cols = self.key_columns(ti);
        let mut out = String::new();
        if cols.len() != 1 {
            out.push('(');
        }
        for (n, (i, v)) in cols.iter().zip(key).enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            self.literal_into(ti, *i, v, &mut out)?;
        }
        if cols.len() != 1 {
            out.push(')');
        }
        Ok(out)
    }

    /// `k1 = v1 AND k2 = v2`.
    /// A table without a primary key (its key is every column): one row whose values are
    /// all these, NULL matching NULL (`SyncTarget::one_row`).
    fn key_condition(&self, ti: usize, key: &[Value]) -> Result<String, LoadError> {
        let t = &self.plan.tables[ti];
        let keyless = t.key.is_empty();
        let mut out = String::new();
        for (n, (i, v)) in self.key_columns(ti).into_iter().zip(key).enumerate() {
            if n > 0 {
                out.push_str(" AND ");
            }
            if keyless {
                let mut literal = String::new();
                self.literal_into(ti, i, v, &mut literal)?;
                out.push_str(&self.link.same_value(ti, i, &t.columns[i].target, &literal));
            } else {
                out.push_str(&t.columns[i].target);
                out.push_str(" = ");
                self.literal_into(ti, i, v, &mut out)?;
            }
        }
        Ok(if keyless {
            self.link.one_row(&t.target, &out)
        } else {
            out
        })
    }
}

/// The first value of a query's first row.
pub fn first_text(rows: Vec<Vec<Option<String>>>) -> Option<String> {
    rows.into_iter().next()?.into_iter().next()?
}

/// The bits of the columns present (tables of up to 64 columns group their updates by it).
fn mask_of(present: &[bool]) -> u64 {
    present
        .iter()
        .enumerate()
        .filter(|(i, p)| **p && *i < 64)
        .fold(0u64, |m, (i, _)| m | 1 << i)
}

/// About the memory a change holds.
fn size_of(change: &Change) -> usize {
    let value = |v: &Value| match v {
        Value::Text(s) | Value::Decimal(s) => s.len() + 24,
        Value::Bytes(b) => b.len() + 24,
        _ => 24,
    };
    64 + match &change.op {
        Op::Insert(row) | Op::Delete(row) => row.iter().map(value).sum(),
        Op::Update { key, row } => {
            key.iter().map(value).sum::<usize>() + row.iter().flatten().map(value).sum::<usize>()
        }
        Op::Truncate => 0,
    }
}

/// `1 row`, `3 rows`.
fn rows(n: u64) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

/// A key for messages: `id=5`.
fn shown_key(t: &TablePlan, key: &[Value]) -> String {
    let names: Vec<&str> = if t.key.is_empty() {
        t.columns.iter().map(|c| c.source.as_str()).collect()
    } else {
        t.key.iter().map(String::as_str).collect()
    };
    names
        .iter()
        .zip(key)
        .map(|(k, v)| format!("{k}={}", v.display()))
        .collect::<Vec<_>>()
        .join(", ")
}
