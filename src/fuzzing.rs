//! What the fuzz targets (`fuzz/`, cargo-fuzz on nightly) and their proptest twins
//! (`tests/integration/fuzz.rs`, stable, inside `cargo test`) run: one function per input a
//! hostile student or a careless TA controls. Each must never panic, and each checks the
//! invariants a user relies on — points within `[0, max]`, evidence spans valid on the answer
//! they point into, a located message for every refusal.

use crate::answers::checkbox::Separator;
use crate::rubric::{Kind, Rubric};
use crate::score::{Finding, Status, score};
use std::sync::OnceLock;

/// The seed exam's rubric, with its Keras model, compiled once.
pub fn seed_rubric() -> &'static Rubric {
    static RUBRIC: OnceLock<Rubric> = OnceLock::new();
    RUBRIC.get_or_init(|| {
        let model = include_str!("../rubrics/models/2022-02-09.py");
        crate::rubric::parse_with(
            "rubrics/2022-02-09.toml",
            include_str!("../rubrics/2022-02-09.toml"),
            &|_| Ok(model.to_string()),
        )
        .expect("the seed rubric is valid")
    })
}

/// An export file's bytes (CSV in any encoding, or .xlsx).
pub fn export(bytes: &[u8]) {
    if let Ok(export) = crate::ingest::read_export("fuzz.csv", bytes) {
        for s in &export.submissions {
            assert!(s.line >= 1);
        }
        let _ = crate::rubric::scaffold::scaffold(&export, "fuzz");
    }
}

/// A rubric's text.
pub fn rubric(text: &str) {
    if let Err(e) = crate::rubric::parse_with("fuzz.toml", text, &|_| Err("no files".into())) {
        assert!(!e.to_string().is_empty());
    }
}

/// A Keras snippet, in both Keras versions, with everything the engine prints for it.
pub fn keras(code: &str) {
    use crate::engine::summary::keras2::{Cells, render_cells};
    use crate::engine::summary::{json::summary_json, keras3};
    if let Ok(net) = crate::engine::analyze(code, crate::engine::Keras::V2) {
        for cells in [Cells::Reference, Cells::Template, Cells::Filled] {
            let _ = render_cells(&net, cells);
        }
        let _ = summary_json(&net);
    }
    if let Ok(net) = crate::engine::analyze(code, crate::engine::Keras::V3) {
        let _ = keras3::render(&net);
    }
}

/// One answer cell given to the seed exam's summary question.
pub fn summary_answer(cell: &str) {
    answer_to(cell, &|k| matches!(k, Kind::Summary(_)));
}

/// One answer cell given to the seed exam's four free-text questions.
pub fn free_text(cell: &str) {
    answer_to(cell, &|k| matches!(k, Kind::Text(_)));
}

/// One answer cell given to every question of the seed exam.
pub fn answer(cell: &str) {
    answer_to(cell, &|_| true);
}

/// The seed exam's questions prepared as for a class whose answers are the rubric's worked
/// examples: free text then has its second opinion and paraphrase credit.
fn seed_class() -> &'static [crate::rubric::Question] {
    static CLASS: OnceLock<Vec<crate::rubric::Question>> = OnceLock::new();
    CLASS.get_or_init(|| {
        seed_rubric()
            .questions
            .iter()
            .map(|q| {
                let answers: Vec<&str> = q.examples.iter().map(|e| e.answer.as_str()).collect();
                crate::score::class::prepare(q, &answers)
            })
            .collect()
    })
}

fn answer_to(cell: &str, which: &dyn Fn(&Kind) -> bool) {
    let rubric = seed_rubric();
    for q in rubric
        .questions
        .iter()
        .chain(seed_class())
        .filter(|q| which(&q.kind))
    {
        for sep in [Separator::Semicolon, Separator::CommaSpace] {
            let s = score(q, cell, sep);
            assert!(
                !s.points.is_negative() || matches!(q.kind, Kind::Checkbox(_) | Kind::Choice(_))
            );
            assert!(s.points <= s.max, "{}: {} > {}", q.id, s.points, s.max);
            if s.status == Status::NotAnswered {
                assert!(s.points.is_zero());
            }
            for f in &s.findings {
                if let Finding::SecondOpinion {
                    similarity,
                    raised_to: Some(to),
                    ..
                } = f
                {
                    assert!((0.0..=1.0).contains(similarity));
                    assert!(*to <= s.max);
                }
                if let Finding::Criterion { matched, .. } = f {
                    for e in matched {
                        assert!(e.start <= e.end && e.end <= cell.len());
                        assert!(cell.is_char_boundary(e.start) && cell.is_char_boundary(e.end));
                    }
                }
            }
        }
    }
}
