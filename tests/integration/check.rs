//! `examgrade check`: rubrics load and their worked examples get their points; `--marked`
//! measures agreement with human graders.

use super::*;

#[test]
fn the_seed_rubric_and_all_its_worked_answers_pass() {
    let out = examgrade().args(["check", SEED_RUBRIC]).assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.starts_with("ok    rubrics/2022-02-09.toml: 9 question(s) load\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("25 passed, 0 failed\n"), "{stdout}");
}

#[test]
fn a_wrong_worked_example_fails_with_the_findings() {
    let out = examgrade()
        .args(["check", "fixtures/rubrics/invalid/wrong-example.toml"])
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        stdout,
        "ok    fixtures/rubrics/invalid/wrong-example.toml: 1 question(s) load\n\
         FAIL  fixtures/rubrics/invalid/wrong-example.toml:12 q2-receptive-field example: got 0 points, the rubric expects 1\n\
         \x20       chose `6 x 8`: wrong\n\
         1 passed, 1 failed\n"
    );
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
            "FAIL  fixtures/rubrics/invalid/misspelt-scheme.toml:9:10: unknown scheme"
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
    assert_eq!(json["per_question"]["q2-gans"]["pearson"], 1.0);
    assert_eq!(json["not_in_rubric"]["q9-unknown"], 1);
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
        text.contains("\nq2-gans        3    1.00   0.00   1.00    100%      100%   1.17   1.17\n"),
        "{text}"
    );
    assert!(text.ends_with("1 marked answer(s) for 1 question(s) the rubric does not have (not scored): q9-unknown\n"), "{text}");
}
