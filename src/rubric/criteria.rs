//! Criteria of free-text questions, compiled once when the rubric loads.
//!
//! Term syntax (documented in the README):
//! - `word`, `two words` — a word or a phrase (consecutive words);
//! - `vanish*`, `*gradient` — `*` matches any letters inside a word;
//! - `@gradient` — any entry of the rubric's `[synonyms] gradient = [...]` list;
//! - `cell state ~3 additive` — both sides within 3 words of each other, in either order
//!   (`a ~2 b ~4 c` chains).
//!
//! Each word is matched, in order and each switchable per criterion: exactly (after NFKC,
//! case, quotes), by Snowball stem (English and Italian), by wildcard, by a typo — one edit
//! for words of 4–7 letters, two for 8 or more, none below (Moodle pattern-match's rule).

use crate::answers::text::{normalize_word, stems};
use crate::points::Points;
use std::collections::BTreeMap;

/// One word of a term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordPattern {
    pub norm: String,
    pub stem_en: String,
    pub stem_it: String,
    /// `*` wildcard pattern (normalised), if the word has one.
    pub glob: Option<String>,
    /// Edits (optimal string alignment) tolerated for a typo.
    pub max_typos: usize,
    /// A negation (`not`, `no`, `doesn't`, `non`, …): matches any other negation.
    pub negator: bool,
    /// The word's character set (`answers::text::letters`).
    pub letters: u64,
    /// Longer than 3 characters: only such words match by stem.
    pub stemmable: bool,
    /// Hashes of `norm`, `stem_en`, `stem_it`, as a token's.
    pub hashes: [u64; 3],
    /// Position in its key's [`TextKey::patterns`].
    pub id: usize,
}

/// A phrase: one of several word sequences (synonyms), or of several literals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phrase {
    pub alternatives: Vec<Vec<WordPattern>>,
    /// Literal alternatives (`c++`, `O(n log n)`, `` `int*` ``), lower-case: matched as written,
    /// ASCII case aside, any run of spaces for a space, at word boundaries.
    pub literals: Vec<String>,
}

/// Characters a plain term word may have besides letters and digits: the wildcard, apostrophes
/// and the separators words are split at. Any other (`+ # ( ) ^ \ . < >` …) makes the entry
/// a literal.
fn is_plain(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || matches!(c, '*' | '\'' | '’' | '-' | '/' | '_')
}

/// An entry's literal text, when it is one: written in backticks (`` `int*` ``), or containing
/// a symbol a word cannot (`c++`, `C#`, `O(n^2)`, `\0`, `int\*` — `\*` is a literal star).
fn literal(entry: &str) -> Option<String> {
    let t = entry.trim();
    let raw = if let Some(inner) = t.strip_prefix('`').and_then(|r| r.strip_suffix('`')) {
        inner.to_string()
    } else if !t.chars().all(is_plain) {
        t.replace("\\*", "*")
    } else {
        return None;
    };
    let squeezed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(crate::text::normalize(&squeezed))
}

/// A term as written in the rubric, compiled: phrases joined by proximity gaps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// The term as a student can read it: a synonym list by its first entry, proximity as
    /// "…" (`@disc ~8 @real` → `discriminator … real`).
    pub display: String,
    pub parts: Vec<Phrase>,
    /// `gaps[i]`: most words between `parts[i]` and `parts[i + 1]`.
    pub gaps: Vec<usize>,
}

/// `any`/`all` over terms, nested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Term(Term),
    Any(Vec<Expr>),
    All(Vec<Expr>),
}

/// What a negated match does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Negation {
    /// Counts, and the answer goes to review with the sentence quoted (default).
    Review,
    /// Does not count.
    Reject,
    /// Counts silently.
    Ignore,
}

/// Matching rules a criterion allows (exact matching is always on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Inflections (`gates` for `gate`, `nascosti` for `nascosto`) match.
    pub stem: bool,
    /// Derivations sharing a Snowball stem match too (`generated` for `generative`).
    pub derivation: bool,
    pub wildcard: bool,
    pub typo: bool,
}

/// A criterion (points earned when met) or a penalty (points lost when met).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Criterion {
    pub id: String,
    pub points: Points,
    pub expr: Expr,
    pub contradicts: Vec<Term>,
    pub negation: Negation,
    pub rules: Rules,
    /// What the criterion is about, in the rubric author's words.
    pub description: Option<String>,
    /// Met, it alone earns the question's full points (penalties still apply).
    pub sufficient: bool,
}

