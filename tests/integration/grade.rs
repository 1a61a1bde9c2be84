//! `examgrade grade` on the seed exam.

use super::*;

fn row<'a>(rows: &'a [Vec<String>], id: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r[0] == id)
        .unwrap_or_else(|| panic!("no row with id {id}"))
}

#[test]
fn seed_exam_grades_every_choice_question_with_its_scheme() {
    let (_dir, out) = grade(SEED_RUBRIC, &[SEED_XLSX], &["--quiet"]);
    let rows = csv_rows(&out.join("grades.csv"));
    assert_eq!(
        rows[0],
        [
            "id",
            "email",
            "name",
            "q1-gradients",
            "q1-rnn",
            "q2-summary",
            "q2-receptive-field",
            "q2-tasks",
            "q2-inception",
            "q2-gans",
            "q3-ntm",
            "q3-transformer",
            "total",
            "max",
            "review"
        ]
    );
    // 46 rows: 3 resubmissions superseded, 43 respondents graded.
    assert_eq!(rows.len(), 1 + 43);
    let cells = |id: &str| -> Vec<&str> {
        let r = row(&rows, id);
        vec![&r[3], &r[5], &r[6], &r[7], &r[8], &r[12], &r[13], &r[14]]
            .into_iter()
            .map(String::as_str)
            .collect()
    };
    // perfect (the summary too)
    assert_eq!(cells("1"), ["3", "5", "1", "1", "1", "20", "20", "0"]);
    // blank: 0 everywhere, never negative
    assert_eq!(cells("2"), ["0", "0", "0", "0", "0", "0", "20", "0"]);
    // everything ticked: net-correct (t − f)/C ≤ 0 on every checkbox
    assert_eq!(cells("3"), ["0", "5", "1", "0", "0", "15", "20", "0"]);
    // one extra: 3·5/6 = 2.5; 1·1/2; 1·1/2
    assert_eq!(
        cells("4"),
        ["2.5", "5", "1", "0.5", "0.5", "18.5", "20", "0"]
    );
    // one missing (and a wrong receptive field)
    assert_eq!(
        cells("5"),
        ["2.5", "5", "0", "0.5", "0.5", "17.5", "20", "0"]
    );
    // click order shuffled: still perfect
    assert_eq!(cells("6"), ["3", "5", "1", "1", "1", "20", "20", "0"]);
    // the untouched summary template is not answered: 0, not reviewed
    assert_eq!(row(&rows, "11")[5], "0");
    // free text is graded: the perfect answers earn every criterion
    assert_eq!(row(&rows, "1")[4], "3");
    // the edited option text counts, and goes to review
    assert_eq!(row(&rows, "15")[3], "0.5");
    assert_eq!(row(&rows, "15")[14], "1");
}

#[test]
fn latest_submission_wins_and_superseded_rows_are_listed() {
    let (_dir, out) = grade(SEED_RUBRIC, &[SEED_XLSX], &["--quiet"]);
    let rows = csv_rows(&out.join("grades.csv"));
    // Respondent 7 resubmitted as ID 44 (e-mail in upper case): ID 44 is graded, in its place.
    assert!(
        rows.iter()
            .all(|r| r[0] != "7" && r[0] != "46" && r[0] != "45")
    );
    assert_eq!(row(&rows, "44")[12], "20");
    // Respondent 8's other submission was completed earlier, though exported later.
    assert_eq!(row(&rows, "8")[1], "matteo.bianchi08@studenti.example.edu");
    let superseded = csv_rows(&out.join("superseded.csv"));
    let ids: Vec<&str> = superseded[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["7", "45", "46"]);
    assert_eq!(
        superseded[2][6],
        "latest submission counts: superseded by ID 8 (line 9, completed 2/9/22 10:24:44)"
    );
    // Anonymous rows are each their own respondent.
    assert_eq!(rows.iter().filter(|r| r[1] == "anonymous").count(), 3);
}

