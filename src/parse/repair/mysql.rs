//! MySQL's repairs: column attributes sqlparser cannot read, and the shared PARTITION BY and
//! WITH CHECK OPTION repairs.

use crate::diag::codes;

use super::{DialectRepairs, Phrase, partitioning_at, view_check_option_at};

pub(super) const REPAIRS: DialectRepairs = DialectRepairs {
    first: &[partitioning_at, view_check_option_at],
    clauses: &[],
    clauses_after: None,
    phrases: PHRASES,
    last: &[],
};

/// BINARY: <https://dev.mysql.com/doc/refman/8.0/en/string-type-syntax.html>;
/// ZEROFILL: <https://dev.mysql.com/doc/refman/8.0/en/numeric-type-attributes.html>.
const PHRASES: &[Phrase] = &[
    (
        "BINARY",
        "      ",
        &codes::ATTRIBUTE_DROPPED,
        "the column attribute BINARY (a binary collation) is dropped: comparisons follow the target column's collation",
    ),
    (
        "ZEROFILL",
        "        ",
        &codes::ATTRIBUTE_DROPPED,
        "the column attribute ZEROFILL (display padding) is dropped: stored values are unchanged",
    ),
];

#[cfg(test)]
mod tests {
    use super::super::tests::check;
    use crate::dialect::Dialect;

    #[test]
    fn column_attributes_are_dropped() {
        check(
            Dialect::Mysql,
            "CREATE TABLE t (a varchar(3) BINARY, b int(4) unsigned zerofill)",
            &["BINARY", "ZEROFILL"],
        );
    }

    #[test]
    fn mysql_partitioning_is_dropped_and_named() {
        let m = Dialect::Mysql;
        check(
            m,
            "CREATE TABLE t (id int) ENGINE=InnoDB /*!50100 PARTITION BY RANGE (id)\n\
             (PARTITION p0 VALUES LESS THAN (10) ENGINE = InnoDB,\n\
             PARTITION p1 VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */",
            &["`PARTITION BY RANGE (id)`"],
        );
        check(
            m,
            "CREATE TABLE t (d date) /*!50500 PARTITION BY RANGE  COLUMNS(d)\n\
             (PARTITION p0 VALUES LESS THAN ('2020-01-01'), PARTITION p1 VALUES LESS THAN (MAXVALUE)) */",
            &["`PARTITION BY RANGE COLUMNS(d)`"],
        );
        check(
            m,
            "CREATE TABLE t (id int) /*!50100 PARTITION BY HASH (id) PARTITIONS 4 */",
            &["`PARTITION BY HASH (id) PARTITIONS 4`"],
        );
        check(
            m,
            "CREATE TABLE t (id int PRIMARY KEY) PARTITION BY KEY () PARTITIONS 2",
            &["`PARTITION BY KEY () PARTITIONS 2`"],
        );
    }
}
