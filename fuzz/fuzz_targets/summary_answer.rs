#![no_main]
//! A summary answer cell, scored against the seed exam's reference; seeded with fixtures/summary-answers.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        examgrade::fuzzing::summary_answer(text);
    }
});
