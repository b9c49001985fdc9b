//! What a change source reads from the source's log, in a form every target applies the same
//! way: row changes of the plan's tables, in source commit order, with the source position
//! after each transaction.
//!
//! Values are in the plan's column order and in the form the full load reads them from the
//! same source (text for PostgreSQL, the binary protocol's values for MySQL, SQLite's own
//! values); `apply` shapes them with the load's own `shape_row`, so a synced row equals a
//! loaded row.

use std::fmt;

use crate::value::Value;

/// A place in the source's change log. Stored in the target's sync state as its text form
/// (`Position::to_string`), read back with `Position::parse`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    /// A PostgreSQL WAL location (LSN), printed as PostgreSQL prints it: `16/B374D848`.
    Lsn(u64),
    /// A MySQL / MariaDB binary log file and the offset of the next event in it, with the
    /// GTID state at that point when the server has one (MariaDB `0-1-42`, MySQL `uuid:1-42`).
    Binlog {
        file: String,
        pos: u64,
        gtid: Option<String>,
    },
    /// The last change read from a SQLite source's change table (`seq`).
    Seq(i64),
}

impl Position {
    /// Reads a position as `Display` prints it (and as `--start-position` takes it, where a
    /// MySQL position is `file:pos`, with `@gtid` after it optionally).
    pub fn parse(text: &str) -> Option<Position> {
        let text = text.trim();
        if let Some(seq) = text.strip_prefix("seq:") {
            return seq.parse().ok().map(Position::Seq);
        }
        if let Some(lsn) = parse_lsn(text) {
            return Some(Position::Lsn(lsn));
        }
        let (place, gtid) = match text.split_once('@') {
            Some((p, g)) => (p, Some(g.to_string())),
            None => (text, None),
        };
        let (file, pos) = place.rsplit_once(':')?;
        if file.is_empty() {
            return None;
        }
        Some(Position::Binlog {
            file: file.to_string(),
            pos: pos.parse().ok()?,
            gtid,
        })
    }
}

/// Reads a PostgreSQL LSN (`16/B374D848`: two hexadecimal halves).
pub fn parse_lsn(text: &str) -> Option<u64> {
    let (hi, lo) = text.split_once('/')?;
    if hi.is_empty() || lo.is_empty() || hi.len() > 8 || lo.len() > 8 {
        return None;
    }
    let hi = u64::from_str_radix(hi, 16).ok()?;
    let lo = u64::from_str_radix(lo, 16).ok()?;
    Some(hi << 32 | lo)
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Lsn(l) => write!(f, "{:X}/{:X}", l >> 32, l & 0xFFFF_FFFF),
            Position::Binlog { file, pos, gtid } => {
                write!(f, "{file}:{pos}")?;
                if let Some(g) = gtid {
                    write!(f, "@{g}")?;
                }
                Ok(())
            }
            Position::Seq(s) => write!(f, "seq:{s}"),
        }
    }
}

/// One row change of a plan table.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The plan's table index.
    pub table: usize,
    pub op: Op,
}

/// What a change does. Rows are in the plan table's column order (`TablePlan::columns`); keys
/// in its key's order (`TablePlan::key`).
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A new row, every column present.
    Insert(Vec<Value>),
    /// The row with primary key `key` (its values before the change) becomes `row`. A column
    /// the source did not send is `None`: PostgreSQL leaves a large (TOASTed) value out when
    /// the update did not change it.
    Update {
        key: Vec<Value>,
        row: Vec<Option<Value>>,
    },
    /// The row with this primary key is deleted.
    Delete(Vec<Value>),
    /// The table was emptied.
    Truncate,
}

/// What a change source hands the applier, in source commit order.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A source transaction begins; `skip` says its changes are already in the full load's
    /// snapshot (PostgreSQL knows this from the transaction id), so none is applied.
    Begin { skip: bool },
    /// A row change of the transaction begun last.
    Change(Change),
    /// The transaction begun last committed at the source, at `commit_time` (Unix seconds,
    /// for the lag), and `position` is where reading resumes after it.
    Commit {
        position: Position,
        commit_time: Option<f64>,
    },
    /// A statement that changes a planned table's definition (DDL) was committed at the
    /// source; sync cannot carry on past it with the plan it has (`statement` names it).
    SchemaChange { table: String, statement: String },
    /// Everything the source had is read: the applier commits what it holds, then calls
    /// `ChangeSource::confirm` with the last position, and reads on.
    Pause,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_print_and_read_back() {
        for text in [
            "0/16B3748",
            "16/B374D848",
            "binlog.000003:1234",
            "mysql-bin.000001:4@0-1-42",
            "binlog.000002:157@3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5",
            "seq:0",
            "seq:981",
        ] {
            let p = Position::parse(text).unwrap_or_else(|| panic!("{text} does not read"));
            assert_eq!(p.to_string(), text);
        }
        for bad in [
            "",
            "1/",
            "/1",
            "x/1",
            "file",
            ":4",
            "f:x",
            "seq:x",
            "123456789/0",
        ] {
            assert_eq!(Position::parse(bad), None, "{bad}");
        }
    }
}
