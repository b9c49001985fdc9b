//! The canonical types: the closed vocabulary every `[read]` rule maps into and every `[write]`
//! rule maps out of. mappings/README.md documents each one; keep the two in step.

use crate::canonical::Family;

/// A canonical type name, the parameter counts it accepts, and the family of its values.
pub struct Canon {
    pub name: &'static str,
    pub arities: &'static [usize],
    pub family: Family,
    /// One line for `mappings show` and the README.
    pub meaning: &'static str,
}

const NONE: &[usize] = &[0];
const ONE: &[usize] = &[1];
const OPT_ONE: &[usize] = &[0, 1];

pub const CANONICAL: &[Canon] = &[
    Canon {
        name: "bool",
        arities: NONE,
        family: Family::Bool,
        meaning: "true / false",
    },
    Canon {
        name: "int1",
        arities: NONE,
        family: Family::Int,
        meaning: "signed 8-bit integer",
    },
    Canon {
        name: "int2",
        arities: NONE,
        family: Family::Int,
        meaning: "signed 16-bit integer",
    },
    Canon {
        name: "int3",
        arities: NONE,
        family: Family::Int,
        meaning: "signed 24-bit integer (MySQL MEDIUMINT)",
    },
    Canon {
        name: "int4",
        arities: NONE,
        family: Family::Int,
        meaning: "signed 32-bit integer",
    },
    Canon {
        name: "int8",
        arities: NONE,
        family: Family::Int,
        meaning: "signed 64-bit integer",
    },
    Canon {
        name: "uint1",
        arities: NONE,
        family: Family::UInt,
        meaning: "unsigned 8-bit integer",
    },
    Canon {
        name: "uint2",
        arities: NONE,
        family: Family::UInt,
        meaning: "unsigned 16-bit integer",
    },
    Canon {
        name: "uint3",
        arities: NONE,
        family: Family::UInt,
        meaning: "unsigned 24-bit integer",
    },
    Canon {
        name: "uint4",
        arities: NONE,
        family: Family::UInt,
        meaning: "unsigned 32-bit integer",
    },
    Canon {
        name: "uint8",
        arities: NONE,
        family: Family::UInt,
        meaning: "unsigned 64-bit integer",
    },
    Canon {
        name: "decimal",
        arities: &[0, 2],
        family: Family::Decimal,
        meaning: "exact decimal(p,s); without parameters unbounded",
    },
    Canon {
        name: "float4",
        arities: NONE,
        family: Family::Float,
        meaning: "4-byte IEEE float",
    },
    Canon {
        name: "float8",
        arities: NONE,
        family: Family::Float,
        meaning: "8-byte IEEE float",
    },
    Canon {
        name: "char",
        arities: ONE,
        family: Family::Text,
        meaning: "fixed-length text of n characters, blank-padded",
    },
    Canon {
        name: "varchar",
        arities: OPT_ONE,
        family: Family::Text,
        meaning: "text of at most n characters; without n unbounded",
    },
    Canon {
        name: "text",
        arities: OPT_ONE,
        family: Family::Text,
        meaning: "long text; text(n): at most n bytes (MySQL TEXT family)",
    },
    Canon {
        name: "binary",
        arities: ONE,
        family: Family::Binary,
        meaning: "fixed-length bytes, zero-padded",
    },
    Canon {
        name: "varbinary",
        arities: ONE,
        family: Family::Binary,
        meaning: "at most n bytes",
    },
    Canon {
        name: "blob",
        arities: OPT_ONE,
        family: Family::Binary,
        meaning: "long bytes; blob(n): at most n bytes (MySQL BLOB family)",
    },
    Canon {
        name: "date",
        arities: NONE,
        family: Family::Date,
        meaning: "calendar date",
    },
    Canon {
        name: "time",
        arities: OPT_ONE,
        family: Family::Time,
        meaning: "time of day, fsp fractional digits",
    },
    Canon {
        name: "timetz",
        arities: OPT_ONE,
        family: Family::Time,
        meaning: "time of day with a UTC offset",
    },
    Canon {
        name: "timestamp",
        arities: OPT_ONE,
        family: Family::Timestamp,
        meaning: "date and time without time zone",
    },
    Canon {
        name: "timestamptz",
        arities: OPT_ONE,
        family: Family::Timestamp,
        meaning: "a point in time (stored as UTC)",
    },
    Canon {
        name: "interval",
        arities: NONE,
        family: Family::Other,
        meaning: "a duration",
    },
    Canon {
        name: "year",
        arities: NONE,
        family: Family::Other,
        meaning: "a year (MySQL YEAR)",
    },
    Canon {
        name: "json",
        arities: NONE,
        family: Family::Json,
        meaning: "JSON kept as written",
    },
    Canon {
        name: "jsonb",
        arities: NONE,
        family: Family::Json,
        meaning: "JSON normalised (key order and duplicate keys not kept)",
    },
    Canon {
        name: "uuid",
        arities: NONE,
        family: Family::Other,
        meaning: "UUID",
    },
    Canon {
        name: "enum",
        arities: NONE,
        family: Family::Enum,
        meaning: "one of a list of strings (the column's values)",
    },
    Canon {
        name: "set",
        arities: NONE,
        family: Family::Set,
        meaning: "a subset of a list of strings (MySQL SET)",
    },
    Canon {
        name: "inet",
        arities: NONE,
        family: Family::Other,
        meaning: "IP address, optionally with a netmask",
    },
    Canon {
        name: "cidr",
        arities: NONE,
        family: Family::Other,
        meaning: "IP network",
    },
    Canon {
        name: "macaddr",
        arities: NONE,
        family: Family::Other,
        meaning: "MAC address",
    },
    Canon {
        name: "money",
        arities: NONE,
        family: Family::Other,
        meaning: "currency amount (PostgreSQL money)",
    },
    Canon {
        name: "xml",
        arities: NONE,
        family: Family::Other,
        meaning: "XML document",
    },
    Canon {
        name: "bit",
        arities: ONE,
        family: Family::Bits,
        meaning: "bit string of exactly n bits",
    },
    Canon {
        name: "varbit",
        arities: OPT_ONE,
        family: Family::Bits,
        meaning: "bit string of at most n bits",
    },
    Canon {
        name: "geometry",
        arities: NONE,
        family: Family::Other,
        meaning: "spatial value (any geometry kind)",
    },
    Canon {
        name: "tsvector",
        arities: NONE,
        family: Family::Other,
        meaning: "PostgreSQL full-text document",
    },
    Canon {
        name: "other",
        arities: NONE,
        family: Family::Other,
        meaning: "no automatic mapping: a person decides (risk manual)",
    },
];

pub fn find(name: &str) -> Option<&'static Canon> {
    CANONICAL.iter().find(|c| c.name == name)
}

/// The family of a canonical type's name; `Other` for a name outside the vocabulary.
pub fn family_of(name: &str) -> Family {
    find(name).map_or(Family::Other, |c| c.family)
}

/// Checks a canonical type's name and parameter count; the message says what is wrong.
pub fn check(name: &str, arity: usize) -> Result<(), super::error::PatternError> {
    use super::error::PatternError;
    let Some(c) = find(name) else {
        return Err(PatternError::NotCanonical(name.to_string()));
    };
    if !c.arities.contains(&arity) {
        return Err(PatternError::Arity {
            name: name.to_string(),
            allowed: c.arities.to_vec(),
            given: arity,
        });
    }
    Ok(())
}
