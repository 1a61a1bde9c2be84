//! `examgrade init` scaffolds a rubric that grades straight away, on every real sample.

use super::*;

fn init(export: &Path) -> String {
    let out = examgrade().arg("init").arg(export).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn init_then_grade_accounts_for_every_row_of_every_real_sample() {
    let samples = root().join("fixtures/msforms-samples");
    let mut checked = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("xlsx" | "csv")))
        .collect();
    entries.sort();
    for export in entries {
        let dir = tempfile::tempdir().unwrap();
        let rubric = dir.path().join("rubric.toml");
        std::fs::write(&rubric, init(&export)).unwrap();
        let out = dir.path().join("out");
        let assert = examgrade()
            .arg("grade")
            .arg("--rubric")
            .arg(&rubric)
            .arg(&export)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&read(&out.join("grades.json"))).unwrap();
        let rows = json["sources"][0]["rows"].as_u64().unwrap();
        let graded = json["respondents"].as_array().unwrap().len() as u64;
        let superseded = json["superseded"].as_array().unwrap().len() as u64;
        assert!(rows > 0, "{}", export.display());
        assert_eq!(graded + superseded, rows, "{}", export.display());
        assert!(stderr.contains("NOT GRADED"), "{stderr}");
        checked += 1;
    }
    assert_eq!(checked, 11);
}

#[test]
fn init_guesses_kinds_options_and_points_from_the_seed_export() {
    let text = init(&root().join(SEED_XLSX));
    assert!(text.contains("[exam]\ntitle = \"responses\"\n"), "{text}");
    // The truncated q1 title is written as it appears in the export.
    assert!(text.contains(
        "id = \"q1-one-of-your-friends\"\ncolumn = \"One of your friends shows up with a brand new \
         model she has invented, but which she is not able to train. You suspect this could be due \
         to VANISHING/EXPLODING GRADIENTS, what would you look at to ...\"\npoints = 3  # the most \
         Forms awarded\nkind = \"checkbox\"  # 43 answer(s)\nscheme = \"net-correct\"\n"
    ), "{text}");
    assert!(text.contains(
        "id = \"q4-what-is-the-receptive\"\ncolumn = \"What is the receptive field of a pixel at the \
         center of the output of batchNorm layer?\"\npoints = 1  # the most Forms awarded\nkind = \
         \"choice\""
    ), "{text}");
    assert!(
        text.contains(
            "# Forms gave full points to: key = \"12 x 12\"\nkey = \"\"\nungraded = true"
        )
    );
    assert!(text.contains("id = \"q2-in-recurrent-neural-networks\"\ncolumn = \"In Recurrent Neural Networks (RNN), what is \
         the Vanishing Gradient due to? How this is fixed by Long Short-Term Memories (LSTM)? Why does \
         this fix the problem?\"\npoints = 1  # no points in the export: set them\nkind = \"text\"  \
         # 43 answer(s); free text is not graded by this version\nungraded = true\n"));
}

#[test]
fn init_on_garbage_fails_cleanly() {
    examgrade()
        .args(["init", "fixtures/invalid/garbage.bin"])
        .assert()
        .code(2)
        .stdout("");
}
