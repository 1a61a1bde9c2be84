//! TA decisions (overrides) that survive regrading, the regrade preview, and grades.xlsx.

use super::*;

fn decisions(dir: &Path, from: &Path) -> PathBuf {
    // The TA's worksheet: review.csv with `override` and `comment` filled in on one row.
    let mut rows = csv_rows(&from.join("review.csv"));
    assert_eq!(
        rows[0][9..],
        ["override", "comment", "respondent", "answer"]
    );
    let fuzzy = rows
        .iter()
        .position(|r| r[7] == "fuzzy-match")
        .expect("the fuzzy option match is to review");
    rows[fuzzy][9] = "1".into();
    rows[fuzzy][10] = "Edited option text: accepted".into();
    let path = dir.join("decisions.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    path
}

#[test]
fn overrides_round_trip_and_survive_a_rubric_change() {
    let work = tempfile::tempdir().unwrap();
    let (_a, first) = grade(SEED_RUBRIC, &[SEED_XLSX], &["-q"]);
    let file = decisions(work.path(), &first);
    let (_b, second) = grade(
        SEED_RUBRIC,
        &[SEED_XLSX],
        &["-q", "--overrides", file.to_str().unwrap()],
    );
    let rows = csv_rows(&second.join("grades.csv"));
    let r15 = rows.iter().find(|r| r[0] == "15").unwrap();
    assert_eq!((r15[3].as_str(), r15[12].as_str()), ("1", "12"));
    // Decided: no longer to review, but listed as decided (so a copy of this review.csv is
    // still the whole decisions file), and the report says who decided.
    let review = csv_rows(&second.join("review.csv"));
    assert_eq!(review.len(), 46);
    let decided = review.iter().position(|r| r[7] == "decided").unwrap();
    assert_eq!(
        review[decided][5..11],
        [
            "q1-gradients",
            "1",
            "decided",
            "decided by a TA; the machine gave 0.5",
            "1",
            "Edited option text: accepted"
        ]
    );
    let report = read(&second.join("reports/id15_jurgen-ricci15.md"));
    assert!(
        report.contains(
            "- Points set by your teacher: 1 point (automatic grading gave 0.5) — “Edited option text: accepted”\n"
        ),
        "{report}"
    );
    // The regrade preview shows exactly that change.
    let out = examgrade()
        .arg("diff")
        .arg(&first)
        .arg(&second)
        .assert()
        .success();
    assert_eq!(
        String::from_utf8(out.get_output().stdout.clone()).unwrap(),
        "15 Jürgen Ricci: total 11.5 → 12 (+0.5); q1-gradients 0.5 → 1 (+0.5)\n1 of 43 respondent(s) changed\n"
    );
    // A changed rubric (all-or-nothing on q1): the decision still applies to that question.
    let rubric = work.path().join("changed.toml");
    let text = read(&root().join(SEED_RUBRIC))
        .replacen("scheme = \"net-correct\"", "scheme = \"all-or-nothing\"", 1)
        .replace(
            "model = \"models/",
            &format!("model = \"{}/rubrics/models/", root().display()),
        );
    std::fs::write(&rubric, text).unwrap();
    let (_c, third) = grade(
        rubric.to_str().unwrap(),
        &[SEED_XLSX],
        &["-q", "--overrides", file.to_str().unwrap()],
    );
    let rows = csv_rows(&third.join("grades.csv"));
    assert_eq!(rows.iter().find(|r| r[0] == "15").unwrap()[3], "1");
    assert_eq!(
        rows.iter().find(|r| r[0] == "4").unwrap()[3],
        "0",
        "all-or-nothing elsewhere"
    );
    let out = examgrade()
        .arg("diff")
        .arg(&first)
        .arg(&third)
        .assert()
        .success();
    let diff = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        diff.contains("4 Niccolò Ricci: total 18.5 → 16 (-2.5); q1-gradients 2.5 → 0 (-2.5)\n"),
        "{diff}"
    );
}

#[test]
fn an_override_for_a_missing_respondent_or_question_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (body, message) in [
        (
            "id,question,override,comment\n999,q1-rnn,1,x\n",
            "decisions.csv:2: no graded respondent is ID `999`",
        ),
        (
            "id,question,override,comment\n15,q1-rnm,1,x\n",
            "decisions.csv:2: the rubric has no question `q1-rnm` (did you mean `q1-rnn`?)",
        ),
        (
            "id,question,override,comment\n15,q1-rnn,4,x\n",
            "decisions.csv:2: 4 points for `q1-rnn` is outside 0..3",
        ),
    ] {
        let file = dir.path().join("decisions.csv");
        std::fs::write(&file, body).unwrap();
        let out = examgrade()
            .args(["grade", "-q", "--rubric", SEED_RUBRIC, SEED_XLSX, "--out"])
            .arg(dir.path().join("out"))
            .arg("--overrides")
            .arg(&file)
            .assert()
            .code(2);
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(stderr.ends_with(&format!("{message}\n")), "{stderr}");
    }
}

#[test]
fn grades_xlsx_has_numbers_as_numbers_and_a_frozen_header() {
    use calamine::{Data, Reader};
    let (_d, out) = grade(SEED_RUBRIC, &[SEED_XLSX], &["-q"]);
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(out.join("grades.xlsx")).unwrap();
    let range = book.worksheet_range("grades").unwrap();
    assert_eq!(range.get((0, 0)), Some(&Data::String("id".into())));
    assert_eq!(range.get((0, 12)), Some(&Data::String("total".into())));
    assert_eq!(range.get((4, 3)), Some(&Data::Float(2.5)));
    assert_eq!(range.get((4, 12)), Some(&Data::Float(18.5)));
    let sheet = String::from_utf8(read_zip_entry(
        &out.join("grades.xlsx"),
        "xl/worksheets/sheet1.xml",
    ))
    .unwrap();
    assert!(sheet.contains("state=\"frozen\""), "{sheet}");
}
