//! The safety guarantees (README "Safety"), one test per way they were once broken: no panic on
//! any input, no lost row, no formula in any output, nothing outside `--out`, TA decisions that
//! persist. `audit` scans everything a run wrote.

use super::*;

const HOSTILE: &str = "fixtures/hostile/responses.csv";
const QUIZ: &str = "fixtures/safety/rubric.toml";
const SITTING_A: &str = "fixtures/safety/sitting-a.csv";
const SITTING_B: &str = "fixtures/safety/sitting-b.csv";
const SITTING_B_AGAIN: &str = "fixtures/safety/sitting-b-reexport.csv";

/// Every file under `dir`, relative, without following links.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The output audit: in every file of a run, no CSV cell that Excel would run as a formula
/// after splitting it at `,` `;` tab or a line break (numbers excepted), no formula in the
/// workbook and every text a string cell, no Markdown heading, link, image or HTML and no
/// HTML element made of student text (student payloads carry `PWNED`), and only files with
/// safe names, all inside `out`.
fn audit(out: &Path) {
    let all = files(out);
    assert!(!all.is_empty());
    for rel in &all {
        let name = rel.to_string_lossy();
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_./".contains(&b)),
            "unsafe file name {name}"
        );
        let path = out.join(rel);
        assert!(
            std::fs::symlink_metadata(&path).unwrap().is_file(),
            "{name}"
        );
        let bytes = std::fs::read(&path).unwrap();
        match rel.extension().and_then(|e| e.to_str()) {
            Some("csv") => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(bytes.as_slice());
                for record in reader.records() {
                    for cell in record.unwrap().iter() {
                        assert!(
                            cell.trim().parse::<f64>().is_ok()
                                || !examgrade::report::has_formula_piece(cell),
                            "{name}: formula in cell {cell:?}"
                        );
                    }
                }
            }
            Some("xlsx") => {
                let sheet =
                    String::from_utf8(read_zip_entry(&path, "xl/worksheets/sheet1.xml")).unwrap();
                assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "{name}");
                // Text reaches the sheet only as string cells (inline, t="inlineStr", in
                // constant-memory mode; shared, t="s", otherwise), which Excel shows as text: a
                // cell is a number or a string, nothing else.
                for cell in sheet.split("<c ").skip(1) {
                    let head = &cell[..cell.find('>').unwrap()];
                    assert!(
                        head.contains("t=\"inlineStr\"")
                            || head.contains("t=\"s\"")
                            || !head.contains("t="),
                        "{name}: cell {head}"
                    );
                }
            }
            Some("md") => {
                use pulldown_cmark::{Event, Parser, Tag, TagEnd};
                let text = String::from_utf8(bytes).unwrap();
                let mut inside: Vec<&'static str> = Vec::new();
                let mut item_start = false;
                for event in Parser::new(&text) {
                    match event {
                        Event::Start(Tag::Heading { .. }) => inside.push("heading"),
                        Event::Start(Tag::BlockQuote(_)) => inside.push("quote"),
                        Event::End(TagEnd::BlockQuote(_)) => {
                            inside.pop();
                        }
                        // Reports quote answers in `> `: a list or code block inside the quote,
                        // or an indented code block anywhere, is student text taking shape.
                        Event::Start(Tag::List(_)) if inside.contains(&"quote") => {
                            panic!("{name}: a list inside a quoted answer")
                        }
                        Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Indented)) => {
                            panic!("{name}: an indented code block")
                        }
                        Event::Start(Tag::Item) => item_start = true,
                        Event::Start(Tag::Link { dest_url, .. }) => {
                            panic!("{name}: a link to {dest_url}")
                        }
                        Event::Start(Tag::Image { dest_url, .. }) => {
                            panic!("{name}: an image {dest_url}")
                        }
                        Event::Start(Tag::HtmlBlock) | Event::Html(_) | Event::InlineHtml(_) => {
                            panic!("{name}: HTML in Markdown")
                        }
                        Event::End(TagEnd::Heading(_)) => {
                            inside.pop();
                        }
                        Event::Text(t) | Event::Code(t) => {
                            assert!(
                                !(inside.contains(&"heading") && t.contains("PWNED")),
                                "{name}: a heading made of student text: {t}"
                            );
                            // Our list items start with our words (`ticked`, `criterion`, …).
                            assert!(
                                !(item_start && t.contains("PWNED") && !t.contains(' ')),
                                "{name}: a list item made of student text: {t}"
                            );
                            assert!(
                                !(item_start && t.starts_with("list PWNED")),
                                "{name}: a list item made of student text: {t}"
                            );
                            item_start = false;
                        }
                        _ => {}
                    }
                }
            }
            Some("html") => {
                let text = String::from_utf8(bytes).unwrap();
                // Every `<` starts one of our own tags: none is followed by student text.
                for (at, _) in text.match_indices('<') {
                    let tag = &text[at..text[at..].find('>').map_or(text.len(), |e| at + e)];
                    assert!(
                        !tag.contains("PWNED"),
                        "{name}: student text in a tag: {tag}"
                    );
                }
                assert!(!text.contains("<script>alert"), "{name}");
                assert!(!text.contains("<img src=x"), "{name}");
            }
            _ => {}
        }
    }
}

