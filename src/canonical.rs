//! A canonical type as a value: the type every column passes through between its source type
//! and its target type (`mappings/README.md`). The mapping stage decides it once; the emitter,
//! the loader and validation ask it questions (`family`, `numbers`, `is_array`) instead of
//! cutting its text apart. The vocabulary, and each name's family, is data in
//! `mapping/vocab.rs`.
//!
//! It prints and serialises as the text the plan has always carried (`decimal(10,2)`,
//! `int4[]`), so plans stay readable and plan files keep their shape.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

// The largest length (`max`), as the mapping files write it.
use crate::mapping::MAX_LEN;

/// What kind of values a canonical type holds, as the stages after mapping need to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Bool,
    /// Signed integers (`int1` .. `int8`).
    Int,
    /// Unsigned integers (`uint1` .. `uint8`).
    UInt,
    Float,
    Decimal,
    /// Character strings (`char`, `varchar`, `text`).
    Text,
    /// Byte strings (`binary`, `varbinary`, `blob`).
    Binary,
    /// Bit strings (`bit(n)`, `varbit`).
    Bits,
    Date,
    Time,
    /// Date and time, with or without a zone.
    Timestamp,
    Json,
    Enum,
    Set,
    /// Everything else: intervals, network addresses, geometry, `other`, ...
    Other,
}

/// A canonical type: a name of the vocabulary, its numeric parameters, whether it is an array.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CanonicalType {
    name: String,
    numbers: Vec<u64>,
    array: bool,
}

impl CanonicalType {
    pub fn new(name: impl Into<String>, numbers: Vec<u64>, array: bool) -> CanonicalType {
        CanonicalType {
            name: name.into(),
            numbers,
            array,
        }
    }

    /// `other`: what a column gets that no rule maps.
    pub fn other() -> CanonicalType {
        CanonicalType::new("other", Vec::new(), false)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The numeric parameters: `decimal(10,2)` -> [10, 2].
    pub fn numbers(&self) -> &[u64] {
        &self.numbers
    }

    pub fn is_array(&self) -> bool {
        self.array
    }

    /// The family of the type's values; an array is `Other` (its elements have one).
    pub fn family(&self) -> Family {
        if self.array {
            return Family::Other;
        }
        crate::mapping::family_of(&self.name)
    }

    /// Whether every value is a whole number: an integer type, or a decimal without places.
    pub fn holds_integers(&self) -> bool {
        match self.family() {
            Family::Int | Family::UInt => true,
            Family::Decimal => matches!(self.numbers.as_slice(), [_, 0]),
            _ => false,
        }
    }

    /// The canonical type the mapping rules arrived at (`mapping/decide.rs`): its name, its
    /// numeric parameters (a length `max` is the largest number), whether it is an array.
    pub fn from_spec(spec: &crate::mapping::TypeSpec) -> CanonicalType {
        let numbers = spec
            .params
            .iter()
            .filter_map(|p| match p {
                crate::mapping::Param::Num(n) => Some(*n),
                _ => None,
            })
            .collect();
        CanonicalType::new(spec.base.clone(), numbers, spec.array)
    }

    /// Reads the text `Display` writes (a plan's), by the type grammar the mapping rules read
    /// types with (`grammar/type_pattern.pest`); None when it is not a type.
    pub fn parse(text: &str) -> Option<CanonicalType> {
        crate::mapping::parse_concrete(text)
            .ok()
            .map(|spec| CanonicalType::from_spec(&spec))
    }
}

impl std::fmt::Display for CanonicalType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        if !self.numbers.is_empty() {
            let parts: Vec<String> = self
                .numbers
                .iter()
                .map(|n| match *n {
                    MAX_LEN => "max".to_string(),
                    n => n.to_string(),
                })
                .collect();
            write!(f, "({})", parts.join(","))?;
        }
        if self.array {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

impl Serialize for CanonicalType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CanonicalType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CanonicalType, D::Error> {
        let text = String::deserialize(d)?;
        CanonicalType::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a canonical type")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_back_as_written() {
        for text in [
            "int4",
            "decimal(10,2)",
            "varchar(max)",
            "int4[]",
            "bit(8)",
            "other",
        ] {
            let c = CanonicalType::parse(text).unwrap_or_default();
            assert_eq!(c.to_string(), text);
        }
        assert_eq!(
            CanonicalType::parse("decimal(10,2").map(|c| c.to_string()),
            None
        );
        assert_eq!(CanonicalType::parse("a;b").map(|c| c.to_string()), None);
    }

    #[test]
    fn families_and_integers() {
        let c = |t: &str| CanonicalType::parse(t).unwrap_or_default();
        assert_eq!(c("uint8").family(), Family::UInt);
        assert_eq!(c("timestamptz(6)").family(), Family::Timestamp);
        assert_eq!(c("varchar(10)[]").family(), Family::Other);
        assert!(c("decimal(38,0)").holds_integers());
        assert!(!c("decimal(10,2)").holds_integers());
        assert!(!c("decimal").holds_integers());
        assert!(c("int2").holds_integers());
    }
}
