//! The closed set of value transforms a mapping rule may name. The loader applies them to each
//! value; the mapping files refer to them by their snake_case names.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// MySQL `0000-00-00` dates and datetimes become NULL.
    ZeroDateToNull,
    /// 0 becomes false, anything else true (MySQL TINYINT(1)).
    IntToBool,
    /// false becomes 0, true 1.
    BoolToInt,
    /// MySQL SET text `a,b` becomes an array `{a,b}`.
    SetToArray,
    /// An array becomes its text form.
    ArrayToText,
    /// An array becomes a JSON array (targets without arrays: MySQL JSON, SQLite text).
    ArrayToJson,
    /// NUL bytes are removed from text bound for PostgreSQL.
    StripNul,
    /// BIT(n) becomes an integer.
    BitToInt,
    /// MySQL BIT(1) becomes a boolean: b'1' true, b'0' false.
    BitToBool,
    /// YEAR becomes a small integer.
    YearToInt,
    /// Binary UUID or text UUID normalised to the target's form.
    UuidToText,
    /// JSON kept as text.
    JsonToText,
}

impl Transform {
    pub const ALL: &[Transform] = &[
        Transform::ZeroDateToNull,
        Transform::IntToBool,
        Transform::BoolToInt,
        Transform::SetToArray,
        Transform::ArrayToText,
        Transform::ArrayToJson,
        Transform::StripNul,
        Transform::BitToInt,
        Transform::BitToBool,
        Transform::YearToInt,
        Transform::UuidToText,
        Transform::JsonToText,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Transform::ZeroDateToNull => "zero_date_to_null",
            Transform::IntToBool => "int_to_bool",
            Transform::BoolToInt => "bool_to_int",
            Transform::SetToArray => "set_to_array",
            Transform::ArrayToText => "array_to_text",
            Transform::ArrayToJson => "array_to_json",
            Transform::StripNul => "strip_nul",
            Transform::BitToInt => "bit_to_int",
            Transform::BitToBool => "bit_to_bool",
            Transform::YearToInt => "year_to_int",
            Transform::UuidToText => "uuid_to_text",
            Transform::JsonToText => "json_to_text",
        }
    }

    pub fn from_name(name: &str) -> Option<Transform> {
        Transform::ALL.iter().copied().find(|t| t.name() == name)
    }
}
