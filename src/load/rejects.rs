//! The reject file: one JSON line per row a load set aside (`on_error = reject_rows`), with the
//! table, the row's key, the column, the value and the reason.

use std::io::Write;

use super::LoadError;

pub struct Rejects {
    file: Option<(String, std::io::BufWriter<std::fs::File>)>,
    count: u64,
}

impl Rejects {
    /// Opens (truncates) the reject file; without a path, a reject is an error.
    pub fn open(path: Option<&str>) -> Result<Rejects, LoadError> {
        let file = match path {
            Some(p) => {
                let f = std::fs::File::create(p)
                    .map_err(|e| LoadError(format!("cannot create the reject file {p}: {e}")))?;
                Some((p.to_string(), std::io::BufWriter::new(f)))
            }
            None => None,
        };
        Ok(Rejects { file, count: 0 })
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn add(
        &mut self,
        table: &str,
        key: &str,
        column: &str,
        value: &str,
        reason: &str,
    ) -> Result<(), LoadError> {
        let Some((path, w)) = &mut self.file else {
            return Err(LoadError(format!(
                "table {table}, {key}: {reason}; no reject file is set to put the row in"
            )));
        };
        let line = serde_json::json!({
            "table": table, "key": key, "column": column, "value": value, "reason": reason,
        });
        writeln!(w, "{line}")
            .map_err(|e| LoadError(format!("cannot write the reject file {path}: {e}")))?;
        self.count += 1;
        Ok(())
    }

    pub fn finish(&mut self) -> Result<(), LoadError> {
        if let Some((path, w)) = &mut self.file {
            w.flush()
                .map_err(|e| LoadError(format!("cannot write the reject file {path}: {e}")))?;
        }
        Ok(())
    }
}