fn run_grade(
    rubric: &str,
    exports: &[&str],
    out: &Path,
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    examgrade()
        .arg("grade")
        .args(["--rubric", rubric])
        .args(exports)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stderr.clone()).unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap()
}

fn respondent<'a>(grades: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    grades["respondents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["respondent"]["id"] == id)
        .unwrap_or_else(|| panic!("no respondent {id}"))
}

fn question<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == id)
        .unwrap()
}

#[test]
fn a_hostile_class_is_graded_whole_and_every_output_passes_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let a = run_grade(SEED_RUBRIC, &[HOSTILE], &out, &[]).code(0);
    // Item 12: the pasted second header is reported and skipped, never a student "Name".
    assert!(
        stderr(&a).contains(
            "note: 1 repeated header row(s) skipped (exports pasted together?): line(s) 130"
        ),
        "{}",
        stderr(&a)
    );
    let grades = json(&out.join("grades.json"));
    let ids: Vec<&str> = grades["respondents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["respondent"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["-5", "+7", "8", "9", "10", "11", "12"], "no row lost");
    // Item 1: `İ` in a summary answer is graded like any other text: 4.69 of 5, conv1's
    // formula unparsed and sent to review.
    let ipek = respondent(&grades, "8");
    assert_eq!(question(ipek, "q2-summary")["points"], 4.69);
    assert_eq!(ipek["total"], 18.69);
    // Item 13: one NUL byte is a problem of that row, not of the file.
    assert_eq!(
        respondent(&grades, "9")["problems"][0],
        "NUL character(s) removed from column(s) 13 `In Recurrent Neural Networks (RNN), what…`"
    );
    // Item 15: an answer cut at 100,000 bytes says so.
    assert_eq!(
        question(respondent(&grades, "11"), "q2-gans")["review"][0]["detail"],
        "q2-gans: the answer has 120342 bytes; only the first 100000 were graded"
    );
    // Item 6: the names Excel in it-IT would split into formulas are neutralised after every
    // `;`, tab and line break, and quoted.
    let csv = read(&out.join("grades.csv"));
    assert!(
        csv.contains(
            "'+7,\"'=HYPERLINK(\"\"http://evil.example/PWNED\"\")@example.org\",\"Rossi;'=cmd|' /C calc'!A0;PWNED\",3,"
        ),
        "{csv}"
    );
    assert!(csv.contains("8,'@admin.example,\"İpek Şahin\t'=1+1 PWNED\",3,3,4.69,0,"));
    // Item 10: a name longer than an Excel cell is cut with a note, not a failed run.
    use calamine::{Data, Reader};
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(out.join("grades.xlsx")).unwrap();
    let range = book.worksheet_range("grades").unwrap();
    let Some(Data::String(long)) = range.get((5, 2)) else {
        panic!("no name cell")
    };
    assert_eq!(long.chars().count(), 32_767);
    assert!(long.ends_with(" … [cut at Excel's 32,767-character limit]"));
    audit(&out);
}

