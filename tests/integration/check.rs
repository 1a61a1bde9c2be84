//! `examgrade check`: rubrics load and their worked examples get their points; `--marked`
//! measures agreement with human graders.

use super::*;

#[test]
fn the_seed_rubric_and_all_its_worked_answers_pass() {
    let out = examgrade().args(["check", SEED_RUBRIC]).assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.starts_with("ok    rubrics/2022-02-09.toml: loads: 9 question(s)\n"),
        "{stdout}"
    );
    // The engine proves the receptive-field key.
    assert!(
        stdout.contains(
            "ok    rubrics/2022-02-09.toml q2-receptive-field: the key is proven by the engine \
             (rubrics/2022-02-09.toml:170:10): key `12 x 12`; the engine: the receptive field of \
             batchNorm is 12 x 12\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok    rubrics/2022-02-09.toml q2-summary: a wrong answer scores less than full: 4.84 of 5\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok    rubrics/2022-02-09.toml q1-rnn: example (line 118): 1 points\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("52 passed, 0 failed\n"), "{stdout}");
}

#[test]
fn a_broken_rubric_fails_and_an_unreadable_one_is_exit_2() {
    let out = examgrade()
        .args(["check", "fixtures/rubrics/invalid/misspelt-scheme.toml"])
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.starts_with(
            "FAIL  fixtures/rubrics/invalid/misspelt-scheme.toml: does not load\n\
             fixtures/rubrics/invalid/misspelt-scheme.toml:9:10: unknown scheme"
        ),
        "{stdout}"
    );
    examgrade()
        .args(["check", "fixtures/rubrics/nope.toml"])
        .assert()
        .code(2);
}

#[test]
fn marked_answers_give_agreement_figures() {
    let out = examgrade()
        .args([
            "check",
            SEED_RUBRIC,
            "--marked",
            "fixtures/marked/seed-text-marked.csv",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    // examgrade gives 2, 0, 1.5 and 0, 0.5, 1.5; the humans 2, 0, 1.5 and 0, 1.5, 0.5.
    let all = &json["overall"];
    assert_eq!(all["n"], 6);
    assert_eq!(all["rmse"].as_f64().unwrap(), (2.0f64 / 6.0).sqrt());
    assert_eq!(all["exact"].as_f64().unwrap(), 4.0 / 6.0);
    assert_eq!(all["within_one"], 1.0);
    let q2 = &json["per_question"][0];
    assert_eq!(q2["question"], "q2-gans");
    assert_eq!(q2["agreement"]["pearson"], 1.0);
    assert_eq!(json["per_question"][1]["question"], "q3-transformer");
    // Ids no rubric has, in natural order (q9 before q10), with no "did you mean".
    assert_eq!(
        json["not_in_rubric"],
        serde_json::json!([["q2-gan", 1], ["q9-unknown", 1], ["q10-later", 1]])
    );
    assert_eq!(json["blank_marks"], 1);
    assert_eq!(json["out_of_range"][0]["line"], 11);
    assert_eq!(
        json["out_of_range"][0]["why"],
        "9 points; the question has 2"
    );
    // q3: the humans gave 1.5 and 0.5 where examgrade gave 0.5 and 1.5 (50 % of 2 points);
    // the first is close in meaning to the best answers and goes to review.
    assert_eq!(json["review"]["far"], 2);
    assert_eq!(json["review"]["far_reviewed"], 1);
    assert_eq!(json["worst"][0]["line"], 6);
    let text = examgrade()
        .args([
            "check",
            SEED_RUBRIC,
            "--marked",
            "fixtures/marked/seed-text-marked.csv",
        ])
        .assert()
        .success();
    let text = String::from_utf8(text.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains(
            "
q2-gans            3    1.00   0.00   1.00    100%      100%   1.17   1.17     0%      -     0%\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n1 marked row(s) have no human points: skipped\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  line 11: q2-gans: 9 points; the question has 2\n"),
        "{text}"
    );
    assert!(text.ends_with("3 marked answer(s) for 3 question(s) the rubric does not have (not scored): q2-gan, q9-unknown, q10-later\n"), "{text}");
    // One row per scored answer, questions in natural order.
    let csv = examgrade()
        .args([
            "check",
            SEED_RUBRIC,
            "--marked",
            "fixtures/marked/seed-text-marked.csv",
            "--format",
            "csv",
        ])
        .assert()
        .success();
    let csv = String::from_utf8(csv.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "line,question,human,machine,max,difference,far,reviewed,criteria_met,matched,review_reasons,similarity,answer"
    );
    assert_eq!(lines.len(), 7);
    assert!(
        lines[3].starts_with("4,q2-gans,1.5,1.5,2,0,no,"),
        "{}",
        lines[3]
    );
    examgrade()
        .args(["check", SEED_RUBRIC, "--format", "csv"])
        .assert()
        .code(2);
}

/// One broken rubric per failure `check` must catch, each with the exact message (insta
/// snapshots in tests/integration/snapshots/).
#[test]
fn every_broken_rubric_fails_with_its_message() {
    let cases = [
        "wrong-receptive-field-key",
        "select-mismatch",
        "unknown-key-option",
        "misspelt-scheme",
        "wrong-example",
        "duplicate-option",
        "toml-syntax",
        "text-without-criteria",
        "criteria-exceed-points",
    ];
    for name in cases {
        let file = format!("fixtures/rubrics/invalid/{name}.toml");
        let out = examgrade().args(["check", &file]).assert().code(1);
        let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        insta::assert_snapshot!(name, stdout);
    }
}

#[test]
fn against_an_export_finds_columns_unknown_options_and_duplicates() {
    let out = examgrade()
        .args([
            "check",
            SEED_RUBRIC,
            "--against",
            SEED_XLSX,
            "--format",
            "json",
        ])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let checks = json["checks"].as_array().unwrap();
    let named = |name: &str| {
        checks
            .iter()
            .filter(|c| c["name"].as_str().unwrap().starts_with(name))
            .count()
    };
    assert_eq!(named("column found in"), 9);
    assert_eq!(named("ticked options are known in"), 3);
    let dup = checks
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with("duplicate policy"))
        .unwrap();
    assert_eq!(dup["detail"], "46 row(s): 43 graded, 3 superseded");
    // The edited option text of respondent 15 is matched fuzzily, not unknown.
    assert_eq!(json["failed"], 0);
    // The injection export ticks an option no rubric lists.
    let out = examgrade()
        .args([
            "check",
            "fixtures/injection/rubric.toml",
            "--against",
            "fixtures/injection/responses.csv",
        ])
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("FAIL  fixtures/injection/rubric.toml pick: ticked options are known in fixtures/injection/responses.csv: `=cmd|' /C calc'!A0` (1×)\n"), "{stdout}");
}
