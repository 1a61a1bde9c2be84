//! `examgrade init` scaffolds a rubric that grades straight away, on every real sample.

use super::*;

fn init(export: &Path) -> String {
    let out = examgrade().arg("init").arg(export).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// Per real sample: (questions Forms graded that `init` keyed, Forms-graded questions it left
/// ungraded, and why those were left).
const SAMPLES: &[(&str, usize, usize)] = &[
    // One respondent; the 6 questions left are those Forms gave 0 (the key is unknowable).
    (
        "FrancescoScuola__MicrosoftForm-Report-Student__dati_calcolati.csv",
        14,
        6,
    ),
    // One question both respondents got 0 on.
    (
        "ValentinaAkpan__Support-Training__LoaderMetricsTM_Gen_2_Features_Monitoring_on_MetricsManager_Pro_[EN](1-2).xlsx",
        7,
        1,
    ),
    (
        "ValentinaAkpan__Support-Training__ShovelMetricsTM_Gen_3_Training_Overview_-_Onboarding_-_[EN](1-8).xlsx",
        25,
        0,
    ),
    (
        "ValentinaAkpan__Support-Training__[ENGLISH]_[INTERNAL]_[2024]_General_Product_Training(1-78).xlsx",
        25,
        0,
    ),
    (
        "ValentinaAkpan__Support-Training__[ENGLISH]_[INTERNAL]_[2024]_LoaderMetrics_Training_Quiz_-_TVM___(1-37).xlsx",
        26,
        0,
    ),
    (
        "ValentinaAkpan__Support-Training__[ENGLISH]_[INTERNAL]_[2024]_PortaMetrics_Gen_2_Training_Quiz(1-6).xlsx",
        17,
        0,
    ),
    (
        "ValentinaAkpan__Support-Training__[ENGLISH]_[INTERNAL]_[2024]_TruckMetrics_Training_Quiz(1-39).xlsx",
        23,
        0,
    ),
    // Points edited by hand: every question has an answer Forms scored both 0 and 10.
    ("skoofer__ms-forms-quiz-calculator__Category-1.xlsx", 0, 10),
    ("skoofer__ms-forms-quiz-calculator__Category-2.xlsx", 0, 10),
    ("skoofer__ms-forms-quiz-calculator__Category-3.xlsx", 0, 10),
    // Not a quiz.
    ("t0mrg__msforms2doc__exampleformoutput.xlsx", 0, 0),
];

#[test]
fn init_then_grade_reproduces_forms_on_every_real_sample() {
    let samples = root().join("fixtures/msforms-samples");
    let mut entries: Vec<String> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|p| p.ends_with(".xlsx") || p.ends_with(".csv"))
        .collect();
    entries.sort();
    let listed: Vec<String> = SAMPLES.iter().map(|s| s.0.to_string()).collect();
    assert_eq!(entries, listed, "every real sample is in SAMPLES");
    for (name, keyed, left) in SAMPLES {
        let export = samples.join(name);
        let dir = tempfile::tempdir().unwrap();
        let rubric = dir.path().join("rubric.toml");
        let text = init(&export);
        std::fs::write(&rubric, &text).unwrap();
        let out = dir.path().join("out");
        // No edit: the rubric grades, and reproduces Forms (exit 0: no claimed question
        // disagrees).
        let assert = examgrade()
            .arg("grade")
            .arg("--rubric")
            .arg(&rubric)
            .arg(&export)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(0);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&read(&out.join("grades.json"))).unwrap();
        let rows = json["sources"][0]["rows"].as_u64().unwrap();
        let graded = json["respondents"].as_array().unwrap().len() as u64;
        let superseded = json["superseded"].as_array().unwrap().len() as u64;
        assert!(rows > 0, "{name}");
        assert_eq!(graded + superseded, rows, "{name}");
        let empty = Vec::new();
        let questions = json["forms"]["questions"].as_array().unwrap_or(&empty);
        let (mut k, mut l) = (0, 0);
        for q in questions {
            let id = q["question"].as_str().unwrap();
            if q["ungraded"].as_bool().unwrap() {
                l += 1;
                // Why is written next to the question.
                let at = text.find(&format!("id = \"{id}\"")).unwrap();
                let section = &text[at..];
                let section = &section[..section[1..]
                    .find("[[questions]]")
                    .unwrap_or(section.len() - 1)];
                assert!(
                    section.contains("# no respondent got points from Forms")
                        || section.contains("# Forms gave the same answer different points"),
                    "{name} {id}: {section}"
                );
                continue;
            }
            k += 1;
            assert!(q["claimed"].as_bool().unwrap(), "{name} {id}");
            // Every respondent agrees with Forms, except where Forms itself gave the same
            // answer different points (and that is said).
            let compared = q["compared"].as_u64().unwrap();
            let agree = q["agree"].as_u64().unwrap();
            assert_eq!(
                compared - agree,
                q["forms_inconsistent"].as_u64().unwrap(),
                "{name} {id}: {q}"
            );
            assert!(stderr.contains(&format!("  {id}: ")), "{stderr}");
        }
        assert_eq!((k, l), (*keyed, *left), "{name}");
    }
}

#[test]
fn a_key_forms_changed_during_the_quiz_is_reported_not_inferred() {
    let export = root().join(
        "fixtures/msforms-samples/ValentinaAkpan__Support-Training__[ENGLISH]_[INTERNAL]_[2024]_TruckMetrics_Training_Quiz(1-39).xlsx",
    );
    let text = init(&export);
    assert!(text.contains(
        "# Forms gave the same answer different points (a key changed during the quiz, or points \
         edited by hand); no key is inferred from it:\n#   `Eliminating crusher downtime and \
         improving energy efficiency…` got 0 (line 2) and 2 (line 3)\n# from the answers Forms \
         gave full points\nkey = \"Minimizing crusher downtime and improving energy efficiency.\"\n\
         matches_forms = true\n"
    ), "{text}");
    assert!(text.contains(
        "[exam]\ntitle = \"ValentinaAkpan Support-Training [ENGLISH] [INTERNAL] [2024] TruckMetrics Training Quiz\"\n"
    ), "{text}");
}