#[test]
fn markdown_reports_quote_student_text_without_letting_it_start_a_block() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_grade(SEED_RUBRIC, &[HOSTILE], &out, &["-q"]).code(0);
    let report = read(&out.join("reports/id-5_bianchi-total-20-20-pwned.md"));
    // The bare CR of `Bianchi\r# Total: 20 / 20` is a space; the `#` no heading.
    assert!(
        report.contains("\nBianchi \\# Total: 20 / 20 PWNED · ID -5  \n"),
        "{report}"
    );
    let ctrl = read(&out.join("reports/id12_ctrl.md"));
    assert!(
        ctrl.contains("\n\\- list PWNED · ctrl@example.org · ID 12  \n"),
        "{ctrl}"
    );
    assert!(
        ctrl.contains(
            "> \\- PWNED list item 1. PWNED ordered + PWNED    PWNED indented \
             https\\://evil.example/PWNED www\\.evil.example Neural"
        ),
        "{ctrl}"
    );
    let ntm = read(&out.join("reports/id8_pek-ahin-1-1-pwned.md"));
    assert!(
        ntm.contains("> \\# PWNED heading - PWNED list 1. PWNED \\> PWNED quote Neural Turing"),
        "{ntm}"
    );
    audit(&out);
}

#[test]
fn hostile_workbooks_are_refused_with_exit_2_and_a_message() {
    for (file, message) in [
        (
            "fixtures/hostile-xlsx/far-cell.xlsx",
            "its header row (line 1048576) starts",
        ),
        (
            "fixtures/hostile-xlsx/beyond-limits.xlsx",
            "too large to read: it has a cell at row 1, column 16385, beyond Excel's limits of \
             1048576 rows and 16384 columns",
        ),
        (
            "fixtures/hostile-xlsx/bomb.xlsx",
            "too large to read: its parts inflate to more than 2048 MiB",
        ),
        (
            "fixtures/hostile-xlsx/bomb-lying.xlsx",
            "it is not a readable Excel workbook (File is larger than its declared uncompressed size)",
        ),
    ] {
        let a = examgrade().args(["init", file]).assert().code(2);
        let err = stderr(&a);
        assert!(err.starts_with(&format!("error: {file}: ")), "{err}");
        assert!(err.contains(message), "{file}: {err}");
    }
}

#[test]
fn deep_keras_snippets_and_device_files_are_errors_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    // Item 4: 100,000 `**` in a row.
    let deep = dir.path().join("deep.py");
    std::fs::write(&deep, format!("x = 1{}\n", "**1".repeat(100_000))).unwrap();
    let a = examgrade().arg("summary").arg(&deep).assert().code(2);
    assert!(
        stderr(&a).contains("line 1, column 602: the code is nested too deeply or too long"),
        "{}",
        stderr(&a)
    );
    // Item 5: devices are not model files.
    for device in ["/dev/stdin", "/dev/zero"] {
        let a = examgrade().args(["summary", device]).assert().code(2);
        assert_eq!(
            stderr(&a),
            format!(
                "error: {device}: not a regular file (a directory, device or pipe); give the path of a file\n"
            )
        );
        let rubric = dir.path().join("rubric.toml");
        std::fs::write(
            &rubric,
            read(&root().join(SEED_RUBRIC)).replace(
                "model = \"models/2022-02-09.py\"",
                &format!("model = \"{device}\""),
            ),
        )
        .unwrap();
        let a = examgrade()
            .arg("check")
            .arg(&rubric)
            .assert()
            .code(predicates::ord::ge(1));
        let out = String::from_utf8(a.get_output().stdout.clone()).unwrap() + &stderr(&a);
        assert!(
            out.contains(&format!("{device}: not a regular file")),
            "{out}"
        );
    }
    // --jobs is clamped, and says so.
    let out = dir.path().join("out");
    let a = run_grade(QUIZ, &[SITTING_A], &out, &["--jobs", "100000"]).code(0);
    assert!(
        stderr(&a).starts_with("note: --jobs 100000 is outside 1..=256; using 256 thread(s)\n")
    );
}

#[test]
fn numbers_are_shown_as_written_never_rounded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_grade(QUIZ, &[SITTING_A], &out, &["-q"]).code(0);
    let grades = json(&out.join("grades.json"));
    let f = &question(&grades["respondents"][1], "epsilon")["findings"][0];
    assert_eq!(
        (f["value"].as_str(), f["key"].as_str()),
        (Some("0.002"), Some("0.001"))
    );
    assert!(read(&out.join("reports/id2_respondent.md")).contains(
        "- ✗ Your answer: “0.002” — wrong\n- Right answer: “0.001” (accepted within ± 0)\n"
    ));
}

