//! A filled-in `model.summary()` template as students paste it into a Forms text box: columns
//! misaligned, tabs, lines wrapped by the text box or by Keras itself (`batchNorm
//! (BatchNormalizat` / `ion)`), rows missing or reordered, markers left in, Markdown fences or
//! tables, Keras 3's box-drawing table, header and rule lines deleted. Each row is read as the
//! layer's label, its output shape, and its parameter formula and count; anything that cannot
//! be read is kept with its line so the grader can quote it. Nothing here guesses a value.
//!
//! Markers and keywords are found with ASCII case-insensitive searches on the line itself, never
//! on a lower-cased copy, so every offset is valid on the text it slices.

use crate::text::{contains_ascii_ci, find_ascii_ci, starts_with_ascii_ci};

/// One cell of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell<T> {
    /// Nothing written.
    Missing,
    /// The template's marker is still there (`[ADD SIZES]`, `[ADD PARAMS]`).
    Marker,
    Given(T),
    /// Written, but not readable as this field: the text.
    Unparsed(String),
}

impl<T> Cell<T> {
    pub fn given(&self) -> Option<&T> {
        match self {
            Cell::Given(v) => Some(v),
            _ => None,
        }
    }
}

/// A formula as written and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formula {
    pub text: String,
    pub value: u64,
    /// At least one operator: a bare number is a count, not a formula.
    pub has_operator: bool,
}

/// One layer row of the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerRow {
    /// 1-based line of the answer where the row starts.
    pub line: usize,
    /// The layer name as written.
    pub name: String,
    /// Shape as written: `None` for `None`, without the batch if the student left it out.
    pub shape: Cell<Vec<Option<u64>>>,
    pub formula: Cell<Formula>,
    pub count: Cell<u64>,
    /// The row's text, continuation lines joined.
    pub text: String,
}

/// The whole answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SummaryAnswer {
    pub rows: Vec<AnswerRow>,
    /// `Total params`, `Trainable params`, `Non-trainable params`.
    pub totals: [Option<Cell<u64>>; 3],
    /// Lines that are neither a row, a total, nor template decoration: (line, text).
    pub unparsed: Vec<(usize, String)>,
    /// The template's markers are still there and nothing was filled in.
    pub untouched: bool,
    /// The answer was longer than [`MAX_ANSWER`] characters; only its beginning was read.
    pub truncated: bool,
}

impl SummaryAnswer {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.totals.iter().all(Option::is_none) && self.unparsed.is_empty()
    }
}

/// Longest answer read (a summary of a hundred layers fits many times over).
pub const MAX_ANSWER: usize = 200_000;
/// Longest formula evaluated, and its deepest parenthesis nesting.
const MAX_FORMULA: usize = 200;
const MAX_DEPTH: usize = 16;

const SIZE_MARKERS: [&str; 2] = ["[add sizes]", "[add size]"];
const PARAM_MARKERS: [&str; 3] = ["[add params formula]", "[add params]", "[add param]"];

