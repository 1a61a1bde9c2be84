#![no_main]
//! An export file's bytes; seeded with the repository's exports (fuzz/seed-corpus.sh).
libfuzzer_sys::fuzz_target!(|data: &[u8]| examgrade::fuzzing::export(data));
