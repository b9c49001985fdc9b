//! SQL Server refuses a foreign key whose cascading action (CASCADE, SET NULL, SET DEFAULT) would
//! give some table two cascade paths to another, or a cycle, itself included (error 1785,
//! <https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/mssqlserver-1785-database-engine-error>).
//! Foreign keys are emitted in a fixed order; each cascading action is kept when it keeps every
//! path unique, and becomes NO ACTION otherwise.

use std::collections::BTreeSet;

/// The cascade graph of the actions kept so far, one for ON DELETE and one for ON UPDATE:
/// edges from the referenced table to the referencing one (lower-case names).
#[derive(Default)]
pub struct CascadePaths {
    delete: Vec<(String, String)>,
    update: Vec<(String, String)>,
}

impl CascadePaths {
    /// Whether a cascading action from `referenced` to `referencing` keeps every path unique;
    /// if so, it is recorded.
    pub fn admit(&mut self, on_delete: bool, referenced: &str, referencing: &str) -> bool {
        let edges = if on_delete {
            &mut self.delete
        } else {
            &mut self.update
        };
        let (a, b) = (referenced.to_lowercase(), referencing.to_lowercase());
        // A table that reaches both ends would reach `b` twice once a -> b exists; `b` reaching
        // `a` (or being it) would close a cycle.
        let shared = reaching(edges, &a)
            .intersection(&reaching(edges, &b))
            .count();
        if shared > 0 {
            return false;
        }
        edges.push((a, b));
        true
    }
}

/// The tables with a path to `node`, `node` included.
fn reaching(edges: &[(String, String)], node: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([node.to_string()]);
    let mut todo = vec![node.to_string()];
    while let Some(n) = todo.pop() {
        for (from, to) in edges {
            if *to == n && seen.insert(from.clone()) {
                todo.push(from.clone());
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_paths_and_cycles_are_refused() {
        let mut p = CascadePaths::default();
        // customer -> rental -> payment, then customer -> payment: a second path.
        assert!(p.admit(true, "customer", "rental"));
        assert!(p.admit(true, "rental", "payment"));
        assert!(!p.admit(true, "customer", "payment"));
        // ON UPDATE is a graph of its own.
        assert!(p.admit(false, "customer", "payment"));
        // A self-reference is a cycle.
        assert!(!p.admit(true, "employee", "employee"));
        // payment -> customer would close customer -> rental -> payment -> customer.
        assert!(!p.admit(true, "payment", "customer"));
        // An unrelated branch is fine.
        assert!(p.admit(true, "store", "staff"));
    }
}