/// Read an answer. `names` are the reference layer names, used to recognise a row whose name is
/// written without its class.
pub fn parse(text: &str, names: &[String]) -> SummaryAnswer {
    let mut answer = SummaryAnswer::default();
    let read: String = text.chars().take(MAX_ANSWER).collect();
    answer.truncated = read.len() < text.len();
    let text = read;
    let mut saw_marker = false;
    let mut saw_value = false;
    // The head of a several-output shape whose tail is on the next line.
    let mut pending: Option<String> = None;
    let lines = rejoin_wrapped_shapes(text.lines().map(clean).collect());
    for (i, line) in lines.iter().enumerate() {
        let line_no = i + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || is_decoration(trimmed) {
            continue;
        }
        if SIZE_MARKERS
            .iter()
            .chain(&PARAM_MARKERS)
            .any(|m| contains_ascii_ci(trimmed, m))
        {
            saw_marker = true;
        }
        if let Some((which, rest)) = total_line(trimmed) {
            let cell = if starts_with_ascii_ci(rest, "[add") {
                Cell::Marker
            } else {
                count_cell(rest)
            };
            saw_value |= matches!(cell, Cell::Given(_));
            answer.totals[which] = Some(cell);
            continue;
        }
        match label(trimmed, names) {
            Some((name, rest)) => {
                // The tail of a name Keras cut at 26 characters (`first_convolution_with_lon`
                // / `g_name (Conv2D)`): complete the previous row's name.
                if let Some(prev) = answer.rows.last_mut() {
                    let joined = format!("{}{}", prev.name, name);
                    if rest.trim().is_empty()
                        && names.iter().any(|n| n.eq_ignore_ascii_case(&joined))
                    {
                        prev.name = joined;
                        continue;
                    }
                }
                let mut row = AnswerRow {
                    line: line_no,
                    name,
                    shape: Cell::Missing,
                    formula: Cell::Missing,
                    count: Cell::Missing,
                    text: trimmed.to_string(),
                };
                // Several outputs: Keras 2 wraps `[(None, 25, 6),` / ` (None, 25, 6)]`.
                let (shape_head, rest) = split_unclosed_shape(rest);
                pending = shape_head;
                fill(&mut row, rest);
                saw_value |= row_has_value(&row);
                answer.rows.push(row);
            }
            None => {
                // A wrapped class name (`ion)`) or the rest of the previous row.
                let rest = strip_class_fragment(trimmed);
                if rest.is_empty() {
                    continue;
                }
                if let (Some(head), Some(row)) = (&pending, answer.rows.last_mut())
                    && rest.starts_with('(')
                {
                    // The next shape of the list: up to its `)`, with the `,` or `]` after it;
                    // what follows may be the Connected to column (`'lstm[0][1]',`).
                    let (tail, after) = match rest.find(')') {
                        Some(at) => {
                            let end = match rest.as_bytes().get(at + 1) {
                                Some(b',' | b']') => at + 1,
                                _ => at,
                            };
                            (&rest[..=end], rest[end + 1..].trim())
                        }
                        None => (rest, ""),
                    };
                    let whole = format!("{head} {tail}");
                    let closed = whole.ends_with(']');
                    row.shape = match shape_prefix(&whole) {
                        Some((Some(s), _)) => Cell::Given(s),
                        _ => Cell::Unparsed(whole.clone()),
                    };
                    pending = (!closed
                        && (after.is_empty() || after.starts_with(['(', '[', '\''])))
                    .then_some(whole);
                    saw_value |= row_has_value(row);
                    continue;
                }
                match answer.rows.last_mut() {
                    Some(row)
                        if (row_is_open(row) && looks_like_values(rest))
                            || continues_formula(rest) =>
                    {
                        row.text.push(' ');
                        row.text.push_str(rest);
                        let joined = continuation(row);
                        fill(row, &joined);
                        saw_value |= row_has_value(row);
                    }
                    _ => answer.unparsed.push((line_no, trimmed.to_string())),
                }
            }
        }
    }
    answer.untouched = saw_marker && !saw_value;
    answer
}

