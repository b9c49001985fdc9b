//! Source text and positions. A `Span` is a byte range into one `SourceFile`; line and column are
//! computed only when a diagnostic is rendered. No SQL knowledge lives here.

use serde::Serialize;

/// A half-open byte range `start..end` into the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The span shifted by `offset` bytes (statement-relative -> file-relative).
    pub fn shift(self, offset: usize) -> Span {
        Span::new(self.start + offset, self.end + offset)
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// The byte offset of each line's start in `text`: 0, and each offset after a `\n`.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}

/// One input file: its display name, its text, and an index of line starts.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Built on the first `line_col`: a conversion that shows no diagnostic never needs it.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line = match line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// Byte offset of a 1-based line and 1-based character column, relative to `base`
    /// (the byte offset where a statement starts): sqlparser reports positions inside the
    /// statement text it was given.
    pub fn offset_in(text: &str, line: u64, column: u64) -> Option<usize> {
        if line == 0 || column == 0 {
            return None;
        }
        let mut offset = 0;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i as u64 + 1 == line {
                let col = l
                    .char_indices()
                    .nth(column as usize - 1)
                    .map_or(l.len(), |(b, _)| b);
                return Some(offset + col);
            }
            offset += l.len();
        }
        None
    }

    /// The whole lines `first..=last` (1-based), without the final line break.
    pub fn lines(&self, first: usize, last: usize) -> &str {
        let starts = self.line_starts();
        let start = starts.get(first.saturating_sub(1)).copied();
        let end = starts
            .get(last)
            .map_or(self.text.len(), |e| e.saturating_sub(1));
        match start {
            Some(start) if start <= end => self.text.get(start..end).unwrap_or(""),
            _ => "",
        }
    }

    /// The text of a span.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("x.sql", "ab\nçd\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(5), (2, 2));
        assert_eq!(SourceFile::offset_in("ab\nçd", 2, 2), Some(5));
        assert_eq!(f.lines(1, 1), "ab");
        assert_eq!(f.lines(1, 2), "ab\nçd");
        assert_eq!(f.lines(3, 3), "");
        assert_eq!(f.lines(9, 9), "");
    }
}
