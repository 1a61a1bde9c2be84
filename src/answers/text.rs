//! A free-text answer as words: each with its normalised form, its English and Italian
//! Snowball stems, its byte span in the answer (for highlighting), its clause, and whether a
//! negation ("not", "never", "doesn't", "non", "senza", …) governs it.

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::OnceLock;

impl TextAnswer {
    /// Are words `i` and `i + 1` written together `word`?
    pub fn joined_is(&self, i: usize, word: &str) -> bool {
        let (Some(a), Some(b)) = (self.tokens.get(i), self.tokens.get(i + 1)) else {
            return false;
        };
        word.len() == a.norm.len() + b.norm.len()
            && word.starts_with(a.norm.as_str())
            && word.ends_with(b.norm.as_str())
    }

    /// Do words `i` and `i + 1` written together match the wildcard `pattern`?
    pub fn joined_matches(&self, i: usize, pattern: &str) -> bool {
        match (self.tokens.get(i), self.tokens.get(i + 1)) {
            (Some(a), Some(b)) => {
                crate::rubric::criteria::glob_match_parts(pattern, &a.norm, &b.norm)
            }
            _ => false,
        }
    }
}

/// One word of the answer: what the word is ([`Word`], shared by every answer that uses it;
/// `token.norm` reads through to it) and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub word: std::sync::Arc<Word>,
    /// Byte span in the original answer.
    pub start: usize,
    pub end: usize,
    /// Index of the clause the word is in.
    pub clause: usize,
    /// A negation precedes it in the same clause, within [`NEGATION_WINDOW`] words.
    pub negated: bool,
    /// The word is itself a negation.
    pub negator: bool,
}

impl std::ops::Deref for Token {
    type Target = Word;
    fn deref(&self) -> &Word {
        &self.word
    }
}

/// A distinct word as written (before normalisation), worked out once per thread and shared
/// by every token of it: a class writes with a few thousand words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Lower-case NFKC form.
    pub norm: String,
    pub stem_en: String,
    pub stem_it: String,
    /// Which characters the word has (see [`letters`]): a quick filter before typo matching.
    pub letters: u64,
    /// [`crate::text::hash64`] of `norm`, `stem_en`, `stem_it`: words are compared by hash
    /// first, by text only when the hashes agree.
    pub hashes: [u64; 3],
    /// What the word does to the sentence around it.
    role: Role,
}

/// How a word bears on clauses and negation (see [`tokenize`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Role {
    /// Starts a new clause ([`CLAUSE_WORDS`]).
    clause: bool,
    negator: bool,
    /// A negation of a noun phrase ([`NOUN_NEGATORS`]): it reaches across `and` too.
    noun_negator: bool,
    or_word: bool,
    and_word: bool,
    /// A function word ([`is_stopword`]).
    stopword: bool,
    /// One of the few words that tell English ([`EN_STOP`]) or Italian ([`IT_STOP`]).
    en_stop: bool,
    it_stop: bool,
}

impl Word {
    /// A function word of English or Italian ([`is_stopword`]).
    pub fn is_stopword(&self) -> bool {
        self.role.stopword
    }

    fn new(norm: String) -> Word {
        let (stem_en, stem_it, [hash_en, hash_it]) = stems_hashed(&norm);
        let w = norm.as_str();
        Word {
            hashes: [crate::text::hash64(w), hash_en, hash_it],
            letters: letters(w),
            role: Role {
                clause: CLAUSE_WORDS.contains(&w),
                negator: is_negator(w),
                noun_negator: NOUN_NEGATORS.contains(&w),
                or_word: OR_WORDS.contains(&w),
                and_word: AND_WORDS.contains(&w),
                stopword: is_stopword(w),
                en_stop: EN_STOP.contains(&w),
                it_stop: IT_STOP.contains(&w),
            },
            stem_en,
            stem_it,
            norm,
        }
    }
}

/// Distinct written words a thread remembers with their [`Word`].
const WORD_CACHE: usize = 1 << 16;

/// A 64-bit set of the word's characters. Words within `k` edits differ in at most `2k` of
/// these bits, so most typo comparisons are rejected without computing a distance.
pub fn letters(word: &str) -> u64 {
    word.chars()
        .fold(0u64, |m, c| m | (1u64 << (c as u32 % 64)))
}

