//! Reading model code: the full Python 3 grammar through Ruff's parser (`ruff_python_parser`,
//! pinned), with every position turned into the 1-based line and column (in characters) a
//! user sees, and hostile nesting refused before anything walks the tree.
//!
//! What the engine then runs of it is the evaluator's business (`engine::eval`); this module
//! only reads.

pub use ruff_python_ast as ast;

use ruff_text_size::{Ranged, TextSize};
use std::fmt;

/// 1-based line and column (in characters) in the snippet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// A snippet the engine cannot read or build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.pos.line, self.pos.column, self.message
        )
    }
}

impl std::error::Error for SyntaxError {}

pub(crate) fn error(pos: Pos, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        pos,
        message: message.into(),
    }
}

/// Largest model file read (model code is a few kilobytes; this bounds the stack the tree
/// needs, see `with_stack`).
pub const MAX_SOURCE: usize = 1 << 20;
/// Deepest expression nesting accepted (CPython's own parser stops near 200).
pub const MAX_EXPR_DEPTH: usize = 200;
/// Deepest statement nesting accepted (CPython's tokenizer stops at 100 indents).
pub const MAX_BLOCK_DEPTH: usize = 100;

/// Where each line starts, to turn Ruff's byte offsets into lines and columns.
#[derive(Clone, Debug)]
pub struct Lines {
    text: String,
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Lines {
            text: text.to_string(),
            starts,
        }
    }

    /// The position of byte `offset` (clamped to the text, rounded down to a character).
    pub fn pos(&self, offset: TextSize) -> Pos {
        let mut at = usize::from(offset).min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= at).max(1);
        let start = self.starts[line - 1];
        Pos {
            line,
            column: self.text[start..at].chars().count() + 1,
        }
    }

    /// The source text of `range`.
    pub fn text(&self, range: ruff_text_size::TextRange) -> &str {
        self.text
            .get(usize::from(range.start())..usize::from(range.end()))
            .unwrap_or("")
    }

    pub fn at(&self, node: &impl Ranged) -> Pos {
        self.pos(node.start())
    }
}

/// A parsed snippet.
pub struct Program {
    pub module: ast::ModModule,
    pub lines: Lines,
}

/// Parse `source` as a Python module. Call it inside `with_stack`: Ruff's tree is dropped
/// recursively.
pub fn parse(source: &str) -> Result<Program, SyntaxError> {
    let lines = Lines::new(source);
    if source.len() > MAX_SOURCE {
        return Err(error(
            Pos { line: 1, column: 1 },
            format!(
                "the model code is {} bytes; the engine reads at most {MAX_SOURCE}",
                source.len()
            ),
        ));
    }
    let parsed = ruff_python_parser::parse_module(source).map_err(|e| {
        let mut message = e.error.to_string();
        if let Some(first) = message.get(..1) {
            message = first.to_lowercase() + &message[1..];
        }
        error(lines.pos(e.location.start()), message)
    })?;
    let module = parsed.into_syntax();
    let mut depth = Depth {
        lines: &lines,
        exprs: 0,
        blocks: 0,
        deepest: None,
    };
    ast::visitor::source_order::SourceOrderVisitor::visit_body(&mut depth, &module.body);
    if let Some(pos) = depth.deepest {
        return Err(error(pos, "the code is nested too deeply or too long"));
    }
    Ok(Program { module, lines })
}

/// Run `f` on a stack large enough for the tree of a source of `len` bytes (Ruff's parser
/// grows its own stack while parsing; dropping and walking the tree need as much).
pub fn with_stack<T>(len: usize, f: impl FnOnce() -> T) -> T {
    let size = (64 << 20) + len.min(MAX_SOURCE + 1).saturating_mul(1024);
    stacker::grow(size, f)
}

/// Finds the first place the tree is nested deeper than the limits (walked recursively, which
/// is why callers run on `with_stack`).
struct Depth<'a> {
    lines: &'a Lines,
    exprs: usize,
    blocks: usize,
    deepest: Option<Pos>,
}

impl<'a> ast::visitor::source_order::SourceOrderVisitor<'a> for Depth<'_> {
    fn enter_node(
        &mut self,
        node: ast::AnyNodeRef<'a>,
    ) -> ast::visitor::source_order::TraversalSignal {
        use ast::visitor::source_order::TraversalSignal;
        if node.is_statement() {
            self.blocks += 1;
        } else if node.is_expression() {
            self.exprs += 1;
        }
        if self.deepest.is_some() {
            return TraversalSignal::Skip;
        }
        if self.blocks > MAX_BLOCK_DEPTH || self.exprs > MAX_EXPR_DEPTH {
            self.deepest = Some(self.lines.pos(node.start()));
            return TraversalSignal::Skip;
        }
        TraversalSignal::Traverse
    }

    fn leave_node(&mut self, node: ast::AnyNodeRef<'a>) {
        if node.is_statement() {
            self.blocks -= 1;
        } else if node.is_expression() {
            self.exprs -= 1;
        }
    }
}
