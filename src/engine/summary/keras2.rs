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

/// The summary text, or Keras 2's error for an unbuilt model.
pub fn render(net: &Network) -> Result<String, String> {
    if !net.built {
        return Err("This model has not yet been built. Build the model first by calling `build()` or by calling the model on a batch of data.".into());
    }
    let (width, positions, header): (usize, Vec<usize>, Vec<&str>) = if net.sequential_like {
        (
            65,
            vec![29, 55, 65],
            vec!["Layer (type)", "Output Shape", "Param #"],
        )
    } else {
        (
            98,
            vec![29, 58, 68, 98],
            vec!["Layer (type)", "Output Shape", "Param #", "Connected to"],
        )
    };
    let mut out = format!("Model: \"{}\"\n{}\n", net.name, "_".repeat(width));
    print_row(
        &mut out,
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        &positions,
    );
    out.push_str(&"=".repeat(width));
    out.push('\n');
    for row in &net.rows {
        let mut fields = vec![
            format!("{} ({})", row.name, row.class),
            shape_cell(row),
            row.weights.total().to_string(),
        ];
        if !net.sequential_like {
            fields.push(python_list(&row.inbound));
        }
        print_row(&mut out, &fields, &positions);
        out.push_str(&" ".repeat(width));
        out.push('\n');
    }
    out.push_str(&"=".repeat(width));
    out.push('\n');
    out.push_str(&format!(
        "Total params: {} ({})\nTrainable params: {} ({})\nNon-trainable params: {} ({})\n{}\n",
        net.total(),
        super::memory(net.total(), "Byte"),
        net.trainable,
        super::memory(net.trainable, "Byte"),
        net.non_trainable,
        super::memory(net.non_trainable, "Byte"),
        "_".repeat(width)
    ));
    Ok(out)
}
