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

use crate::value::Value;

/// What applying a transform did to one value, for the load summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Kept,
    Changed,
    /// A zero date became NULL (counted in the summary).
    ZeroDateNulled,
    /// NUL bytes were removed from text (counted in the summary).
    NulStripped,
}

impl Transform {
    /// Whether `apply` can refuse a value (the loader then keeps the value's text for the
    /// reject file before applying it; the others never fail).
    pub fn may_reject(self) -> bool {
        matches!(
            self,
            Transform::IntToBool
                | Transform::BoolToInt
                | Transform::ArrayToJson
                | Transform::BitToInt
                | Transform::BitToBool
                | Transform::YearToInt
        )
    }

    /// Applies the transform to one value. NULL stays NULL. Err is a reason to reject the row.
    pub fn apply(self, v: Value) -> Result<(Value, Applied), String> {
        use Value as V;
        if v == V::Null {
            return Ok((v, Applied::Kept));
        }
        let changed = |v| Ok((v, Applied::Changed));
        match (self, v) {
            (Transform::ZeroDateToNull, V::Text(t)) if t.starts_with("0000-00-00") => {
                Ok((V::Null, Applied::ZeroDateNulled))
            }
            (Transform::IntToBool, V::Int(i)) => changed(V::Bool(i != 0)),
            (Transform::IntToBool, V::UInt(i)) => changed(V::Bool(i != 0)),
            (Transform::IntToBool, V::Text(t)) => match t.trim().parse::<i64>() {
                Ok(i) => changed(V::Bool(i != 0)),
                Err(_) => Err(format!("`{t}` is not an integer for a boolean")),
            },
            (Transform::BoolToInt, V::Bool(b)) => changed(V::Int(i64::from(b))),
            (Transform::BoolToInt, V::Text(t)) => match t.as_str() {
                "t" | "true" | "1" => changed(V::Int(1)),
                "f" | "false" | "0" => changed(V::Int(0)),
                _ => Err(format!("`{t}` is not a boolean")),
            },
            (Transform::SetToArray, V::Text(t)) => {
                let members: Vec<String> = if t.is_empty() {
                    Vec::new()
                } else {
                    t.split(',').map(array_element).collect()
                };
                changed(V::Text(format!("{{{}}}", members.join(","))))
            }
            (Transform::ArrayToJson, V::Text(t)) => {
                let items = parse_pg_array(&t)?;
                let json: Vec<serde_json::Value> = items
                    .into_iter()
                    .map(|i| i.map_or(serde_json::Value::Null, serde_json::Value::String))
                    .collect();
                changed(V::Text(serde_json::Value::Array(json).to_string()))
            }
            (Transform::StripNul, V::Text(t)) if t.contains('\0') => {
                Ok((V::Text(t.replace('\0', "")), Applied::NulStripped))
            }
            (Transform::BitToInt, V::Bytes(b)) => {
                if b.len() > 8 {
                    return Err(format!(
                        "a bit string of {} bytes does not fit 64 bits",
                        b.len()
                    ));
                }
                changed(V::UInt(
                    b.iter().fold(0u64, |acc, x| acc << 8 | u64::from(*x)),
                ))
            }
            (Transform::BitToBool, V::Bytes(b)) => changed(V::Bool(b.iter().any(|x| *x != 0))),
            (Transform::BitToBool | Transform::BitToInt, V::Text(t))
                if t.chars().all(|c| c == '0' || c == '1') && !t.is_empty() =>
            {
                let n = u64::from_str_radix(&t, 2).map_err(|e| format!("bit string `{t}`: {e}"))?;
                if self == Transform::BitToBool {
                    changed(V::Bool(n != 0))
                } else {
                    changed(V::UInt(n))
                }
            }
            (Transform::YearToInt, V::Text(t)) => match t.trim().parse::<i64>() {
                Ok(y) => changed(V::Int(y)),
                Err(_) => Err(format!("`{t}` is not a year")),
            },
            (Transform::UuidToText, V::Bytes(b)) if b.len() == 16 => {
                let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
                changed(V::Text(format!(
                    "{}-{}-{}-{}-{}",
                    &h[0..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..32]
                )))
            }
            (_, v) => Ok((v, Applied::Kept)),
        }
    }
}

/// One SET member as a PostgreSQL array element: quoted, with `"` and `\` escaped.
fn array_element(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A one-dimensional PostgreSQL array literal (`{a,"b c",NULL}`) into its elements.
pub fn parse_pg_array(text: &str) -> Result<Vec<Option<String>>, String> {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| format!("`{text}` is not an array literal"))?;
    let mut out = Vec::new();
    if inner.is_empty() {
        return Ok(out);
    }
    let mut chars = inner.chars().peekable();
    loop {
        let mut item = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => item.extend(chars.next()),
                    Some('"') => break,
                    Some(c) => item.push(c),
                    None => return Err(format!("`{text}`: unterminated quoted element")),
                }
            }
        }
        while let Some(&c) = chars.peek() {
            if c == ',' {
                break;
            }
            if c == '{' {
                return Err(format!("`{text}`: nested arrays are not supported"));
            }
            item.push(c);
            chars.next();
        }
        out.push(if !quoted && item.eq_ignore_ascii_case("NULL") {
            None
        } else {
            Some(item)
        });
        if chars.next().is_none() {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(t: Transform, v: Value) -> Value {
        t.apply(v)
            .map(|(v, _)| v)
            .unwrap_or(Value::Text("ERR".into()))
    }

    #[test]
    fn transforms_do_what_their_names_say() {
        use Value as V;
        assert_eq!(
            apply(
                Transform::ZeroDateToNull,
                V::Text("0000-00-00 00:00:00".into())
            ),
            V::Null
        );
        assert_eq!(
            apply(Transform::ZeroDateToNull, V::Text("2020-01-01".into())),
            V::Text("2020-01-01".into())
        );
        assert_eq!(apply(Transform::IntToBool, V::Int(2)), V::Bool(true));
        assert_eq!(
            apply(Transform::IntToBool, V::Text("0".into())),
            V::Bool(false)
        );
        assert_eq!(
            apply(Transform::SetToArray, V::Text("a,b\"c".into())),
            V::Text("{\"a\",\"b\\\"c\"}".into())
        );
        assert_eq!(
            apply(Transform::SetToArray, V::Text(String::new())),
            V::Text("{}".into())
        );
        assert_eq!(
            apply(Transform::ArrayToJson, V::Text("{a,\"b c\",NULL}".into())),
            V::Text("[\"a\",\"b c\",null]".into())
        );
        assert_eq!(
            apply(Transform::StripNul, V::Text("a\0b".into())),
            V::Text("ab".into())
        );
        assert_eq!(
            apply(Transform::BitToInt, V::Bytes(vec![1, 0])),
            V::UInt(256)
        );
        assert_eq!(
            apply(Transform::BitToBool, V::Text("1".into())),
            V::Bool(true)
        );
        assert_eq!(
            apply(Transform::YearToInt, V::Text("1999".into())),
            V::Int(1999)
        );
        assert!(Transform::IntToBool.apply(V::Text("x".into())).is_err());
        assert!(Transform::BitToInt.apply(V::Bytes(vec![0; 9])).is_err());
        assert_eq!(apply(Transform::IntToBool, V::Null), V::Null);
    }
}
