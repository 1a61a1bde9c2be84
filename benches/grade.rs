//! Throughput of the grading path on the example exam: reading the export (xlsx and CSV) and
//! grading a class. Run with `cargo bench --bench grade`.

use criterion::{Criterion, criterion_group, criterion_main};
use examgrade::ingest::{Export, read_export};
use examgrade::rubric;
use examgrade::score::run::grade;
use std::hint::black_box;

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
    let rubric = rubric::parse("rubric.toml", &source).unwrap();

    c.bench_function("read_export xlsx (46 rows)", |b| {
        b.iter(|| read_export("r.xlsx", black_box(&xlsx)).unwrap())
    });
    c.bench_function("read_export csv (46 rows)", |b| {
        b.iter(|| read_export("r.csv", black_box(&csv)).unwrap())
    });
    c.bench_function("parse rubric", |b| {
        b.iter(|| rubric::parse("rubric.toml", black_box(&source)).unwrap())
    });
    let export = read_export("r.xlsx", &xlsx).unwrap();
    let class = big_class(&export, 100);
    for jobs in [1, 2] {
        c.bench_function(&format!("grade 4600 submissions, {jobs} thread(s)"), |b| {
            b.iter(|| grade(&rubric, std::slice::from_ref(&class), jobs, &|| {}).unwrap())
        });
    }
}

criterion_group!(group, benches);
criterion_main!(group);
