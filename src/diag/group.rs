//! Findings of one code and one cause, grouped for a reader: a schema of 2,000 tables gives
//! thousands of findings that differ only in the column they name ("`t0001.id`: int unsigned
//! -> bigint ..."). The terminal shows a few of each group and a line for the rest; `--verbose`,
//! JSON, SARIF and the report show every finding.
//!
//! Two findings are alike when they have the same code, the same help, and the same message
//! once the subject that leads it (a name in backquotes before the first `:` or space) is set
//! aside. A message that does not lead with a subject is alike only to the very same message,
//! so findings of different causes (another type, another rule) never share a group.

use std::collections::HashMap;

use super::Diagnostic;

/// How many findings of a group are shown in full before the line for the rest.
pub const SHOWN: usize = 3;

/// One group: indexes into the findings, in their order.
#[derive(Debug, PartialEq, Eq)]
pub struct Group {
    pub members: Vec<usize>,
}

impl Group {
    /// The findings shown in full.
    pub fn shown(&self) -> &[usize] {
        &self.members[..self.members.len().min(SHOWN)]
    }

    /// The findings the terminal only counts (and names a few of).
    pub fn hidden(&self) -> &[usize] {
        &self.members[self.members.len().min(SHOWN)..]
    }
}

/// The subject a message leads with (`t.c` of "`t.c`: ...") and the rest of the message.
pub fn subject(message: &str) -> Option<(&str, &str)> {
    let rest = message.strip_prefix('`')?;
    let end = rest.find('`')?;
    Some((&rest[..end], &rest[end + 1..]))
}

/// The findings in groups of alike ones, ordered by each group's first finding.
pub fn groups(diags: &[Diagnostic]) -> Vec<Group> {
    let mut index: HashMap<(&str, &str, Option<&str>), usize> = HashMap::new();
    let mut out: Vec<Group> = Vec::new();
    for (i, d) in diags.iter().enumerate() {
        let cause = subject(&d.message).map_or(d.message.as_str(), |(_, rest)| rest);
        let key = (d.code.id, cause, d.help.as_deref());
        match index.get(&key) {
            Some(&g) => out[g].members.push(i),
            None => {
                index.insert(key, out.len());
                out.push(Group { members: vec![i] });
            }
        }
    }
    out
}

/// Every finding in a group of its own, in their order (`--verbose`).
pub fn each_alone(diags: &[Diagnostic]) -> Vec<Group> {
    (0..diags.len())
        .map(|i| Group { members: vec![i] })
        .collect()
}

/// The line that stands for a group's hidden findings: how many, and the first few subjects.
pub fn rest_line(diags: &[Diagnostic], group: &Group) -> Option<String> {
    let hidden = group.hidden();
    if hidden.is_empty() {
        return None;
    }
    const NAMED: usize = 5;
    let names: Vec<String> = hidden
        .iter()
        .take(NAMED)
        .filter_map(|&i| subject(&diags[i].message).map(|(s, _)| format!("`{s}`")))
        .collect();
    let mut line = format!("and {} more like this", thousands(hidden.len()));
    if !names.is_empty() {
        line.push_str(": ");
        line.push_str(&names.join(", "));
        if hidden.len() > names.len() {
            line.push_str(", ...");
        }
    }
    line.push_str(" (--verbose shows each)");
    Some(line)
}

/// `n` with a comma between thousands: 16,000.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::codes;

    fn d(code: &'static codes::Code, message: &str) -> Diagnostic {
        Diagnostic::new(code, message)
    }

    #[test]
    fn findings_differing_only_in_their_subject_share_a_group() {
        let diags = vec![
            d(&codes::TYPE_NOTE, "`t1.a`: int unsigned -> bigint: widened"),
            d(&codes::TYPE_NOTE, "`t1.b`: bigint unsigned -> numeric(20)"),
            d(&codes::TYPE_NOTE, "`t2.a`: int unsigned -> bigint: widened"),
            d(
                &codes::TYPE_LOSSY,
                "`t3.a`: int unsigned -> bigint: widened",
            ),
            d(&codes::TYPE_NOTE, "no subject here"),
            d(&codes::TYPE_NOTE, "no subject here"),
            d(&codes::TYPE_NOTE, "`t4.a`: int unsigned -> bigint: widened"),
        ];
        let members: Vec<Vec<usize>> = groups(&diags).into_iter().map(|g| g.members).collect();
        assert_eq!(members, vec![vec![0, 2, 6], vec![1], vec![3], vec![4, 5]]);
    }

    #[test]
    fn the_rest_line_counts_and_names_the_hidden_ones() {
        let diags: Vec<Diagnostic> = (0..1002)
            .map(|i| {
                d(
                    &codes::TYPE_NOTE,
                    &format!("`t{i}.a`: int unsigned -> bigint"),
                )
            })
            .collect();
        let g = groups(&diags);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].shown(), &[0, 1, 2]);
        assert_eq!(
            rest_line(&diags, &g[0]).as_deref(),
            Some(
                "and 999 more like this: `t3.a`, `t4.a`, `t5.a`, `t6.a`, `t7.a`, ... \
                 (--verbose shows each)"
            )
        );
        assert_eq!(rest_line(&diags[..3], &groups(&diags[..3])[0]), None);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1998), "1,998");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
