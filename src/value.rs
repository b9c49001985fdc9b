//! One value in flight between a source and a target. Deliberately small: temporal values travel
//! as the ISO text the source printed (`2009-01-01 00:00:00.5`), decimals as exact text; the
//! target writer turns them into its own types, guided by the column's canonical type.

use serde::Serialize;

use crate::canonical::{CanonicalType, Family};

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

    /// Interprets text from a text-only source (a dump's literal or COPY field, a SQLite text,
    /// MySQL's text protocol) by the column's kind: `t`/`f` booleans, integers, `\x` hex bytea.
    pub fn from_text(text: String, kind: TextKind) -> Value {
        match kind {
            TextKind::Bool => match text.as_str() {
                "t" | "true" | "1" | "TRUE" => Value::Bool(true),
                "f" | "false" | "0" | "FALSE" => Value::Bool(false),
                _ => Value::Text(text),
            },
            TextKind::Int => text.parse().map_or(Value::Text(text), Value::Int),
            TextKind::UInt => text.parse().map_or(Value::Text(text), Value::UInt),
            TextKind::Float => text.parse().map_or(Value::Text(text), Value::Float),
            TextKind::Decimal => Value::Decimal(text),
            TextKind::Date | TextKind::DateTime => {
                match iso_datetime(&text, kind == TextKind::Date) {
                    Some(iso) => Value::Text(iso),
                    None => Value::Text(text),
                }
            }
            TextKind::Bytes => match text.strip_prefix("\\x") {
                Some(hex) => decode_hex(hex).map_or(Value::Text(text), Value::Bytes),
                None => Value::Bytes(text.into_bytes()),
            },
            TextKind::Text => Value::Text(text),
        }
    }
}

/// What a column's text is read as, decided once per column from its canonical type (not
/// per value: a load reads millions).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TextKind {
    Bool,
    Int,
    UInt,
    Float,
    Decimal,
    Date,
    DateTime,
    Bytes,
    Text,
}

impl TextKind {
    pub fn of(canonical: &CanonicalType) -> TextKind {
        match canonical.family() {
            Family::Bool => TextKind::Bool,
            Family::Int => TextKind::Int,
            Family::UInt => TextKind::UInt,
            Family::Float => TextKind::Float,
            Family::Decimal => TextKind::Decimal,
            Family::Date => TextKind::Date,
            Family::Timestamp => TextKind::DateTime,
            Family::Binary => TextKind::Bytes,
            _ => TextKind::Text,
        }
    }
}

/// A date or date-time in MySQL's relaxed spellings (`1962/2/18`, `2004-1-2 8:05:00`, any
/// punctuation between the parts, https://dev.mysql.com/doc/refman/8.0/en/date-and-time-literals.html)
/// as ISO text: `1962-02-18 00:00:00` (or `1962-02-18` for a date). `None` when the text is
/// already ISO, carries a time zone or letters, or is not a date: it is then left as it is.
pub fn iso_datetime(text: &str, date_only: bool) -> Option<String> {
    if already_iso(text.as_bytes(), date_only) {
        return None;
    }
    let t = text.trim();
    if t.is_empty() || t.chars().any(|c| c.is_ascii_alphabetic() || c == '+') {
        return None;
    }
    // `-` after the time part would be a UTC offset: leave such text alone.
    let (date_part, time_part) = match t.split_once([' ', 'T']) {
        Some((d, rest)) => (d, Some(rest)),
        None => (t, None),
    };
    if time_part.is_some_and(|r| r.contains('-')) {
        return None;
    }
    let date: Vec<&str> = date_part
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let [y, m, d] = date.as_slice() else {
        return None;
    };
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if y > 9999 || m > 12 || d > 31 || date[0].len() != 4 {
        return None;
    }
    let date = format!("{y:04}-{m:02}-{d:02}");
    if date_only {
        return (date != t).then_some(date);
    }
    let (hms, frac) = match time_part {
        Some(tp) => {
            let (main, frac) = match tp.split_once('.') {
                Some((a, f)) if f.chars().all(|c| c.is_ascii_digit()) => (a, Some(f)),
                Some(_) => return None,
                None => (tp, None),
            };
            let parts: Vec<u32> = main
                .split(|c: char| !c.is_ascii_digit())
                .filter(|p| !p.is_empty())
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            match parts.as_slice() {
                [h, mi] => (format!("{h:02}:{mi:02}:00"), frac),
                [h, mi, s] if *h < 24 && *mi < 60 && *s < 62 => {
                    (format!("{h:02}:{mi:02}:{s:02}"), frac)
                }
                _ => return None,
            }
        }
        None => ("00:00:00".to_string(), None),
    };
    let iso = match frac {
        Some(f) => format!("{date} {hms}.{f}"),
        None => format!("{date} {hms}"),
    };
    (iso != t).then_some(iso)
}

/// `YYYY-MM-DD` (and for date-times ` HH:MM:SS` with an optional `.fraction`): the form every
/// engine prints, checked without allocating (most values are already so).
fn already_iso(b: &[u8], date_only: bool) -> bool {
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let date = (0..4).all(d) && at(4, b'-') && d(5) && d(6) && at(7, b'-') && d(8) && d(9);
    if !date {
        return false;
    }
    if date_only {
        return b.len() == 10;
    }
    let time = at(10, b' ')
        && d(11)
        && d(12)
        && at(13, b':')
        && d(14)
        && d(15)
        && at(16, b':')
        && d(17)
        && d(18);
    time && (b.len() == 19 || (at(19, b'.') && b.len() > 20 && (20..b.len()).all(d)))
}

/// Hex digits to bytes; `None` when the text is not hex.
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
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

    fn read(text: &str, canonical: &str) -> Value {
        let canonical = CanonicalType::parse(canonical).unwrap_or_default();
        Value::from_text(text.to_string(), TextKind::of(&canonical))
    }

    #[test]
    fn text_is_read_by_canonical_type() {
        assert_eq!(read("t", "bool"), Value::Bool(true));
        assert_eq!(read("-5", "int4"), Value::Int(-5));
        assert_eq!(read("18446744073709551615", "uint8"), Value::UInt(u64::MAX));
        assert_eq!(read("1.10", "decimal(10,2)"), Value::Decimal("1.10".into()));
        assert_eq!(read("\\x00ff", "varbinary(16)"), Value::Bytes(vec![0, 255]));
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(
            read("1962/2/18", "timestamp(0)"),
            Value::Text("1962-02-18 00:00:00".into())
        );
        assert_eq!(
            read("2004-1-2 8:05:07.5", "timestamp(6)"),
            Value::Text("2004-01-02 08:05:07.5".into())
        );
        assert_eq!(read("2004/01/02", "date"), Value::Text("2004-01-02".into()));
        for kept in [
            "2020-01-01 10:00:00+02",
            "2020-01-01 10:00:00-05",
            "infinity",
            "0000-00-00 00:00:00",
        ] {
            assert_eq!(
                read(kept, "timestamptz"),
                Value::Text(kept.into()),
                "{kept}"
            );
        }
    }
}