/// An answer ready for matching.
#[derive(Clone, Debug, Default)]
pub struct TextAnswer {
    pub tokens: Vec<Token>,
    /// Byte span of each clause, for quoting the sentence of a negated match.
    pub clauses: Vec<(usize, usize)>,
    /// `joined[i]`: words `i` and `i + 1` written as one (`re use` → `reuse`, `data member` →
    /// `datamember`), so a rubric word also meets the same word split by a space or a hyphen.
    /// Each as [`crate::text::hash64`] of the two words written together, computed without
    /// building the string ([`TextAnswer::joined_is`], [`TextAnswer::joined_text`]).
    pub joined: Vec<u64>,
    /// The answer was longer than [`MAX_ANSWER`] bytes; only its beginning was read.
    pub truncated: bool,
    /// Bytes of the answer read (all of it, or the first [`MAX_ANSWER`] up to a character).
    pub read: usize,
    /// How each token matches each word pattern of the key it is scored against, filled by
    /// the scorer: `pattern_bits[token][pattern]` (shared with the scorer's per-word cache).
    pub pattern_bits: Vec<std::sync::Arc<[u8]>>,
    /// The tokens related to each pattern at all, in order: pattern `p`'s are
    /// `related[related_starts[p]..related_starts[p + 1]]` (filled with `pattern_bits`), so a
    /// phrase is looked for only where its first word could be.
    pub related: Vec<u32>,
    pub related_starts: Vec<u32>,
    /// Whether each token relates to any pattern at all (filled with `pattern_bits`).
    pub relates: Vec<bool>,
    /// The pairs meeting each pattern, in order: pattern `p`'s are
    /// `joined_related[joined_starts[p]..joined_starts[p + 1]]` (filled with `pattern_bits`).
    pub joined_related: Vec<u32>,
    pub joined_starts: Vec<u32>,
}

/// How many words before a term a negation reaches.
pub const NEGATION_WINDOW: usize = 4;

/// Words that negate what follows them in the clause (English and Italian).
const NEGATORS: [&str; 36] = [
    "not",
    "no",
    "never",
    "without",
    "neither",
    "nor",
    "none",
    "cannot",
    "can't",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "won't",
    "shouldn't",
    "hardly",
    "cant",
    "dont",
    "doesnt",
    "didnt",
    "isnt",
    "arent",
    "wasnt",
    "wont",
    "non",
    "senza",
    "mai",
    "nessun",
    "nessuna",
    "nessuno",
    "né",
    "neanche",
    "nemmeno",
];

/// Is this (normalised) word a negation? Negations are interchangeable in rubric terms: `not`
/// in a term also matches `no`, `doesn't`, `without`, `non`, …
pub fn is_negator(word: &str) -> bool {
    NEGATORS.contains(&word)
}

/// A function word of English or Italian (NLTK's lists, from the stop-words crate): what
/// sentences are built with, not what they are about.
pub fn is_stopword(word: &str) -> bool {
    static WORDS: OnceLock<rustc_hash::FxHashSet<&'static str>> = OnceLock::new();
    WORDS
        .get_or_init(|| {
            stop_words::get("en")
                .iter()
                .chain(stop_words::get("it"))
                .copied()
                .collect()
        })
        .contains(word)
}

/// Is `word` (normalised) an English word? SCOWL's size-60 list (80,434 words with their
/// inflections; permissive licence, `data/words/`): a student's word that is a word is not a
/// typo of another (`last` is not `list`, `node` not `none`). No Italian list with a licence
/// compatible with ours exists (they are GPL or CC-BY-SA): for Italian, the class's own words
/// and the rubric's stand in.
pub fn is_english_word(word: &str) -> bool {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS
        .get_or_init(|| include_str!("../../data/words/en.txt").lines().collect())
        .binary_search(&word)
        .is_ok()
}

/// Words that start a new clause (a negation does not reach across them): contrasts, and
/// the conjunctions of a reason or consequence ("does not vanish because the gates …").
const CLAUSE_WORDS: [&str; 21] = [
    "but",
    "however",
    "although",
    "whereas",
    "because",
    "since",
    "so",
    "thus",
    "therefore",
    "hence",
    "while",
    "ma",
    "però",
    "invece",
    "perché",
    "poiché",
    "quindi",
    "siccome",
    "mentre",
    "dunque",
    "infatti",
];

/// Words that carry a negation on to what they join: "do not have gates or a cell state",
/// "non ha né porte né celle" (`né` is itself a negation).
const OR_WORDS: [&str; 4] = ["or", "nor", "o", "oppure"];

