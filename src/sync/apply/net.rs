//! The net effect of a run of changes: for each row key touched, whether the row was in the
//! target before the run (the first change was an update or a delete) and what it is after
//! (gone, or these values). A run of thousands of small source transactions then becomes a
//! few set-wise statements per table (one DELETE, one UPDATE, one INSERT) instead of a few
//! statements per source transaction: what the target committed at the end is the same, and no
//! reader sees anything between (the run is inside one target transaction).
//!
//! This is the "batch apply" of replication services (AWS DMS's BatchApplyEnabled, the
//! Debezium JDBC sink's reduction by key), with two differences: the strict row counts still
//! hold (a row deleted or updated in the net effect must exist, an inserted one must not), and
//! where netting cannot say the same thing, `Net::add` refuses and the applier replays the run
//! change by change (`Applier`, module `apply`).

use std::collections::HashMap;
use std::hash::Hash;

use crate::value::Value;

/// A change with its key, as netting takes it. `K` is the key's form (the applier uses its
/// literal in the target's SQL).
#[derive(Debug)]
pub enum Step<K> {
    /// A new row, every column present.
    Insert(Vec<Value>),
    /// The row becomes `row` where `present` (other columns keep their value); `moved_to` is
    /// the row's new key when the update changed it.
    Update {
        row: Vec<Value>,
        present: Vec<bool>,
        moved_to: Option<K>,
    },
    Delete,
}

/// What one key comes to.
#[derive(Debug, PartialEq)]
pub struct Entry<K> {
    pub table: usize,
    pub key: K,
    /// The row was in the target before the run.
    pub existed: bool,
    /// The row after the run (`None`: gone), with the columns known (`present`; a column a
    /// partial update did not send keeps its value).
    pub row: Option<(Vec<Value>, Vec<bool>)>,
}

/// The run can't be netted: the changes contradict what netting knows of the row (an insert
/// of a key present, an update or delete of a key already gone, a moved row whose unsent
/// columns are unknown). The applier replays the run instead, which says what is wrong if
/// something is.
#[derive(Debug, PartialEq)]
pub struct Refused;

/// The net effect so far, in the order keys were first touched.
#[derive(Debug)]
pub struct Net<K> {
    pub entries: Vec<Entry<K>>,
    index: HashMap<(usize, K), usize>,
}

