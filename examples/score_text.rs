//! Free-text scoring, once over the criterion bench's 10,000 answers (the seed export's
//! free-text answers, repeated), for an instruction count that a busy machine does not blur:
//! `valgrind --tool=callgrind target/release/examples/score_text` (`cargo build --release
//! --example score_text`). Prints the total points, so two builds can be checked to agree.
//! With the argument `distinct`, the bench's distinct answers instead: one word in five
//! replaced by a word never seen before (the per-word caches miss).
#[path = "../benches/distinct.rs"]
mod distinct;

use examgrade::answers::checkbox::Separator;
use examgrade::ingest::read_export;
use examgrade::rubric;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read(format!("{root}/{p}")).expect("fixture");
    let source = String::from_utf8(read("rubrics/2022-02-09.toml")).expect("UTF-8");
    let load =
        |p: &str| std::fs::read_to_string(format!("{root}/rubrics/{p}")).map_err(|e| e.to_string());
    let rubric = rubric::parse_with("rubric.toml", &source, &load).expect("rubric");
    let export =
        read_export("r.xlsx", &read("fixtures/2022-02-09/responses.xlsx")).expect("export");
    let columns = examgrade::score::run::map_columns(&rubric, &export).expect("columns");
    let mut answers = Vec::new();
    'fill: loop {
        for s in &export.submissions {
            for (qi, q) in rubric.questions.iter().enumerate() {
                if q.kind_name() == "text" {
                    answers.push((q, s.cell(columns[qi]).to_string()));
                    if answers.len() == 10_000 {
                        break 'fill;
                    }
                }
            }
        }
    }
    if std::env::args().nth(1).as_deref() == Some("distinct") {
        // As the criterion bench's "score 10,000 distinct answers".
        distinct::make_distinct(&mut answers);
    }
    let total: f64 = answers
        .iter()
        .map(|(q, a)| {
            examgrade::score::score(q, a, Separator::Semicolon)
                .points
                .to_f64()
        })
        .sum();
    println!("{} answers, {total} points", answers.len());
}