#[test]
fn duplicate_policy_first_and_all() {
    let dir = tempfile::tempdir().unwrap();
    for (policy, graded, superseded) in [("first", 43, ["44", "7", "8"]), ("all", 46, ["", "", ""])]
    {
        let rubric = dir.path().join(format!("{policy}.toml"));
        // The copy lives elsewhere: point its model at the repository's file.
        let text = read(&root().join(SEED_RUBRIC))
            .replace(
                "duplicates = \"latest\"",
                &format!("duplicates = \"{policy}\""),
            )
            .replace(
                "model = \"models/",
                &format!("model = \"{}/rubrics/models/", root().display()),
            );
        std::fs::write(&rubric, text).unwrap();
        let (_d, out) = grade(rubric.to_str().unwrap(), &[SEED_XLSX], &["-q"]);
        assert_eq!(
            csv_rows(&out.join("grades.csv")).len(),
            1 + graded,
            "{policy}"
        );
        let sup = csv_rows(&out.join("superseded.csv"));
        let mut ids: Vec<&str> = sup[1..].iter().map(|r| r[0].as_str()).collect();
        ids.sort();
        let mut expected: Vec<&str> = superseded
            .iter()
            .copied()
            .filter(|s| !s.is_empty())
            .collect();
        expected.sort();
        assert_eq!(ids, expected, "{policy}");
    }
}

#[test]
fn grades_json_explains_every_point() {
    let (_dir, out) = grade(SEED_RUBRIC, &[SEED_XLSX], &["--quiet"]);
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("grades.json"))).unwrap();
    let r4 = &json["respondents"][3];
    assert_eq!(r4["respondent"]["id"], "4");
    assert_eq!(r4["total"], 18.5);
    assert_eq!(r4["max"], 20);
    let q1 = &r4["questions"][0];
    assert_eq!(q1["id"], "q1-gradients");
    assert_eq!(q1["points"], 2.5);
    assert_eq!(q1["status"], "graded");
    let findings = q1["findings"].as_array().unwrap();
    assert_eq!(
        findings.last().unwrap()["formula"],
        "max(0, (t − f)/C) = max(0, (6 − 1)/6) = 5/6 × 3 points = 2.5"
    );
    assert!(
        findings
            .iter()
            .any(|f| f["kind"] == "select-count" && f["expected"] == 6 && f["ticked"] == 7)
    );
    // A free-text question: each criterion with the words that met it and where.
    let rnn = &r4["questions"][1];
    assert_eq!(rnn["id"], "q1-rnn");
    assert_eq!(rnn["points"], 3);
    let first = &rnn["findings"][0];
    assert_eq!(first["kind"], "criterion");
    assert_eq!(first["criterion"], "cause-repeated-product");
    assert_eq!(first["met"], true);
    assert_eq!(first["points"], 1);
    let evidence = &first["matched"][0];
    assert_eq!(evidence["text"], "gradient is a product");
    assert_eq!(evidence["rule"], "exact");
    let answer =
        "The vanishing gradient is due to backpropagation through time: the gradient is a product";
    assert_eq!(
        evidence["start"],
        answer.len() - "gradient is a product".len()
    );
    assert_eq!(evidence["end"], answer.len());
    // Blank respondent: "not-answered".
    assert_eq!(
        json["respondents"][1]["questions"][0]["status"],
        "not-answered"
    );
    assert_eq!(json["superseded"].as_array().unwrap().len(), 3);
    assert_eq!(json["problems"].as_array().unwrap().len(), 0);
}

#[test]
fn review_queue_lists_the_fuzzy_option_match() {
    let (_dir, out) = grade(SEED_RUBRIC, &[SEED_XLSX], &["--quiet"]);
    let review = csv_rows(&out.join("review.csv"));
    assert_eq!(review.len(), 46);
    let reasons = |r: &str| review.iter().filter(|row| row[7] == r).count();
    // On-topic answers that earned half the points or less: a paraphrase the criteria may
    // have missed, or an answer on the track that a human marks.
    assert_eq!(reasons("scorers-disagree"), 31);
    // Answers of three words or more that meet no criterion (and no penalty): a human's call.
    // "They are Turing machines implemented with neurons, attention is not used" is one: on the
    // topic (half a point of 2 on similarity alone) but wrong.
    assert_eq!(reasons("nothing-matched"), 12);
    // No answer's points rest mostly on similarity alone.
    assert_eq!(reasons("paraphrase-credit"), 0);
    // A terse answer of keywords, that the second opinion finds on the track of the best ones.
    assert_eq!(review[6][0], "13");
    assert_eq!(review[6][7], "keyword-list");
    assert_eq!(review[7][0], "13");
    assert_eq!(review[7][7], "scorers-disagree");
    assert_eq!(review[8][0], "15");
    assert_eq!(review[8][5], "q1-gradients");
    assert_eq!(review[8][7], "fuzzy-match");
    assert_eq!(
        review[8][8],
        "`The average gradient-norm during training` was taken as option \
         `The average gradient norm during training` (similarity 0.98)"
    );
}