#[test]
fn check_against_fails_a_claimed_question_that_stops_matching_forms() {
    let export = root().join(
        "fixtures/msforms-samples/ValentinaAkpan__Support-Training__ShovelMetricsTM_Gen_3_Training_Overview_-_Onboarding_-_[EN](1-8).xlsx",
    );
    let text = init(&export);
    // The TA switches q4 to partial credit but leaves the claim.
    let at = text.find("id = \"q4-which-of-the-following\"").unwrap();
    let (head, tail) = text.split_at(at);
    let edited = format!(
        "{head}{}",
        tail.replacen("scheme = \"all-or-nothing\"", "scheme = \"net-correct\"", 1)
    );
    let dir = tempfile::tempdir().unwrap();
    let rubric = dir.path().join("rubric.toml");
    std::fs::write(&rubric, &edited).unwrap();
    let out = examgrade()
        .arg("check")
        .arg(&rubric)
        .arg("--against")
        .arg(&export)
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(failed.len(), 1, "{stdout}");
    assert!(
        failed[0].contains(
            "q4-which-of-the-following: agrees with Forms' points in "
        ) && failed[0].contains(
            ": 5 of 8 differ from Forms — Forms scores multiple answers all-or-nothing, the rubric \
             `net-correct` (e.g. "
        ) && failed[0].ends_with("line 2: Forms 0, rubric 1) — the rubric says it grades as Forms did (matches_forms = true)"),
        "{}",
        failed[0]
    );
    assert!(stdout.contains(": 8/8 agree with Forms\n"), "{stdout}");
    assert!(
        stdout.contains("Total points: 5 of 8 differ from Forms"),
        "{stdout}"
    );
    // A deliberate difference, said so: the check passes, and the figures stay visible.
    let deliberate = edited.replacen(
        "\nscheme = \"net-correct\"\n",
        "\nscheme = \"net-correct\"\nmatches_forms = false\n",
        1,
    );
    let at = deliberate
        .find("id = \"q4-which-of-the-following\"")
        .unwrap();
    let (head, tail) = deliberate.split_at(at);
    let deliberate = format!("{head}{}", tail.replacen("matches_forms = true\n", "", 1));
    std::fs::write(&rubric, &deliberate).unwrap();
    let out = examgrade()
        .arg("check")
        .arg(&rubric)
        .arg("--against")
        .arg(&export)
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains(": 5 of 8 differ from Forms — Forms scores multiple answers"),
        "{stdout}"
    );
}

#[test]
fn init_keys_scaffolds_and_reconciles_the_seed_export() {
    let text = init(&root().join(SEED_XLSX));
    assert!(text.contains("[exam]\ntitle = \"responses\"\n"), "{text}");
    // The checkbox question: Forms' all-or-nothing key, in the options' order, claimed.
    assert!(
        text.contains(
            "points = 3  # the most Forms awarded\nkind = \"checkbox\"  # 43 answer(s)\nscheme = \
         \"all-or-nothing\"\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "key = [\"The activation functions used for neurons\", \"The output values of neurons \
         during training\", \"The distribution of the weights during training\", \"The \
         initialization of the weights\", \"The depth of the network\", \"The average gradient \
         norm during training\"]\nmatches_forms = true\n"
        ),
        "{text}"
    );
    // Free text Forms did not grade: a criteria skeleton, no stale comment.
    assert!(text.contains(
        "kind = \"text\"  # 43 answer(s)\n# reference = [\"a model answer\"]  # a second opinion \
         compares answers with it\nungraded = true\n"
    ), "{text}");
    assert!(
        text.contains("[[questions.criteria]]\nid = \"main-idea\"\n"),
        "{text}"
    );
    assert!(!text.contains("not graded by this version"), "{text}");
    // The summary template, recognised by its [ADD SIZES] markers.
    assert!(
        text.contains("kind = \"summary\"  # 43 answer(s): a filled-in model.summary()\n"),
        "{text}"
    );
    assert!(
        text.contains("model = \"models/q3-fill-in-the-missing.py\"\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "# from the answers Forms gave full points\nkey = \"12 x 12\"\nmatches_forms = true\n"
        ),
        "{text}"
    );
    // Graded with no edit, the keyed questions reproduce Forms for every respondent.
    let dir = tempfile::tempdir().unwrap();
    let rubric = dir.path().join("rubric.toml");
    std::fs::write(&rubric, &text).unwrap();
    let out = dir.path().join("out");
    let assert = examgrade()
        .arg("grade")
        .arg("--rubric")
        .arg(&rubric)
        .arg(SEED_XLSX)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("compared with the points Forms gave:\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "compared with the points Forms gave:\n  q1-one-of-your-friends: 42/42 agree with \
             Forms\n  q4-what-is-the-receptive: 42/42 agree with Forms\n  \
             q5-select-all-the-tasks: 41/41 agree with Forms\n  q6-consider-the-inception-net: \
             42/42 agree with Forms\n  Total points: 42/42 agree with Forms (the rubric's points \
             on the 4 question(s) both graded)\n"
        ),
        "{stderr}"
    );
}

#[test]
fn init_on_garbage_fails_cleanly() {
    examgrade()
        .args(["init", "fixtures/invalid/garbage.bin"])
        .assert()
        .code(2)
        .stdout("");
}