/// A decisions file as a TA writes it from a review.csv: rows whose `question` is `q` get
/// the points and comment.
fn decide(review: &Path, to: &Path, pick: &dyn Fn(&[String]) -> bool, points: &str) {
    let mut rows = csv_rows(review);
    assert_eq!(
        rows[0][9..],
        ["override", "comment", "respondent", "answer"]
    );
    for row in rows.iter_mut().skip(1) {
        if pick(row) {
            row[9] = points.into();
            row[10] = "checked by hand".into();
        }
    }
    let mut w = csv::Writer::from_path(to).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files(dir)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

#[test]
fn decisions_persist_across_reruns_and_the_review_csv_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let both = [SITTING_A, SITTING_B];
    run_grade(QUIZ, &both, &out, &["-q"]).code(0);
    // The TA decides the ambiguous `0,001` of sitting b's respondent 2: 0 points.
    let decisions = dir.path().join("decisions.csv");
    decide(
        &out.join("review.csv"),
        &decisions,
        &|r| r[5] == "epsilon",
        "0",
    );
    let d = decisions.to_str().unwrap();
    run_grade(QUIZ, &both, &out, &["-q", "--decisions", d]).code(0);
    let first = snapshot(&out);
    let rows = csv_rows(&out.join("grades.csv"));
    assert_eq!(rows[4][..6], ["2", "anonymous", "", "1", "0", "1"]);
    assert_eq!(
        rows[2][..6],
        ["2", "anonymous", "", "0", "0", "0"],
        "sitting a's ID 2 untouched"
    );
    // Item 9: the same command again — the decision is not reverted, and every output is
    // byte for byte the same.
    run_grade(QUIZ, &both, &out, &["-q", "--decisions", d]).code(0);
    assert_eq!(snapshot(&out), first);
    // review.csv lists the decision too: copied over the decisions file, nothing is lost.
    std::fs::copy(out.join("review.csv"), &decisions).unwrap();
    run_grade(QUIZ, &both, &out, &["-q", "--decisions", d]).code(0);
    assert_eq!(snapshot(&out), first);
    let review = csv_rows(&out.join("review.csv"));
    assert_eq!(
        review[1][5..],
        [
            "epsilon",
            "0",
            "decided",
            "decided by a TA; the machine gave 1",
            "0",
            "checked by hand",
            "sitting-b.csv#2",
            "f965d94d3a583383"
        ]
    );
    // A decisions file inside --out would be overwritten: refused.
    let inside = out.join("review.csv");
    let a = run_grade(
        QUIZ,
        &both,
        &out,
        &["--decisions", inside.to_str().unwrap()],
    )
    .code(2);
    assert!(
        stderr(&a).contains("the decisions file is inside --out"),
        "{}",
        stderr(&a)
    );
    assert_eq!(snapshot(&out), first, "a refused run writes nothing");
}

#[test]
fn a_decision_names_one_respondent_or_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let both = [SITTING_A, SITTING_B];
    let file = dir.path().join("decisions.csv");
    for (body, message) in [
        (
            "id,question,override,comment\n2,pick,2,x\n",
            "decisions.csv:2: ID `2` matches 2 graded respondents (fixtures/safety/sitting-a.csv \
             line 3, fixtures/safety/sitting-b.csv line 3); name one by its `respondent` key",
        ),
        (
            "respondent,question,override,comment\nsitting-c.csv#2,pick,2,x\n",
            "decisions.csv:2: no graded respondent is `sitting-c.csv#2`",
        ),
        (
            "respondent,question,override\nsitting-b.csv#2,pick,2\nsitting-b.csv#2,pick,1\n",
            "decisions.csv:3: respondent `sitting-b.csv#2` and question `pick` are decided twice \
             (first on line 2)",
        ),
    ] {
        std::fs::write(&file, body).unwrap();
        let a = run_grade(
            QUIZ,
            &both,
            &out,
            &["-q", "--decisions", file.to_str().unwrap()],
        )
        .code(2);
        assert!(
            stderr(&a).ends_with(&format!("{message}\n")),
            "{}",
            stderr(&a)
        );
    }
    assert!(!out.exists(), "nothing written by a refused run");
    // By key, or by ID and export file, it lands on the right respondent; an ID neutralised
    // for Excel (`'-5`) is read back as the ID.
    std::fs::write(
        &file,
        "id,file,question,override,comment\n2,sitting-b.csv,pick,2,x\n",
    )
    .unwrap();
    run_grade(
        QUIZ,
        &both,
        &out,
        &["-q", "--decisions", file.to_str().unwrap()],
    )
    .code(0);
    let rows = csv_rows(&out.join("grades.csv"));
    assert_eq!((rows[2][3].as_str(), rows[4][3].as_str()), ("0", "2"));
    std::fs::write(&file, "id,question,override,comment\n'-5,q1-rnn,1,x\n").unwrap();
    run_grade(
        SEED_RUBRIC,
        &[HOSTILE],
        &out,
        &["-q", "--decisions", file.to_str().unwrap()],
    )
    .code(0);
    assert_eq!(csv_rows(&out.join("grades.csv"))[1][4], "1");
}

