#![no_main]
//! A rubric's text; seeded with the repository's rubrics, valid and invalid.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        examgrade::fuzzing::rubric(text);
    }
});
