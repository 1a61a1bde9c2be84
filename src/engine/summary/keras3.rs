//! Keras 3 `print_summary` (keras/src/utils/summary_utils.py) as printed when stdout is not a
//! terminal and COLUMNS is unset: a rich table laid out for 80 columns (`line_length` 76),
//! column widths from `positions`, shrunk the way rich shrinks fixed-width columns
//! (`ratio_reduce`), cells word-wrapped with over-long words cut by `…`.

/// Keras 3 layers without a `build` method: built when constructed, so an unbuilt model
/// prints `0` for them, not `0 (unbuilt)` (measured: `layer.built` right after construction).
const BUILT_AT_CONSTRUCTION: [&str; 24] = [
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "Reshape",
];

use crate::engine::layers::show;
use crate::engine::network::{Network, Row};

/// `round()` as Python does it: halves to even.
fn round_half_even(x: f64) -> i64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && (r as i64) % 2 != 0 {
        (r - x.signum()) as i64
    } else {
        r as i64
    }
}

/// rich's `ratio_reduce`.
fn ratio_reduce(
    total: usize,
    ratios: &[usize],
    maximums: &[usize],
    values: &[usize],
) -> Vec<usize> {
    let ratios: Vec<usize> = ratios
        .iter()
        .zip(maximums)
        .map(|(r, m)| if *m > 0 { *r } else { 0 })
        .collect();
    let mut total_ratio: usize = ratios.iter().sum();
    if total_ratio == 0 {
        return values.to_vec();
    }
    let mut remaining = total as f64;
    let mut out = Vec::new();
    for ((ratio, maximum), value) in ratios.iter().zip(maximums).zip(values) {
        if *ratio > 0 && total_ratio > 0 {
            let distributed = (*maximum as i64)
                .min(round_half_even(
                    *ratio as f64 * remaining / total_ratio as f64,
                ))
                .max(0) as usize;
            out.push(value - distributed);
            remaining -= distributed as f64;
            total_ratio -= ratio;
        } else {
            out.push(*value);
        }
    }
    out
}

/// Cell widths (padding included) for a table of `line_length` with `positions`.
fn widths(line_length: usize, positions: &[f64]) -> Vec<usize> {
    let mut requested = Vec::new();
    let mut current = 0usize;
    for p in positions {
        let w = (p * line_length as f64) as usize - current;
        requested.push(w + 2);
        current += w;
    }
    let available = line_length - (positions.len() + 1);
    let total: usize = requested.iter().sum();
    if total > available {
        let ones = vec![1; requested.len()];
        ratio_reduce(total - available, &ones, &requested, &requested)
    } else {
        requested
    }
}

