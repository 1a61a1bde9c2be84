//! Rubric errors that point at the source: file, line, column, the line itself and a caret,
//! the way `just` reports a bad justfile.

use std::fmt;
use std::ops::Range;

/// One problem in a rubric file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RubricError {
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    /// The offending source line.
    pub source_line: String,
    /// Width of the caret underline, in characters.
    pub width: usize,
}

impl RubricError {
    /// An error at byte range `span` of `source`.
    pub fn at(file: &str, source: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let start = span.start.min(source.len());
        let line_start = source[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let line_end = source[start..]
            .find('\n')
            .map(|i| start + i)
            .unwrap_or(source.len());
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let end = span.end.clamp(start, line_end);
        let width = source[start..end].chars().count().max(1);
        RubricError {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            source_line: source[line_start..line_end]
                .trim_end_matches('\r')
                .to_string(),
            width,
        }
    }
}

impl fmt::Display for RubricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = " ".repeat(self.line.to_string().len());
        let shown: String = self.source_line.chars().take(160).collect();
        let pad = " ".repeat(self.column - 1);
        let caret = "^".repeat(
            self.width
                .min(shown.chars().count().saturating_sub(self.column - 1))
                .max(1),
        );
        write!(
            f,
            "{}:{}:{}: {}\n{gutter} |\n{} | {shown}\n{gutter} | {pad}{caret}",
            self.file, self.line, self.column, self.message, self.line
        )
    }
}

/// Every problem found in one rubric, in source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RubricErrors(pub Vec<RubricError>);

impl fmt::Display for RubricErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RubricErrors {}

/// "did you mean" for a misspelt name, when one known name is close enough.
pub fn did_you_mean<'a>(wrong: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Names are short; a long text is no misspelling of one (and edit distance is quadratic).
    if wrong.len() > 200 {
        return None;
    }
    let wrong_l = wrong.to_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::osa_distance(&wrong_l, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_line_with_a_caret_under_the_span() {
        let src = "[exam]\ntitle = \"x\"\nscheme = \"net-corect\"\n";
        let start = src.find("\"net").unwrap();
        let e = RubricError::at("r.toml", src, start..start + 12, "unknown scheme");
        assert_eq!(
            e.to_string(),
            "r.toml:3:10: unknown scheme\n  |\n3 | scheme = \"net-corect\"\n  |          ^^^^^^^^^^^^"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        let known = ["net-correct", "coverage", "all-or-nothing"];
        assert_eq!(did_you_mean("net-corect", known), Some("net-correct"));
        assert_eq!(did_you_mean("banana", known), None);
    }
}
