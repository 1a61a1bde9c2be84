//! `examgrade init EXPORT > rubric.toml`

use super::{Fatal, InitArgs};
use crate::rubric::scaffold::{scaffold, title_from_file_name};
use std::io::Write;

pub fn run(args: InitArgs) -> Result<(), Fatal> {
    let file = args.export.display().to_string();
    let export = super::read_export_file(&args.export)?;
    let title = args
        .export
        .file_stem()
        .map(|s| title_from_file_name(&s.to_string_lossy()))
        .unwrap_or_else(|| file.clone());
    let text = scaffold(&export, &title);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // `examgrade init x.xlsx | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Fatal(format!("cannot write to standard output: {e}"))),
    }
}