/// `and` carries a negation on only after a negation of a noun phrase: "without gates and
/// cell state", "no gates and no cell" — not "does not vanish and keeps the state".
const AND_WORDS: [&str; 2] = ["and", "e"];
const NOUN_NEGATORS: [&str; 10] = [
    "without", "no", "neither", "nor", "none", "senza", "né", "nessun", "nessuna", "nessuno",
];

/// Longest answer read, in bytes; Forms limits long answers to a few thousand characters.
pub const MAX_ANSWER: usize = 100_000;

pub fn stemmers() -> &'static (Stemmer, Stemmer) {
    static STEMMERS: OnceLock<(Stemmer, Stemmer)> = OnceLock::new();
    STEMMERS.get_or_init(|| {
        (
            Stemmer::create(Algorithm::English),
            Stemmer::create(Algorithm::Italian),
        )
    })
}

/// Normalise one word as rubric terms are: NFKC, lower case, straight quotes. A word of ASCII
/// letters and digits (most words of most answers) is its own NFKC form: it is only lower-cased.
pub fn normalize_word(word: &str) -> String {
    if word.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return word.to_ascii_lowercase();
    }
    crate::text::normalize(word)
}

/// The word's stems in both languages.
pub fn stems(norm: &str) -> (String, String) {
    let (en, it, _) = stems_hashed(norm);
    (en, it)
}

/// [`stems`] with the [`crate::text::hash64`] of each (a [`Word`] keeps them: each distinct
/// word is stemmed once per thread).
fn stems_hashed(norm: &str) -> (String, String, [u64; 2]) {
    let (en, it) = stemmers();
    let (en, it) = (en.stem(norm).into_owned(), it.stem(norm).into_owned());
    let hashes = [crate::text::hash64(&en), crate::text::hash64(&it)];
    (en, it, hashes)
}

/// The inflectional base of an English word: plural, third person, past and -ing forms taken
/// off, a silent final `e` and a doubled final consonant dropped — so `gates`, `gated`,
/// `gating` and `gate` share one (`gat`), and `studies`, `studied`, `study` another, while
/// derivations keep theirs: `generative`, `generated`, `generator` are three. (A light
/// stemmer in the manner of Harman's S-stemmer and Porter's step 1; Snowball goes further.)
pub fn inflection_en(word: &str) -> String {
    let mut w: String = word.to_string();
    let n = w.len();
    if !w.is_ascii() || n <= 3 {
        return w;
    }
    let ends = |w: &str, s: &str| w.ends_with(s);
    if n > 4 && (ends(&w, "ies") || ends(&w, "ied")) {
        w.truncate(n - 3);
        w.push('y');
    } else if ends(&w, "es")
        && ["s", "x", "z", "ch", "sh"]
            .iter()
            .any(|e| w[..n - 2].ends_with(e))
    {
        w.truncate(n - 2);
    } else if ends(&w, "s") && !ends(&w, "ss") && !ends(&w, "us") && !ends(&w, "is") {
        w.truncate(n - 1);
    } else if ends(&w, "ing") && w[..n - 3].contains(['a', 'e', 'i', 'o', 'u', 'y']) {
        w.truncate(n - 3);
    } else if ends(&w, "ed") && w[..n - 2].contains(['a', 'e', 'i', 'o', 'u', 'y']) {
        w.truncate(n - 2);
    }
    if w.len() >= 3 && w.ends_with('e') {
        w.pop();
    }
    let b = w.as_bytes();
    if b.len() > 3 && b[b.len() - 1] == b[b.len() - 2] && !b"aeiou".contains(&b[b.len() - 1]) {
        w.pop();
    }
    w
}

/// What an English word's ending says it is, after [`inflection_en`]: a doer (`generator`,
/// `compiler`), a quality (`generative`, `adversarial`, `reusable`), or an action or thing
/// (`generate`, `refinement`, `implementation`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Agent,
    Quality,
    Action,
}

fn family(base: &str) -> Family {
    const AGENT: [&str; 3] = ["or", "er", "ist"];
    const QUALITY: [&str; 9] = ["iv", "al", "ary", "ous", "abl", "ibl", "ic", "ful", "less"];
    if base.len() > 4 && AGENT.iter().any(|s| base.ends_with(s)) {
        Family::Agent
    } else if base.len() > 4 && QUALITY.iter().any(|s| base.ends_with(s)) {
        Family::Quality
    } else {
        Family::Action
    }
}

