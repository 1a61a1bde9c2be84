//! No input makes examgrade panic: arbitrary bytes as an export, arbitrary text as a rubric or a
//! Keras snippet (proptest; raise PROPTEST_CASES for a longer run).

use super::{SEED_XLSX, root};
use examgrade::engine::{self, Keras};
use examgrade::{ingest, rubric};
use proptest::prelude::*;

const SNIPPET: [&str; 22] = [
    "import tensorflow as tf\n",
    "tfkl = tf.keras.layers\n",
    "x = tfkl.Input(shape=(",
    "8, 8, 3))\n",
    "x = tfkl.Conv2D(",
    "4, 3",
    ", strides=2",
    ", padding='same'",
    ")(x)\n",
    "x = tfkl.Dense(",
    "model = tf.keras.Model(x, x)\n",
    "(",
    ")",
    "[",
    "]",
    "**",
    "-",
    "9999999999999999999",
    "\\\n",
    "tfkl.MaxPooling2D()(x)\n",
    "tfkl.Flatten()",
    "model.add(",
];

proptest! {
    #[test]
    fn any_bytes_as_an_export(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = ingest::read_export("fuzz.csv", &bytes);
    }

    #[test]
    fn export_like_text(rows in proptest::collection::vec("[A-Za-z0-9 ,;\"\\t\\n\\r=+-]{0,40}", 0..20)) {
        let text = format!("ID,Email,Completion time,Q\n{}", rows.join("\n"));
        let _ = ingest::read_export("fuzz.csv", text.as_bytes());
    }

    #[test]
    fn any_text_as_a_rubric(text in "\\PC{0,300}") {
        let _ = rubric::parse("fuzz.toml", &text);
    }

    #[test]
    fn snippet_like_text_as_keras_code(pieces in proptest::collection::vec(0..SNIPPET.len(), 0..40)) {
        let code: String = pieces.iter().map(|i| SNIPPET[*i]).collect();
        let _ = engine::analyze(&code, Keras::V2);
        let _ = engine::analyze(&code, Keras::V3);
    }

    #[test]
    fn any_text_as_keras_code(text in "\\PC{0,300}") {
        let _ = engine::analyze(&text, Keras::V2);
    }
}

/// Characters whose lower (or upper) case has another UTF-8 length, and others that change
/// under NFKC: offsets found in a transformed copy are wrong on the original.
const CASE_CHANGING: [&str; 12] = [
    "İ", "K", "Ω", "Å", "ẞ", "ﬁ", "ß", "ı", "Ǆ", "ᾈ", "\u{0301}", "\0",
];

/// Pieces of a filled-in summary template, with markers and Keras' own cuts.
const SUMMARY_PIECES: [&str; 18] = [
    "conv1 (Conv2D)",
    " (None, 128, 256, 16) ",
    "[ADD PARAMS]",
    "[add sizes]",
    "5 x 5 x 3 x 16 + 16 = 1216",
    "Total params: ",
    "52,163",
    "\n",
    "\r\n",
    "batchNorm (BatchNormalizat",
    "ion)",
    "│",
    "=",
    "(",
    ")",
    "Model: \"model\"",
    "```",
    "   ",
];

/// Pieces of free text: rubric words, negations, markup, clause breaks.
const TEXT_PIECES: [&str; 14] = [
    "vanishing gradient ",
    "not ",
    "forget gate ",
    "back-propagation ",
    "<br>",
    "&nbsp;",
    "<script>",
    "but ",
    ". ",
    "generator discriminator ",
    "attention ",
    "# ",
    "\r",
    "2;3;",
];

/// Text made of `pieces`, letters whose case mapping changes length, and anything printable,
/// often several of one kind in a row (`İİ[ADD PARAMS]`).
fn mixed(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => (0..pieces.len()).prop_map(move |i| pieces[i].to_string()),
            3 => (0..CASE_CHANGING.len(), 1..4usize).prop_map(|(i, n)| CASE_CHANGING[i].repeat(n)),
            1 => "\\PC{0,3}",
        ],
        0..24,
    )
    .prop_map(|v| v.concat())
}

/// A summary row as a student fills it: a layer of the seed model, a shape, then values and
/// markers with case-changing letters between them.
fn summary_rows() -> impl Strategy<Value = String> {
    const LAYERS: [&str; 4] = [
        "conv1 (Conv2D)",
        "input (InputLayer)",
        "batchNorm (BatchNormalization)",
        "dense",
    ];
    proptest::collection::vec(
        (
            0..LAYERS.len(),
            mixed(&SUMMARY_PIECES),
            0..PARAM_MARKERS.len(),
            "\\PC{0,2}",
        ),
        1..12,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .map(|(l, mid, m, tail)| {
                format!(
                    "{} (None, 128, 256, 16) {mid}{}{tail}",
                    LAYERS[l], PARAM_MARKERS[m]
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

const PARAM_MARKERS: [&str; 5] = [
    "[ADD PARAMS]",
    "[ADD PARAMS FORMULA]",
    "[add param]",
    "[ADD SIZES]",
    "",
];

proptest! {
    #[test]
    fn summary_rows_with_case_changing_letters(text in summary_rows()) {
        examgrade::fuzzing::answer(&text);
    }

    /// Twin of fuzz target `answer`: every question of the seed exam, any answer.
    #[test]
    fn summary_like_answers_with_case_changing_letters(text in mixed(&SUMMARY_PIECES)) {
        examgrade::fuzzing::answer(&text);
    }

    #[test]
    fn free_text_like_answers_with_case_changing_letters(text in mixed(&TEXT_PIECES)) {
        examgrade::fuzzing::answer(&text);
    }

    /// Twin of fuzz target `export_xlsx`: the seed workbook with bytes changed.
    #[test]
    fn mutated_workbooks(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12)) {
        let mut bytes = std::fs::read(root().join(SEED_XLSX)).unwrap();
        for (at, b) in edits {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        examgrade::fuzzing::export(&bytes);
    }

    /// Twin of fuzz target `keras`: deep nesting of every recursive construct.
    #[test]
    fn deeply_nested_keras(kind in 0usize..8, depth in 0usize..100_000) {
        let (open, close) = [
            ("-", ""), ("1**", "1"), ("f(", ")"), ("(", ")"), ("[", "]"), ("a[", "]"), ("+", ""),
            ("not ", ""),
        ][kind];
        let code = format!("x = {}1{}\n", open.repeat(depth), close.repeat(depth));
        examgrade::fuzzing::keras(&code);
    }

    /// Twin of fuzz target `export_csv` on export-shaped text with case-changing letters.
    #[test]
    fn export_rows_with_case_changing_letters(cells in proptest::collection::vec(mixed(&TEXT_PIECES), 1..8)) {
        let header = "ID,Completion time,Email,Name,In Recurrent Neural Networks (RNN), what is the Vanishing Gradient due to?\r\n";
        let row: Vec<String> = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
        let text = format!("{header}1,2/9/22 10:00:00,a@b.c,{}\r\n", row.join(","));
        examgrade::fuzzing::export(text.as_bytes());
    }

    /// Twin of fuzz target `rubric`.
    #[test]
    fn rubric_like_text(text in mixed(&["[[questions]]\n", "id = \"q\"\n", "kind = \"text\"\n", "points = 1\n", "column = \"Q\"\n", "[[questions.criteria]]\n", "any = [\"x\"]\n", "{", "[", "\n"])) {
        examgrade::fuzzing::rubric(&text);
    }
}
