//! TEMPORARY stub: replaced by the pest splitter.
use crate::diag::Diagnostic;
use crate::dialect::Dialect;
use crate::source::Span;

pub struct RawStatement {
    pub span: Span,
    pub text: String,
    pub kind: RawKind,
}
pub enum RawKind {
    Sql,
    PsqlMeta,
    CopyFromStdin { data: Span },
}
pub fn split(src: &str, _dialect: Dialect) -> (Vec<RawStatement>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in src.char_indices() {
        if c == ';' {
            let t = &src[start..i];
            let lead = t.len() - t.trim_start().len();
            if !t.trim().is_empty() {
                out.push(RawStatement {
                    span: Span::new(start + lead, i),
                    text: t[lead..].to_string(),
                    kind: RawKind::Sql,
                });
            }
            start = i + 1;
        }
    }
    (out, Vec::new())
}