/// Keras 2 wraps a shape longer than its column (`(None, None, 64, 64, 64` / `)`): the closing
/// `)` (or `)]`) under the shape's column on the next line is moved back to the end of the
/// shape, so the row reads as one line. Line numbers are kept.
fn rejoin_wrapped_shapes(mut lines: Vec<String>) -> Vec<String> {
    for i in 1..lines.len() {
        let prev: Vec<char> = lines[i - 1].chars().collect();
        // The innermost `(` left open on the previous line (a wrapped class name such as
        // `(Batch` may be open too, before it).
        let mut open: Vec<usize> = Vec::new();
        for (k, c) in prev.iter().enumerate() {
            match c {
                '(' => open.push(k),
                ')' => {
                    open.pop();
                }
                _ => {}
            }
        }
        let Some(&start) = open.last() else {
            continue;
        };
        let start = if start > 0 && prev[start - 1] == '[' {
            start - 1
        } else {
            start
        };
        let next: Vec<char> = lines[i].chars().collect();
        if next.len() <= start {
            continue;
        }
        let at = match next[start..].iter().position(|c| !c.is_whitespace()) {
            Some(offset) if next[start + offset] == ')' && offset <= 2 => start + offset,
            _ => continue,
        };
        let mut end = at + 1;
        while end < next.len() && matches!(next[end], ']' | ',') {
            end += 1;
        }
        let token: String = next[at..end].iter().collect();
        // The shape ends at the first run of two spaces after its `(` (or the line's end).
        let mut shape_end = prev.len();
        for k in start..prev.len().saturating_sub(1) {
            if prev[k] == ' ' && prev[k + 1] == ' ' {
                shape_end = k;
                break;
            }
        }
        let mut joined: String = prev[..shape_end].iter().collect();
        joined.push_str(&token);
        joined.extend(prev[shape_end..].iter());
        let mut rest: String = next[..at].iter().collect();
        rest.extend(std::iter::repeat_n(' ', end - at));
        rest.extend(next[end..].iter());
        lines[i - 1] = joined;
        lines[i] = rest;
    }
    lines
}

/// `[(None, 25, 6),   rest` with the list of shapes unclosed: the head and the rest.
fn split_unclosed_shape(rest: &str) -> (Option<String>, &str) {
    let t = rest.trim_start();
    if !t.starts_with("[(") || shape_prefix(t).is_some() {
        return (None, rest);
    }
    match t.rfind("),") {
        Some(at) => (Some(t[..at + 2].to_string()), &t[at + 2..]),
        None => (None, rest),
    }
}

fn row_has_value(row: &AnswerRow) -> bool {
    matches!(row.shape, Cell::Given(_))
        || matches!(row.formula, Cell::Given(_))
        || matches!(row.count, Cell::Given(_))
}

/// A row still waiting for a field may continue on the next line.
fn row_is_open(row: &AnswerRow) -> bool {
    !matches!(row.count, Cell::Given(_) | Cell::Marker)
}

/// The start of a shape, formula or count (what a wrapped row continues with).
fn looks_like_values(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_digit() || "([=+-*×·".contains(c))
        || t.starts_with("None")
        || starts_with_ascii_ci(t, "[add")
}

/// A line starting with an operator continues the formula a text box wrapped.
fn continues_formula(t: &str) -> bool {
    let mut chars = t.chars();
    match chars.next() {
        Some('x' | 'X') => {
            chars.next() == Some(' ') || chars.next().is_some_and(|c| c.is_ascii_digit())
        }
        Some('*' | '×' | '·' | '+' | '=' | '^') => true,
        _ => false,
    }
}

/// The text after the row's label, continuation lines included.
fn continuation(row: &AnswerRow) -> String {
    let names: Vec<String> = vec![row.name.clone()];
    label(&row.text, &names)
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_default()
}

/// Box-drawing and Markdown table bars become column gaps; tabs and NBSP become spaces.
fn clean(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '│' | '┃' | '|' | '\t' => ' ',
            '\u{00A0}' | '\u{202F}' => ' ',
            c => c,
        })
        .collect::<String>()
        .replace('…', "")
}

/// Rules, fences, the header and the `Model:` line.
fn is_decoration(t: &str) -> bool {
    if is_connection(t) {
        return true;
    }
    if t.chars().all(|c| "_=-─━┏┓┗┛┡┩├┤┼╇┳┴┬└┘┌┐╭╮╰╯ ".contains(c))
    {
        return true;
    }
    t.starts_with("```")
        || starts_with_ascii_ci(t, "model:")
        || contains_ascii_ci(t, "layer (type)")
        || contains_ascii_ci(t, "output shape")
        || contains_ascii_ci(t, "param #")
}

