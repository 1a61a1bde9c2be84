//! What an answer means, as a vector: the mean of static word-piece vectors distilled from
//! the sentence model all-MiniLM-L6-v2 (Apache-2.0; `data/embeddings/`, built by
//! `tools/embeddings/make.py`). Two answers that say the same thing in other words point the
//! same way ("the first element in is the first removed" and "first in, first out"), which no
//! rubric term list reaches.
//!
//! Static vectors were chosen over running the transformer: on Mohler's marked answers they
//! track the human grade as closely (r 0.61 against 0.60 for the class-peer similarity), need
//! no model at run time (8 MB of int8 in the binary) and cost a few microseconds an answer,
//! so a 100,000-student class still grades in seconds. Function words are left out; the
//! word pieces are cut from our own normalised words by greedy longest match (BERT's
//! WordPiece), tested against the model's own tokenizer (`tokenizer-golden.txt`).

use crate::answers::text::TextAnswer;
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// Dimensions of a vector.
pub const DIMS: usize = 256;
/// Longest word cut into pieces (BERT's limit); a longer one is unknown.
const MAX_WORD: usize = 100;

static PIECES: &[u8] = include_bytes!("../../data/embeddings/pieces.bin");
static VOCAB: &str = include_str!("../../data/embeddings/vocab.txt");

struct Table {
    ids: FxHashMap<&'static str, u32>,
    /// Each row's scale, then the rows (int8, `DIMS` each).
    scale: Vec<f32>,
    rows: &'static [u8],
    unknown: u32,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The file is ours and fixed at build time; a malformed one fails the tests.
        let header = |at: usize| {
            u32::from_le_bytes([PIECES[at], PIECES[at + 1], PIECES[at + 2], PIECES[at + 3]])
                as usize
        };
        assert_eq!(
            &PIECES[..8],
            b"EGPIECE1",
            "data/embeddings/pieces.bin: bad magic"
        );
        let (n, dims) = (header(8), header(12));
        assert_eq!(dims, DIMS, "data/embeddings/pieces.bin: dimensions");
        let scale_end = 16 + 4 * n;
        assert_eq!(
            PIECES.len(),
            scale_end + n * DIMS,
            "data/embeddings/pieces.bin: size"
        );
        let scale = PIECES[16..scale_end]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let ids: FxHashMap<&str, u32> = VOCAB
            .lines()
            .take(n)
            .enumerate()
            .map(|(i, w)| (w, i as u32))
            .collect();
        let unknown = ids["[UNK]"];
        Table {
            ids,
            scale,
            rows: &PIECES[scale_end..],
            unknown,
        }
    })
}

/// The word pieces of one lower-case word without accents, greedy longest match first
/// (`gradients` → `gradient`, `##s`); a word with a part no piece covers is `[UNK]`.
fn cut(word: &str, buf: &mut String, out: &mut Vec<u32>) {
    let t = table();
    if word.chars().count() > MAX_WORD {
        out.push(t.unknown);
        return;
    }
    let before = out.len();
    let mut start = 0;
    while start < word.len() {
        let mut end = word.len();
        let mut found = None;
        while end > start {
            let id = if start == 0 {
                t.ids.get(&word[..end])
            } else {
                buf.clear();
                buf.push_str("##");
                buf.push_str(&word[start..end]);
                t.ids.get(buf.as_str())
            };
            if let Some(&id) = id {
                found = Some(id);
                break;
            }
            end = word[..end]
                .char_indices()
                .next_back()
                .map_or(start, |(i, _)| i);
        }
        match found {
            Some(id) => {
                out.push(id);
                start = end;
            }
            None => {
                out.truncate(before);
                out.push(t.unknown);
                return;
            }
        }
    }
}

/// The pieces of a normalised word: split at anything not a letter or digit (`lstm's`,
/// `do-while`), accents removed (`perché` → `perche`), as the model's uncased tokenizer does.
fn pieces_of(word: &str, buf: &mut String, out: &mut Vec<u32>) {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut plain = String::new();
    for part in word
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        if part.is_ascii() {
            cut(part, buf, out);
        } else {
            plain.clear();
            plain.extend(
                part.nfd()
                    .filter(|c| !is_combining_mark(*c))
                    .flat_map(char::to_lowercase),
            );
            cut(&plain, buf, out);
        }
    }
}

/// The answer's meaning: the unit mean of its content words' pieces (function words left
/// out), or `None` when it has no content word.
pub fn embed(answer: &TextAnswer) -> Option<Vec<f32>> {
    let t = table();
    let mut ids = Vec::new();
    let mut buf = String::new();
    for tok in &answer.tokens {
        if !tok.is_stopword() {
            pieces_of(&tok.norm, &mut buf, &mut ids);
        }
    }
    if ids.is_empty() {
        return None;
    }
    let mut sum = [0f32; DIMS];
    for &id in &ids {
        let id = id as usize;
        let row = &t.rows[id * DIMS..(id + 1) * DIMS];
        let s = t.scale[id];
        for (acc, &b) in sum.iter_mut().zip(row) {
            *acc += f32::from(b as i8) * s;
        }
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
    (norm > 0.0).then(|| sum.iter().map(|x| x / norm).collect())
}

/// Cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    f64::from(a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::text::tokenize;

    /// Our cut of each word is the model's own tokenizer's (punctuation aside, which it keeps
    /// as pieces and we drop).
    #[test]
    fn pieces_match_the_model_tokenizer() {
        let golden = include_str!("../../data/embeddings/tokenizer-golden.txt");
        let vocab: Vec<&str> = VOCAB.lines().collect();
        let mut checked = 0;
        for line in golden.lines() {
            let (sentence, expected) = line.split_once('\t').expect("golden line");
            let expected: Vec<&str> = expected
                .split(' ')
                .filter(|p| {
                    p.trim_start_matches("##")
                        .chars()
                        .any(char::is_alphanumeric)
                })
                .collect();
            let (mut ids, mut buf) = (Vec::new(), String::new());
            for tok in tokenize(sentence).tokens {
                pieces_of(&tok.norm, &mut buf, &mut ids);
            }
            let ours: Vec<&str> = ids.iter().map(|&i| vocab[i as usize]).collect();
            assert_eq!(ours, expected, "{sentence}");
            checked += 1;
        }
        assert_eq!(checked, 10);
    }

    fn sim(a: &str, b: &str) -> f64 {
        cosine(
            &embed(&tokenize(a)).expect("content"),
            &embed(&tokenize(b)).expect("content"),
        )
    }

    #[test]
    fn paraphrases_are_closer_than_other_topics() {
        let queue = "the first element added is the first one removed";
        let fifo = "a queue is first in first out";
        let stack = "recursion needs a base case to stop";
        assert!(
            sim(queue, fifo) > sim(queue, stack) + 0.1,
            "{} {}",
            sim(queue, fifo),
            sim(queue, stack)
        );
        let same = sim(
            "the place in memory where a variable is stored",
            "a variable's memory location",
        );
        assert!(same > 0.6, "{same}");
    }

    #[test]
    fn nothing_but_function_words_has_no_meaning() {
        assert!(embed(&tokenize("it is what it is")).is_none());
        assert!(embed(&tokenize("")).is_none());
    }

    #[test]
    fn long_and_odd_words_never_fail() {
        let long = "x".repeat(500);
        let v = embed(&tokenize(&format!(
            "{long} İstanbul ﬁle ǅ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ٣٤ ₂ gradient"
        )))
        .expect("content");
        assert_eq!(v.len(), DIMS);
        assert!((cosine(&v, &v) - 1.0).abs() < 1e-4);
    }
}
