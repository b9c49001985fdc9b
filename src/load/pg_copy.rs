//! The bytes of a PostgreSQL `COPY ... FROM STDIN`, in binary or text format
//! (https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9).
//!
//! Binary is the fast path: numbers, dates and times go as the server stores them, so neither
//! side prints or parses them. It is used for a table whose every column has a type listed in
//! `Field::of`, and for a batch whose every value this module can put in that type's binary
//! form exactly; anything else (a date of another era, a seventh fractional digit, a type name
//! it does not know) goes in text format instead, where the server judges each value as it
//! always does. So a value is never judged differently because of the format.

use std::io::Write;

use crate::plan::ColumnPlan;
use crate::value::{Row, Value};

/// The binary form a column takes, from its target type.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Field {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    /// text, varchar, char, enum labels, json: the UTF-8 bytes.
    Text,
    Jsonb,
    Bytea,
    Date,
    Timestamp,
    TimestampTz,
    Time,
    Uuid,
}

impl Field {
    /// The binary form of a target type, None for a type whose binary form ferry does not write.
    fn of(c: &ColumnPlan) -> Option<Field> {
        let ty = c.target_type.to_ascii_lowercase();
        let base = ty.split('(').next().unwrap_or("").trim();
        let tail = ty.rsplit(')').next().unwrap_or("").trim();
        Some(match base {
            "boolean" | "bool" => Field::Bool,
            "smallint" | "int2" => Field::Int2,
            "integer" | "int" | "int4" => Field::Int4,
            "bigint" | "int8" => Field::Int8,
            "real" | "float4" => Field::Float4,
            "double precision" | "float8" => Field::Float8,
            "numeric" | "decimal" => Field::Numeric,
            "text" | "varchar" | "character varying" | "char" | "character" | "bpchar" => {
                Field::Text
            }
            "json" => Field::Text,
            "jsonb" => Field::Jsonb,
            "bytea" => Field::Bytea,
            "date" => Field::Date,
            "timestamp" | "timestamp without time zone" if !tail.contains("with time zone") => {
                Field::Timestamp
            }
            "timestamp" | "timestamp with time zone" | "timestamptz" => Field::TimestampTz,
            "time" | "time without time zone" if !tail.contains("with time zone") => Field::Time,
            "uuid" => Field::Uuid,
            // A created enum type: its binary form is its label.
            _ if c.canonical.family() == crate::canonical::Family::Enum => Field::Text,
            _ => return None,
        })
    }
}

/// How a table's rows are written: binary when every column allows it.
pub struct Encoder {
    binary: Option<Vec<Field>>,
    text: Vec<TextField>,
    /// Source column names and target types, for messages.
    columns: Vec<(String, String)>,
}

impl Encoder {
    pub fn new(columns: &[ColumnPlan]) -> Encoder {
        Encoder {
            binary: columns.iter().map(Field::of).collect(),
            text: columns.iter().map(TextField::of).collect(),
            columns: columns
                .iter()
                .map(|c| (c.source.clone(), c.target_type.clone()))
                .collect(),
        }
    }

    /// The COPY data for `rows` and whether it is binary; Err is the reason a row cannot be
    /// sent at all, with its index.
    pub fn encode(&self, rows: &[&Row]) -> Result<(Vec<u8>, bool), (String, usize)> {
        if let Some(fields) = &self.binary {
            let mut out = Vec::with_capacity(rows.len() * 96 + 21);
            out.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
            out.extend_from_slice(&0i32.to_be_bytes()); // flags
            out.extend_from_slice(&0i32.to_be_bytes()); // header extension
            if rows
                .iter()
                .all(|r| binary_row(fields, r, &mut out).is_some())
            {
                out.extend_from_slice(&(-1i16).to_be_bytes());
                return Ok((out, true));
            }
        }
        let mut out = Vec::with_capacity(rows.len() * 96);
        for (i, row) in rows.iter().enumerate() {
            self.text_row(row, &mut out).map_err(|reason| (reason, i))?;
        }
        Ok((out, false))
    }
}