/// Two English words that share a Snowball stem but not an inflectional base mean the same
/// for grading when one is the other plus `-ly` (`local`, `locally`) or both name an action
/// (`refine`, `refining`, `refinement`; `implement`, `implementation`). A doer or a quality
/// is another meaning (`generator`, `generative`, `generated`; `adversary`, `adversarial`):
/// those match only where a criterion asks for derivations.
pub fn same_meaning_en(a: &str, b: &str) -> bool {
    let (x, y) = (inflection_en(a), inflection_en(b));
    let without_ly = |w: &str| w.strip_suffix("ly").map(inflection_en);
    if without_ly(a).is_some_and(|w| w == y) || without_ly(b).is_some_and(|w| w == x) {
        return true;
    }
    family(&x) == Family::Action && family(&y) == Family::Action
}

/// The inflectional base of an Italian word: the final vowel of gender and number taken off
/// (`nascosto`, `nascosta`, `nascosti`, `nascoste` → `nascost`; `banchi`, `banco` → `banc`).
pub fn inflection_it(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 3 {
        return word.to_string();
    }
    let mut end = chars.len();
    if matches!(
        chars[end - 1],
        'a' | 'e' | 'i' | 'o' | 'à' | 'è' | 'é' | 'ì' | 'ò' | 'ù'
    ) {
        end -= 1;
        // banchi/banche → banc, like banco; laghi → lag, like lago.
        if end >= 2 && chars[end - 1] == 'h' && matches!(chars[end - 2], 'c' | 'g') {
            end -= 1;
        }
    }
    chars[..end].iter().collect()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Length of an HTML tag (`<br>`, `<br/>`, `</p>`) or entity (`&nbsp;`) at the start of `s`.
fn markup_len(s: &str) -> Option<usize> {
    if s.starts_with('<') {
        let end = s.find('>')?;
        let inner = &s[1..end];
        let tag = inner.trim_start_matches('/');
        let is_tag = !tag.is_empty()
            && end <= 40
            && tag.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " /=\"'-".contains(c));
        return is_tag.then_some(end + 1);
    }
    if s.starts_with('&') {
        let end = s.find(';')?;
        let name = &s[1..end];
        let is_entity = (2..=8).contains(&name.len())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '#');
        return is_entity.then_some(end + 1);
    }
    None
}

pub fn tokenize(text: &str) -> TextAnswer {
    let original_len = text.len();
    let text = if text.len() > MAX_ANSWER {
        let mut end = MAX_ANSWER;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    } else {
        text
    };
    let mut answer = TextAnswer {
        truncated: text.len() < original_len,
        read: text.len(),
        ..TextAnswer::default()
    };
    use std::cell::RefCell;
    type Cache = rustc_hash::FxHashMap<Box<str>, std::sync::Arc<Word>>;
    thread_local! {
        static WORDS: RefCell<Cache> = RefCell::new(Cache::default());
    }
    WORDS.with(|words| tokenize_with(text, &mut words.borrow_mut(), &mut answer));
    answer
}

