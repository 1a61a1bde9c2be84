//! A small parser for the Python subset exam snippets use: module-level imports, assignments
//! and expression statements; calls with positional and keyword arguments; attribute access;
//! names, numbers, strings, `True`/`False`/`None`; tuples, lists and dicts; integer arithmetic;
//! comments, line continuations and implicit continuation inside brackets. Anything else is an
//! error at its line and column — nothing is guessed.

mod lexer;
mod parser;

pub use parser::{Expr, ExprKind, Stmt, StmtKind, parse};

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