#[test]
fn stale_decisions_are_reported_with_exit_1_and_kept_in_review_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let decisions = dir.path().join("decisions.csv");
    let hash = examgrade::score::run::answer_hash("2;3;9;");
    std::fs::write(
        &decisions,
        format!(
            "respondent,question,answer,override,comment\nsitting-b.csv#2,pick,{hash},2,fine\n"
        ),
    )
    .unwrap();
    let d = decisions.to_str().unwrap();
    // The re-export keeps the file name `sitting-b.csv`: copy it so.
    let again = dir.path().join("sitting-b.csv");
    std::fs::copy(root().join(SITTING_B_AGAIN), &again).unwrap();
    let a = run_grade(
        QUIZ,
        &[SITTING_A, again.to_str().unwrap()],
        &out,
        &["--decisions", d],
    )
    .code(1);
    assert!(
        stderr(&a).contains(&format!(
            "warning: {d}:2: decision for sitting-b.csv#2 on pick NOT applied: the answer changed \
             since it was made (see review.csv, reason stale-decision)\n"
        )),
        "{}",
        stderr(&a)
    );
    let rows = csv_rows(&out.join("grades.csv"));
    assert_eq!(rows[4][3], "2", "2;3; earns full points by itself");
    let review = csv_rows(&out.join("review.csv"));
    let stale = review.iter().find(|r| r[7] == "stale-decision").unwrap();
    assert_eq!(
        (stale[9].as_str(), stale[12].as_str()),
        ("2", hash.as_str())
    );
}

#[test]
fn diff_pairs_respondents_by_key_and_refuses_another_exam() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    run_grade(QUIZ, &[SITTING_A, SITTING_B], &old, &["-q"]).code(0);
    let decisions = dir.path().join("d.csv");
    std::fs::write(
        &decisions,
        "respondent,question,override\nsitting-b.csv#2,pick,2\n",
    )
    .unwrap();
    run_grade(
        QUIZ,
        &[SITTING_A, SITTING_B],
        &new,
        &["-q", "--decisions", decisions.to_str().unwrap()],
    )
    .code(0);
    let a = examgrade()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .assert()
        .success();
    assert_eq!(
        String::from_utf8(a.get_output().stdout.clone()).unwrap(),
        "2 : total 2 → 3 (+1); pick 1 → 2 (+1)\n1 of 4 respondent(s) changed\n"
    );
    let seed = dir.path().join("seed");
    run_grade(SEED_RUBRIC, &[SEED_XLSX], &seed, &["-q"]).code(0);
    let a = examgrade()
        .arg("diff")
        .arg(&old)
        .arg(&seed)
        .assert()
        .code(2);
    assert!(
        stderr(&a).contains("are runs of different exams"),
        "{}",
        stderr(&a)
    );
}