/// A continuation line of Keras 2's "Connected to" list: `'input_1[0][0]']`.
fn is_connection(t: &str) -> bool {
    use std::sync::OnceLock;
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    PATTERN
        .get_or_init(|| regex::Regex::new(r"^\[?'[^']*\[\d+\]\[\d+\]'(,|\])?$").expect("valid"))
        .is_match(t)
}

/// `Total params: …`, `Trainable params: …`, `Non-trainable params: …`.
fn total_line(t: &str) -> Option<(usize, &str)> {
    let (which, key) = if starts_with_ascii_ci(t, "total params") {
        (0, "total params")
    } else if starts_with_ascii_ci(t, "trainable params") {
        (1, "trainable params")
    } else if starts_with_ascii_ci(t, "non-trainable params")
        || starts_with_ascii_ci(t, "non trainable params")
    {
        (2, "trainable params")
    } else {
        return None;
    };
    let at = find_ascii_ci(t, key)? + key.len();
    let rest = t[at..].trim_start().trim_start_matches(':').trim();
    // Drop Keras' size in parentheses: `52163 (203.76 KB)`.
    let rest = match rest.find('(') {
        Some(p) if rest[p..].contains(['b', 'B']) => rest[..p].trim(),
        _ => rest,
    };
    Some((which, rest))
}

/// The layer label at the start of a line: `name (Class)`, `name (Clas` (wrapped), or a bare name
/// when it is a reference layer or is followed by a shape. Returns the name and the rest.
fn label<'a>(t: &'a str, names: &[String]) -> Option<(String, &'a str)> {
    let end = t
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let word = &t[..end];
    // `x 3 x 16` on a wrapped line is multiplication, not a layer called `x`.
    if word.is_empty()
        || !word
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        || matches!(word, "None" | "x" | "X")
    {
        return None;
    }
    let after = t[end..].trim_start();
    if let Some(inner) = after.strip_prefix('(') {
        let class_end = inner
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map(|(i, _)| i)
            .unwrap_or(inner.len());
        let class = &inner[..class_end];
        if class.chars().next().is_some_and(|c| c.is_alphabetic()) && class != "None" {
            let rest = inner[class_end..]
                .strip_prefix(')')
                .unwrap_or(&inner[class_end..]);
            return Some((word.to_string(), rest));
        }
        // Keras cut the cell right after `(`: the class is on the next line.
        if class.is_empty() && (inner.is_empty() || inner.starts_with(' ')) {
            return Some((word.to_string(), inner));
        }
    }
    let known = names.iter().any(|n| n.eq_ignore_ascii_case(word));
    let shape_follows =
        after.starts_with(['(', '[']) || after.starts_with(|c: char| c.is_ascii_digit());
    (known || shape_follows).then(|| (word.to_string(), after))
}

/// `ion)   rest` → `rest`: the tail of a class name Keras wrapped onto the next line.
fn strip_class_fragment(t: &str) -> &str {
    let first = t.split_whitespace().next().unwrap_or("");
    if first.ends_with(')')
        && !first.contains('(')
        && first.chars().next().is_some_and(|c| c.is_alphabetic())
    {
        t[first.len()..].trim_start()
    } else {
        t
    }
}

/// Parse the cells after the label into `row`.
fn fill(row: &mut AnswerRow, rest: &str) {
    let rest = rest.trim();
    let (shape, after) =
        if let Some(m) = SIZE_MARKERS.iter().find(|m| starts_with_ascii_ci(rest, m)) {
            (Cell::Marker, &rest[m.len()..])
        } else {
            match shape_prefix(rest) {
                Some((Some(s), n)) => (Cell::Given(s), &rest[n..]),
                Some((None, n)) => (Cell::Unparsed(rest[..n].to_string()), &rest[n..]),
                None => (Cell::Missing, rest),
            }
        };
    row.shape = shape;
    let (formula, count) = params(after);
    row.formula = formula;
    row.count = count;
}

