//! Text normalisation shared by every stage that compares what a person typed: Forms headers,
//! option texts, choice answers.
//!
//! Forms keeps question titles as typed — NBSP (U+00A0), zero-width spaces (U+200B), trailing
//! line breaks — and Excel re-saves may change curly quotes; none of that should decide whether
//! two texts are "the same" (shared/formats/msforms/FORMAT.md §1.5, §2).

use unicode_normalization::UnicodeNormalization;

/// Characters that take no space and carry no meaning in a title or option text.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// NFKC, invisible characters removed, curly quotes made straight, every run of whitespace
/// (NBSP and line breaks included) one space, trimmed, lower-case.
pub fn normalize(text: &str) -> String {
    // NFKC leaves ASCII as it is and no invisible character or curly quote is ASCII: most
    // cells of most exports only need whitespace and case.
    if text.is_ascii() {
        return collapse(text.chars(), text.len());
    }
    normalize_unicode(text)
}

fn normalize_unicode(text: &str) -> String {
    let chars = text.nfkc().filter(|c| !is_invisible(*c)).map(|c| match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => '"',
        c => c,
    });
    collapse(chars, text.len())
}

/// Every run of whitespace one space, trimmed, lower-case.
fn collapse(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// [`normalize`] without any whitespace at all: `K)OptionsAtoH` and `K) Options A to H` are
/// the same option edited (FORMAT.md §2).
pub fn squeeze(text: &str) -> String {
    normalize(text).chars().filter(|c| *c != ' ').collect()
}

/// How alike two normalised texts are, 0.0–1.0 (strsim's normalised Levenshtein).
pub fn similarity(a: &str, b: &str) -> f64 {
    strsim::normalized_levenshtein(a, b)
}

/// Byte offset of the ASCII `needle` in `haystack`, ignoring ASCII case. The offset is valid on
/// `haystack` itself: searching `haystack.to_lowercase()` instead gives offsets into another
/// string, whose length differs wherever a character's lower case has another UTF-8 length
/// (`İ` U+0130 → `i̇`, `K` U+212A → `k`), and slicing the original with them panics.
pub fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    debug_assert!(needle.is_ascii());
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    // An ASCII needle matched byte for byte starts and ends on char boundaries of `haystack`.
    h.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n))
}

/// Whether `text` starts with the ASCII `prefix`, ignoring ASCII case.
pub fn starts_with_ascii_ci(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether `text` contains the ASCII `needle`, ignoring ASCII case.
pub fn contains_ascii_ci(text: &str, needle: &str) -> bool {
    find_ascii_ci(text, needle).is_some()
}

/// FNV-1a's starting value.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, 64 bits, continued from `h` over `bytes`: a hash fixed by its definition, the same
/// on every machine and every run.
pub fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// FNV-1a of a text: a quick, fixed hash for comparing words (equal hashes, then equal text).
pub fn hash64(text: &str) -> u64 {
    fnv1a(FNV_OFFSET, text.as_bytes())
}

/// A hash of the text's words, whatever the ASCII whitespace between and around them: equal
/// for `a  b` and ` a b\n`, and computed without allocating (FxHash, eight bytes at a time).
pub fn hash_words(text: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    for w in text
        .as_bytes()
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty())
    {
        h.write(w);
        h.write_u8(0xff);
    }
    h.finish()
}

/// Make a one-line, bounded excerpt of a cell for a message.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    if trimmed.chars().count() <= max_chars {
        trimmed.to_string()
    } else {
        let cut: String = trimmed.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

/// Order ids as people number questions: runs of digits by value, so `5.1` < `10.5` and
/// `q2` < `q10`; ties (`01` and `1`) fall back to the plain text.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn pieces(s: &str) -> impl Iterator<Item = (bool, &str)> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digit = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digit)
                .unwrap_or(rest.len());
            let (piece, tail) = rest.split_at(end);
            rest = tail;
            Some((digit, piece))
        })
    }
    let (mut x, mut y) = (pieces(a), pieces(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some((true, p)), Some((true, q))) => {
                let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                let o = p.len().cmp(&q.len()).then_with(|| p.cmp(q));
                if o.is_ne() {
                    return o;
                }
            }
            (Some((_, p)), Some((_, q))) => {
                let o = p.cmp(q);
                if o.is_ne() {
                    return o;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_hash_alike_whatever_the_spaces() {
        assert_eq!(hash_words("a  b"), hash_words(" a b\n"));
        assert_ne!(hash_words("a b"), hash_words("ab"));
        assert_ne!(hash_words("a b"), hash_words("b a"));
    }

    #[test]
    fn natural_order_of_question_ids() {
        let mut ids = vec!["10.5", "5.1", "1.10", "1.2", "q10", "q2", "2.1", "q2-gans"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            ids,
            ["1.2", "1.10", "2.1", "5.1", "10.5", "q2", "q2-gans", "q10"]
        );
    }

    #[test]
    fn ascii_case_insensitive_search_gives_offsets_into_the_original() {
        // Each of these lower-cases to a string of another byte length.
        for c in ["İ", "K", "Ω", "Å", "ẞ", "ﬁ"] {
            let text = format!("{c}{c} x [ADD PARAMS]");
            let at = find_ascii_ci(&text, "[add params]").expect("found");
            assert_eq!(&text[at..], "[ADD PARAMS]");
        }
        assert!(starts_with_ascii_ci("Total Params: 3", "total params"));
        assert!(!starts_with_ascii_ci("İ", "i"));
        assert_eq!(find_ascii_ci("abc", ""), Some(0));
        assert_eq!(find_ascii_ci("ab", "abc"), None);
    }

    proptest::proptest! {
        #[test]
        fn the_ascii_fast_path_normalises_as_nfkc_does(text in "[\\x00-\\x7f]{0,40}") {
            proptest::prop_assert_eq!(normalize(&text), normalize_unicode(&text));
        }
    }

    #[test]
    fn normalize_removes_nbsp_zero_width_and_trailing_line_breaks() {
        assert_eq!(
            normalize("How far\u{00A0}is it\u{200B} in meters?\n\n\n"),
            "how far is it in meters?"
        );
        assert_eq!(normalize("  A  \t B\r\nC "), "a b c");
        assert_eq!(normalize("It’s “fine”"), "it's \"fine\"");
        assert_eq!(normalize("ＡＢＣ"), "abc");
    }

    #[test]
    fn squeeze_ignores_all_spaces() {
        assert_eq!(squeeze("K) Options A to H "), squeeze("K)OptionsAtoH"));
    }

    #[test]
    fn excerpt_is_one_line_and_bounded() {
        assert_eq!(excerpt("a\nb", 10), "a b");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}