#[test]
fn a_run_replaces_only_its_own_files_and_follows_no_link() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_grade(SEED_RUBRIC, &[SEED_XLSX], &out, &["-q"]).code(0);
    // The TA's own files in the output folder, one named like a report, and a link to a
    // file outside it.
    let notes = out.join("reports/2024-exam-notes.md");
    std::fs::write(&notes, "my notes").unwrap();
    std::fs::write(out.join("README.txt"), "mine").unwrap();
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "not examgrade's").unwrap();
    std::os::unix::fs::symlink(&outside, out.join("reports/link.md")).unwrap();
    // A smaller class: 4 respondents instead of 43.
    run_grade(QUIZ, &[SITTING_A, SITTING_B], &out, &["-q"]).code(0);
    assert_eq!(read(&notes), "my notes");
    assert_eq!(read(&out.join("README.txt")), "mine");
    assert!(
        std::fs::symlink_metadata(out.join("reports/link.md"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read(&outside), "not examgrade's");
    let reports: Vec<PathBuf> = files(&out.join("reports"));
    assert_eq!(reports.len(), 4 * 2 + 2, "{reports:?}");
    // Nothing left beside the output folder.
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(beside, ["out", "outside.txt"]);
    // A file of the TA's where a run would write is refused before anything is written.
    std::fs::remove_file(out.join(".examgrade-manifest")).unwrap();
    let before = snapshot(&out);
    let a = run_grade(QUIZ, &[SITTING_A], &out, &["-q"]).code(2);
    assert!(
        stderr(&a).contains("grades.csv: examgrade did not write this file"),
        "{}",
        stderr(&a)
    );
    assert_eq!(snapshot(&out), before);
    // --out a link: refused.
    let link = dir.path().join("link-out");
    std::os::unix::fs::symlink(&out, &link).unwrap();
    let a = run_grade(QUIZ, &[SITTING_A], &link, &["-q"]).code(2);
    assert!(stderr(&a).contains("the output folder is a symbolic link"));
}

#[test]
fn closest_header_search_is_bounded_on_a_huge_header_cell() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("huge.csv");
    let huge = "Q".repeat(4 << 20);
    std::fs::write(
        &export,
        format!("ID,Completion time,Email,Name,{huge}\n1,2/9/22 10:00:00,a@b.c,A,x\n"),
    )
    .unwrap();
    let a = examgrade()
        .args(["check", QUIZ, "--against"])
        .arg(&export)
        .assert()
        .code(predicates::ord::ge(1));
    let out = String::from_utf8(a.get_output().stdout.clone()).unwrap() + &stderr(&a);
    assert!(
        out.contains(
            "pick: column found in {}: `Pick the prime numbers` is not in the export; closest: `QQQQ"
                .replace("{}", &export.display().to_string())
                .as_str()
        ),
        "{out}"
    );
    // The key of 0.001 is checked as 0.001, not as a rounded 0.
    assert!(
        out.contains(
            "ok    fixtures/safety/rubric.toml epsilon: the key scores full points: 1 of 1"
        ),
        "{out}"
    );
}

#[test]
fn an_answer_whose_grading_fails_is_an_error_row_in_review_csv_and_the_class_is_graded() {
    use examgrade::report::Exporter;
    let rubric = examgrade::rubric::parse("rubric.toml", &read(&root().join(QUIZ))).unwrap();
    let export = examgrade::ingest::read_export(
        "sitting-a.csv",
        &std::fs::read(root().join(SITTING_A)).unwrap(),
    )
    .unwrap();
    let buggy = |q: &examgrade::rubric::Question, cell: &str, sep| {
        assert!(cell != "0.002", "a bug in a scorer");
        examgrade::score::score(q, cell, sep)
    };
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let run = examgrade::score::run::grade_with(&rubric, &[export], 1, &|| {}, &buggy);
    std::panic::set_hook(hook);
    let run = run.unwrap();
    let review =
        String::from_utf8(examgrade::report::csv::ReviewQueue.render(&run).unwrap()).unwrap();
    assert_eq!(
        review.lines().nth(1).unwrap(),
        "2,anonymous,,sitting-a.csv,3,epsilon,0,error,\"epsilon: grading this answer failed \
         unexpectedly (a bug in a scorer); it has no points until a TA decides — please report \
         this answer to examgrade's developers\",,,sitting-a.csv#2,8d938122d3904436"
    );
    let grades = String::from_utf8(examgrade::report::csv::Grades.render(&run).unwrap()).unwrap();
    assert_eq!(
        grades,
        "id,email,name,pick,epsilon,total,max,review\n1,anonymous,,2,1,3,3,0\n2,anonymous,,0,,0,3,1\n"
    );
}

