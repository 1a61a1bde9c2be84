//! `examgrade summary MODEL.py [--keras 2|3] [--format text|json] [--template|--filled]`

use super::{Fatal, SummaryArgs};
use crate::engine::summary::keras2::{Cells, render_cells};
use crate::engine::summary::{json::summary_json, keras3};
use crate::engine::{self, Keras};
use std::io::Write;

pub fn run(args: SummaryArgs) -> Result<(), Fatal> {
    let file = args.model.display().to_string();
    let source = String::from_utf8(
        super::read_regular_file(&args.model, super::MAX_MODEL_BYTES).map_err(Fatal)?,
    )
    .map_err(|_| Fatal(format!("{file}: the model is not UTF-8 text")))?;
    // The student template is Keras 2's layout, the one the summary grader reads: asked for
    // with --keras 3 it is refused rather than printed in the other layout silently.
    if args.keras == 3 && (args.template || args.filled) {
        return Err(Fatal(format!(
            "{file}: --{} is written in Keras 2's layout, the one `grade` reads back; \
             drop --keras 3 (Keras 3 prints its own layout only with `summary --keras 3`)",
            if args.template { "template" } else { "filled" }
        )));
    }
    let keras = if args.keras == 3 {
        Keras::V3
    } else {
        Keras::V2
    };
    let net = engine::analyze(&source, keras).map_err(|e| Fatal(format!("{file}: {e}")))?;
    let refuses = |e: String| Fatal(format!("{file}: Keras 2 refuses: {e}"));
    let text = if args.template {
        render_cells(&net, Cells::Template).map_err(refuses)?
    } else if args.filled {
        render_cells(&net, Cells::Filled).map_err(refuses)?
    } else if args.format == "json" {
        let mut json =
            serde_json::to_string_pretty(&summary_json(&net)).map_err(|e| Fatal(e.to_string()))?;
        json.push('\n');
        json
    } else {
        match keras {
            Keras::V2 => render_cells(&net, Cells::Reference).map_err(refuses)?,
            Keras::V3 => keras3::render(&net),
        }
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fatal(format!("cannot write to standard output: {e}")))
        }
        _ => Ok(()),
    }
}
