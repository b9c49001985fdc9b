//! What the command line reads: a script named on the command line, or standard input for `-`.

use std::io::Read;
use std::path::Path;

use crate::dialect::Dialect;
use crate::infer_dialect;
use crate::source::SourceFile;

/// The name a script read from standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether a path on the command line means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Why an input could not be read; the message names the file and, for bad UTF-8, the line.
#[derive(Debug)]
pub enum InputError {
    Io {
        name: String,
        error: std::io::Error,
    },
    NotUtf8 {
        name: String,
        line: usize,
        offset: usize,
    },
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Io { name, error } => write!(f, "cannot read {name}: {error}"),
            InputError::NotUtf8 { name, line, offset } => write!(
                f,
                "{name}:{line}: the file is not valid UTF-8 (byte offset {offset}); convert it to UTF-8 first"
            ),
        }
    }
}

/// Reads a whole script: the file at `path`, or standard input when `path` is `-`.
pub fn read_script(path: &Path) -> Result<SourceFile, InputError> {
    let (name, bytes) = if is_stdin(path) {
        let mut bytes = Vec::new();
        let read = std::io::stdin().lock().read_to_end(&mut bytes);
        (STDIN_NAME.to_string(), read.map(|_| bytes))
    } else {
        (path.display().to_string(), std::fs::read(path))
    };
    let bytes = bytes.map_err(|error| InputError::Io {
        name: name.clone(),
        error,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Err(InputError::NotUtf8 { name, line, offset })
        }
    }
}

/// The dialect of a dump named on the command line: --from, else its header.
pub fn dump_dialect(path: &str, from: Option<Dialect>) -> Option<Dialect> {
    from.or_else(|| {
        let mut head = vec![0u8; 4096];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .ok()?;
        infer_dialect(&String::from_utf8_lossy(&head[..n]))
    })
}