/// [`tokenize`]'s work, with the thread's words at hand.
fn tokenize_with(
    text: &str,
    words: &mut rustc_hash::FxHashMap<Box<str>, std::sync::Arc<Word>>,
    answer: &mut TextAnswer,
) {
    let mut clause = 0usize;
    let mut clause_start = 0usize;
    let mut last_negator: Option<usize> = None;
    let mut noun_negation = false;
    // The character at a byte offset (a character boundary), if any.
    let char_at = |at: usize| text.get(at..).and_then(|rest| rest.chars().next());
    let mut at = 0usize;
    while let Some(c) = char_at(at) {
        // HTML that some exports carry (`<br>`, `&nbsp;`) is markup, not words; `<br>` ends a line.
        if let Some(len) = markup_len(&text[at..]) {
            if text[at..].starts_with("<br") {
                if clause_start < at {
                    answer.clauses.push((clause_start, at));
                }
                clause += 1;
                clause_start = at + len;
                last_negator = None;
            }
            // Markup is ASCII from `<` to `>` or `&` to `;`: the end is a boundary.
            at += len;
            continue;
        }
        if is_word_char(c) {
            let start = at;
            let mut end = at;
            while let Some(w) = char_at(end).filter(|&w| is_word_char(w)) {
                end += w.len_utf8();
            }
            // Keep English contractions (`doesn't`); split elisions (`dell'input`).
            if let Some(a @ ('\'' | '’')) = char_at(end)
                && let Some(t) = char_at(end + a.len_utf8())
                && t.eq_ignore_ascii_case(&'t')
                && !char_at(end + a.len_utf8() + 1).is_some_and(is_word_char)
            {
                end += a.len_utf8() + 1;
            }
            let written = &text[start..end];
            let word = match words.get(written) {
                Some(word) => std::sync::Arc::clone(word),
                None => {
                    let word = std::sync::Arc::new(Word::new(normalize_word(written)));
                    if words.len() >= WORD_CACHE {
                        words.clear();
                    }
                    words.insert(written.into(), std::sync::Arc::clone(&word));
                    word
                }
            };
            let role = word.role;
            if role.clause {
                answer.clauses.push((clause_start, start));
                clause += 1;
                clause_start = start;
                last_negator = None;
            }
            let index = answer.tokens.len();
            let negated = last_negator.is_some_and(|n| index - n <= NEGATION_WINDOW);
            if role.negator {
                last_negator = Some(index);
                noun_negation = role.noun_negator;
            } else if negated && (role.or_word || (noun_negation && role.and_word)) {
                // The negation reaches as far past the conjunction as past the negation.
                last_negator = Some(index);
            }
            answer.tokens.push(Token {
                word,
                start,
                end,
                clause,
                negated,
                negator: role.negator,
            });
            at = end;
            continue;
        }
        if matches!(c, '.' | ';' | ':' | '!' | '?' | '\n' | ',' | '(' | ')') {
            // A decimal point inside a number does not end a clause.
            let decimal = c == '.'
                && at > 0
                && text.as_bytes()[at - 1].is_ascii_digit()
                && text.as_bytes().get(at + 1).is_some_and(u8::is_ascii_digit);
            if !decimal {
                if clause_start < at {
                    answer.clauses.push((clause_start, at));
                }
                clause += 1;
                clause_start = at + c.len_utf8();
                last_negator = None;
            }
        }
        at += c.len_utf8();
    }
    if clause_start < text.len() {
        answer.clauses.push((clause_start, text.len()));
    }
    answer.joined = answer
        .tokens
        .windows(2)
        .map(|w| crate::text::fnv1a(w[0].hashes[0], w[1].norm.as_bytes()))
        .collect();
    // Clause indices count separators; map them to positions in `clauses` by span (the
    // spans are in order and do not overlap, and so are the tokens).
    let mut c = 0usize;
    for t in &mut answer.tokens {
        while answer.clauses.get(c).is_some_and(|&(_, e)| e <= t.start) {
            c += 1;
        }
        t.clause = match answer.clauses.get(c) {
            Some(&(s, e)) if t.start >= s && t.start < e => c,
            _ => 0,
        };
    }
}

/// English and Italian stopwords, to tell which language an answer is in (cheaply).
const EN_STOP: [&str; 20] = [
    "the", "is", "and", "of", "to", "a", "in", "that", "it", "are", "by", "with", "this", "as",
    "for", "be", "which", "on", "an", "its",
];
const IT_STOP: [&str; 20] = [
    "il", "la", "di", "che", "e", "è", "un", "una", "per", "del", "della", "dei", "delle", "lo",
    "gli", "le", "si", "con", "sono", "nel",
];

