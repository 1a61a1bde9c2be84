//! Statements and expressions of the snippet.

use super::lexer::{Tok, Token, tokenize};
use super::{Pos, SyntaxError, error};

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
    Tuple(Vec<Expr>),
    List(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Attr(Box<Expr>, String),
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        kwargs: Vec<(String, Expr, Pos)>,
    },
    Index(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    /// Binary arithmetic: `+ - * / // % **`.
    BinOp(&'static str, Box<Expr>, Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `import a.b as c`: (module path, bound name).
    Import(Vec<(String, String)>),
    /// `from a.b import c as d`: module, (name, bound name).
    FromImport(String, Vec<(String, String)>),
    Assign(String, Expr),
    Expr(Expr),
}

/// Python keywords that start a construct the engine does not model.
const UNSUPPORTED: [&str; 16] = [
    "def", "class", "for", "while", "if", "with", "try", "return", "lambda", "global", "del",
    "async", "await", "yield", "assert", "raise",
];

pub fn parse(source: &str) -> Result<Vec<Stmt>, SyntaxError> {
    let tokens = tokenize(source)?;
    let mut p = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let mut out = Vec::new();
    loop {
        match &p.peek().tok {
            Tok::End => break,
            Tok::Newline => {
                p.at += 1;
            }
            Tok::Indent => {
                return Err(error(
                    p.peek().pos,
                    "indented code (a def, for, if or with block) is not supported in a model snippet",
                ));
            }
            _ => {
                out.push(p.statement()?);
                while p.eat_op(";") {
                    if matches!(p.peek().tok, Tok::Newline | Tok::End) {
                        break;
                    }
                    out.push(p.statement()?);
                }
                p.expect_newline()?;
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Current expression nesting, bounded so hostile input cannot exhaust the stack.
    depth: usize,
}

/// Deepest expression nesting (and longest operator chain) accepted.
const MAX_NESTING: usize = 200;

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }
    fn peek_at(&self, n: usize) -> &Token {
        &self.tokens[(self.at + n).min(self.tokens.len() - 1)]
    }
    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        self.at = (self.at + 1).min(self.tokens.len() - 1);
        t
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(&self.peek().tok, Tok::Op(o) if *o == op) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn expect_op(&mut self, op: &str) -> Result<(), SyntaxError> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{op}`")))
        }
    }
    fn is_name(&self, name: &str) -> bool {
        matches!(&self.peek().tok, Tok::Name(n) if n == name)
    }
    fn name(&mut self) -> Result<String, SyntaxError> {
        match self.next() {
            Token {
                tok: Tok::Name(n), ..
            } => Ok(n),
            t => {
                self.at -= 1;
                Err(error(
                    t.pos,
                    format!("expected a name, found {}", describe(&t.tok)),
                ))
            }
        }
    }
    fn unexpected(&self, wanted: &str) -> SyntaxError {
        let t = self.peek();
        error(
            t.pos,
            format!("expected {wanted}, found {}", describe(&t.tok)),
        )
    }
    fn expect_newline(&mut self) -> Result<(), SyntaxError> {
        match self.peek().tok {
            Tok::Newline => {
                self.at += 1;
                Ok(())
            }
            Tok::End => Ok(()),
            _ => Err(self.unexpected("the end of the statement")),
        }
    }

    fn dotted(&mut self) -> Result<String, SyntaxError> {
        let mut path = self.name()?;
        while self.eat_op(".") {
            path.push('.');
            path.push_str(&self.name()?);
        }
        Ok(path)
    }

    fn statement(&mut self) -> Result<Stmt, SyntaxError> {
        self.depth = 0;
        let pos = self.peek().pos;
        if let Tok::Name(n) = &self.peek().tok
            && UNSUPPORTED.contains(&n.as_str())
        {
            return Err(error(
                pos,
                format!("`{n}` is not supported in a model snippet"),
            ));
        }
        if self.is_name("import") {
            self.at += 1;
            let mut items = Vec::new();
            loop {
                let path = self.dotted()?;
                let bound = if self.is_name("as") {
                    self.at += 1;
                    self.name()?
                } else {
                    path.split('.').next().unwrap_or(&path).to_string()
                };
                items.push((path, bound));
                if !self.eat_op(",") {
                    break;
                }
            }
            return Ok(Stmt {
                kind: StmtKind::Import(items),
                pos,
            });
        }
        if self.is_name("from") {
            self.at += 1;
            let module = self.dotted()?;
            if !self.is_name("import") {
                return Err(self.unexpected("`import`"));
            }
            self.at += 1;
            let paren = self.eat_op("(");
            let mut items = Vec::new();
            loop {
                if paren && self.eat_op(")") {
                    break;
                }
                if self.eat_op("*") {
                    return Err(error(
                        pos,
                        "`import *` is not supported: name what you import",
                    ));
                }
                let name = self.name()?;
                let bound = if self.is_name("as") {
                    self.at += 1;
                    self.name()?
                } else {
                    name.clone()
                };
                items.push((name, bound));
                if !self.eat_op(",") {
                    if paren {
                        self.expect_op(")")?;
                    }
                    break;
                }
            }
            return Ok(Stmt {
                kind: StmtKind::FromImport(module, items),
                pos,
            });
        }
        if let Tok::Name(name) = &self.peek().tok
            && matches!(self.peek_at(1).tok, Tok::Op("="))
        {
            let name = name.clone();
            self.at += 2;
            let value = self.expr()?;
            if matches!(self.peek().tok, Tok::Op("=")) {
                return Err(error(
                    self.peek().pos,
                    "chained assignment is not supported",
                ));
            }
            return Ok(Stmt {
                kind: StmtKind::Assign(name, value),
                pos,
            });
        }
        let e = self.expr_or_tuple()?;
        if matches!(self.peek().tok, Tok::Op("=")) {
            return Err(error(
                pos,
                "only a plain name can be assigned (`x = ...`); unpacking and attributes are not supported",
            ));
        }
        Ok(Stmt {
            kind: StmtKind::Expr(e),
            pos,
        })
    }

    /// `a, b` without brackets is a tuple.
    fn expr_or_tuple(&mut self) -> Result<Expr, SyntaxError> {
        let first = self.expr()?;
        if !matches!(self.peek().tok, Tok::Op(",")) {
            return Ok(first);
        }
        let pos = first.pos;
        let mut items = vec![first];
        while self.eat_op(",") {
            if matches!(self.peek().tok, Tok::Newline | Tok::End | Tok::Op("=")) {
                break;
            }
            items.push(self.expr()?);
        }
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            pos,
        })
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        let depth = self.depth;
        self.enter(self.peek().pos)?;
        let result = self.sum();
        self.depth = depth;
        result
    }

    /// One more level of the tree being built — a nested expression, an operand of `**` or a
    /// unary sign, or one more link of an operator chain (which builds a tree as deep as it is
    /// long). Every recursive path of the parser passes here, and the evaluator and `Drop` walk
    /// the tree it builds recursively, so this one bound keeps hostile input off the stack.
    fn enter(&mut self, pos: Pos) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(error(
                pos,
                "the expression is nested too deeply or too long",
            ));
        }
        Ok(())
    }

    fn sum(&mut self) -> Result<Expr, SyntaxError> {
        let depth = self.depth;
        let mut left = self.term()?;
        loop {
            let op = match self.peek().tok {
                Tok::Op("+") => "+",
                Tok::Op("-") => "-",
                _ => {
                    self.depth = depth;
                    return Ok(left);
                }
            };
            self.enter(self.peek().pos)?;
            let pos = self.next().pos;
            let right = self.term()?;
            left = Expr {
                kind: ExprKind::BinOp(op, Box::new(left), Box::new(right)),
                pos,
            };
        }
    }

    fn term(&mut self) -> Result<Expr, SyntaxError> {
        let depth = self.depth;
        let mut left = self.unary()?;
        loop {
            let op = match self.peek().tok {
                Tok::Op("*") => "*",
                Tok::Op("/") => "/",
                Tok::Op("//") => "//",
                Tok::Op("%") => "%",
                _ => {
                    self.depth = depth;
                    return Ok(left);
                }
            };
            self.enter(self.peek().pos)?;
            let pos = self.next().pos;
            let right = self.unary()?;
            left = Expr {
                kind: ExprKind::BinOp(op, Box::new(left), Box::new(right)),
                pos,
            };
        }
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        let pos = self.peek().pos;
        let depth = self.depth;
        if self.eat_op("-") {
            self.enter(pos)?;
            let inner = self.unary()?;
            self.depth = depth;
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(inner)),
                pos,
            });
        }
        if self.eat_op("+") {
            self.enter(pos)?;
            let inner = self.unary();
            self.depth = depth;
            return inner;
        }
        let base = self.primary()?;
        if matches!(self.peek().tok, Tok::Op("**")) {
            let pos = self.next().pos;
            // `1**1**1…` is right-recursive: each `**` is one level deeper.
            self.enter(pos)?;
            let exp = self.unary()?;
            self.depth = depth;
            return Ok(Expr {
                kind: ExprKind::BinOp("**", Box::new(base), Box::new(exp)),
                pos,
            });
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let depth = self.depth;
        let mut e = self.atom()?;
        loop {
            if matches!(self.peek().tok, Tok::Op("." | "(" | "[")) {
                self.enter(self.peek().pos)?;
            }
            let pos = self.peek().pos;
            if self.eat_op(".") {
                let pos = self.peek().pos;
                let attr = self.name()?;
                e = Expr {
                    kind: ExprKind::Attr(Box::new(e), attr),
                    pos,
                };
            } else if self.eat_op("(") {
                let (args, kwargs) = self.arguments()?;
                let start = e.pos;
                e = Expr {
                    kind: ExprKind::Call {
                        func: Box::new(e),
                        args,
                        kwargs,
                    },
                    pos: start,
                };
            } else if self.eat_op("[") {
                let index = self.expr()?;
                self.expect_op("]")?;
                e = Expr {
                    kind: ExprKind::Index(Box::new(e), Box::new(index)),
                    pos,
                };
            } else {
                self.depth = depth;
                return Ok(e);
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn arguments(&mut self) -> Result<(Vec<Expr>, Vec<(String, Expr, Pos)>), SyntaxError> {
        let mut args = Vec::new();
        let mut kwargs: Vec<(String, Expr, Pos)> = Vec::new();
        loop {
            if self.eat_op(")") {
                return Ok((args, kwargs));
            }
            let pos = self.peek().pos;
            if matches!(self.peek().tok, Tok::Op("*" | "**")) {
                return Err(error(pos, "`*args`/`**kwargs` are not supported"));
            }
            if let Tok::Name(n) = &self.peek().tok
                && matches!(self.peek_at(1).tok, Tok::Op("="))
            {
                let n = n.clone();
                self.at += 2;
                if kwargs.iter().any(|(k, _, _)| *k == n) {
                    return Err(error(pos, format!("keyword argument `{n}` repeated")));
                }
                kwargs.push((n, self.expr()?, pos));
            } else {
                if !kwargs.is_empty() {
                    return Err(error(pos, "positional argument after keyword argument"));
                }
                args.push(self.expr()?);
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                return Ok((args, kwargs));
            }
        }
    }

    fn sequence(&mut self, close: &str) -> Result<(Vec<Expr>, bool), SyntaxError> {
        let mut items = Vec::new();
        let mut trailing_comma = false;
        loop {
            if self.eat_op(close) {
                return Ok((items, trailing_comma));
            }
            items.push(self.expr()?);
            trailing_comma = self.eat_op(",");
            if !trailing_comma {
                self.expect_op(close)?;
                return Ok((items, false));
            }
        }
    }

    fn atom(&mut self) -> Result<Expr, SyntaxError> {
        let t = self.next();
        let pos = t.pos;
        let kind = match t.tok {
            Tok::Name(n) => match n.as_str() {
                "True" => ExprKind::Bool(true),
                "False" => ExprKind::Bool(false),
                "None" => ExprKind::None,
                k if UNSUPPORTED.contains(&k) => {
                    return Err(error(
                        pos,
                        format!("`{k}` is not supported in a model snippet"),
                    ));
                }
                _ => ExprKind::Name(n),
            },
            Tok::Int(i) => ExprKind::Int(i),
            Tok::Float(f) => ExprKind::Float(f),
            Tok::Str(mut s) => {
                // Adjacent literals concatenate.
                while let Tok::Str(more) = &self.peek().tok {
                    s.push_str(more);
                    self.at += 1;
                }
                ExprKind::Str(s)
            }
            Tok::Op("(") => {
                let (items, trailing) = self.sequence(")")?;
                if items.len() == 1 && !trailing {
                    return Ok(items.into_iter().next().expect("one item"));
                }
                ExprKind::Tuple(items)
            }
            Tok::Op("[") => ExprKind::List(self.sequence("]")?.0),
            Tok::Op("{") => {
                let mut pairs = Vec::new();
                loop {
                    if self.eat_op("}") {
                        break;
                    }
                    let k = self.expr()?;
                    self.expect_op(":")?;
                    let v = self.expr()?;
                    pairs.push((k, v));
                    if !self.eat_op(",") {
                        self.expect_op("}")?;
                        break;
                    }
                }
                ExprKind::Dict(pairs)
            }
            other => {
                self.at -= 1;
                return Err(error(
                    pos,
                    format!("expected a value, found {}", describe(&other)),
                ));
            }
        };
        Ok(Expr { kind, pos })
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Name(n) => format!("`{n}`"),
        Tok::Int(i) => format!("`{i}`"),
        Tok::Float(f) => format!("`{f}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Op(o) => format!("`{o}`"),
        Tok::Newline => "the end of the line".into(),
        Tok::Indent => "an indented line".into(),
        Tok::End => "the end of the snippet".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_snippet_shapes() {
        let src = "import tensorflow as tf\ntfkl = tf.keras.layers\nx = tfkl.Conv2D(filters = 16, kernel_size = (5,5), \\\n    padding='same')(inp) # c\nmodel.summary()\n";
        let stmts = parse(src).unwrap();
        assert_eq!(stmts.len(), 4);
        assert!(
            matches!(&stmts[0].kind, StmtKind::Import(v) if v[0] == ("tensorflow".into(), "tf".into()))
        );
        let StmtKind::Assign(name, e) = &stmts[2].kind else {
            panic!()
        };
        assert_eq!(name, "x");
        assert!(matches!(&e.kind, ExprKind::Call { .. }));
        assert_eq!(stmts[3].pos, Pos { line: 5, column: 1 });
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("x = 1\nfor i in range(3):\n    pass\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2, column 1: `for` is not supported in a model snippet"
        );
        let e = parse("x = tfkl.Dense(4\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1, column 15: this bracket is never closed"
        );
        let e = parse("x = (1 +)\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1, column 9: expected a value, found `)`"
        );
    }

    #[test]
    fn hostile_nesting_is_refused_not_a_stack_overflow() {
        // 100,000 levels of every recursive path: signs, powers, operator chains, calls,
        // subscripts, attributes, and nested arguments (brackets are bounded by the lexer).
        let cases = [
            format!("x = {}1\n", "-".repeat(100_000)),
            format!("x = {}1\n", "+".repeat(100_000)),
            format!("x = 1{}\n", "**1".repeat(100_000)),
            format!("x = 1{}\n", "**-1".repeat(100_000)),
            format!("x = 1{}\n", "+1".repeat(100_000)),
            format!("x = 1{}\n", "*1".repeat(100_000)),
            format!("x = f{}\n", "()".repeat(100_000)),
            format!("x = a{}\n", "[0]".repeat(100_000)),
            format!("x = a{}\n", ".b".repeat(100_000)),
            format!("x = {}1{}\n", "f(".repeat(100_000), ")".repeat(100_000)),
            format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000)),
            format!("x = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        ];
        for code in &cases {
            let e = parse(code).unwrap_err();
            assert!(
                e.message.contains("nested too deeply or too long")
                    || e.message.contains("brackets are nested too deeply"),
                "{}: {}",
                &code[..12],
                e.message
            );
        }
        // Depth is per expression, not per file: many ordinary lines parse.
        let lines = "x = -(1 + 2 * 3) ** 2\n".repeat(10_000);
        assert_eq!(parse(&lines).map(|s| s.len()).ok(), Some(10_000));
    }

    #[test]
    fn tuples_lists_and_arithmetic() {
        let stmts =
            parse("s = (128, 256 // 2, 3,)\nt = (5,)\nu = [1, -2]\nv = 2 ** 3 * 4\n").unwrap();
        let StmtKind::Assign(_, e) = &stmts[1].kind else {
            panic!()
        };
        assert!(matches!(&e.kind, ExprKind::Tuple(v) if v.len() == 1));
        let StmtKind::Assign(_, e) = &stmts[3].kind else {
            panic!()
        };
        assert!(matches!(&e.kind, ExprKind::BinOp("*", ..)));
    }
}