/// Appends one tuple; None when a value has no exact binary form here (the batch then goes as
/// text).
fn binary_row(fields: &[Field], row: &Row, out: &mut Vec<u8>) -> Option<()> {
    if row.len() != fields.len() || fields.len() > i16::MAX as usize {
        return None;
    }
    out.extend_from_slice(&(fields.len() as i16).to_be_bytes());
    for (v, f) in row.iter().zip(fields) {
        if *v == Value::Null {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            continue;
        }
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        binary_value(*f, v, out)?;
        let len = i32::try_from(out.len() - at - 4).ok()?;
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    Some(())
}

fn binary_value(f: Field, v: &Value, out: &mut Vec<u8>) -> Option<()> {
    match f {
        Field::Bool => out.push(u8::from(match v {
            Value::Bool(b) => *b,
            Value::Int(i) if *i == 0 || *i == 1 => *i == 1,
            Value::UInt(u) if *u <= 1 => *u == 1,
            Value::Text(t) => match t.as_str() {
                "t" | "true" | "1" => true,
                "f" | "false" | "0" => false,
                _ => return None,
            },
            _ => return None,
        })),
        Field::Int2 => out.extend_from_slice(&i16::try_from(integer(v)?).ok()?.to_be_bytes()),
        Field::Int4 => out.extend_from_slice(&i32::try_from(integer(v)?).ok()?.to_be_bytes()),
        Field::Int8 => out.extend_from_slice(&integer(v)?.to_be_bytes()),
        Field::Float4 => {
            let f = float(v)?;
            let narrow = f as f32;
            // Only values that float4 holds as they are (text input would round the same way,
            // but an overflow there is an error, here it would be infinity).
            if f64::from(narrow) != f && !f.is_nan() {
                return None;
            }
            out.extend_from_slice(&narrow.to_be_bytes());
        }
        Field::Float8 => out.extend_from_slice(&float(v)?.to_be_bytes()),
        Field::Numeric => match v {
            Value::Decimal(t) | Value::Text(t) => numeric(t, out)?,
            Value::Int(i) => numeric(&i.to_string(), out)?,
            Value::UInt(u) => numeric(&u.to_string(), out)?,
            _ => return None,
        },
        Field::Text => match v {
            Value::Text(t) if !t.contains('\0') => out.extend_from_slice(t.as_bytes()),
            Value::Bytes(b) if !b.contains(&0) && std::str::from_utf8(b).is_ok() => {
                out.extend_from_slice(b)
            }
            Value::Decimal(t) => out.extend_from_slice(t.as_bytes()),
            Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
            Value::UInt(u) => out.extend_from_slice(itoa::Buffer::new().format(*u).as_bytes()),
            _ => return None,
        },
        Field::Jsonb => match v {
            Value::Text(t) if !t.contains('\0') => {
                out.push(1); // jsonb's binary format version
                out.extend_from_slice(t.as_bytes());
            }
            _ => return None,
        },
        Field::Bytea => match v {
            Value::Bytes(b) => out.extend_from_slice(b),
            Value::Text(t) => out.extend_from_slice(t.as_bytes()),
            _ => return None,
        },
        Field::Date => {
            let Value::Text(t) = v else { return None };
            let days = date_days(t.as_bytes())?;
            out.extend_from_slice(&i32::try_from(days).ok()?.to_be_bytes());
        }
        Field::Timestamp | Field::TimestampTz => {
            let Value::Text(t) = v else { return None };
            let micros = timestamp_micros(t.as_bytes(), f == Field::TimestampTz)?;
            out.extend_from_slice(&micros.to_be_bytes());
        }
        Field::Time => {
            let Value::Text(t) = v else { return None };
            let (micros, rest) = time_micros(t.as_bytes())?;
            if !rest.is_empty() {
                return None;
            }
            out.extend_from_slice(&micros.to_be_bytes());
        }
        Field::Uuid => match v {
            Value::Bytes(b) if b.len() == 16 => out.extend_from_slice(b),
            Value::Text(t) => {
                let hex: Vec<u8> = t.bytes().filter(|b| *b != b'-').collect();
                if hex.len() != 32 || !(t.len() == 32 || t.len() == 36) {
                    return None;
                }
                for pair in hex.chunks(2) {
                    out.push(hex_digit(pair[0])? << 4 | hex_digit(pair[1])?);
                }
            }
            _ => return None,
        },
    }
    Some(())
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::UInt(u) => i64::try_from(*u).ok(),
        Value::Text(t) | Value::Decimal(t) => t.parse().ok(),
        _ => None,
    }
}

fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        // Integers beyond 2^53 would round: text input rounds them the same way, but keep them
        // on that path.
        Value::Int(i) if i.unsigned_abs() < 1 << 53 => Some(*i as f64),
        Value::UInt(u) if *u < 1 << 53 => Some(*u as f64),
        _ => None,
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A plain decimal (`-12.340`, `.5`, `7`) in numeric's binary form: base-10000 digits with a
/// weight, a sign and the display scale. Exponents and NaN go as text.
fn numeric(text: &str, out: &mut Vec<u8>) -> Option<()> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // numeric's largest display scale.
    if frac.len() > 1000 {
        return None;
    }
    let dscale = frac.len() as u16;
    let int = int.trim_start_matches('0');
    // Digits grouped by four from the decimal point both ways.
    let lead = (4 - int.len() % 4) % 4;
    let mut digits: Vec<i16> = Vec::with_capacity((int.len() + frac.len()) / 4 + 2);
    let mut group = 0i16;
    let mut filled = lead;
    for b in int.bytes().chain(frac.bytes()) {
        group = group * 10 + i16::from(b - b'0');
        filled += 1;
        if filled == 4 {
            digits.push(group);
            group = 0;
            filled = 0;
        }
    }
    if filled > 0 {
        for _ in filled..4 {
            group *= 10;
        }
        digits.push(group);
    }
    let int_groups = (int.len() + lead) / 4;
    let mut weight = int_groups as i32 - 1;
    let first = digits.iter().position(|d| *d != 0);
    let (ndigits, start) = match first {
        None => (0, 0),
        Some(first) => {
            let last = digits.iter().rposition(|d| *d != 0).unwrap_or(first);
            weight -= first as i32;
            (last + 1 - first, first)
        }
    };
    if ndigits == 0 {
        weight = 0;
    }
    out.extend_from_slice(&i16::try_from(ndigits).ok()?.to_be_bytes());
    out.extend_from_slice(&i16::try_from(weight).ok()?.to_be_bytes());
    let sign: u16 = if negative && ndigits > 0 { 0x4000 } else { 0 };
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    for d in &digits[start..start + ndigits] {
        out.extend_from_slice(&d.to_be_bytes());
    }
    Some(())
}

/// Days since 2000-01-01 of `YYYY-MM-DD` (years 1-9999 of the proleptic Gregorian calendar).
fn date_days(t: &[u8]) -> Option<i64> {
    let (y, m, d) = ymd(t.get(..10)?)?;
    (t.len() == 10).then(|| days_from_civil(y, m, d) - days_from_civil(2000, 1, 1))
}

