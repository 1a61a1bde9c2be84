//! Bad input: a clear message naming the file and the position, exit code 2, no panic.

use super::*;

fn fails(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let assert = examgrade()
        .args(args)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stdout("");
    String::from_utf8(assert.get_output().stderr.clone()).unwrap()
}

#[test]
fn garbage_file_is_one_clear_error() {
    let err = fails(&[
        "grade",
        "--rubric",
        SEED_RUBRIC,
        "fixtures/invalid/garbage.bin",
    ]);
    assert_eq!(
        err,
        "error: fixtures/invalid/garbage.bin: not a Microsoft Forms or Google Forms export: it is \
         a binary file, neither an Excel workbook nor CSV text\n"
    );
}

#[test]
fn a_csv_that_is_not_an_export_names_its_header() {
    let err = fails(&[
        "grade",
        "--rubric",
        SEED_RUBRIC,
        "fixtures/invalid/not-an-export.csv",
    ]);
    assert_eq!(
        err,
        "error: fixtures/invalid/not-an-export.csv: not a Microsoft Forms or Google Forms export: \
         its header row (line 1) starts `Student`, `Grade` and has none of the columns an export \
         starts with (ID, Start time, Completion time, Email, Name; Google Forms: Timestamp)\n"
    );
}

#[test]
fn a_missing_file_is_named() {
    let err = fails(&["grade", "--rubric", SEED_RUBRIC, "fixtures/nope.xlsx"]);
    assert!(
        err.starts_with("error: fixtures/nope.xlsx: cannot read the file: "),
        "{err}"
    );
}

#[test]
fn rubric_errors_show_file_line_column_and_a_caret() {
    let cases = [
        (
            "misspelt-scheme",
            "error: fixtures/rubrics/invalid/misspelt-scheme.toml:9:10: unknown scheme `net-corect` \
             (did you mean `net-correct`?)\n  |\n9 | scheme = \"net-corect\"\n  |          ^^^^^^^^^^^^\n",
        ),
        (
            "select-mismatch",
            "error: fixtures/rubrics/invalid/select-mismatch.toml:10:10: `select = 3` but the key \
             has 2 correct option(s)\n   |\n10 | select = 3\n   |          ^\n",
        ),
        (
            "unknown-key-option",
            "error: fixtures/rubrics/invalid/unknown-key-option.toml:10:7: key `12 x 21` is not one \
             of the question's options (did you mean `12 x 12`?)\n   |\n10 | key = \"12 x 21\"\n   \
             |       ^^^^^^^^^\n",
        ),
        (
            "text-without-criteria",
            "error: fixtures/rubrics/invalid/text-without-criteria.toml:8:8: question `q2-gans` has no \
             [[questions.criteria]]: say what a good answer contains (or add `ungraded = true`)\n  |\n8 \
             | kind = \"text\"\n  |        ^^^^^^\n",
        ),
        (
            "toml-syntax",
            "error: fixtures/rubrics/invalid/toml-syntax.toml:4:13: unclosed array table, expected \
             `]`\n  |\n4 | [[questions]\n  |             ^\n",
        ),
    ];
    for (name, expected) in cases {
        let rubric = format!("fixtures/rubrics/invalid/{name}.toml");
        assert_eq!(
            fails(&["grade", "--rubric", &rubric, SEED_XLSX]),
            expected,
            "{name}"
        );
    }
}

#[test]
fn a_column_not_in_the_export_lists_the_closest_headers() {
    let err = fails(&[
        "grade",
        "--rubric",
        "fixtures/rubrics/invalid/wrong-column.toml",
        SEED_XLSX,
    ]);
    assert_eq!(
        err,
        "error: fixtures/2022-02-09/responses.xlsx: question `q2-receptive` \
         (fixtures/rubrics/invalid/wrong-column.toml:4:1) names column `What is the receptive field \
         of a neuron at the centre?`, which is not in the export; closest headers: `What is the \
         receptive field of a pixel at the center of the output of batchNorm layer?`, `What is the \
         Transformer? How does attention work in this model?`, `Consider the Inception Net module. \
         Which of the following statements are true?`\n"
    );
}
