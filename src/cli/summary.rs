//! `examgrade summary MODEL.py [--keras 2|3] [--format text|json] [--template|--filled]`

use super::{Fatal, SummaryArgs, read_file};
use crate::engine::{self, Keras};
use std::io::Write;

pub fn run(args: SummaryArgs) -> Result<(), Fatal> {
    let file = args.model.display().to_string();
    let source = String::from_utf8(read_file(&args.model)?)
        .map_err(|_| Fatal(format!("{file}: the model is not UTF-8 text")))?;
    let keras = if args.keras == 3 {
        Keras::V3
    } else {
        Keras::V2
    };
    let net = engine::analyze(&source, keras).map_err(|e| Fatal(format!("{file}: {e}")))?;
    let text = match keras {
        Keras::V2 => engine::summary::keras2::render(&net)
            .map_err(|e| Fatal(format!("{file}: Keras 2 refuses: {e}")))?,
        Keras::V3 => engine::summary::keras3::render(&net),
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fatal(format!("cannot write to standard output: {e}")))
        }
        _ => Ok(()),
    }
}
