//! No input makes examgrade panic: arbitrary bytes as an export, arbitrary text as a rubric or a
//! Keras snippet (proptest; raise PROPTEST_CASES for a longer run).

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
