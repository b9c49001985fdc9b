//! One value in flight between a source and a target. Deliberately small: temporal values travel
//! as the ISO text the source printed (`2009-01-01 00:00:00.5`), decimals as exact text; the
//! target writer turns them into its own types, guided by the column's canonical type.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// An exact decimal as text (`-12.3400`): never through a float.
    Decimal(String),
    Text(String),
    Bytes(Vec<u8>),
}

/// A row: one value per planned column, in plan order.
pub type Row = Vec<Value>;

impl Value {
    /// The value as text for messages and reject files; bytes as hex, long values cut.
    pub fn display(&self) -> String {
        let s = match self {
            Value::Null => "NULL".to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Decimal(d) => d.clone(),
            Value::Text(t) => t.clone(),
            Value::Bytes(b) => {
                let mut s = String::from("0x");
                for byte in b.iter().take(64) {
                    s.push_str(&format!("{byte:02x}"));
                }
                s
            }
        };
        if s.chars().count() > 200 {
            s.chars().take(200).chain("…".chars()).collect()
        } else {
            s
        }
    }

    /// Interprets text from a text-only source (a dump's literal or COPY field, a SQLite text)
    /// by the column's canonical type: `t`/`f` booleans, integers, `\x` hex bytea.
    pub fn from_text(text: String, canonical: &str) -> Value {
        let base = canonical.split('(').next().unwrap_or(canonical);
        match base {
            "bool" => match text.as_str() {
                "t" | "true" | "1" | "TRUE" => Value::Bool(true),
                "f" | "false" | "0" | "FALSE" => Value::Bool(false),
                _ => Value::Text(text),
            },
            "int1" | "int2" | "int3" | "int4" | "int8" => {
                text.parse().map_or(Value::Text(text), Value::Int)
            }
            "uint1" | "uint2" | "uint3" | "uint4" | "uint8" => {
                text.parse().map_or(Value::Text(text), Value::UInt)
            }
            "float4" | "float8" => text.parse().map_or(Value::Text(text), Value::Float),
            "decimal" => Value::Decimal(text),
            "bytes" | "varbinary" | "binary" | "blob" => match text.strip_prefix("\\x") {
                Some(hex) => decode_hex(hex).map_or(Value::Text(text), Value::Bytes),
                None => Value::Bytes(text.into_bytes()),
            },
            _ => Value::Text(text),
        }
    }
}

/// Hex digits to bytes; `None` when the text is not hex.
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    hex.as_bytes()
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_read_by_canonical_type() {
        assert_eq!(Value::from_text("t".into(), "bool"), Value::Bool(true));
        assert_eq!(Value::from_text("-5".into(), "int4"), Value::Int(-5));
        assert_eq!(
            Value::from_text("18446744073709551615".into(), "uint8"),
            Value::UInt(u64::MAX)
        );
        assert_eq!(
            Value::from_text("1.10".into(), "decimal(10,2)"),
            Value::Decimal("1.10".into())
        );
        assert_eq!(
            Value::from_text("\\x00ff".into(), "bytes"),
            Value::Bytes(vec![0, 255])
        );
        assert_eq!(decode_hex("0g"), None);
    }
}
