//! Free-text questions of the seed rubric: every worked answer in the rubric gets its points.

use super::*;
use examgrade::answers::checkbox::Separator;
use examgrade::rubric;
use examgrade::score::score;

fn seed() -> rubric::Rubric {
    let source = read(&root().join(SEED_RUBRIC));
    let base = root().join("rubrics");
    let load = |p: &str| std::fs::read_to_string(base.join(p)).map_err(|e| e.to_string());
    rubric::parse_with(SEED_RUBRIC, &source, &load).expect("seed rubric")
}

#[test]
fn every_worked_answer_of_the_seed_rubric_gets_its_points() {
    let rubric = seed();
    let mut checked = 0;
    let mut failures = Vec::new();
    for q in rubric.questions.iter().filter(|q| q.kind_name() == "text") {
        assert!(
            q.examples.len() >= 6,
            "{} has {} examples",
            q.id,
            q.examples.len()
        );
        for e in &q.examples {
            let s = score(q, &e.answer, Separator::Semicolon);
            if s.points != e.points {
                let why: Vec<String> = s.findings.iter().map(|f| f.message()).collect();
                failures.push(format!(
                    "{} (line {}): got {}, expected {}\n  {}\n  {}",
                    q.id,
                    e.line,
                    s.points,
                    e.points,
                    e.answer,
                    why.join("\n  ")
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(checked, 27);
}