fn ymd(t: &[u8]) -> Option<(i64, i64, i64)> {
    if t.len() != 10 || t[4] != b'-' || t[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(&t[..4])?, num(&t[5..7])?, num(&t[8..10])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let month_days = *days_in.get(usize::try_from(m).ok()?.checked_sub(1)?)?;
    (y >= 1 && d >= 1 && d <= month_days).then_some((y, m, d))
}

fn num(t: &[u8]) -> Option<i64> {
    t.iter().try_fold(0i64, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `HH:MM:SS[.ffffff]` (hours 0-23, at most 6 fractional digits) as microseconds, and the rest.
fn time_micros(t: &[u8]) -> Option<(i64, &[u8])> {
    if t.len() < 8 || t[2] != b':' || t[5] != b':' {
        return None;
    }
    let (h, m, s) = (num(&t[..2])?, num(&t[3..5])?, num(&t[6..8])?);
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    let mut micros = ((h * 60 + m) * 60 + s) * 1_000_000;
    let mut rest = &t[8..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 6 {
            return None;
        }
        micros += num(&frac[..n])? * 10i64.pow(6 - n as u32);
        rest = &frac[n..];
    }
    Some((micros, rest))
}

/// `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]` as microseconds since 2000-01-01 00:00:00; with a zone
/// (`timestamptz`), an offset `+HH`, `+HH:MM`, `+HHMM` or `Z` may follow, and the value without
/// one is UTC (the loader's session time zone).
fn timestamp_micros(t: &[u8], zoned: bool) -> Option<i64> {
    let (y, m, d) = ymd(t.get(..10)?)?;
    let days = days_from_civil(y, m, d) - days_from_civil(2000, 1, 1);
    let (micros, rest) = match t.get(10) {
        None => (0, &t[10..]),
        Some(b' ' | b'T') => time_micros(&t[11..])?,
        Some(_) => return None,
    };
    let offset = match rest {
        [] => 0,
        _ if !zoned => return None,
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), zone @ ..] => {
            let (h, m) = match zone {
                [h1, h2] => (num(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
                _ => return None,
            };
            if h > 15 || m > 59 {
                return None;
            }
            let secs = (h * 60 + m) * 60;
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    Some((days * 86_400 - offset) * 1_000_000 + micros)
}

/// How a column's values are written in text format.
#[derive(Clone, Copy)]
enum TextField {
    Plain,
    Bytea,
    /// bit(n) / bit varying(n): a string of 0 and 1.
    Bit {
        width: usize,
        varying: bool,
    },
}

impl TextField {
    fn of(c: &ColumnPlan) -> TextField {
        let ty = c.target_type.to_ascii_lowercase();
        if ty.starts_with("bytea") {
            return TextField::Bytea;
        }
        match bit_width(&ty) {
            Some(width) => TextField::Bit {
                width,
                varying: ty.starts_with("bit varying") || ty.starts_with("varbit"),
            },
            None => TextField::Plain,
        }
    }
}

impl Encoder {
    /// Appends one row in COPY text format.
    fn text_row(&self, row: &Row, out: &mut Vec<u8>) -> Result<(), String> {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            self.text_field(i, v, out)?;
        }
        out.push(b'\n');
        Ok(())
    }

    /// Column `i`'s value as an SQL literal (`sync` writes changes as statements): the COPY
    /// text form inside `E'...'`, whose backslash escapes are COPY's
    /// (https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-STRINGS-ESCAPE),
    /// so a statement's value is the one COPY would have loaded.
    pub fn sql_literal(&self, i: usize, v: &Value, out: &mut String) -> Result<(), String> {
        if matches!(v, Value::Null) {
            out.push_str("NULL");
            return Ok(());
        }
        let mut field = Vec::new();
        self.text_field(i, v, &mut field)?;
        let field = String::from_utf8(field).map_err(|_| "the value is not UTF-8".to_string())?;
        out.push_str("E'");
        for c in field.chars() {
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
        }
        out.push('\'');
        Ok(())
    }

    /// One value in COPY text format.
    fn text_field(&self, i: usize, v: &Value, out: &mut Vec<u8>) -> Result<(), String> {
        let Some(kind) = self.text.get(i) else {
            return Err(format!("no column {i} in the table's plan"));
        };
        if let TextField::Bit { width, varying } = kind
            && let Some(d) = bit_digits(v)
        {
            let tail = if *varying {
                d.trim_start_matches('0')
            } else {
                &d[d.len().saturating_sub(*width)..]
            };
            out.extend_from_slice(if tail.is_empty() { "0" } else { tail }.as_bytes());
            return Ok(());
        }
        let bytea = matches!(kind, TextField::Bytea);
        match v {
            Value::Null => out.extend_from_slice(b"\\N"),
            Value::Bool(b) => out.push(if *b { b't' } else { b'f' }),
            Value::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            Value::UInt(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            Value::Float(f) => {
                if f.is_nan() {
                    out.extend_from_slice(b"NaN");
                } else if f.is_infinite() {
                    out.extend_from_slice(if *f > 0.0 { b"Infinity" } else { b"-Infinity" });
                } else {
                    let _ = write!(out, "{f}");
                }
            }
            Value::Decimal(d) => out.extend_from_slice(d.as_bytes()),
            Value::Text(t) if bytea => hex_escaped(t.as_bytes(), out),
            Value::Text(t) => {
                if t.contains('\0') {
                    return Err(format!(
                        "column {}: text with a NUL byte, which PostgreSQL cannot store",
                        self.columns[i].0
                    ));
                }
                escape_into(t.as_bytes(), out);
            }
            Value::Bytes(b) if bytea => hex_escaped(b, out),
            Value::Bytes(b) => match std::str::from_utf8(b) {
                Ok(t) if !t.contains('\0') => escape_into(t.as_bytes(), out),
                _ => {
                    return Err(format!(
                        "column {}: the value is not valid UTF-8 text for {}",
                        self.columns[i].0, self.columns[i].1
                    ));
                }
            },
        }
        Ok(())
    }
}

/// The 0/1 digits of a bit string value, None for a value that is not one.
fn bit_digits(v: &Value) -> Option<String> {
    match v {
        Value::Bytes(b) => Some(b.iter().map(|x| format!("{x:08b}")).collect()),
        Value::UInt(n) => Some(format!("{n:064b}")),
        Value::Int(n) if *n >= 0 => Some(format!("{n:064b}")),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    }
}

/// The width of a `bit(n)` / `bit varying(n)` target type (`bit` alone is bit(1)).
fn bit_width(ty: &str) -> Option<usize> {
    let rest = ty.strip_prefix("bit")?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("varying").unwrap_or(rest).trim_start();
    if rest.is_empty() {
        return Some(1);
    }
    rest.strip_prefix('(')?
        .strip_suffix(')')?
        .trim()
        .parse()
        .ok()
}

/// bytea's hex input `\x0a1b`, with the backslash escaped for COPY text.
fn hex_escaped(b: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(b.len() * 2 + 3);
    out.extend_from_slice(b"\\\\x");
    for x in b {
        out.push(HEX[usize::from(x >> 4)]);
        out.push(HEX[usize::from(x & 15)]);
    }
}

/// COPY text escapes: backslash, and the line and field separators.
fn escape_into(s: &[u8], out: &mut Vec<u8>) {
    if !s.iter().any(|b| matches!(b, b'\\' | b'\n' | b'\r' | b'\t')) {
        out.extend_from_slice(s);
        return;
    }
    for &b in s {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(target_type: &str, canonical: &str) -> ColumnPlan {
        ColumnPlan {
            source: "c".to_string(),
            target: "c".to_string(),
            source_type: String::new(),
            canonical: crate::canonical::CanonicalType::parse(canonical).unwrap_or_default(),
            target_type: target_type.to_string(),
            transform: None,
            identity: false,
            sequence: None,
        }
    }

    /// numeric's binary form: (ndigits, weight, sign, dscale, base-10000 digits).
    fn numeric_parts(text: &str) -> Option<(i16, i16, u16, u16, Vec<i16>)> {
        let mut out = Vec::new();
        numeric(text, &mut out)?;
        let word = |i: usize| i16::from_be_bytes([out[2 * i], out[2 * i + 1]]);
        let n = word(0);
        let digits = (0..n as usize).map(|i| word(4 + i)).collect();
        Some((n, word(1), word(2) as u16, word(3) as u16, digits))
    }

    #[test]
    fn decimals_become_base_10000_digits() {
        assert_eq!(numeric_parts("12.340"), Some((2, 0, 0, 3, vec![12, 3400])));
        assert_eq!(numeric_parts("-0.05"), Some((1, -1, 0x4000, 2, vec![500])));
        assert_eq!(numeric_parts(".5"), Some((1, -1, 0, 1, vec![5000])));
        assert_eq!(numeric_parts("100000000"), Some((1, 2, 0, 0, vec![1])));
        assert_eq!(numeric_parts("0.00"), Some((0, 0, 0, 2, vec![])));
        assert_eq!(numeric_parts("-0"), Some((0, 0, 0, 0, vec![])));
        assert_eq!(
            numeric_parts("12345678901234567890.0123456789"),
            Some((
                8,
                4,
                0,
                10,
                vec![1234, 5678, 9012, 3456, 7890, 123, 4567, 8900]
            ))
        );
        assert_eq!(
            numeric_parts("0.000000000000000000001"),
            Some((1, -6, 0, 21, vec![1000]))
        );
        for text in ["NaN", "1e5", "", "-", ".", "1.2.3", "12a"] {
            assert_eq!(numeric_parts(text), None, "{text}");
        }
    }

    #[test]
    fn dates_and_times_count_from_2000() {
        assert_eq!(date_days(b"2000-01-01"), Some(0));
        assert_eq!(date_days(b"1999-12-31"), Some(-1));
        assert_eq!(date_days(b"2000-03-01"), Some(60));
        assert_eq!(date_days(b"1970-01-01"), Some(-10_957));
        for bad in [
            "2001-02-29",
            "1900-02-29",
            "0000-01-01",
            "2000-13-01",
            "2000-1-01",
            "20000-01-01",
        ] {
            assert_eq!(date_days(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(
            timestamp_micros(b"2000-01-01 00:00:01.5", false),
            Some(1_500_000)
        );
        assert_eq!(
            timestamp_micros(b"2000-01-01T00:00:00.000001", false),
            Some(1)
        );
        assert_eq!(
            timestamp_micros(b"2000-01-01 02:00:00+02", true),
            Some(0),
            "an offset is taken off"
        );
        assert_eq!(
            timestamp_micros(b"2000-01-01 00:00:00-05:30", true),
            Some(19_800_000_000)
        );
        assert_eq!(timestamp_micros(b"2000-01-01 00:00:00Z", true), Some(0));
        for bad in [
            "2000-01-01 00:00:00+02", // an offset on a timestamp without zone: text judges it
            "2000-01-01 24:00:00",    // the end of the day: text
            "2000-01-01 00:00:00.1234567", // a seventh digit: text rounds it
            "2000-01-01 00:00",
            "infinity",
        ] {
            assert_eq!(timestamp_micros(bad.as_bytes(), false), None, "{bad}");
        }
    }

    #[test]
    fn a_table_of_known_types_goes_binary_and_an_odd_value_sends_its_batch_as_text() {
        let cols = [
            column("bigint", "int8"),
            column("numeric(12,2)", "decimal(12,2)"),
            column("timestamp(6)", "timestamp(6)"),
            column("\"orders_status\"", "enum"),
            column("boolean", "bool"),
            column("bytea", "blob"),
        ];
        let enc = Encoder::new(&cols);
        let row = |ts: &str| -> Row {
            vec![
                Value::Int(7),
                Value::Decimal("-1.50".to_string()),
                Value::Text(ts.to_string()),
                Value::Text("shipped".to_string()),
                Value::Bool(true),
                Value::Bytes(vec![0, 255]),
            ]
        };
        let (a, b) = (
            row("2020-02-29 23:59:59.123456"),
            row("2020-02-29 24:00:00"),
        );
        let (data, binary) = enc.encode(&[&a]).expect("encodes");
        assert!(binary);
        assert!(data.starts_with(b"PGCOPY\n\xff\r\n\0"));
        assert!(data.ends_with(&[0xff, 0xff]));
        let (data, binary) = enc.encode(&[&a, &b]).expect("encodes");
        assert!(!binary);
        assert_eq!(
            String::from_utf8_lossy(&data),
            "7\t-1.50\t2020-02-29 23:59:59.123456\tshipped\tt\t\\\\x00ff\n\
             7\t-1.50\t2020-02-29 24:00:00\tshipped\tt\t\\\\x00ff\n"
        );
        // A type without a binary writer here sends the table as text.
        let enc = Encoder::new(&[column("integer[]", "array(int4)")]);
        let (_, binary) = enc
            .encode(&[&vec![Value::Text("{1,2}".to_string())]])
            .expect("encodes");
        assert!(!binary);
    }
}