/// `"en"`, `"it"`, or `None` when the answer is too short or mixed to tell.
pub fn language(answer: &TextAnswer) -> Option<&'static str> {
    let en = answer.tokens.iter().filter(|t| t.role.en_stop).count();
    let it = answer.tokens.iter().filter(|t| t.role.it_stop).count();
    if en + it < 3 {
        return None;
    }
    if en >= 2 * it {
        Some("en")
    } else if it >= 2 * en {
        Some("it")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_have_spans_stems_and_clauses() {
        let a = tokenize("The gradients vanish. LSTMs use gates");
        let words: Vec<&str> = a.tokens.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(
            words,
            ["the", "gradients", "vanish", "lstms", "use", "gates"]
        );
        assert_eq!(
            &"The gradients vanish. LSTMs use gates"[a.tokens[1].start..a.tokens[1].end],
            "gradients"
        );
        assert_eq!(a.tokens[1].stem_en, "gradient");
        assert_eq!(a.tokens[2].clause, 0);
        assert_eq!(a.tokens[3].clause, 1);
    }

    #[test]
    fn negation_reaches_a_few_words_within_the_clause() {
        let negated = |text: &str| -> Vec<String> {
            tokenize(text)
                .tokens
                .into_iter()
                .filter(|t| t.negated)
                .map(|t| t.norm.clone())
                .collect()
        };
        assert_eq!(
            negated("ReLU does not solve the problem, but gates solve it"),
            ["solve", "the", "problem"]
        );
        assert_eq!(
            negated("il gradiente non esplode senza motivo"),
            ["esplode", "senza", "motivo"]
        );
        // Over coordination.
        assert_eq!(
            negated("LSTM do not have gates or a cell state"),
            ["have", "gates", "or", "a", "cell", "state"]
        );
        assert_eq!(
            negated("an RNN without gates and cell state at all"),
            ["gates", "and", "cell", "state", "at", "all"]
        );
        assert_eq!(
            negated("neither gates nor a memory cell"),
            ["gates", "nor", "a", "memory", "cell"]
        );
        assert_eq!(
            negated("la RNN non ha né porte né cella di memoria"),
            ["ha", "né", "porte", "né", "cella", "di", "memoria"]
        );
        // `and` after a verb's negation, and a reason, start afresh.
        assert_eq!(
            negated("it does not vanish and the gates keep the cell state"),
            ["vanish", "and", "the", "gates"]
        );
        assert_eq!(
            negated("it does not vanish because the gates keep it"),
            ["vanish"]
        );
        let a = tokenize("it doesn't vanish");
        assert_eq!(a.tokens[1].norm, "doesn't");
        assert!(a.tokens[2].negated);
    }

    #[test]
    fn html_markup_is_not_words() {
        let a = tokenize("first line<br><br>second&nbsp;line");
        let words: Vec<&str> = a.tokens.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(words, ["first", "line", "second", "line"]);
        assert_eq!(a.tokens[2].clause, 1);
        let a = tokenize("a < b and c > d");
        assert_eq!(a.tokens.len(), 5);
    }

    #[test]
    fn italian_elisions_split_and_italian_stems() {
        let a = tokenize("dell'attenzione dei gradienti");
        let words: Vec<&str> = a.tokens.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(words, ["dell", "attenzione", "dei", "gradienti"]);
        assert_eq!(a.tokens[3].stem_it, stems("gradiente").1);
    }

    #[test]
    fn inflections_share_a_base_and_derivations_do_not() {
        let base = |w: &str| inflection_en(w);
        for (a, b) in [
            ("gate", "gates"),
            ("gate", "gated"),
            ("gate", "gating"),
            ("study", "studies"),
            ("study", "studied"),
            ("study", "studying"),
            ("vanish", "vanishing"),
            ("vanish", "vanishes"),
            ("stack", "stacked"),
            ("run", "running"),
            ("fall", "falling"),
            ("pass", "passes"),
            ("uses", "using"),
            ("uses", "used"),
            ("bring", "brings"),
            ("memory", "memories"),
            ("box", "boxes"),
        ] {
            assert_eq!(base(a), base(b), "{a} {b}");
        }
        for (a, b) in [
            ("generative", "generator"),
            ("generative", "generated"),
            ("generator", "generated"),
            ("adversary", "adversarial"),
            ("pointer", "point"),
            ("implementation", "implement"),
        ] {
            assert_ne!(base(a), base(b), "{a} {b}");
        }
        assert!(same_meaning_en("locally", "local"));
        assert!(same_meaning_en("refinement", "refining"));
        assert!(same_meaning_en("implementation", "implemented"));
        assert!(!same_meaning_en("generative", "generated"));
        assert!(!same_meaning_en("generator", "generated"));
        assert!(!same_meaning_en("adversary", "adversarial"));
        assert!(!same_meaning_en("compiler", "compile"));
        let it = |w: &str| inflection_it(w);
        assert_eq!(it("nascosto"), it("nascoste"));
        assert_eq!(it("gradiente"), it("gradienti"));
        assert_eq!(it("banco"), it("banchi"));
        assert_ne!(it("generatore"), it("generativo"));
    }

    #[test]
    fn english_words_are_known_and_jargon_is_not() {
        for w in [
            "last", "list", "node", "none", "tree", "true", "pushed", "doesn't",
        ] {
            assert!(is_english_word(w), "{w}");
        }
        for w in ["lstm", "fifo", "gardeint", "Last", ""] {
            assert!(!is_english_word(w), "{w}");
        }
    }

    #[test]
    fn language_by_stopwords() {
        assert_eq!(
            language(&tokenize(
                "the gradient of the loss is small and it vanishes"
            )),
            Some("en")
        );
        assert_eq!(
            language(&tokenize(
                "il gradiente della loss è piccolo e si annulla per la rete"
            )),
            Some("it")
        );
        assert_eq!(language(&tokenize("LSTM gates")), None);
    }
}