/// A free-text question's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextKey {
    pub criteria: Vec<Criterion>,
    pub penalties: Vec<Criterion>,
    /// The rubric's language (`en`, `it`); answers in another are noted.
    pub language: String,
    pub min_words: Option<usize>,
    pub max_words: Option<usize>,
    /// Point values near which a human should confirm the grade.
    pub boundaries: Vec<Points>,
    pub review_margin: Points,
    /// Model answers (`reference = [...]`): with the worked examples that earn full points,
    /// what the second opinion compares an answer with.
    pub references: Vec<String>,
    /// The most an answer that is a bare list of keywords earns (`keyword_list_points`).
    pub keyword_list_points: Option<Points>,
    /// The criteria add up to more than the question's points on purpose.
    pub capped: bool,
    /// An answer close in meaning to the model and best answers may earn more than its
    /// criteria gave (`paraphrase_credit`, default true; see `score::class`).
    pub paraphrase_credit: bool,
    /// Every word pattern of the key, numbered (`WordPattern::id`): how each distinct answer
    /// word matches each of them is worked out once and remembered (`score::text`).
    pub patterns: Vec<WordPattern>,
    /// Tells this compiled key from every other in the process (for that memory).
    pub uid: KeyId,
    /// What the class's answers tell the scorer (set before grading a class; none for a
    /// rubric checked on its own).
    pub class: ClassRef,
}

/// The class context of a key; keys compare equal whatever it is (it is no part of what a
/// key says).
#[derive(Clone, Debug, Default)]
pub struct ClassRef(pub Option<std::sync::Arc<crate::score::class::Class>>);

impl PartialEq for ClassRef {
    fn eq(&self, _: &ClassRef) -> bool {
        true
    }
}

impl Eq for ClassRef {}

static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A process-wide unique number for a compiled key; all keys compare equal by it (it is no
/// part of what a key says).
#[derive(Clone, Copy, Debug, Eq)]
pub struct KeyId(pub u64);

impl PartialEq for KeyId {
    fn eq(&self, _: &KeyId) -> bool {
        true
    }
}

impl TextKey {
    /// The key for grading one class: its context attached, and a new id (words relate to
    /// its patterns differently once the class's own words are known).
    pub fn with_class(&self, class: crate::score::class::Class) -> TextKey {
        use std::sync::atomic::Ordering;
        let mut key = self.clone();
        key.class = ClassRef(Some(std::sync::Arc::new(class)));
        key.uid = KeyId(NEXT_KEY.fetch_add(1, Ordering::Relaxed));
        key
    }

    /// Number the key's word patterns and list them; give the key its unique id.
    pub fn seal(mut self) -> TextKey {
        use std::sync::atomic::Ordering;
        let mut patterns = Vec::new();
        fn term(t: &mut Term, out: &mut Vec<WordPattern>) {
            for phrase in &mut t.parts {
                for words in &mut phrase.alternatives {
                    for w in words {
                        w.id = out.len();
                        out.push(w.clone());
                    }
                }
            }
        }
        fn expr(e: &mut Expr, out: &mut Vec<WordPattern>) {
            match e {
                Expr::Term(t) => term(t, out),
                Expr::Any(es) | Expr::All(es) => es.iter_mut().for_each(|e| expr(e, out)),
            }
        }
        for c in self.criteria.iter_mut().chain(self.penalties.iter_mut()) {
            expr(&mut c.expr, &mut patterns);
            for t in &mut c.contradicts {
                term(t, &mut patterns);
            }
        }
        self.patterns = patterns;
        self.uid = KeyId(NEXT_KEY.fetch_add(1, Ordering::Relaxed));
        self
    }
}

/// Moodle pattern-match's typo gate: no typo under 4 letters, one for 4–7, two for 8+.
pub fn typos_allowed(word: &str) -> usize {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

fn word_pattern(raw: &str) -> Option<WordPattern> {
    let cleaned: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '*' || *c == '\'' || *c == '’')
        .collect();
    let norm = normalize_word(&cleaned);
    if norm.is_empty() || norm.chars().all(|c| c == '*') {
        return None;
    }
    let glob = norm.contains('*').then(|| norm.clone());
    let plain: String = norm.chars().filter(|c| *c != '*').collect();
    let (stem_en, stem_it) = stems(&plain);
    Some(WordPattern {
        max_typos: if glob.is_some() {
            0
        } else {
            typos_allowed(&plain)
        },
        negator: crate::answers::text::is_negator(&plain),
        letters: crate::answers::text::letters(&plain),
        stemmable: plain.chars().count() > 3,
        id: 0,
        hashes: [
            crate::text::hash64(&plain),
            crate::text::hash64(&stem_en),
            crate::text::hash64(&stem_it),
        ],
        norm: plain,
        stem_en,
        stem_it,
        glob,
    })
}

fn words(text: &str) -> Vec<WordPattern> {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '/' || c == '_')
        .filter_map(word_pattern)
        .collect()
}

