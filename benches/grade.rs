//! Throughput of the grading path on the example exam: reading the export (xlsx and CSV) and
//! grading a class. Run with `cargo bench --bench grade`.

mod distinct;

use criterion::{Criterion, criterion_group, criterion_main};
use examgrade::ingest::{Export, read_export};
use examgrade::rubric;
use examgrade::score::run::grade;
use std::hint::black_box;

// The allocator the examgrade binary runs with (src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

/// The example export with its submissions repeated `times` times (a class of 43 × times).
fn big_class(export: &Export, times: usize) -> Export {
    let mut big = export.clone();
    big.submissions = (0..times)
        .flat_map(|n| {
            export.submissions.iter().cloned().map(move |mut s| {
                s.email = format!("{n}-{}", s.email);
                s
            })
        })
        .collect();
    big
}

fn benches(c: &mut Criterion) {
    let xlsx = fixture("fixtures/2022-02-09/responses.xlsx");
    let csv = fixture("fixtures/2022-02-09/responses-utf8-bom-semicolon.csv");
    let source = String::from_utf8(fixture("rubrics/2022-02-09.toml")).unwrap();
    let load = |p: &str| {
        std::fs::read_to_string(format!("{}/rubrics/{p}", env!("CARGO_MANIFEST_DIR")))
            .map_err(|e| e.to_string())
    };
    let rubric = rubric::parse_with("rubric.toml", &source, &load).unwrap();

    c.bench_function("read_export xlsx (46 rows)", |b| {
        b.iter(|| read_export("r.xlsx", black_box(&xlsx)).unwrap())
    });
    c.bench_function("read_export csv (46 rows)", |b| {
        b.iter(|| read_export("r.csv", black_box(&csv)).unwrap())
    });
    c.bench_function("parse rubric (engine key included)", |b| {
        b.iter(|| rubric::parse_with("rubric.toml", black_box(&source), &load).unwrap())
    });
    // 10,000 free-text answers (the seed fixture's answers, repeated) against the four text
    // questions of the seed rubric.
    let text_questions: Vec<_> = rubric
        .questions
        .iter()
        .filter(|q| q.kind_name() == "text")
        .collect();
    let export = read_export("r.xlsx", &xlsx).unwrap();
    let columns = examgrade::score::run::map_columns(&rubric, &export).unwrap();
    let mut answers: Vec<(usize, String)> = Vec::new();
    'fill: loop {
        for s in &export.submissions {
            for (qi, q) in rubric.questions.iter().enumerate() {
                if let Some(t) = text_questions.iter().position(|tq| tq.id == q.id) {
                    answers.push((t, s.cell(columns[qi]).to_string()));
                    if answers.len() == 10_000 {
                        break 'fill;
                    }
                }
            }
        }
    }
    let mut group = c.benchmark_group("free text");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Elements(answers.len() as u64));
    group.bench_function("score 10,000 answers", |b| {
        b.iter(|| {
            for (t, a) in &answers {
                black_box(examgrade::score::score(
                    text_questions[*t],
                    a,
                    examgrade::answers::checkbox::Separator::Semicolon,
                ));
            }
        })
    });
    // The same answers made distinct (`distinct.rs`): the per-word caches miss.
    let mut distinct = answers.clone();
    distinct::make_distinct(&mut distinct);
    group.bench_function("score 10,000 distinct answers", |b| {
        b.iter(|| {
            for (t, a) in &distinct {
                black_box(examgrade::score::score(
                    text_questions[*t],
                    a,
                    examgrade::answers::checkbox::Separator::Semicolon,
                ));
            }
        })
    });
    group.finish();
    let export = read_export("r.xlsx", &xlsx).unwrap();
    let class = big_class(&export, 100);
    let mut whole = c.benchmark_group("whole exam");
    whole.sample_size(10);
    whole.throughput(criterion::Throughput::Elements(
        class.submissions.len() as u64
    ));
    for jobs in [1, 2] {
        whole.bench_function(format!("grade 4600 submissions, {jobs} thread(s)"), |b| {
            b.iter(|| grade(&rubric, std::slice::from_ref(&class), jobs, &|| {}).unwrap())
        });
    }
    whole.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