#[test]
fn decisions_files_are_checked_cell_by_cell() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = dir.path().join("decisions.csv");
    let hash = examgrade::score::run::answer_hash("2;3;9;");
    for (body, message) in [
        (
            "respondent,question,answer,override\nsitting-b.csv#2,pick,=HYPERLINK(\"http://evil\"),1\n"
                .to_string(),
            "decisions.csv:2: `=HYPERLINK(\"http://evil\")` in the `answer` column is not an answer \
             hash (16 hex digits, as review.csv writes them); leave it empty to decide on the \
             current answer",
        ),
        (
            "respondent,question,override\nsitting-b.csv#2,pick,1/999999999999999989\n".to_string(),
            "decisions.csv:2: `1/999999999999999989` is not a number of points (a number with at \
             most 4 decimals, or a fraction like 2/3)",
        ),
        // The same answer decided twice, once by its hash and once without one.
        (
            format!("respondent,question,answer,override\nsitting-b.csv#2,pick,{hash},1\nsitting-b.csv#2,pick,,0\n"),
            "decisions.csv:3: respondent `sitting-b.csv#2` and question `pick` are decided twice \
             (first on line 2)",
        ),
    ] {
        std::fs::write(&file, body).unwrap();
        let a = run_grade(QUIZ, &[SITTING_A, SITTING_B], &out, &["-q", "--decisions", file.to_str().unwrap()])
            .code(2);
        assert!(stderr(&a).ends_with(&format!("{message}\n")), "{}", stderr(&a));
    }
}

#[test]
fn respondent_keys_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // `'=a@x.org` and `=a@x.org` are two students, in review.csv as in decisions.
    run_grade(QUIZ, &["fixtures/safety/keyclash.csv"], &out, &["-q"]).code(0);
    let rows = csv_rows(&out.join("grades.csv"));
    assert_eq!(
        (rows[1][1].as_str(), rows[2][1].as_str()),
        ("''=a@x.org", "'=a@x.org")
    );
    let file = dir.path().join("decisions.csv");
    std::fs::write(&file, "respondent,question,override\n''=a@x.org,pick,0\n").unwrap();
    let decided = dir.path().join("decided");
    run_grade(
        QUIZ,
        &["fixtures/safety/keyclash.csv"],
        &decided,
        &["-q", "--decisions", file.to_str().unwrap()],
    )
    .code(0);
    let rows = csv_rows(&decided.join("grades.csv"));
    assert_eq!(
        (rows[1][3].as_str(), rows[2][3].as_str()),
        ("0", "2"),
        "Alice decided, not Bob"
    );
    // diff shows the change, and no escape sequence of Bob's name reaches the terminal.
    let a = examgrade()
        .arg("diff")
        .arg(&out)
        .arg(&decided)
        .assert()
        .success();
    let shown = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert_eq!(
        shown,
        "1 Alice: total 3 → 1 (-2); pick 2 → 0 (-2)\n1 of 2 respondent(s) changed\n"
    );
    std::fs::write(&file, "respondent,question,override\n=a@x.org,pick,0\n").unwrap();
    run_grade(
        QUIZ,
        &["fixtures/safety/keyclash.csv"],
        &decided,
        &["-q", "--decisions", file.to_str().unwrap()],
    )
    .code(0);
    let a = examgrade()
        .arg("diff")
        .arg(&out)
        .arg(&decided)
        .assert()
        .success();
    let shown = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
    // Two anonymous sittings both saved as responses.csv: keys name their folders.
    let two = [
        "fixtures/safety/folder-1/responses.csv",
        "fixtures/safety/folder-2/responses.csv",
    ];
    run_grade(QUIZ, &two, &out, &["-q"]).code(0);
    let keys: Vec<String> = json(&out.join("grades.json"))["respondents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["respondent"]["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "fixtures/safety/folder-1/responses.csv#1",
            "fixtures/safety/folder-1/responses.csv#2",
            "fixtures/safety/folder-2/responses.csv#1",
            "fixtures/safety/folder-2/responses.csv#2"
        ]
    );
}

#[test]
fn a_run_without_reports_after_one_with_reports_leaves_none_and_the_next_run_works() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_grade(QUIZ, &[SITTING_A], &out, &["-q"]).code(0);
    assert_eq!(files(&out.join("reports")).len(), 4);
    run_grade(QUIZ, &[SITTING_A], &out, &["-q", "--reports", "none"]).code(0);
    assert!(!out.join("reports").exists() || files(&out.join("reports")).is_empty());
    run_grade(QUIZ, &[SITTING_A], &out, &["-q", "--reports", "md"]).code(0);
    assert_eq!(
        files(&out.join("reports")),
        [
            PathBuf::from("id1_respondent.md"),
            PathBuf::from("id2_respondent.md")
        ]
    );
}
