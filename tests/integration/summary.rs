//! Filled-in summary templates graded against the engine's reference (fixtures/summary-answers/).

use super::*;
use examgrade::answers::checkbox::Separator;
use examgrade::points::Points;
use examgrade::rubric::{self, Question};
use examgrade::score::summary::Verdict;
use examgrade::score::{Finding, Status, score};

/// The seed rubric's q2-summary question (5 points), optionally with extra settings.
fn seed_question(extra: &str) -> Question {
    let source = read(&root().join(SEED_RUBRIC)).replace(
        "follow_through = 1\n",
        &format!("follow_through = 1\n{extra}"),
    );
    let base = root().join("rubrics");
    let load = |p: &str| std::fs::read_to_string(base.join(p)).map_err(|e| e.to_string());
    let rubric = rubric::parse_with("2022-02-09.toml", &source, &load).expect("seed rubric");
    rubric
        .questions
        .into_iter()
        .find(|q| q.id == "q2-summary")
        .expect("q2-summary")
}

/// (points exactly, status, [correct, follow-through, wrong, missing, unparsed], review items)
type Expected = (&'static str, Status, [usize; 5], usize);

fn tally(findings: &[Finding]) -> [usize; 5] {
    let mut t = [0; 5];
    for f in findings {
        if let Finding::Field { verdict, .. } = f {
            t[match verdict {
                Verdict::Correct => 0,
                Verdict::FollowThrough => 1,
                Verdict::Wrong => 2,
                Verdict::Missing => 3,
                Verdict::Unparsed => 4,
            }] += 1;
        }
    }
    t
}

fn check(question: &Question, file: &str, expected: Expected) {
    let text = read(
        &root()
            .join("fixtures/summary-answers")
            .join(format!("{file}.txt")),
    );
    let s = score(question, &text, Separator::Semicolon);
    let got = (
        s.points.exact(),
        s.status,
        tally(&s.findings),
        s.review.len(),
    );
    let want = (expected.0.to_string(), expected.1, expected.2, expected.3);
    if got != want {
        let details: Vec<String> = s.findings.iter().map(|f| f.message()).collect();
        panic!(
            "{file}: got {got:?}, expected {want:?}\n{}",
            details.join("\n")
        );
    }
}

#[test]
fn every_realistic_answer_gets_its_expected_verdicts() {
    let q = seed_question("");
    assert_eq!(q.points, Points::int(5));
    // 11 rows × (shape, params) + 7 formulas + 3 totals = 32 fields, 5 points.
    use Status::{Graded, NotAnswered};
    let cases: [(&str, Expected); 28] = [
        (
            "01_perfect_filled_template",
            ("5", Graded, [32, 0, 0, 0, 0], 0),
        ),
        // Keras' own output pasted: counts right, no formulas (7 missing).
        (
            "02_pasted_keras_output_no_formulas",
            ("125/32", Graded, [25, 0, 0, 7, 0], 0),
        ),
        ("03_no_header_no_rules", ("5", Graded, [32, 0, 0, 0, 0], 0)),
        ("04_markdown_fence", ("5", Graded, [32, 0, 0, 0, 0], 0)),
        ("05_tab_separated", ("5", Graded, [32, 0, 0, 0, 0], 0)),
        ("06_single_spaces", ("5", Graded, [32, 0, 0, 0, 0], 0)),
        ("07_wrapped_by_text_box", ("5", Graded, [32, 0, 0, 0, 0], 0)),
        (
            "08_shapes_without_batch",
            ("5", Graded, [32, 0, 0, 0, 0], 0),
        ),
        ("09_shapes_as_products", ("5", Graded, [32, 0, 0, 0, 0], 0)),
        (
            "10_formulas_with_stars_and_parentheses",
            ("5", Graded, [32, 0, 0, 0, 0], 0),
        ),
        (
            "11_thousands_separators",
            ("5", Graded, [32, 0, 0, 0, 0], 0),
        ),
        // 4460 for 4640: the formula keeps its credit, the count and the totals follow it.
        (
            "12_arithmetic_slip",
            ("155/32", Graded, [29, 2, 1, 0, 0], 0),
        ),
        // `1216 = 1216` is no formula; `4640` alone is a count without a formula.
        (
            "13_bare_number_as_formula",
            ("75/16", Graded, [30, 0, 1, 1, 0], 0),
        ),
        // mp1 not halved: one wrong shape, eight shapes right given it.
        (
            "14_pooling_mistake_carried_forward",
            ("155/32", Graded, [23, 8, 1, 0, 0], 0),
        ),
        // conv3 with 64 filters: BatchNorm's and convt1's formulas and counts follow it, totals too.
        (
            "15_channel_mistake_carried_forward",
            ("145/32", Graded, [21, 8, 3, 0, 0], 0),
        ),
        (
            "16_batchnorm_half_counted_totals_follow",
            ("75/16", Graded, [28, 2, 2, 0, 0], 0),
        ),
        (
            "17_transposed_stride_ignored",
            ("155/32", Graded, [29, 2, 1, 0, 0], 0),
        ),
        ("18_rows_reordered", ("5", Graded, [32, 0, 0, 0, 0], 0)),
        (
            "19_dropout_row_deleted",
            ("75/16", Graded, [30, 0, 0, 2, 0], 0),
        ),
        ("20_partly_blank", ("25/8", Graded, [20, 0, 0, 12, 0], 0)),
        (
            "21_untouched_template",
            ("0", NotAnswered, [0, 0, 0, 0, 0], 0),
        ),
        ("22_empty", ("0", NotAnswered, [0, 0, 0, 0, 0], 0)),
        (
            "23_keras3_table_no_formulas",
            ("125/32", Graded, [25, 0, 0, 7, 0], 0),
        ),
        // `batchnorm`, `conv_t1`: matched to their layers, and a human confirms.
        (
            "24_misspelt_layer_names",
            ("5", Graded, [32, 0, 0, 0, 0], 2),
        ),
        (
            "25_unreadable_formula_and_junk",
            ("75/16", Graded, [30, 0, 0, 1, 1], 2),
        ),
        // Without accept_swapped_spatial: the input row is wrong, everything after follows it.
        (
            "26_height_width_swapped",
            ("155/32", Graded, [21, 10, 1, 0, 0], 0),
        ),
        ("27_totals_missing", ("145/32", Graded, [29, 0, 0, 3, 0], 0)),
        ("28_markdown_table", ("5", Graded, [32, 0, 0, 0, 0], 0)),
    ];
    for (file, expected) in cases {
        check(&q, file, expected);
    }
}

#[test]
fn swapped_height_and_width_can_be_accepted_and_reviewed() {
    let q = seed_question("accept_swapped_spatial = true\n");
    // Every 4-D shape swapped: all credited, each one flagged for a human.
    check(
        &q,
        "26_height_width_swapped",
        ("5", Status::Graded, [32, 0, 0, 0, 0], 11),
    );
}

#[test]
fn follow_through_credit_is_a_rubric_setting() {
    let half = seed_question("").id;
    assert_eq!(half, "q2-summary");
    let source = |setting: &str| seed_question_with_follow_through(setting);
    // 23 correct + 8 follow-through of 32 fields.
    check(
        &source("0.5"),
        "14_pooling_mistake_carried_forward",
        ("135/32", Status::Graded, [23, 8, 1, 0, 0], 0),
    );
    check(
        &source("false"),
        "14_pooling_mistake_carried_forward",
        ("115/32", Status::Graded, [23, 8, 1, 0, 0], 0),
    );
}

fn seed_question_with_follow_through(value: &str) -> Question {
    let source = read(&root().join(SEED_RUBRIC)).replace(
        "follow_through = 1\n",
        &format!("follow_through = {value}\n"),
    );
    let base = root().join("rubrics");
    let load = |p: &str| std::fs::read_to_string(base.join(p)).map_err(|e| e.to_string());
    let rubric = rubric::parse_with("2022-02-09.toml", &source, &load).expect("seed rubric");
    rubric
        .questions
        .into_iter()
        .find(|q| q.id == "q2-summary")
        .expect("q2-summary")
}

#[test]
fn follow_through_findings_say_what_they_followed() {
    let q = seed_question("");
    let text =
        read(&root().join("fixtures/summary-answers/15_channel_mistake_carried_forward.txt"));
    let s = score(&q, &text, Separator::Semicolon);
    let bn = s
        .findings
        .iter()
        .find_map(|f| match f {
            Finding::Field {
                layer,
                field,
                followed,
                verdict,
                given,
                ..
            } if layer == "batchNorm" && field == "params" => {
                Some((*verdict, given.clone(), followed.clone()))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(
        bn,
        (
            Verdict::FollowThrough,
            "256".to_string(),
            Some("your conv3 shape (None, 32, 64, 64)".to_string())
        )
    );
    let diff = s
        .findings
        .iter()
        .find_map(|f| match f {
            Finding::Diff { text } => Some(text.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        diff.contains("-conv3 | (None, 32, 64, 64) | 1 x 1 x 32 x 64 + 64 = 2112\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+conv3 | (None, 32, 64, 128) | 1 x 1 x 32 x 128 + 128 = 4224\n"),
        "{diff}"
    );
    // Rows the student got right are context, not changes — and so are the rows the verdicts
    // credit as follow-through (batchNorm's 64 channels carried from conv3): the diff agrees
    // with the table, one real mistake, one change.
    assert!(
        diff.contains(" dropout | (None, 32, 64, 32) | 0\n"),
        "{diff}"
    );
    assert!(
        diff.contains(" batchNorm | (None, 32, 64, 64) | 4 x 64 = 256\n"),
        "{diff}"
    );
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('-') && !l.starts_with("---"))
                || (l.starts_with('+') && !l.starts_with("+++"))
        })
        .collect();
    assert_eq!(changed.len(), 2, "{diff}");
}

/// The engine's filled template, read back by the answer parser, is all correct — for every
/// network of the golden corpus that Keras 2 can summarise.
#[test]
fn every_golden_networks_filled_template_round_trips_to_full_marks() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut snippets: Vec<PathBuf> = ["fixtures/keras", "fixtures/keras/real"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    snippets.sort();
    for snippet in snippets {
        let code = read(&snippet);
        let toml = "[exam]\ntitle = \"t\"\n[[questions]]\nid = \"s\"\ncolumn = \"S\"\npoints = 1\nkind = \"summary\"\nmodel = \"m.py\"\n";
        let load = |_: &str| Ok(code.clone());
        let Ok(rubric) = rubric::parse_with("r.toml", toml, &load) else {
            // No key where the engine refuses the model under Keras 2 (an unbuilt Sequential
            // model, or a construct in fixtures/keras/real/refusals.txt).
            let name = snippet.file_stem().unwrap().to_str().unwrap();
            let refusals = read(&root().join("fixtures/keras/real/refusals.txt"));
            assert!(
                name.contains("unbuilt") || refusals.contains(&format!("{name} keras2: ")),
                "{}",
                snippet.display()
            );
            continue;
        };
        let question = &rubric.questions[0];
        let examgrade::rubric::Kind::Summary(key) = &question.kind else {
            panic!()
        };
        let s = score(question, &key.reference.filled, Separator::Semicolon);
        let not_correct: Vec<String> = s
            .findings
            .iter()
            .filter(|f| matches!(f, Finding::Field { verdict, .. } if *verdict != Verdict::Correct))
            .map(|f| f.message())
            .collect();
        if !not_correct.is_empty() || s.points != Points::ONE {
            failures.push(format!(
                "{}: {not_correct:#?}\n{}",
                snippet.display(),
                key.reference.filled
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, 88 + 54, "exam-style and real-world networks");
}
