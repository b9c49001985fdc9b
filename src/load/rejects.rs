//! The reject file: one JSON line per row a load set aside (`on_error = reject_rows`), with the
//! table, the row's key, the column, the value and the reason. Shared by the parallel workers.

use std::io::Write;
use std::sync::Mutex;

use super::LoadError;

type File = (String, std::io::BufWriter<std::fs::File>);

pub struct Rejects {
    file: Option<Mutex<File>>,
    count: std::sync::atomic::AtomicU64,
}

impl Rejects {
    /// Opens the reject file, truncated, or appended to when `append` (a resumed load keeps
    /// the rows the interrupted one set aside); without a path, a reject is an error.
    pub fn open(path: Option<&str>, append: bool) -> Result<Rejects, LoadError> {
        let file = match path {
            Some(p) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .write(true)
                    .append(append)
                    .truncate(!append)
                    .open(p)
                    .map_err(|e| {
                        LoadError::io(format!("cannot create the reject file {p}: {e}"), e)
                    })?;
                Some(Mutex::new((p.to_string(), std::io::BufWriter::new(f))))
            }
            None => None,
        };
        Ok(Rejects {
            file,
            count: Default::default(),
        })
    }

    pub fn count(&self) -> u64 {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn add(
        &self,
        table: &str,
        key: &str,
        column: &str,
        value: &str,
        reason: &str,
    ) -> Result<(), LoadError> {
        let Some(file) = &self.file else {
            return Err(LoadError::refused_row(format!(
                "table {table}, {key}: {reason}; no reject file is set to put the row in"
            )));
        };
        let line = serde_json::json!({
            "table": table, "key": key, "column": column, "value": value, "reason": reason,
        });
        let mut guard = file.lock().unwrap_or_else(|p| p.into_inner());
        let (path, w) = &mut *guard;
        writeln!(w, "{line}")
            .map_err(|e| LoadError::io(format!("cannot write the reject file {path}: {e}"), e))?;
        self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    pub fn finish(&self) -> Result<(), LoadError> {
        if let Some(file) = &self.file {
            let mut guard = file.lock().unwrap_or_else(|p| p.into_inner());
            let (path, w) = &mut *guard;
            w.flush().map_err(|e| {
                LoadError::io(format!("cannot write the reject file {path}: {e}"), e)
            })?;
        }
        Ok(())
    }
}