impl<K> Default for Net<K> {
    fn default() -> Self {
        Net {
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash + Clone> Net<K> {
    /// Adds the next change of table `table` to the row with key `key`.
    pub fn add(&mut self, table: usize, key: K, step: Step<K>) -> Result<(), Refused> {
        match step {
            Step::Insert(row) => {
                let n = row.len();
                let (e, _) = self.entry(table, key, false);
                if e.row.is_some() {
                    return Err(Refused);
                }
                e.row = Some((row, vec![true; n]));
            }
            Step::Delete => {
                let (e, new) = self.entry(table, key, true);
                if e.row.is_none() && !new {
                    return Err(Refused);
                }
                e.row = None;
            }
            Step::Update {
                row,
                present,
                moved_to,
            } => {
                let (e, new) = self.entry(table, key, true);
                let merged = match e.row.take() {
                    Some((mut old, mut known)) => {
                        for (i, p) in present.iter().enumerate() {
                            if *p {
                                old[i] = row[i].clone();
                                known[i] = true;
                            }
                        }
                        (old, known)
                    }
                    None if new => (row, present),
                    None => return Err(Refused),
                };
                let Some(to) = moved_to else {
                    e.row = Some(merged);
                    return Ok(());
                };
                // The row moves: gone under its old key (taken above), new under the other.
                // Its columns the source did not send are known only if netting saw the
                // whole row.
                if !merged.1.iter().all(|k| *k) {
                    return Err(Refused);
                }
                let (moved, _) = self.entry(table, to, false);
                if moved.row.is_some() {
                    return Err(Refused);
                }
                moved.row = Some(merged);
            }
        }
        Ok(())
    }

    /// The entry of a key, and whether it is new (made now, with `existed`).
    fn entry(&mut self, table: usize, key: K, existed: bool) -> (&mut Entry<K>, bool) {
        let (i, new) = match self.index.get(&(table, key.clone())) {
            Some(i) => (*i, false),
            None => {
                self.index.insert((table, key.clone()), self.entries.len());
                self.entries.push(Entry {
                    table,
                    key,
                    existed,
                    row: None,
                });
                (self.entries.len() - 1, true)
            }
        };
        (&mut self.entries[i], new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, v: &str) -> Vec<Value> {
        vec![Value::Int(id), Value::Text(v.to_string())]
    }

    fn update(id: i64, v: &str, moved_to: Option<i64>) -> Step<i64> {
        Step::Update {
            row: row(moved_to.unwrap_or(id), v),
            present: vec![true, true],
            moved_to,
        }
    }

    /// Nets `steps` (table 0) and prints each key's outcome: `key: existed -> row`.
    fn check(steps: Vec<(i64, Step<i64>)>, expected: &[&str]) {
        let mut net = Net::default();
        for (k, s) in steps {
            net.add(0, k, s).expect("nets");
        }
        let got: Vec<String> = net
            .entries
            .iter()
            .map(|e| {
                let after = match &e.row {
                    None => "gone".to_string(),
                    Some((r, known)) => r
                        .iter()
                        .zip(known)
                        .map(|(v, k)| if *k { v.display() } else { "?".to_string() })
                        .collect::<Vec<_>>()
                        .join(","),
                };
                let before = if e.existed { "was" } else { "new" };
                format!("{}: {before} -> {after}", e.key)
            })
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn runs_net_to_one_outcome_per_key() {
        // Inserted, then updated twice: one insert of the last values.
        check(
            vec![
                (1, Step::Insert(row(1, "a"))),
                (1, update(1, "b", None)),
                (1, update(1, "c", None)),
            ],
            &["1: new -> 1,c"],
        );
        // Inserted and deleted: nothing to do.
        check(
            vec![(2, Step::Insert(row(2, "a"))), (2, Step::Delete)],
            &["2: new -> gone"],
        );
        // Deleted and inserted again: the row existed and ends with the new values (an
        // update of every column).
        check(
            vec![(3, Step::Delete), (3, Step::Insert(row(3, "z")))],
            &["3: was -> 3,z"],
        );
        // A row moved from key 4 to key 5, then updated under its new key.
        check(
            vec![(4, update(4, "m", Some(5))), (5, update(5, "n", None))],
            &["4: was -> gone", "5: new -> 5,n"],
        );
        // A partial update (a column not sent) keeps that column unknown.
        check(
            vec![(
                6,
                Step::Update {
                    row: vec![Value::Int(6), Value::Null],
                    present: vec![true, false],
                    moved_to: None,
                },
            )],
            &["6: was -> 6,?"],
        );
    }

    #[test]
    fn contradictions_are_refused() {
        let refused = |steps: Vec<(i64, Step<i64>)>| {
            let mut net = Net::default();
            steps
                .into_iter()
                .map(|(k, s)| net.add(0, k, s))
                .any(|r| r.is_err())
        };
        assert!(refused(vec![
            (1, Step::Insert(row(1, "a"))),
            (1, Step::Insert(row(1, "b")))
        ]));
        assert!(refused(vec![(1, Step::Delete), (1, Step::Delete)]));
        assert!(refused(vec![(1, Step::Delete), (1, update(1, "x", None))]));
        // A partial row cannot move: its unsent columns are unknown.
        assert!(refused(vec![(
            1,
            Step::Update {
                row: vec![Value::Int(2), Value::Null],
                present: vec![true, false],
                moved_to: Some(2),
            }
        )]));
        // Moving onto a key that holds a row.
        assert!(refused(vec![
            (2, Step::Insert(row(2, "a"))),
            (1, update(1, "x", Some(2)))
        ]));
        // Tables are apart: the same key in two tables is two rows.
        let mut net = Net::default();
        assert_eq!(net.add(0, 1, Step::Insert(row(1, "a"))), Ok(()));
        assert_eq!(net.add(1, 1, Step::Insert(row(1, "a"))), Ok(()));
    }
}
