//! Tokens of the snippet, each with its position. Newlines inside brackets and after a `\`
//! continue the logical line, as in Python.

use super::{Pos, SyntaxError, error};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    /// Punctuation and operators: `( ) [ ] { } , . = : + - * / // % **`.
    Op(&'static str),
    /// End of a logical line.
    Newline,
    /// Indentation at the start of a logical line (blocks are not supported).
    Indent,
    End,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

/// Longest snippet accepted; an exam's network is a few dozen lines.
const MAX_SOURCE: usize = 1 << 20;
/// Deepest bracket nesting accepted.
pub const MAX_DEPTH: usize = 64;

const OPS: [&str; 19] = [
    "**", "//", "(", ")", "[", "]", "{", "}", ",", ".", "=", ":", "+", "-", "*", "/", "%", "@", ";",
];

pub fn tokenize(source: &str) -> Result<Vec<Token>, SyntaxError> {
    if source.len() > MAX_SOURCE {
        return Err(error(Pos { line: 1, column: 1 }, "the snippet is too long"));
    }
    let chars: Vec<char> = source.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    let mut depth = 0usize;
    let mut at_line_start = true;
    while i < chars.len() {
        let c = chars[i];
        let pos = Pos { line, column: col };
        if at_line_start {
            // Indentation of a non-blank, non-comment logical line.
            let mut j = i;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
                j += 1;
            }
            let blank = j >= chars.len() || matches!(chars[j], '\n' | '\r' | '#');
            if j > i && !blank && depth == 0 {
                tokens.push(Token {
                    tok: Tok::Indent,
                    pos,
                });
            }
            col += j - i;
            i = j;
            at_line_start = false;
            continue;
        }
        match c {
            '\n' => {
                if depth == 0
                    && tokens
                        .last()
                        .is_some_and(|t| !matches!(t.tok, Tok::Newline | Tok::Indent))
                {
                    tokens.push(Token {
                        tok: Tok::Newline,
                        pos,
                    });
                }
                i += 1;
                line += 1;
                col = 1;
                at_line_start = depth == 0;
            }
            ' ' | '\t' | '\r' | '\u{feff}' => {
                i += 1;
                col += 1;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\\' => {
                // Line continuation: `\` then the end of the line.
                let mut j = i + 1;
                while j < chars.len() && matches!(chars[j], ' ' | '\t' | '\r') {
                    j += 1;
                }
                if j < chars.len() && chars[j] == '\n' {
                    i = j + 1;
                    line += 1;
                    col = 1;
                } else {
                    return Err(error(pos, "a `\\` must end its line"));
                }
            }
            '"' | '\'' => {
                let (text, consumed, lines) = string(&chars[i..], pos)?;
                tokens.push(Token {
                    tok: Tok::Str(text),
                    pos,
                });
                i += consumed;
                if lines > 0 {
                    line += lines;
                    col = 1;
                } else {
                    col += consumed;
                }
            }
            c if c.is_ascii_digit()
                || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || chars[i] == '.'
                        || chars[i] == '_'
                        || ((chars[i] == '+' || chars[i] == '-')
                            && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
                col += i - start;
                let tok = if let Ok(n) = text.parse::<i64>() {
                    Tok::Int(n)
                } else if let Ok(f) = text.parse::<f64>() {
                    Tok::Float(f)
                } else {
                    return Err(error(pos, format!("`{text}` is not a number")));
                };
                tokens.push(Token { tok, pos });
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                col += i - start;
                // String prefixes: r'..', f'..', b'..'
                if matches!(
                    name.as_str(),
                    "r" | "b" | "u" | "f" | "rb" | "br" | "fr" | "rf"
                ) && i < chars.len()
                    && matches!(chars[i], '"' | '\'')
                {
                    if name.contains('f') {
                        return Err(error(pos, "f-strings are not supported in a model snippet"));
                    }
                    continue;
                }
                tokens.push(Token {
                    tok: Tok::Name(name),
                    pos,
                });
            }
            _ => {
                let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
                let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) else {
                    return Err(error(pos, format!("unexpected character `{c}`")));
                };
                match *op {
                    "(" | "[" | "{" => {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return Err(error(pos, "brackets are nested too deeply"));
                        }
                    }
                    ")" | "]" | "}" => {
                        depth = depth
                            .checked_sub(1)
                            .ok_or_else(|| error(pos, format!("unmatched `{op}`")))?;
                    }
                    _ => {}
                }
                tokens.push(Token {
                    tok: Tok::Op(op),
                    pos,
                });
                i += op.len();
                col += op.len();
            }
        }
    }
    if depth > 0 {
        let open = tokens
            .iter()
            .rev()
            .find(|t| matches!(t.tok, Tok::Op("(" | "[" | "{")))
            .map(|t| t.pos)
            .unwrap_or_default();
        return Err(error(open, "this bracket is never closed"));
    }
    if tokens.last().is_some_and(|t| t.tok != Tok::Newline) {
        tokens.push(Token {
            tok: Tok::Newline,
            pos: Pos { line, column: col },
        });
    }
    tokens.push(Token {
        tok: Tok::End,
        pos: Pos { line, column: col },
    });
    Ok(tokens)
}

/// A string literal starting at `s[0]` (a quote): its value, characters consumed and line
/// breaks inside it (triple-quoted strings).
fn string(s: &[char], pos: Pos) -> Result<(String, usize, usize), SyntaxError> {
    let q = s[0];
    let triple = s.len() >= 3 && s[1] == q && s[2] == q;
    let open = if triple { 3 } else { 1 };
    let mut out = String::new();
    let mut i = open;
    let mut lines = 0;
    while i < s.len() {
        let c = s[i];
        if c == '\\' && i + 1 < s.len() {
            out.push(match s[i + 1] {
                'n' => '\n',
                't' => '\t',
                other => other,
            });
            i += 2;
            continue;
        }
        if triple {
            if c == q && i + 2 < s.len() && s[i + 1] == q && s[i + 2] == q {
                return Ok((out, i + 3, lines));
            }
        } else if c == q {
            return Ok((out, i + 1, 0));
        } else if c == '\n' {
            break;
        }
        if c == '\n' {
            lines += 1;
        }
        out.push(c);
        i += 1;
    }
    Err(error(pos, "this string is never closed"))
}