/// rich's word wrap for one paragraph: words (with their trailing spaces) fill a line; a word
/// longer than the line goes on its own line and is cut to `width − 1` characters + `…`.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut words: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut in_space = false;
        for c in paragraph.chars() {
            if c == ' ' {
                in_space = true;
                current.push(c);
            } else {
                if in_space && current.chars().any(|c| c != ' ') {
                    words.push(std::mem::take(&mut current));
                }
                in_space = false;
                current.push(c);
            }
        }
        if !current.is_empty() {
            words.push(current);
        }
        let mut line = String::new();
        let mut offset = 0usize;
        for word in words {
            let word_len = word.trim_end().chars().count();
            let remaining = width.saturating_sub(offset);
            if remaining >= word_len {
                offset += word.chars().count();
                line.push_str(&word);
            } else {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                offset = word.chars().count();
                line.push_str(&word);
            }
        }
        lines.push(line);
    }
    lines
        .into_iter()
        .map(|l| {
            let l = if l.chars().count() > width {
                l.trim_end().to_string()
            } else {
                l
            };
            if l.chars().count() > width {
                let cut: String = l.chars().take(width.saturating_sub(1)).collect();
                format!("{cut}…")
            } else {
                l
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Justify {
    Left,
    Right,
}

fn cell_lines(text: &str, width: usize, justify: Justify) -> Vec<String> {
    let inner = width - 2;
    wrap(text, inner)
        .into_iter()
        .map(|l| {
            let trimmed = l.trim_end();
            let len = trimmed.chars().count();
            let pad = inner.saturating_sub(len);
            match justify {
                Justify::Left => format!(" {trimmed}{} ", " ".repeat(pad)),
                Justify::Right => format!(" {}{trimmed} ", " ".repeat(pad)),
            }
        })
        .collect()
}

fn row_lines(out: &mut String, cells: &[String], widths: &[usize], justify: &[Justify], bar: char) {
    let columns: Vec<Vec<String>> = cells
        .iter()
        .zip(widths)
        .zip(justify)
        .map(|((c, w), j)| cell_lines(c, *w, *j))
        .collect();
    let height = columns.iter().map(Vec::len).max().unwrap_or(1);
    for i in 0..height {
        out.push(bar);
        for (col, w) in columns.iter().zip(widths) {
            match col.get(i) {
                Some(text) => out.push_str(text),
                None => out.push_str(&" ".repeat(*w)),
            }
            out.push(bar);
        }
        out.push('\n');
    }
}

fn rule(out: &mut String, widths: &[usize], left: char, fill: char, mid: char, right: char) {
    out.push(left);
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            out.push(mid);
        }
        out.push_str(&fill.to_string().repeat(*w));
    }
    out.push(right);
    out.push('\n');
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn shape_cell(row: &Row) -> String {
    match &row.outputs {
        None => "?".into(),
        Some(outputs) if outputs.len() == 1 => show(&outputs[0]),
        Some(outputs) => format!(
            "[{}]",
            outputs.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub fn render(net: &Network) -> String {
    let line_length = 76;
    let (positions, header, justify): (Vec<f64>, Vec<&str>, Vec<Justify>) = if net.sequential_like {
        (
            vec![0.45, 0.80, 1.0],
            vec!["Layer (type)", "Output Shape", "Param #"],
            vec![Justify::Left, Justify::Left, Justify::Right],
        )
    } else {
        (
            vec![0.3, 0.56, 0.74, 1.0],
            vec!["Layer (type)", "Output Shape", "Param #", "Connected to"],
            vec![Justify::Left, Justify::Left, Justify::Right, Justify::Left],
        )
    };
    let w = widths(line_length, &positions);
    let mut out = format!("Model: \"{}\"\n", net.name);
    rule(&mut out, &w, '┏', '━', '┳', '┓');
    row_lines(
        &mut out,
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        &w,
        &justify,
        '┃',
    );
    rule(&mut out, &w, '┡', '━', '╇', '┩');
    for (i, row) in net.rows.iter().enumerate() {
        if i > 0 {
            rule(&mut out, &w, '├', '─', '┼', '┤');
        }
        let mut cells = vec![
            format!("{} ({})", row.name, row.class),
            shape_cell(row),
            if net.built {
                thousands(row.weights.total())
            } else if BUILT_AT_CONSTRUCTION.contains(&row.class.as_str()) {
                "0".into()
            } else {
                "0 (unbuilt)".into()
            },
        ];
        if !net.sequential_like {
            cells.push(if row.inbound.is_empty() {
                "-".into()
            } else {
                row.inbound.join(", ")
            });
        }
        row_lines(&mut out, &cells, &w, &justify, '│');
    }
    rule(&mut out, &w, '└', '─', '┴', '┘');
    out.push_str(&format!(
        " Total params: {} ({})\n Trainable params: {} ({})\n Non-trainable params: {} ({})\n",
        thousands(net.total()),
        super::memory(net.total(), net.int64, "B"),
        thousands(net.trainable),
        super::memory(net.trainable, 0, "B"),
        thousands(net.non_trainable),
        super::memory(net.non_trainable, net.int64, "B"),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_widths_follow_rich() {
        assert_eq!(widths(76, &[0.45, 0.80, 1.0]), vec![33, 24, 15]);
        assert_eq!(widths(76, &[0.3, 0.56, 0.74, 1.0]), vec![21, 19, 12, 19]);
    }

    #[test]
    fn long_words_are_cut_with_an_ellipsis() {
        assert_eq!(
            wrap("multi_head_attention (MultiHeadAttention)", 19),
            vec!["multi_head_attenti…", "(MultiHeadAttentio…"]
        );
        assert_eq!(
            wrap("input_layer (InputLayer)", 19),
            vec!["input_layer ", "(InputLayer)"]
        );
        assert_eq!(
            wrap("input_layer[0][0], input_layer[0][0]", 17),
            vec!["input_layer[0][0…", "input_layer[0][0]"]
        );
    }
}
