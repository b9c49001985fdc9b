//! Rows of a view or table compared across engines: each side writes every row as a JSON array,
//! hex-encoded so that no client escapes it (`row_sql`); `canonical` reads the values back:
//! numbers as exact decimals without trailing zeros (MariaDB's 5314.21, PostgreSQL's 5314.21,
//! SQLite's float 5314.21 are one value), booleans as 1 and 0, times with a space between date
//! and time.

#[derive(Clone, Copy, PartialEq)]
pub enum Engine {
    Mariadb,
    Postgres,
    Sqlite,
}

/// The query that writes each row of `view` (a view or table) as one hex-encoded JSON array of
/// its columns.
pub fn row_sql(engine: Engine, view: &str, columns: &[String]) -> String {
    let quote = |c: &str| match engine {
        Engine::Mariadb => format!("`{}`", c.replace('`', "``")),
        _ => format!("\"{}\"", c.replace('"', "\"\"")),
    };
    let cols: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let cols = cols.join(", ");
    let view = quote(view);
    match engine {
        Engine::Mariadb => format!("SELECT HEX(JSON_ARRAY({cols})) FROM {view}"),
        Engine::Postgres => format!(
            "SELECT encode(convert_to(json_build_array({cols})::text, 'UTF8'), 'hex') FROM {view}"
        ),
        Engine::Sqlite => format!("SELECT hex(json_array({cols})) FROM {view}"),
    }
}

pub fn unhex(s: &str) -> String {
    let bytes: Vec<u8> = (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not hex: {s:.60}: {e}"));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("not UTF-8: {e}"))
}

/// A decimal number without trailing zeros after the point (`5.00` -> `5`, `4.90` -> `4.9`).
pub fn decimal(n: &str) -> String {
    if n.contains(['e', 'E']) {
        return n.parse::<f64>().map_or(n.to_string(), |f| f.to_string());
    }
    if n.contains('.') {
        let t = n.trim_end_matches('0').trim_end_matches('.');
        if t.is_empty() || t == "-" {
            "0".into()
        } else {
            t.to_string()
        }
    } else {
        n.to_string()
    }
}

/// One value as text that is equal for equal values on the three engines.
pub fn canonical_value(v: &serde_json::Value, unordered: Option<&str>) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => if *b { "1" } else { "0" }.into(),
        Value::Number(n) => decimal(&n.to_string()),
        Value::String(s) => {
            if let Some(sep) = unordered {
                let mut items: Vec<&str> = s.split(sep).collect();
                items.sort_unstable();
                return format!("{{{}}}", items.join(sep));
            }
            // A timestamp as PostgreSQL's JSON writes it (`2006-02-15T04:34:33`).
            let b = s.as_bytes();
            if b.len() >= 19 && b[10] == b'T' && b[4] == b'-' && b[13] == b':' {
                format!("{:?}", format!("{} {}", &s[..10], &s[11..]))
            } else {
                format!("{s:?}")
            }
        }
        other => other.to_string(),
    }
}

/// The rows (hex-encoded JSON arrays, one a line) as sorted canonical rows; the columns listed in
/// `unordered` (relation, column, separator) hold lists compared as multisets of their items.
pub fn canonical(
    view: &str,
    columns: &[String],
    hex_rows: &[String],
    unordered: &[(&str, &str, &str)],
) -> Vec<String> {
    let mut rows: Vec<String> = hex_rows
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let json = unhex(l.trim());
            let values: Vec<serde_json::Value> = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{view}: not a JSON array: {json:.200}: {e}"));
            assert_eq!(values.len(), columns.len(), "{view}: {json:.200}");
            let cells: Vec<String> = values
                .iter()
                .zip(columns)
                .map(|(v, c)| {
                    let sep = unordered
                        .iter()
                        .find(|(uv, uc, _)| *uv == view && uc.eq_ignore_ascii_case(c))
                        .map(|(_, _, s)| *s);
                    canonical_value(v, sep)
                })
                .collect();
            cells.join(" | ")
        })
        .collect();
    rows.sort();
    rows
}

/// What differs between two sorted row lists, for the failure message: the rows each side has
/// more of (a few).
pub fn difference(a: &[String], b: &[String]) -> String {
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                only_a.push(x.clone());
                i += 1;
            }
            (Some(_), Some(y)) => {
                only_b.push(y.clone());
                j += 1;
            }
            (Some(x), None) => {
                only_a.push(x.clone());
                i += 1;
            }
            (None, Some(y)) => {
                only_b.push(y.clone());
                j += 1;
            }
            (None, None) => break,
        }
    }
    format!(
        "{} rows only at the source, e.g. {:.300?}; {} only at the target, e.g. {:.300?}",
        only_a.len(),
        only_a.first(),
        only_b.len(),
        only_b.first()
    )
}

pub fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

/// The rows of a view in an SQLite file through the system's `sqlite3`, or None when it is not
/// installed.
pub fn system_sqlite3(file: &std::path::Path, sql: &str) -> Option<Result<Vec<String>, String>> {
    let out = std::process::Command::new("sqlite3")
        .arg("-batch")
        .arg(file)
        .arg(sql)
        .output()
        .ok()?;
    Some(if out.status.success() {
        Ok(lines(&String::from_utf8_lossy(&out.stdout)))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    })
}
