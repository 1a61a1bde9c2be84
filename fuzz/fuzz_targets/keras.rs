#![no_main]
//! A Keras snippet, analysed and printed for Keras 2 and 3; seeded with fixtures/keras.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        examgrade::fuzzing::keras(text);
    }
});
