//! Engine: the reference that computes what real Keras computes for the exam's network
//! (output shapes, parameter counts with formulas, receptive fields, `model.summary()`).
//!
//! It is the answer key of the `summary` and receptive-field questions. Pure: source text in,
//! values out — no files, no printing.

pub mod build;
pub mod eval;
pub mod layers;
pub mod network;
pub mod python;
pub mod receptive;
pub mod reference;
pub mod summary;
pub mod value;

pub use network::{Keras, Network};
pub use python::SyntaxError;

/// Parse and run a Keras snippet; the model it summarises as `keras` shows it.
pub fn analyze(source: &str, keras: Keras) -> Result<Network, SyntaxError> {
    let graph = run(source)?;
    refused_by(&graph, keras)?;
    network::network(&graph, keras).ok_or_else(|| SyntaxError {
        pos: python::Pos { line: 1, column: 1 },
        message: "the snippet builds no model (no keras.Model(...) or Sequential(...))".into(),
    })
}

/// Code the given Keras version does not run.
pub fn refused_by(graph: &build::Graph, keras: Keras) -> Result<(), SyntaxError> {
    if keras == Keras::V2
        && let Some(e) = &graph.keras2_refusal
    {
        return Err(e.clone());
    }
    if let Some(net) = network::network(graph, keras) {
        let mut names = std::collections::HashMap::new();
        for row in &net.rows {
            if *names.entry(row.name.as_str()).or_insert(row.layer) != row.layer {
                let at = graph.layers[row.layer].args.pos;
                return Err(python::error(
                    at,
                    format!(
                        "the name \"{}\" is used twice in the model: Keras refuses it (layer names must be unique)",
                        row.name
                    ),
                ));
            }
        }
    }
    if keras == Keras::V3
        && let Some(e) = &graph.keras3_refusal
    {
        return Err(e.clone());
    }
    Ok(())
}

/// Parse and run a snippet: everything it built.
pub fn run(source: &str) -> Result<build::Graph, SyntaxError> {
    python::with_stack(source.len(), || {
        let program = python::parse(source)?;
        eval::run(&program)
    })
}
