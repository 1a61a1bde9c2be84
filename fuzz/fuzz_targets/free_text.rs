#![no_main]
//! A free-text answer cell, scored by the seed exam's four text questions.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        examgrade::fuzzing::free_text(text);
    }
});