/// Compile one term. Errors say what is wrong in the rubric author's words.
pub fn compile_term(text: &str, synonyms: &BTreeMap<String, Vec<String>>) -> Result<Term, String> {
    let mut parts = Vec::new();
    let mut gaps = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    let mut rest = text;
    loop {
        let (part, gap) = match rest.find('~') {
            Some(at) => {
                let after = &rest[at + 1..];
                let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
                let n: usize = digits.parse().map_err(|_| {
                    format!("`~` must be followed by a number of words in `{text}`")
                })?;
                if n > 50 {
                    return Err(format!("`~{n}` in `{text}`: at most 50 words apart"));
                }
                let part = &rest[..at];
                rest = &after[digits.len()..];
                (part, Some(n))
            }
            None => (rest, None),
        };
        let part = part.trim();
        shown.push(match part.strip_prefix('@') {
            Some(name) => synonyms
                .get(name.trim())
                .and_then(|l| l.first())
                .cloned()
                .unwrap_or_else(|| part.to_string()),
            None => part.to_string(),
        });
        let alternatives: Vec<&str> = if let Some(name) = part.strip_prefix('@') {
            let list = synonyms.get(name.trim()).ok_or_else(|| {
                let hint =
                    crate::rubric::error::did_you_mean(name, synonyms.keys().map(String::as_str))
                        .map(|s| format!(" (did you mean `@{s}`?)"))
                        .unwrap_or_default();
                format!("unknown synonym list `@{name}`{hint}: define it under [synonyms]")
            })?;
            list.iter().map(String::as_str).collect()
        } else {
            vec![part]
        };
        let mut phrase = Phrase {
            alternatives: Vec::new(),
            literals: Vec::new(),
        };
        for entry in alternatives {
            match literal(entry) {
                Some(l) if !l.is_empty() => phrase.literals.push(l),
                Some(_) => {}
                None => {
                    let w = words(entry);
                    if !w.is_empty() {
                        phrase.alternatives.push(w);
                    }
                }
            }
        }
        if phrase.alternatives.is_empty() && phrase.literals.is_empty() {
            return Err(format!("the term `{text}` has an empty part"));
        }
        parts.push(phrase);
        match gap {
            Some(n) => gaps.push(n),
            None => break,
        }
    }
    Ok(Term {
        display: shown.join(" … "),
        text: text.to_string(),
        parts,
        gaps,
    })
}

/// `*` matches any run of characters (no regex, no allocation: it runs for every word).
pub fn glob_match(pattern: &str, word: &str) -> bool {
    glob_match_parts(pattern, word, "")
}

/// [`glob_match`] against `first` and `second` written together, without building the string.
pub fn glob_match_parts(pattern: &str, first: &str, second: &str) -> bool {
    let (p, a, b) = (pattern.as_bytes(), first.as_bytes(), second.as_bytes());
    let len = a.len() + b.len();
    let at = |i: usize| if i < a.len() { a[i] } else { b[i - a.len()] };
    // Byte-wise is exact for UTF-8: `*` is ASCII and never inside a multi-byte character.
    let (mut pi, mut wi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while wi < len {
        if pi < p.len() && p[pi] != b'*' && p[pi] == at(wi) {
            pi += 1;
            wi += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = wi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            wi = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn() -> BTreeMap<String, Vec<String>> {
        BTreeMap::from([(
            "gradient".to_string(),
            vec!["gradient".to_string(), "derivata".to_string()],
        )])
    }

    #[test]
    fn terms_compile_into_phrases_and_gaps() {
        let t = compile_term("cell state ~3 additive", &syn()).unwrap();
        assert_eq!(t.parts.len(), 2);
        assert_eq!(t.gaps, vec![3]);
        assert_eq!(t.parts[0].alternatives[0].len(), 2);
        let t = compile_term("@gradient ~2 vanish*", &syn()).unwrap();
        assert_eq!(t.parts[0].alternatives.len(), 2);
        assert_eq!(
            t.parts[1].alternatives[0][0].glob.as_deref(),
            Some("vanish*")
        );
        assert_eq!(
            compile_term("@gradint", &syn()).unwrap_err(),
            "unknown synonym list `@gradint` (did you mean `@gradient`?): define it under [synonyms]"
        );
        assert!(compile_term("a ~x b", &syn()).is_err());
    }

    #[test]
    fn typo_gates_follow_moodle() {
        assert_eq!(typos_allowed("gan"), 0);
        assert_eq!(typos_allowed("gate"), 1);
        assert_eq!(typos_allowed("forget"), 1);
        assert_eq!(typos_allowed("gradient"), 2);
    }

    #[test]
    fn globs() {
        assert!(glob_match("vanish*", "vanishing"));
        assert!(glob_match("*gradient", "backgradient"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("vanish*", "vanquish"));
    }
}