/// A shape at the start of `s`, and how many bytes it takes.
fn shape_prefix(s: &str) -> Option<(Option<Dims>, usize)> {
    let bytes = s.as_bytes();
    if s.starts_with(['(', '[']) {
        // Up to the bracket that closes the first one (`[(None, 3)]` nests once).
        let mut depth = 0i32;
        let mut end = None;
        for (i, c) in s.char_indices() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end?;
        let inner: String = s[..end]
            .chars()
            .filter(|c| !matches!(c, '(' | ')' | '[' | ']'))
            .collect();
        return Some((dims(&inner, ','), end));
    }
    // `128x256x16`, `128 × 256 × 16`, `None,128,256,16`.
    let mut end = 0;
    let mut parts = 0;
    let mut i = 0;
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut expect_number = true;
    let mut sep: Option<char> = None;
    while i < chars.len() {
        let (at, c) = chars[i];
        if expect_number {
            if s[at..].starts_with("None") {
                i += 4;
                parts += 1;
                end = at + 4;
                expect_number = false;
                continue;
            }
            if c.is_ascii_digit() {
                while i < chars.len() && chars[i].1.is_ascii_digit() {
                    i += 1;
                }
                end = chars.get(i).map(|(a, _)| *a).unwrap_or(s.len());
                parts += 1;
                expect_number = false;
                continue;
            }
            break;
        }
        // a separator, possibly with spaces around it
        let mut j = i;
        while j < chars.len() && chars[j].1 == ' ' {
            j += 1;
        }
        let Some(&(_, sc)) = chars.get(j) else { break };
        let is_sep = matches!(sc, 'x' | 'X' | '×' | ',');
        if !is_sep
            || sep.is_some_and(|p| {
                p != sc && !(matches!(p, 'x' | 'X' | '×') && matches!(sc, 'x' | 'X' | '×'))
            })
        {
            break;
        }
        let mut k = j + 1;
        while k < chars.len() && chars[k].1 == ' ' {
            k += 1;
        }
        if k >= chars.len() || !(chars[k].1.is_ascii_digit() || s[chars[k].0..].starts_with("None"))
        {
            break;
        }
        sep = Some(sc);
        i = k;
        expect_number = true;
    }
    let _ = bytes;
    if parts < 2 {
        return None;
    }
    let text = &s[..end];
    let separator = if sep == Some(',') { ',' } else { 'x' };
    let normal: String = text
        .chars()
        .map(|c| if matches!(c, 'X' | '×') { 'x' } else { c })
        .collect();
    Some((dims(&normal, separator), end))
}

/// A whole text read as one shape (`(None, 32, 64, 32)`, `32x64x32`), or `None`.
pub fn parse_shape(text: &str) -> Option<Dims> {
    let t = text.trim();
    match shape_prefix(t) {
        Some((Some(dims), n)) if t[n..].trim().is_empty() => Some(dims),
        _ => None,
    }
}

/// Sizes of a shape: `None` for the batch or an unknown size.
type Dims = Vec<Option<u64>>;

fn dims(inner: &str, sep: char) -> Option<Dims> {
    let items: Vec<&str> = inner.split(sep).map(str::trim).collect();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match *item {
            "" if i == items.len() - 1 && i > 0 => {}
            "None" | "none" | "?" => out.push(None),
            d => out.push(Some(d.parse::<u64>().ok()?)),
        }
    }
    (!out.is_empty() && out.len() <= 8).then_some(out)
}

