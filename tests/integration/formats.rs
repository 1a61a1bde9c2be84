//! Every way an export reaches a TA: the .xlsx Forms downloads and the CSVs Excel saves.

use super::*;

const VARIANTS: [(&str, &str); 4] = [
    (
        "fixtures/2022-02-09/responses-utf8.csv",
        "csv, UTF-8, delimiter ','",
    ),
    (
        "fixtures/2022-02-09/responses-utf8-bom-semicolon.csv",
        "csv, UTF-8 with BOM, delimiter ';'",
    ),
    (
        "fixtures/2022-02-09/responses-cp1252.csv",
        "csv, windows-1252, delimiter ','",
    ),
    (
        "fixtures/2022-02-09/responses-utf16.txt",
        "csv, UTF-16LE, delimiter tab",
    ),
];

/// grades.json without what necessarily differs between files of one export: the file name,
/// its format, line numbers (a CSV record spans several lines when a cell has line breaks),
/// the superseded reasons that quote them, and the keys of anonymous respondents (which name
/// the export file).
fn comparable(json: &str) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for key in ["file", "format", "line", "reason", "key"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    strip(&mut v);
    v
}

#[test]
fn every_csv_variant_grades_exactly_like_the_xlsx() {
    let (_x, from_xlsx) = grade(SEED_RUBRIC, &[SEED_XLSX], &["-q"]);
    let expected_csv = read(&from_xlsx.join("grades.csv"));
    let expected_json = comparable(&read(&from_xlsx.join("grades.json")));
    for (file, format) in VARIANTS {
        let (_d, out) = grade(SEED_RUBRIC, &[file], &["-q"]);
        assert_eq!(read(&out.join("grades.csv")), expected_csv, "{file}");
        let json = read(&out.join("grades.json"));
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["sources"][0]["format"], format, "{file}");
        assert!(
            comparable(&json) == expected_json,
            "{file}: grades.json differs"
        );
    }
}

#[test]
fn quoted_multi_line_cells_survive_every_encoding() {
    // Respondent 11's free-text answers contain line breaks; the export must still have 46 rows.
    for (file, _) in VARIANTS {
        let (_d, out) = grade(SEED_RUBRIC, &[file], &["-q"]);
        let json: serde_json::Value =
            serde_json::from_str(&read(&out.join("grades.json"))).unwrap();
        assert_eq!(json["sources"][0]["rows"], 46, "{file}");
        let lines: Vec<u64> = json["respondents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["line"].as_u64().unwrap())
            .collect();
        // Line numbers point at where each record starts in the file, so they grow.
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "{file}");
    }
}

#[test]
fn spanish_headers_semicolons_and_options_containing_separators() {
    let (_d, out) = grade(
        "fixtures/quirks/rubric.toml",
        &["fixtures/quirks/spanish-semicolon-bom.csv"],
        &["-q"],
    );
    let rows = csv_rows(&out.join("grades.csv"));
    assert_eq!(
        rows,
        [
            [
                "id", "email", "name", "layers", "size", "total", "max", "review"
            ],
            [
                "1",
                "ana@uni.example.es",
                "Ana Núñez",
                "2",
                "1",
                "3",
                "3",
                "0"
            ],
            ["2", "anonymous", "", "0", "1", "1", "3", "0"],
            ["3", "anonymous", "", "0", "0", "0", "3", "0"],
            [
                "4",
                "jose@uni.example.es",
                "José Peña",
                "1",
                "0",
                "1",
                "3",
                "1"
            ],
        ]
    );
    // The short row is graded and its problem is stated; policy `first` keeps ID 1 over ID 5.
    let review = csv_rows(&out.join("review.csv"));
    assert_eq!(review[1][7], "row-problem");
    assert_eq!(
        review[1][8],
        "the row has only 10 of the header's 13 cells; the missing ones are read as empty"
    );
    let superseded = csv_rows(&out.join("superseded.csv"));
    assert_eq!(superseded[1][0], "5");
}

#[test]
fn google_forms_csv_is_graded() {
    let (_d, out) = grade(
        "fixtures/google-forms/rubric.toml",
        &["fixtures/google-forms/responses.csv"],
        &["-q"],
    );
    let rows = csv_rows(&out.join("grades.csv"));
    // each-answer on primes: N = 6, W = 2; lucia ticked 2, 3, 4, 5 → (3 + 2 − 1)/6 × 2 = 4/3.
    assert_eq!(
        rows[1],
        ["2", "lucia@example.org", "", "1.33", "0", "1.33", "3", "0"]
    );
    // mario's later submission (Google's own `PM GMT+3` timestamp) supersedes his first.
    assert_eq!(
        rows[2],
        ["3", "mario@example.org", "", "2", "1", "3", "3", "0"]
    );
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("grades.json"))).unwrap();
    assert_eq!(
        json["respondents"][0]["questions"][0]["points_exact"],
        "4/3"
    );
    // Google's `Score` (`1 / 3`) against the rubric's total: mario's 3 agrees; lucia's
    // each-answer 4/3 on primes is the rubric's partial credit where Google gave 0.
    assert_eq!(json["forms"]["total"]["compared"], 2);
    assert_eq!(json["forms"]["total"]["agree"], 1);
    assert_eq!(json["forms"]["total"]["differences"][0]["line"], 3);
    assert_eq!(json["forms"]["total"]["differences"][0]["forms"], 1.0);
}

#[test]
fn several_exports_are_graded_together_with_duplicates_across_files() {
    let (_d, out) = grade(
        SEED_RUBRIC,
        &[SEED_XLSX, "fixtures/2022-02-09/responses-utf8.csv"],
        &["-q"],
    );
    // The same 46 submissions twice (92): 40 e-mails graded once each, and the 3 anonymous
    // rows of each file each their own respondent (46); the other 46 are superseded.
    let rows = csv_rows(&out.join("grades.csv"));
    assert_eq!(rows.len(), 1 + 46);
    assert_eq!(rows.iter().filter(|r| r[1] == "anonymous").count(), 6);
    let superseded = csv_rows(&out.join("superseded.csv"));
    assert_eq!(superseded.len(), 1 + 46);
    // Equal completion times: the later file wins.
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("grades.json"))).unwrap();
    let first = json["respondents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["respondent"]["id"] == "1")
        .unwrap();
    assert_eq!(first["file"], "fixtures/2022-02-09/responses-utf8.csv");
}
