//! The free-text bench's answers made distinct (shared by `benches/grade.rs` and
//! `examples/score_text.rs`): one word in five replaced by a word never seen before, the same
//! words every run, so the per-word caches miss as they would on a class's real vocabulary and
//! beyond.

/// Replace one word in five of each answer by a new word (deterministic xorshift).
pub fn make_distinct<T>(answers: &mut [(T, String)]) {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for (_, a) in answers {
        let words: Vec<String> = a
            .split(' ')
            .map(|w| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if state.is_multiple_of(5) {
                    format!("novel{}", state % 1_000_000_007)
                } else {
                    w.to_string()
                }
            })
            .collect();
        *a = words.join(" ");
    }
}