/// The parameter cells: `formula = count`, `formula`, `count`, `= count`, markers.
fn params(s: &str) -> (Cell<Formula>, Cell<u64>) {
    // Keras 2's "Connected to" column (`['conv2d[0][0]']`, `[]`) is not the student's to fill.
    let s = match s.find("['").or_else(|| s.find("[]")) {
        Some(at) => &s[..at],
        None => s,
    };
    let mut text = s.trim().to_string();
    let mut marker = false;
    for m in PARAM_MARKERS {
        // Offsets found in `text` itself: a lower-cased copy may have another length (`İ`).
        while let Some(at) = find_ascii_ci(&text, m) {
            marker = true;
            text.replace_range(at..at + m.len(), &" ".repeat(m.len()));
        }
    }
    let text = text.trim();
    if text.is_empty() {
        return if marker {
            (Cell::Marker, Cell::Marker)
        } else {
            (Cell::Missing, Cell::Missing)
        };
    }
    if let Some(eq) = text.rfind('=') {
        let (left, right) = (text[..eq].trim(), text[eq + 1..].trim());
        let formula = if left.is_empty() {
            if marker { Cell::Marker } else { Cell::Missing }
        } else {
            formula_cell(left)
        };
        let count = if right.is_empty() {
            Cell::Missing
        } else {
            count_cell(right)
        };
        return (formula, count);
    }
    match count_cell(text) {
        Cell::Given(n) => (Cell::Missing, Cell::Given(n)),
        _ => (
            formula_cell(text),
            if marker { Cell::Marker } else { Cell::Missing },
        ),
    }
}

/// A parameter count: `1216`, `1,216`, `1.216`, `1 216`, `1'216`.
pub fn count_cell(s: &str) -> Cell<u64> {
    let t = s.trim().trim_start_matches('=').trim();
    if t.is_empty() {
        return Cell::Missing;
    }
    match parse_count(t) {
        Some(n) => Cell::Given(n),
        None => Cell::Unparsed(t.to_string()),
    }
}

fn parse_count(t: &str) -> Option<u64> {
    if t.len() > 30 {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    // Thousands groups of exactly three digits after the first.
    let groups: Vec<&str> = t.split([',', '.', ' ', '\'']).collect();
    let ok = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        return None;
    }
    groups.concat().parse().ok()
}

fn formula_cell(s: &str) -> Cell<Formula> {
    match evaluate(s) {
        Some((value, has_operator)) => Cell::Given(Formula {
            text: s.to_string(),
            value,
            has_operator,
        }),
        None => Cell::Unparsed(s.to_string()),
    }
}

/// Evaluate a formula with checked integer arithmetic: `+ - * x X × · ^ **` and parentheses.
/// `None` when it is not one, overflows, or is too long or too deep.
pub fn evaluate(s: &str) -> Option<(u64, bool)> {
    if s.chars().count() > MAX_FORMULA {
        return None;
    }
    let mut tokens = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' => i += 1,
            '0'..='9' => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let n: String = chars[start..i].iter().collect();
                tokens.push(Tok::Num(n.parse::<i128>().ok()?));
            }
            '*' if chars.get(i + 1) == Some(&'*') => {
                tokens.push(Tok::Op('^'));
                i += 2;
            }
            'x' | 'X' | '×' | '·' | '*' | '∙' | '⋅' => {
                tokens.push(Tok::Op('*'));
                i += 1;
            }
            '+' | '-' | '^' | '(' | ')' => {
                tokens.push(Tok::Op(c));
                i += 1;
            }
            _ => return None,
        }
    }
    let has_operator = tokens
        .iter()
        .any(|t| matches!(t, Tok::Op('+' | '-' | '*' | '^')));
    let mut p = Eval {
        tokens: &tokens,
        at: 0,
        depth: 0,
    };
    let v = p.sum()?;
    if p.at != tokens.len() || v < 0 {
        return None;
    }
    Some((u64::try_from(v).ok()?, has_operator))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Num(i128),
    Op(char),
}

struct Eval<'a> {
    tokens: &'a [Tok],
    at: usize,
    depth: usize,
}

/// Values are kept well inside i128 so no operation can overflow it.
const LIMIT: i128 = 1 << 62;

