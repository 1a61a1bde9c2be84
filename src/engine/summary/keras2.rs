//! tf-keras 2.x `print_summary` (keras/utils/layer_utils.py): 65 columns at 29/55/65, or 98 at
//! 29/58/68/98 with "Connected to"; cells cut every `width − 3` characters (`width − 0` in the
//! last column), preferring a break after `),`, `},`, `],` or `',`; every row padded to the full
//! width and followed by a line of spaces.

use crate::engine::layers::show;
use crate::engine::network::{Network, Row};

/// What the Output Shape cell shows: InputLayer's `[(None, 3)]`, several outputs as a list.
pub fn shape_cell(row: &Row) -> String {
    match &row.outputs {
        None => "multiple".into(),
        Some(outputs) if outputs.len() == 1 && row.class != "InputLayer" => show(&outputs[0]),
        Some(outputs) => format!(
            "[{}]",
            outputs.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn python_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| format!("'{i}'"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// `print_row`: the fields laid out at `positions`, over as many lines as they need.
pub fn print_row(out: &mut String, fields: &[String], positions: &[usize]) {
    let mut left: Vec<Vec<char>> = fields.iter().map(|f| f.chars().collect()).collect();
    let last = positions.len() - 1;
    while left.iter().any(|f| !f.is_empty()) {
        let mut line = String::new();
        let mut len = 0usize;
        for col in 0..left.len() {
            let start = if col > 0 { positions[col - 1] } else { 0 };
            let end = positions[col];
            let space = if col != last { 2 } else { 0 };
            let mut cutoff = end - start - space;
            if col != last {
                cutoff -= 1;
            }
            let text = &left[col];
            let fit: Vec<char> = text.iter().take(cutoff).copied().collect();
            let fit_str: String = fit.iter().collect();
            let breaks = ["),", "},", "],", "',"]
                .iter()
                .filter_map(|b| fit_str.find(b).map(|i| fit_str[..i].chars().count() + 2))
                .min();
            let take = breaks.unwrap_or(cutoff).min(text.len());
            if col == 0 {
                line.push(' ');
                len += 1;
            }
            let piece: String = text[..take].iter().collect();
            len += take;
            line.push_str(&piece);
            if space > 0 {
                line.push_str(&" ".repeat(space));
                len += space;
            }
            left[col] = text[take..].to_vec();
            if positions[col] > len {
                line.push_str(&" ".repeat(positions[col] - len));
                len = positions[col];
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
}

/// What the Output Shape and Param # cells hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cells {
    /// What Keras prints.
    Reference,
    /// The blank template handed to students: `[ADD SIZES]`, `[ADD PARAMS FORMULA] [ADD PARAMS]`.
    Template,
    /// The template filled with the reference answers in the exam's notation.
    Filled,
}

const ADD_SIZES: &str = "[ADD SIZES]";
const ADD_PARAMS: &str = "[ADD PARAMS FORMULA] [ADD PARAMS]";

fn param_cell(row: &Row, cells: Cells) -> String {
    match cells {
        Cells::Reference => row.weights.total().to_string(),
        Cells::Template => ADD_PARAMS.into(),
        Cells::Filled if row.weights.total() == 0 => "0".into(),
        Cells::Filled => format!("{} = {}", row.weights.formula, row.weights.total()),
    }
}

/// The summary text, or Keras 2's error for an unbuilt model.
pub fn render(net: &Network) -> Result<String, String> {
    render_cells(net, Cells::Reference)
}

/// The summary with the chosen cells. Template and filled forms widen the Param # column to
/// fit their cells, so they can be pasted into a text box intact.
pub fn render_cells(net: &Network, cells: Cells) -> Result<String, String> {
    if !net.built {
        return Err("This model has not yet been built. Build the model first by calling `build()` or by calling the model on a batch of data.".into());
    }
    let params: Vec<String> = net.rows.iter().map(|r| param_cell(r, cells)).collect();
    let widest = params.iter().map(|p| p.chars().count()).max().unwrap_or(0);
    let (mut positions, header): (Vec<usize>, Vec<&str>) = if net.sequential_like {
        (
            vec![29, 55, 65],
            vec!["Layer (type)", "Output Shape", "Param #"],
        )
    } else {
        (
            vec![29, 58, 68, 98],
            vec!["Layer (type)", "Output Shape", "Param #", "Connected to"],
        )
    };
    if cells != Cells::Reference {
        // Param # must hold its widest cell plus the two spaces between columns.
        let param_end = positions[1] + widest.max(7) + 3;
        let grow = param_end.saturating_sub(positions[2]);
        for p in positions.iter_mut().skip(2) {
            *p += grow;
        }
    }
    let width = *positions.last().expect("columns");
    let mut out = format!("Model: \"{}\"\n{}\n", net.name, "_".repeat(width));
    print_row(
        &mut out,
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        &positions,
    );
    out.push_str(&"=".repeat(width));
    out.push('\n');
    for (row, param) in net.rows.iter().zip(params) {
        let shape = match cells {
            Cells::Template => ADD_SIZES.into(),
            _ => shape_cell(row),
        };
        let mut fields = vec![format!("{} ({})", row.name, row.class), shape, param];
        if !net.sequential_like {
            fields.push(python_list(&row.inbound));
        }
        print_row(&mut out, &fields, &positions);
        out.push_str(&" ".repeat(width));
        out.push('\n');
    }
    out.push_str(&"=".repeat(width));
    out.push('\n');
    let total = |n: u64, int64: u64| match cells {
        Cells::Reference => format!("{n} ({})", super::memory(n, int64, "Byte")),
        Cells::Template => "[ADD PARAMS]".into(),
        Cells::Filled => n.to_string(),
    };
    out.push_str(&format!(
        "Total params: {}\nTrainable params: {}\nNon-trainable params: {}\n{}\n",
        total(net.total(), net.int64),
        total(net.trainable, 0),
        total(net.non_trainable, net.int64),
        "_".repeat(width)
    ));
    Ok(out)
}