#[test]
fn output_is_byte_identical_for_one_and_eight_threads() {
    let (_a, one) = grade(SEED_RUBRIC, &[SEED_XLSX], &["--jobs", "1", "-q"]);
    let (_b, eight) = grade(SEED_RUBRIC, &[SEED_XLSX], &["--jobs", "8", "-q"]);
    for file in [
        "grades.csv",
        "grades.xlsx",
        "grades.json",
        "review.csv",
        "superseded.csv",
        "index.html",
        "stats.json",
        "stats.md",
        "stats.html",
        "reports/id14_anais-gallo14.html",
        "reports/id14_anais-gallo14.md",
    ] {
        assert_eq!(
            std::fs::read(one.join(file)).unwrap(),
            std::fs::read(eight.join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn summary_goes_to_stderr_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let assert = examgrade()
        .args(["grade", "--rubric", SEED_RUBRIC, SEED_XLSX, "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout("");
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("read fixtures/2022-02-09/responses.xlsx (xlsx): 46 response row(s)\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "graded 43 respondent(s), out of 20 points; 3 superseded submission(s) (policy: latest); \
             0 row problem(s); 45 item(s) to review"
        ),
        "{stderr}"
    );
}

#[test]
fn ungraded_questions_are_blank_loudly_and_out_of_the_totals() {
    let dir = tempfile::tempdir().unwrap();
    let rubric = dir.path().join("ungraded.toml");
    let text = read(&root().join(SEED_RUBRIC))
        .replace(
            "model = \"models/",
            &format!("model = \"{}/rubrics/models/", root().display()),
        )
        .replace("id = \"q3-ntm\"", "id = \"q3-ntm\"\nungraded = true");
    std::fs::write(&rubric, text).unwrap();
    let out = dir.path().join("out");
    let assert = examgrade()
        .arg("grade")
        .arg("--rubric")
        .arg(&rubric)
        .arg(SEED_XLSX)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with("warning: 1 question(s) NOT GRADED, left blank and out of the totals: q3-ntm (text, 2 pts)\n"), "{stderr}");
    let rows = csv_rows(&out.join("grades.csv"));
    assert_eq!(rows[0][10], "q3-ntm (ungraded)");
    assert_eq!(rows[1][10], "");
    assert_eq!(rows[1][13], "18");
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("grades.json"))).unwrap();
    let ntm = &json["respondents"][0]["questions"][7];
    assert_eq!(ntm["points"], serde_json::Value::Null);
    assert_eq!(ntm["status"], "ungraded");
}

#[test]
fn formula_like_cells_are_neutralised_in_every_csv() {
    let (_dir, out) = grade(
        "fixtures/injection/rubric.toml",
        &["fixtures/injection/responses.csv"],
        &["-q"],
    );
    let rows = csv_rows(&out.join("grades.csv"));
    assert_eq!(rows[1][1], "'+39@example.org");
    assert_eq!(rows[1][2], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(rows[2][1], "'@admin");
    assert_eq!(rows[2][2], "'-Minus Person");
    let review = csv_rows(&out.join("review.csv"));
    assert_eq!(
        review[1][2],
        "'=HYPERLINK(\"http://evil.example\",\"click\")"
    );
    assert_eq!(
        review[1][8],
        "ticked `=cmd|' /C calc'!A0`, which is no option of the rubric"
    );
}

#[test]
fn every_respondent_gets_markdown_and_html_reports_an_index_and_statistics() {
    let (_dir, out) = grade(SEED_RUBRIC, &[SEED_XLSX], &["-q"]);
    let mut names: Vec<String> = std::fs::read_dir(out.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 86);
    // Named by Forms ID and e-mail, so a TA finds a report from either.
    assert_eq!(names[0], "id10_respondent.html");
    assert_eq!(names[1], "id10_respondent.md");
    assert!(names.contains(&"id1_giulia-damico01.html".to_string()));
    // Respondent 14 pasted the template with a pooling mistake carried through.
    let report = read(&out.join("reports/id14_anais-gallo14.md"));
    assert!(
        report.contains("*Question q2-summary* · **4.53 / 5 points**\n\n29 of 32 fields right (10 of them right given your own earlier values) × 5 points = 4.53\n"),
        "{report}"
    );
    // Only real mistakes are listed; fields carried forward correctly are counted as right.
    assert!(
        report.contains("| mp1 | shape | (None, 128, 256, 16) | (None, 64, 128, 16) | ✗ wrong |\n"),
        "{report}"
    );
    assert!(!report.contains("| conv2 | shape |"), "{report}");
    assert!(
        report.contains("| batchNorm | params | 256 | 512 | ✗ wrong |\n"),
        "{report}"
    );
    assert!(
        report.contains("\n-mp1 | (None, 128, 256, 16) | 0\n"),
        "{report}"
    );
    assert!(
        report.contains("\n+mp1 | (None, 64, 128, 16) | 0\n"),
        "{report}"
    );
    let html = read(&out.join("reports/id14_anais-gallo14.html"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("<link") && !html.contains("src=\"http"),
        "self-contained"
    );
    assert!(
        html.contains("<span class=\"del\">-mp1 | (None, 128, 256, 16) | 0</span>"),
        "{html}"
    );
    // Free text: the words that earned a criterion are highlighted.
    let perfect = read(&out.join("reports/id1_giulia-damico01.html"));
    assert!(
        perfect.contains("<mark>gradient is a product</mark>"),
        "{perfect}"
    );
    let index = read(&out.join("index.html"));
    assert!(index.contains("<a href=\"reports/id1_giulia-damico01.html\">report</a>"));
    let stats: serde_json::Value = serde_json::from_str(&read(&out.join("stats.json"))).unwrap();
    assert_eq!(stats["respondents"], 43);
    assert!(read(&out.join("stats.html")).contains("<svg"));
}

#[test]
fn hostile_names_and_cells_cannot_escape_the_reports() {
    let (_dir, out) = grade(
        "fixtures/injection/rubric.toml",
        &["fixtures/injection/responses.csv"],
        &["-q"],
    );
    let mut names: Vec<String> = std::fs::read_dir(out.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // "+39@example.org" and "@admin": slugs only, inside reports/.
    assert_eq!(
        names,
        [
            "id1_39.html",
            "id1_39.md",
            "id2_-minus-person.html",
            "id2_-minus-person.md"
        ]
    );
    let html = read(&out.join("reports/id1_39.html"));
    assert!(
        html.contains("=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)"),
        "{html}"
    );
    assert!(!html.contains("<script"), "no script in a student report");
}

#[test]
fn regrading_into_the_same_directory_leaves_no_stale_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |rubric: &str, export: &str| {
        examgrade()
            .args(["grade", "-q", "--rubric", rubric, export, "--out"])
            .arg(&out)
            .assert()
            .success();
    };
    run(SEED_RUBRIC, SEED_XLSX);
    std::fs::write(out.join("reports/notes.txt"), "a TA's own file").unwrap();
    run(
        "fixtures/injection/rubric.toml",
        "fixtures/injection/responses.csv",
    );
    let mut names: Vec<String> = std::fs::read_dir(out.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "id1_39.html",
            "id1_39.md",
            "id2_-minus-person.html",
            "id2_-minus-person.md",
            "notes.txt"
        ]
    );
}

#[test]
fn json_lines_hold_the_same_result_one_respondent_per_line_and_none_writes_no_json() {
    let (_d1, document) = grade(SEED_RUBRIC, &[SEED_XLSX], &["--quiet", "--reports", "none"]);
    let (_d2, lines) = grade(
        SEED_RUBRIC,
        &[SEED_XLSX],
        &["--quiet", "--reports", "none", "--json", "lines"],
    );
    let (_d3, none) = grade(
        SEED_RUBRIC,
        &[SEED_XLSX],
        &["--quiet", "--reports", "none", "--json", "none"],
    );
    let mut whole: serde_json::Value =
        serde_json::from_slice(&std::fs::read(document.join("grades.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(lines.join("grades.jsonl")).unwrap();
    let respondents: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(respondents.len(), 43);
    assert_eq!(
        serde_json::Value::Array(respondents),
        whole["respondents"].take()
    );
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lines.join("run.json")).unwrap()).unwrap();
    whole.as_object_mut().unwrap().remove("respondents");
    assert_eq!(run, whole);
    assert!(!lines.join("grades.json").exists());
    // No JSON at all; every other output is the same, byte for byte.
    assert!(!none.join("grades.json").exists() && !none.join("grades.jsonl").exists());
    for name in [
        "grades.csv",
        "review.csv",
        "superseded.csv",
        "stats.json",
        "index.html",
    ] {
        assert_eq!(
            std::fs::read(none.join(name)).unwrap(),
            std::fs::read(document.join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn reports_zip_holds_every_report_as_the_files_would_be_and_is_the_same_on_every_run() {
    let (_d1, files) = grade(SEED_RUBRIC, &[SEED_XLSX], &["--quiet"]);
    let (_d2, zipped) = grade(SEED_RUBRIC, &[SEED_XLSX], &["--quiet", "--reports", "zip"]);
    let (_d3, again) = grade(
        SEED_RUBRIC,
        &[SEED_XLSX],
        &["--quiet", "--reports", "md,html,zip", "--jobs", "1"],
    );
    assert!(!zipped.join("reports").exists());
    let bytes = std::fs::read(zipped.join("reports.zip")).unwrap();
    assert_eq!(bytes, std::fs::read(again.join("reports.zip")).unwrap());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(archive.len(), 86);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        assert!(name.starts_with("reports/"), "{name}");
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
        assert_eq!(content, std::fs::read(files.join(&name)).unwrap(), "{name}");
    }
    // The class list links the reports as they stand once the archive is unpacked in DIR.
    assert_eq!(
        std::fs::read(zipped.join("index.html")).unwrap(),
        std::fs::read(files.join("index.html")).unwrap()
    );
}

#[test]
fn a_class_of_more_than_5000_gets_its_reports_in_one_archive_unless_asked_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("large.csv");
    let mut text = String::from(
        "ID,Start time,Completion time,Email,Name,Pick the prime numbers,\
         \"Machine epsilon of float16 near 1, to one significant digit\"\n",
    );
    for i in 1..=5001 {
        text.push_str(&format!(
            "{i},3/1/24 9:00:00,3/1/24 9:20:00,s{i}@example.edu,Student {i},2;3;,0.001\n"
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.path().join("out");
    let assert = examgrade()
        .args(["grade", "--rubric", "fixtures/safety/rubric.toml"])
        .arg(&csv)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(
            "note: 5001 respondents: their reports go into reports.zip, one file instead of \
             10002 (--reports md,html writes them as files)\n"
        ),
        "{stderr}"
    );
    assert!(!out.join("reports").exists());
    let archive = zip::ZipArchive::new(std::fs::File::open(out.join("reports.zip")).unwrap());
    assert_eq!(archive.unwrap().len(), 10002);
    // Asked for files, a large class gets files.
    let files = dir.path().join("files");
    examgrade()
        .args(["grade", "-q", "--rubric", "fixtures/safety/rubric.toml"])
        .arg(&csv)
        .arg("--out")
        .arg(&files)
        .args(["--reports", "md"])
        .assert()
        .success();
    assert!(!files.join("reports.zip").exists());
    assert_eq!(
        std::fs::read_dir(files.join("reports")).unwrap().count(),
        5001
    );
}