impl Eval<'_> {
    fn peek(&self) -> Option<Tok> {
        self.tokens.get(self.at).copied()
    }
    fn checked(v: Option<i128>) -> Option<i128> {
        v.filter(|v| v.abs() <= LIMIT)
    }
    fn sum(&mut self) -> Option<i128> {
        let mut v = self.product()?;
        while let Some(Tok::Op(op @ ('+' | '-'))) = self.peek() {
            self.at += 1;
            let r = self.product()?;
            v = Self::checked(if op == '+' {
                v.checked_add(r)
            } else {
                v.checked_sub(r)
            })?;
        }
        Some(v)
    }
    fn product(&mut self) -> Option<i128> {
        let mut v = self.power()?;
        loop {
            match self.peek() {
                Some(Tok::Op('*')) => {
                    self.at += 1;
                    let r = self.power()?;
                    v = Self::checked(v.checked_mul(r))?;
                }
                // `2(3 + 4)` or `(a)(b)`: implicit multiplication.
                Some(Tok::Op('(')) => {
                    let r = self.power()?;
                    v = Self::checked(v.checked_mul(r))?;
                }
                _ => return Some(v),
            }
        }
    }
    fn power(&mut self) -> Option<i128> {
        let base = self.atom()?;
        if let Some(Tok::Op('^')) = self.peek() {
            self.at += 1;
            let exp = self.power()?;
            let exp = u32::try_from(exp).ok().filter(|e| *e <= 64)?;
            return Self::checked(base.checked_pow(exp));
        }
        Some(base)
    }
    fn atom(&mut self) -> Option<i128> {
        match self.peek()? {
            Tok::Num(n) => {
                self.at += 1;
                Self::checked(Some(n))
            }
            Tok::Op('(') => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                self.at += 1;
                let v = self.sum()?;
                if self.peek() != Some(Tok::Op(')')) {
                    return None;
                }
                self.at += 1;
                self.depth -= 1;
                Some(v)
            }
            Tok::Op('-') => {
                self.at += 1;
                Some(-self.atom()?)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["input", "conv1", "mp1", "batchNorm"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn shapes_in_every_accepted_form() {
        let forms = [
            (
                "(None, 128, 256, 16)",
                vec![None, Some(128), Some(256), Some(16)],
            ),
            ("(128, 256, 16)", vec![Some(128), Some(256), Some(16)]),
            ("[128, 256, 16]", vec![Some(128), Some(256), Some(16)]),
            ("128x256x16", vec![Some(128), Some(256), Some(16)]),
            ("128 × 256 × 16", vec![Some(128), Some(256), Some(16)]),
            (
                "None,128,256,16",
                vec![None, Some(128), Some(256), Some(16)],
            ),
            (
                "[(None, 128, 256, 3)]",
                vec![None, Some(128), Some(256), Some(3)],
            ),
        ];
        for (text, expected) in forms {
            let a = parse(
                &format!("conv1 (Conv2D)  {text}   5 x 5 x 3 x 16 + 16 = 1216"),
                &names(),
            );
            assert_eq!(a.rows[0].shape, Cell::Given(expected), "{text}");
            assert_eq!(a.rows[0].count, Cell::Given(1216), "{text}");
        }
    }

    #[test]
    fn formulas_and_counts_in_every_accepted_form() {
        for (text, value) in [
            ("(5*5*3+1)*16", 1216),
            ("5x5x3x16+16", 1216),
            ("4*128", 512),
            ("2^3 * 2**2", 32),
            ("3 · 3 · 16 · 32 + 32", 4640),
            ("(3x3x16+1)(32)", 4640),
        ] {
            assert_eq!(evaluate(text), Some((value, true)), "{text}");
        }
        assert_eq!(evaluate("0"), Some((0, false)));
        assert_eq!(evaluate("5 x"), None);
        assert_eq!(evaluate("99999999999 ** 99"), None);
        assert_eq!(evaluate(&"(".repeat(50)), None);
        for (text, n) in [
            ("1216", 1216),
            ("1,216", 1216),
            ("1.216", 1216),
            ("1 216", 1216),
            ("= 1216", 1216),
            ("52,163", 52163),
        ] {
            assert_eq!(count_cell(text), Cell::Given(n), "{text}");
        }
        assert_eq!(count_cell("12,16"), Cell::Unparsed("12,16".into()));
    }

    #[test]
    fn keras_wrapped_names_and_text_box_wraps_are_joined() {
        let a = parse(
            " batchNorm (BatchNormalizat  (None, 32, 64, 128)       4 x 128 = 512\n ion)\n conv1 (Conv2D) (None, 128, 256, 16) 5 x 5 x 3 x 16 +\n16 = 1216\n",
            &names(),
        );
        assert_eq!(a.rows.len(), 2);
        assert_eq!(a.rows[0].name, "batchNorm");
        assert_eq!(a.rows[0].count, Cell::Given(512));
        assert_eq!(a.rows[1].formula.given().map(|f| f.value), Some(1216));
        assert_eq!(a.rows[1].count, Cell::Given(1216));
        assert!(a.unparsed.is_empty());
    }

    #[test]
    fn the_untouched_template_is_recognised() {
        let a = parse(
            "Model: \"model\"\n___\n Layer (type)   Output Shape   Param #\n===\n conv1 (Conv2D)   [ADD SIZES]   [ADD PARAMS FORMULA] [ADD PARAMS]\n===\nTotal params: [ADD PARAMS]\n",
            &names(),
        );
        assert!(a.untouched);
        assert_eq!(a.rows[0].shape, Cell::Marker);
        assert_eq!(a.rows[0].count, Cell::Marker);
        assert_eq!(a.totals[0], Some(Cell::Marker));
    }

    #[test]
    fn keras3_tables_and_totals_with_sizes() {
        let a = parse(
            "│ conv1 (Conv2D)                  │ (None, 128, 256, 16)   │         1,216 │\n Total params: 52,163 (203.76 KB)\nNon-trainable params: 256 (1.00 KB)",
            &names(),
        );
        assert_eq!(a.rows[0].count, Cell::Given(1216));
        assert_eq!(a.totals[0], Some(Cell::Given(52163)));
        assert_eq!(a.totals[2], Some(Cell::Given(256)));
    }

    #[test]
    fn unreadable_lines_are_kept() {
        let a = parse(
            "conv1 (Conv2D) (None, 128, 256, 16) five hundred\nsomething else entirely",
            &names(),
        );
        assert_eq!(a.rows[0].formula, Cell::Unparsed("five hundred".into()));
        assert_eq!(a.unparsed, vec![(2, "something else entirely".to_string())]);
    }
}

/// No input makes the parser panic (run with `cargo test -- answers::summary::fuzz`; raise
/// `PROPTEST_CASES` for a longer run).
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const PIECES: [&str; 24] = [
        "conv1",
        "(Conv2D)",
        "(None,",
        "128,",
        "256)",
        "[(",
        ")]",
        "x",
        "*",
        "=",
        "1,216",
        "[ADD SIZES]",
        "[ADD PARAMS]",
        "Total params:",
        "\n",
        "(((",
        "99999999999999999999",
        "**",
        "│",
        "'in[0][0]',",
        " ",
        "ion)",
        "5 x 5 x 3 x 16 + 16",
        "\t",
    ];

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
            let names = vec!["conv1".to_string(), "input".to_string()];
            let _ = parse(&text, &names);
            let _ = evaluate(&text);
            let _ = count_cell(&text);
        }

        #[test]
        fn template_like_text_never_panics(pieces in proptest::collection::vec(0..PIECES.len(), 0..120)) {
            let text: String = pieces.iter().map(|i| PIECES[*i]).collect::<Vec<_>>().join(" ");
            let names = vec!["conv1".to_string(), "input".to_string()];
            let answer = parse(&text, &names);
            for row in &answer.rows {
                prop_assert!(row.line >= 1);
            }
        }
    }
}
