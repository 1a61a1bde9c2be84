//! Free-text answers scored criterion by criterion: each criterion met adds its points,
//! each penalty met takes its points away, the total is kept within 0 and the question's
//! points. Every point comes with the words that earned it (rule and byte span), and anything
//! uncertain — a match only through typos, a negated match, a score at a grade boundary, a long
//! answer that matched nothing — goes to review.

use super::{Finding, Reason, Review, Score, Status};
use crate::answers::text::{TextAnswer, Token, language, tokenize};
use crate::points::Points;
use crate::rubric::criteria::{
    Criterion, Expr, Negation, Phrase, Rules, Term, TextKey, WordPattern, glob_match,
};
use serde::Serialize;

/// Which rule matched a word (the weakest over a phrase).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    Exact,
    Stem,
    Wildcard,
    Typo,
}

/// The words of the answer that matched a term.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// The rubric term.
    pub term: String,
    /// The answer's words, as written.
    pub text: String,
    pub rule: Rule,
    /// Byte span in the answer.
    pub start: usize,
    pub end: usize,
    pub negated: bool,
}

/// Answers at least this long that match nothing go to review (calibrated on Mohler's marked
/// answers: most answers of three words or more that the rubric gives nothing earn something
/// from a human).
const LONG_ANSWER_WORDS: usize = 3;
/// Paraphrase credit of at least this share of the points goes to review (`paraphrase-credit`):
/// that much rests on similarity alone.
const CREDIT_REVIEW: f64 = 0.4;
/// An answer shorter than five words earning at most this share of the points goes to review
/// (`short-answer`).
const SHORT_WORDS: usize = 5;
const SHORT_SHARE: f64 = 0.3;

/// How a word of an answer relates to a word pattern, whatever rules a criterion allows: a
/// function of the word alone, so it is worked out once per distinct word ([`pattern_bits`]).
const EXACT: u8 = 1;
const NEGATORS: u8 = 2;
const GLOB: u8 = 4;
/// Same Snowball stem and the same meaning: an inflection (`gates` for `gate`, `nascosti` for
/// `nascosto`) or an action noun or adverb of the word (`refining`, `refinement`; `locally`).
const STEM: u8 = 8;
const TYPO: u8 = 16;
/// Same Snowball stem, another meaning: a doer or quality (`generated`, `generator`,
/// `generative`), matched only under `stem = "derivation"`.
const DERIVED: u8 = 32;

fn relation(p: &WordPattern, t: &Token) -> u8 {
    let mut bits = 0;
    if p.glob.is_none() && t.hashes[0] == p.hashes[0] && t.norm == p.norm {
        bits |= EXACT;
    }
    // Negations are one word as far as a rubric is concerned: `not` matches `no`, `doesn't`.
    if p.negator && t.negator {
        bits |= NEGATORS;
    }
    if let Some(glob) = &p.glob {
        if glob_match(glob, &t.norm) {
            bits |= GLOB;
        }
        return bits;
    }
    if p.stemmable && bits & EXACT == 0 {
        use crate::answers::text::{inflection_it, same_meaning_en};
        let en = t.hashes[1] == p.hashes[1] && t.stem_en == p.stem_en;
        let it = t.hashes[2] == p.hashes[2] && t.stem_it == p.stem_it;
        if (en && same_meaning_en(&t.norm, &p.norm))
            || (it && inflection_it(&t.norm) == inflection_it(&p.norm))
        {
            bits |= STEM;
        } else if en || it {
            bits |= DERIVED;
        }
    }
    if p.max_typos > 0
        && (p.letters ^ t.letters).count_ones() as usize <= 2 * p.max_typos
        && within_edits(&p.norm, &t.norm, p.max_typos)
    {
        bits |= TYPO;
    }
    bits
}

/// The rule by which a word meets a pattern under `rules`: exact, then a negation for a
/// negation, then (for a wildcard pattern, only) the wildcard, then stem, then typo.
fn match_word(p: &WordPattern, bits: u8, rules: Rules) -> Option<Rule> {
    if bits & (EXACT | NEGATORS) != 0 {
        return Some(Rule::Exact);
    }
    if p.glob.is_some() {
        return (rules.wildcard && bits & GLOB != 0).then_some(Rule::Wildcard);
    }
    if (rules.stem && bits & STEM != 0) || (rules.derivation && bits & DERIVED != 0) {
        return Some(Rule::Stem);
    }
    if rules.typo && bits & TYPO != 0 {
        return Some(Rule::Typo);
    }
    None
}

/// Distinct words whose relations to a key's patterns a thread remembers, over all keys.
const RELATION_CACHE: usize = 1 << 17;

/// Fill `answer.pattern_bits`: each token's relation to each of the key's patterns, looked up
/// by the token's normalised word (exact text, never a hash: a word is only ever credited for
/// what it is), computed on first sight. A class writes with a few thousand distinct words, so
/// matching costs a lookup per word instead of a comparison per word and pattern.
fn pattern_bits(key: &TextKey, answer: &mut TextAnswer) {
    use rustc_hash::FxHashMap;
    use std::cell::RefCell;
    thread_local! {
        static CACHE: RefCell<(usize, FxHashMap<u64, KeyCache>)> =
            RefCell::new((0, FxHashMap::default()));
    }
    let n = key.patterns.len();
    let mut bits = Vec::with_capacity(answer.tokens.len());
    // Which tokens relate to each pattern: counted, then filled, from each word's short list.
    let mut starts = vec![0u32; n + 1];
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut relates = vec![false; answer.tokens.len()];
    let mut joined_starts = vec![0u32; n + 1];
    let mut joined_pairs: Vec<(u32, u32)> = Vec::new();
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let (size, keys) = &mut *cache;
        if *size >= RELATION_CACHE {
            keys.clear();
            *size = 0;
        }
        let KeyCache { words, joins } = keys.entry(key.uid.0).or_default();
        for (i, t) in answer.tokens.iter().enumerate() {
            let (row, related) = match words.get(t.norm.as_str()) {
                Some(entry) => entry,
                None => {
                    let mut row: Box<[u8]> = key.patterns.iter().map(|p| relation(p, t)).collect();
                    // A word the rubric itself uses (`fifo`), an English word (`last`), or one
                    // the class writes often is no typo of another of the rubric's words
                    // (`lifo`, `list`).
                    if row.iter().any(|b| b & (EXACT | STEM) != 0)
                        || crate::answers::text::is_english_word(&t.norm)
                        || key.class.0.as_ref().is_some_and(|c| c.knows(&t.norm))
                    {
                        row.iter_mut().for_each(|b| *b &= !TYPO);
                    }
                    let related: Box<[u32]> = row
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| **b != 0)
                        .map(|(p, _)| p as u32)
                        .collect();
                    *size += 1;
                    words
                        .entry(t.norm.clone())
                        .or_insert((std::sync::Arc::from(row), related))
                }
            };
            bits.push(row.clone());
            relates[i] = !related.is_empty();
            for &p in related.iter() {
                starts[p as usize + 1] += 1;
                pairs.push((p, i as u32));
            }
        }
        // Two words written as one (`re use`, `data member`): the one-word patterns the pair
        // meets, exactly (by hash, then text) or by wildcard (only those starting as it does).
        let joins = joins.get_or_insert_with(|| JoinIndex::new(key));
        for (i, &h) in answer.joined.iter().enumerate() {
            let initial = answer.tokens[i]
                .norm
                .as_bytes()
                .first()
                .copied()
                .unwrap_or(0);
            let exact = joins
                .exact
                .get(&h)
                .into_iter()
                .flatten()
                .filter(|&&p| answer.joined_is(i, &key.patterns[p as usize].norm));
            let wildcard = joins.globs[usize::from(initial)]
                .iter()
                .chain(&joins.star_globs)
                .filter(|&&p| {
                    key.patterns[p as usize]
                        .glob
                        .as_deref()
                        .is_some_and(|g| answer.joined_matches(i, g))
                });
            for &p in exact.chain(wildcard) {
                joined_starts[p as usize + 1] += 1;
                joined_pairs.push((p, i as u32));
            }
        }
    });
    let by_pattern = |starts: &mut Vec<u32>, pairs: Vec<(u32, u32)>| {
        for p in 0..n {
            starts[p + 1] += starts[p];
        }
        let mut fill = starts.clone();
        let mut related = vec![0u32; starts[n] as usize];
        // Tokens in order within each pattern: `pairs` is in token order.
        for (p, i) in pairs {
            related[fill[p as usize] as usize] = i;
            fill[p as usize] += 1;
        }
        related
    };
    answer.related = by_pattern(&mut starts, pairs);
    answer.joined_related = by_pattern(&mut joined_starts, joined_pairs);
    answer.pattern_bits = bits;
    answer.relates = relates;
    answer.related_starts = starts;
    answer.joined_starts = joined_starts;
}

/// A word's relation to each pattern of a key, and the patterns it relates to at all.
type WordRelations = (std::sync::Arc<[u8]>, Box<[u32]>);

/// What one thread remembers of one key: per distinct word, its relation to each pattern and
/// the patterns it relates to at all (most relations are none); the key's patterns indexed
/// for pairs of words written as one.
#[derive(Default)]
struct KeyCache {
    words: rustc_hash::FxHashMap<String, WordRelations>,
    joins: Option<JoinIndex>,
}

/// A key's patterns as two words written as one may meet them: plain ones by the hash of
/// their text, wildcards by their first byte (those starting with `*` apart).
struct JoinIndex {
    exact: rustc_hash::FxHashMap<u64, Vec<u32>>,
    globs: Vec<Vec<u32>>,
    star_globs: Vec<u32>,
}

impl JoinIndex {
    fn new(key: &TextKey) -> JoinIndex {
        let mut index = JoinIndex {
            exact: rustc_hash::FxHashMap::default(),
            globs: vec![Vec::new(); 256],
            star_globs: Vec::new(),
        };
        for p in &key.patterns {
            let id = p.id as u32;
            match p.glob.as_deref().map(str::as_bytes) {
                None => index.exact.entry(p.hashes[0]).or_default().push(id),
                Some([b'*', ..] | []) => index.star_globs.push(id),
                Some([first, ..]) => index.globs[usize::from(*first)].push(id),
            }
        }
        index
    }
}

/// Longest word compared for typos; longer ones only match exactly, by stem or wildcard.
const MAX_TYPO_WORD: usize = 48;

/// Optimal string alignment distance (as strsim's `osa_distance`) is at most `k` — on the stack,
/// no allocation, stopping as soon as a row exceeds `k`. This runs for every word of every answer
/// against every rubric word, so it must be cheap.
fn within_edits(a: &str, b: &str, k: usize) -> bool {
    let mut x = ['\0'; MAX_TYPO_WORD];
    let mut y = ['\0'; MAX_TYPO_WORD];
    let (mut n, mut m) = (0, 0);
    for c in a.chars() {
        if n == MAX_TYPO_WORD {
            return false;
        }
        x[n] = c;
        n += 1;
    }
    for c in b.chars() {
        if m == MAX_TYPO_WORD {
            return false;
        }
        y[m] = c;
        m += 1;
    }
    if n.abs_diff(m) > k {
        return false;
    }
    let mut before = [0usize; MAX_TYPO_WORD + 1];
    let mut prev: [usize; MAX_TYPO_WORD + 1] = std::array::from_fn(|j| j);
    let mut cur = [0usize; MAX_TYPO_WORD + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(x[i - 1] != y[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                v = v.min(before[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > k {
            return false;
        }
        before = prev;
        prev = cur;
    }
    prev[m] <= k
}

/// Where a literal (`c++`, `O(n log n)`) occurs in the answer, as byte spans of `text`: the
/// literal's characters as written (ASCII and Unicode case aside, `’` for `'`), any run of
/// whitespace for one of its spaces, and no letter or digit glued to either end when the
/// literal starts or ends with one (`c++` is not in `abc++`, `c++11` has it).
fn literal_spans(lit: &str, text: &str) -> Vec<(usize, usize)> {
    let same = |a: char, l: char| {
        a == l || (a == '’' && l == '\'') || (a.is_uppercase() && a.to_lowercase().eq([l]))
    };
    let Some(first) = lit.chars().next() else {
        return Vec::new();
    };
    let last = lit.chars().next_back().unwrap_or(first);
    let mut out = Vec::new();
    let mut from = 0;
    while from < text.len() {
        let Some((at, _)) = text[from..].char_indices().find(|&(_, c)| same(c, first)) else {
            break;
        };
        let start = from + at;
        let glued_before = first.is_alphanumeric()
            && text[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
        let mut rest = text[start..].char_indices().peekable();
        let mut end = None;
        let mut ok = !glued_before;
        let mut lits = lit.chars().peekable();
        while ok && let Some(l) = lits.next() {
            if l == ' ' {
                let mut spaces = 0;
                while let Some(&(_, c)) = rest.peek()
                    && c.is_whitespace()
                {
                    rest.next();
                    spaces += 1;
                }
                ok = spaces > 0;
            } else {
                match rest.next() {
                    Some((i, c)) if same(c, l) => end = Some(start + i + c.len_utf8()),
                    _ => ok = false,
                }
            }
        }
        if ok && let Some(end) = end {
            let glued_after = last.is_alphanumeric()
                && text[end..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
            if !glued_after {
                out.push((start, end));
            }
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// One occurrence of a phrase: tokens `first..end` (empty when a literal covers no word, as
/// `++`), the weakest rule over its words, and its byte span in the answer.
#[derive(Clone, Copy, Debug)]
struct Occurrence {
    first: usize,
    end: usize,
    rule: Rule,
    start: usize,
    stop: usize,
}

/// Occurrences of a phrase.
/// Do words `i` and `i + 1` written as one meet pattern `p` (see [`pattern_bits`])?
fn joined_meets(answer: &TextAnswer, i: usize, p: usize) -> bool {
    match (answer.joined_starts.get(p), answer.joined_starts.get(p + 1)) {
        (Some(&a), Some(&b)) => answer.joined_related[a as usize..b as usize]
            .binary_search(&(i as u32))
            .is_ok(),
        _ => false,
    }
}

fn occurrences(phrase: &Phrase, answer: &TextAnswer, text: &str, rules: Rules) -> Vec<Occurrence> {
    let tokens = &answer.tokens;
    let words = |first: usize, end: usize, rule: Rule| Occurrence {
        first,
        end,
        rule,
        start: tokens[first].start,
        stop: tokens[end - 1].end,
    };
    let mut found = Vec::new();
    for lit in &phrase.literals {
        for (start, stop) in literal_spans(lit, &text[..answer.read.min(text.len())]) {
            let first = tokens.partition_point(|t| t.end <= start);
            let end = tokens.partition_point(|t| t.start < stop).max(first);
            found.push(Occurrence {
                first,
                end,
                rule: Rule::Exact,
                start,
                stop,
            });
        }
    }
    // Where an occurrence can start: a token related to some alternative's first word, or a
    // pair of tokens that written as one could be a one-word alternative.
    let mut starts: Vec<u32> = Vec::new();
    for words in &phrase.alternatives {
        if let Some(w) = words.first()
            && let (Some(&a), Some(&b)) = (
                answer.related_starts.get(w.id),
                answer.related_starts.get(w.id + 1),
            )
        {
            starts.extend_from_slice(&answer.related[a as usize..b as usize]);
        }
    }
    for w in phrase
        .alternatives
        .iter()
        .filter(|w| w.len() == 1)
        .map(|w| &w[0])
    {
        if (w.glob.is_none() || rules.wildcard)
            && let (Some(&a), Some(&b)) = (
                answer.joined_starts.get(w.id),
                answer.joined_starts.get(w.id + 1),
            )
        {
            starts.extend_from_slice(&answer.joined_related[a as usize..b as usize]);
        }
    }
    starts.sort_unstable();
    starts.dedup();
    for i in starts {
        let i = i as usize;
        let mut matched = false;
        for alternative in &phrase.alternatives {
            if i + alternative.len() > tokens.len() {
                continue;
            }
            let mut weakest = Rule::Exact;
            let all = alternative.iter().enumerate().all(|(k, w)| {
                let bits = answer.pattern_bits[i + k][w.id];
                match match_word(w, bits, rules) {
                    Some(r) => {
                        weakest = weakest.max(r);
                        true
                    }
                    None => false,
                }
            });
            if all {
                found.push(words(i, i + alternative.len(), weakest));
                matched = true;
                break;
            }
        }
        // One rubric word written as two (`re-use`, `data member`): exact or wildcard only.
        if !matched && i < answer.joined.len() {
            let single = phrase
                .alternatives
                .iter()
                .filter(|w| w.len() == 1)
                .map(|w| &w[0]);
            for w in single {
                let hit = match &w.glob {
                    Some(_) if !rules.wildcard => None,
                    _ if !joined_meets(answer, i, w.id) => None,
                    Some(_) => Some(Rule::Wildcard),
                    None => Some(Rule::Exact),
                };
                if let Some(rule) = hit {
                    found.push(words(i, i + 2, rule));
                    break;
                }
            }
        }
    }
    found
}

/// The best occurrence of a term: not negated if possible, then the strongest rule.
fn find(
    term: &Term,
    answer: &TextAnswer,
    text: &str,
    rules: Rules,
    allow_negated: bool,
) -> Option<Evidence> {
    let tokens = &answer.tokens;
    let mut spans = occurrences(&term.parts[0], answer, text, rules);
    for (k, gap) in term.gaps.iter().enumerate() {
        let next = occurrences(&term.parts[k + 1], answer, text, rules);
        let mut joined = Vec::new();
        for a in &spans {
            for b in &next {
                let apart = if b.first >= a.end {
                    b.first - a.end
                } else if a.first >= b.end {
                    a.first - b.end
                } else {
                    continue;
                };
                if apart <= *gap {
                    joined.push(Occurrence {
                        first: a.first.min(b.first),
                        end: a.end.max(b.end),
                        rule: a.rule.max(b.rule),
                        start: a.start.min(b.start),
                        stop: a.stop.max(b.stop),
                    });
                }
            }
        }
        spans = joined;
    }
    let evidence = |o: Occurrence| Evidence {
        term: term.text.clone(),
        text: text[o.start..o.stop].to_string(),
        rule: o.rule,
        start: o.start,
        end: o.stop,
        negated: tokens[o.first..o.end].iter().any(|t| t.negated),
    };
    let mut candidates: Vec<Evidence> = spans.into_iter().map(evidence).collect();
    candidates.sort_by_key(|e| (e.negated, e.rule, e.start));
    candidates.into_iter().find(|e| allow_negated || !e.negated)
}

/// `Some(evidence)` when the expression is met.
fn eval(
    expr: &Expr,
    answer: &TextAnswer,
    text: &str,
    rules: Rules,
    allow_negated: bool,
) -> Option<Vec<Evidence>> {
    match expr {
        Expr::Term(t) => find(t, answer, text, rules, allow_negated).map(|e| vec![e]),
        Expr::All(children) => {
            let mut all = Vec::new();
            for c in children {
                all.extend(eval(c, answer, text, rules, allow_negated)?);
            }
            Some(all)
        }
        Expr::Any(children) => {
            // The most convincing alternative: fewest negated, then strongest rules; an exact,
            // unnegated one cannot be beaten, so the search stops there.
            let mut best: Option<(usize, Option<Rule>, Vec<Evidence>)> = None;
            for c in children {
                let Some(ev) = eval(c, answer, text, rules, allow_negated) else {
                    continue;
                };
                let rank = (
                    ev.iter().filter(|e| e.negated).count(),
                    ev.iter().map(|e| e.rule).max(),
                );
                let perfect = rank == (0, Some(Rule::Exact));
                if best.as_ref().is_none_or(|b| rank < (b.0, b.1)) {
                    best = Some((rank.0, rank.1, ev));
                }
                if perfect {
                    break;
                }
            }
            best.map(|(_, _, ev)| ev)
        }
    }
}

/// The sentence (clause) around a span, for quoting.
fn sentence(answer: &TextAnswer, text: &str, start: usize) -> String {
    let (s, e) = answer
        .clauses
        .iter()
        .copied()
        .find(|(s, e)| start >= *s && start < *e)
        .unwrap_or((0, text.len()));
    crate::text::excerpt(&text[s..e], 160)
}

/// What one criterion or penalty came to.
struct Outcome {
    met: bool,
    evidence: Vec<Evidence>,
    note: Option<String>,
}

/// Most terms named when saying what an unmet criterion was missing.
const MISSING_TERMS: usize = 6;

/// What an unmet expression lacks, in the rubric's terms: "`a`, `b` or `c`" for `any`, the
/// unmet parts of an `all` joined by "and".
fn missing(expr: &Expr, answer: &TextAnswer, text: &str, rules: Rules) -> String {
    /// The first terms, one more than are shown (to know there are others).
    fn terms<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
        if out.len() > MISSING_TERMS {
            return;
        }
        match e {
            Expr::Term(t) => out.push(&t.display),
            Expr::Any(es) | Expr::All(es) => es.iter().for_each(|e| terms(e, out)),
        }
    }
    /// "a, b or c" (each in backticks when `quote`), "a, b, … (or others)" past
    /// [`MISSING_TERMS`]: one string, no string per name.
    fn list<S: AsRef<str>>(names: &[S], quote: bool, joiner: &str) -> String {
        let more = names.len() > MISSING_TERMS;
        let shown = &names[..names.len().min(MISSING_TERMS)];
        let mut out = String::new();
        let push = |out: &mut String, name: &S| {
            if quote {
                out.push('`');
            }
            out.push_str(name.as_ref());
            if quote {
                out.push('`');
            }
        };
        let last = if more {
            shown.len()
        } else {
            shown.len().saturating_sub(1)
        };
        for (k, name) in shown.iter().enumerate() {
            if k > 0 {
                out.push_str(if k == last && !more { " " } else { ", " });
                if k == last && !more {
                    out.push_str(joiner);
                    out.push(' ');
                }
            }
            push(&mut out, name);
        }
        if more {
            out.push_str(", … (");
            out.push_str(joiner);
            out.push_str(" others)");
        }
        out
    }
    match expr {
        Expr::All(children) => {
            let unmet: Vec<String> = children
                .iter()
                .filter(|c| eval(c, answer, text, rules, true).is_none())
                .map(|c| missing(c, answer, text, rules))
                .collect();
            list(&unmet, false, "and")
        }
        Expr::Any(_) | Expr::Term(_) => {
            let mut names = Vec::new();
            terms(expr, &mut names);
            list(&names, true, "or")
        }
    }
}

fn judge(
    c: &Criterion,
    answer: &TextAnswer,
    text: &str,
    penalty: bool,
    review: &mut Vec<Review>,
    question: &str,
) -> Outcome {
    // Penalties never fire on a negated mention ("ReLU does not fix it").
    let allow_negated = !penalty && c.negation != Negation::Reject;
    let Some(evidence) = eval(&c.expr, answer, text, c.rules, allow_negated) else {
        let negated = (!penalty && c.negation == Negation::Reject)
            .then(|| eval(&c.expr, answer, text, c.rules, true))
            .flatten();
        let note = negated.map(|ev| {
            let quoted = sentence(answer, text, ev[0].start);
            // Not counted; a human confirms that the negation is what it seems.
            review.push(Review {
                reason: Reason::NegatedMatch,
                detail: format!(
                    "{question} / {}: `{}` only in a negated clause, not counted: \"{quoted}\"",
                    c.id, ev[0].term
                ),
            });
            format!("only negated: \"{quoted}\"")
        });
        let note = note.or_else(|| {
            (!penalty).then(|| format!("missing {}", missing(&c.expr, answer, text, c.rules)))
        });
        return Outcome {
            met: false,
            evidence: Vec::new(),
            note,
        };
    };
    if let Some(contra) = c
        .contradicts
        .iter()
        .find_map(|t| find(t, answer, text, c.rules, false))
    {
        return Outcome {
            met: false,
            evidence,
            note: Some(format!(
                "cancelled by `{}` (\"{}\")",
                contra.term, contra.text
            )),
        };
    }
    if !penalty {
        if let Some(neg) = evidence.iter().find(|e| e.negated)
            && c.negation == Negation::Review
        {
            review.push(Review {
                reason: Reason::NegatedMatch,
                detail: format!(
                    "{question} / {}: `{}` matched in a negated clause: \"{}\"",
                    c.id,
                    neg.term,
                    sentence(answer, text, neg.start)
                ),
            });
        }
        if evidence.iter().all(|e| e.rule == Rule::Typo) {
            review.push(Review {
                reason: Reason::TypoOnly,
                detail: format!(
                    "{question} / {} met only through typos: {}",
                    c.id,
                    evidence
                        .iter()
                        .map(|e| format!("`{}` for `{}`", e.text, e.term))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    Outcome {
        met: true,
        evidence,
        note: None,
    }
}

/// The answer's content words that no word pattern of the key relates to, and adjacent pairs
/// of them, as (key, shown form) in order: what a rubric author might add (`check --marked`'s
/// suggestions). Keys are English stems (pairs: two stems), so `stacks` and `stack` count
/// together; stopwords, numbers, words under 3 letters and words of the question's own wording
/// are left out.
pub fn uncovered(key: &TextKey, question: &str, cell: &str) -> Vec<(String, String)> {
    let asked: std::collections::HashSet<String> = tokenize(question)
        .tokens
        .into_iter()
        .map(|t| t.stem_en.clone())
        .collect();
    let mut answer = tokenize(cell);
    pattern_bits(key, &mut answer);
    let free: Vec<bool> = answer
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.norm.chars().count() >= 3
                && !t.norm.chars().all(|c| c.is_ascii_digit())
                && !crate::answers::text::is_stopword(&t.norm)
                && !asked.contains(&t.stem_en)
                && !answer.relates[i]
        })
        .collect();
    let mut out = Vec::new();
    for (i, t) in answer.tokens.iter().enumerate() {
        if !free[i] {
            continue;
        }
        out.push((t.stem_en.clone(), t.norm.clone()));
        if let Some(next) = answer.tokens.get(i + 1)
            && free[i + 1]
            && next.clause == t.clause
        {
            out.push((
                format!("{} {}", t.stem_en, next.stem_en),
                format!("{} {}", t.norm, next.norm),
            ));
        }
    }
    out
}

/// Fewest words for an answer to count as a keyword list (shorter ones are just short).
const KEYWORD_LIST_WORDS: usize = 5;

/// `Some("7/9")` when the answer is mostly rubric terms without sentence structure: words
/// without sentences ([`telegraphic`]) and at least half of them related to the rubric's words.
fn keyword_list(answer: &TextAnswer) -> Option<String> {
    let words = answer.tokens.len();
    let terms = answer.relates.iter().filter(|&&r| r).count();
    (telegraphic(answer) && terms * 2 >= words).then(|| format!("{terms}/{words}"))
}

/// At least [`KEYWORD_LIST_WORDS`] words and under one in eight a function word ("the", "is",
/// "di" …; real sentences have three or four in ten): words without sentences. Similarity in
/// meaning ignores word order, so such an answer earns no paraphrase credit either (a bag of
/// the model answer's words would read like it).
fn telegraphic(answer: &TextAnswer) -> bool {
    let words = answer.tokens.len();
    if words < KEYWORD_LIST_WORDS {
        return false;
    }
    let function = answer.tokens.iter().filter(|t| t.is_stopword()).count();
    function * 8 < words
}

/// Score a free-text answer. `question` names it in review details.
pub fn score(key: &TextKey, points: Points, cell: &str, question: &str) -> Score {
    if cell.trim().is_empty() {
        return Score::not_answered(points);
    }
    let mut answer = tokenize(cell);
    if answer.tokens.is_empty() {
        return Score::not_answered(points);
    }
    pattern_bits(key, &mut answer);
    let mut findings = Vec::new();
    let mut review = Vec::new();
    let mut earned = Points::ZERO;
    let mut sufficient_met = false;
    for (penalty, list) in [(false, &key.criteria), (true, &key.penalties)] {
        if penalty && sufficient_met {
            // A criterion that alone earns the question's points was met: penalties apply to
            // the full points.
            earned = points;
        }
        for c in list {
            let o = judge(c, &answer, cell, penalty, &mut review, question);
            let value = if o.met { c.points } else { Points::ZERO };
            sufficient_met |= o.met && c.sufficient && !penalty;
            earned = if penalty {
                earned.checked_sub(value).unwrap_or(earned)
            } else {
                earned.checked_add(value).unwrap_or(earned)
            };
            findings.push(Finding::Criterion {
                criterion: c.id.clone(),
                penalty,
                met: o.met,
                points: if penalty {
                    Points::ZERO.checked_sub(value).unwrap_or(value)
                } else {
                    value
                },
                max: c.points,
                matched: o.evidence,
                note: o.note,
                description: c.description.clone(),
                sufficient: c.sufficient,
            });
        }
    }
    let mut total = earned.clamp(Points::ZERO, points);
    let words = answer.tokens.len();
    if answer.truncated {
        review.push(Review {
            reason: Reason::Truncated,
            detail: format!(
                "{question}: the answer has {} bytes; only the first {} were graded",
                cell.len(),
                crate::answers::text::MAX_ANSWER
            ),
        });
    }
    if let Some(share) = keyword_list(&answer) {
        let capped = key
            .keyword_list_points
            .filter(|cap| total > *cap)
            .map(|cap| {
                total = cap;
                format!("; the rubric caps such answers at {cap} points")
            })
            .unwrap_or_default();
        review.push(Review {
            reason: Reason::KeywordList,
            detail: format!(
                "{question}: a list of keywords rather than sentences ({words} words, {share} of \
                 them rubric terms, almost no function words){capped}"
            ),
        });
    }
    if let Some(min) = key.min_words
        && words < min
    {
        review.push(Review {
            reason: Reason::Length,
            detail: format!("{question}: only {words} word(s) (the rubric expects at least {min})"),
        });
    }
    if let Some(max) = key.max_words
        && words > max
    {
        review.push(Review {
            reason: Reason::Length,
            detail: format!("{question}: {words} words (the rubric expects at most {max})"),
        });
    }
    if let Some(class) = &key.class.0
        && let Some(opinion) = class.opinion(&answer, cell)
    {
        let criteria = total;
        let credit = super::class::Class::credit(opinion, total, points);
        // No credit where meaning from words alone misleads: a keyword list, a negated match, a
        // penalty met.
        let misconception = findings.iter().any(|f| {
            matches!(
                f,
                Finding::Criterion {
                    penalty: true,
                    met: true,
                    ..
                }
            )
        });
        let guarded = misconception
            || telegraphic(&answer)
            || review
                .iter()
                .any(|r| matches!(r.reason, Reason::KeywordList | Reason::NegatedMatch));
        let raised_from = (key.paraphrase_credit && !guarded && credit > Points::ZERO).then(|| {
            let from = total;
            total = total
                .checked_add(credit)
                .unwrap_or(total)
                .clamp(Points::ZERO, points);
            from
        });
        if let Some(from) = raised_from
            && (total.to_f64() - from.to_f64()) >= points.to_f64() * CREDIT_REVIEW
        {
            review.push(Review {
                reason: Reason::ParaphraseCredit,
                detail: format!(
                    "{question}: the criteria gave {from} of {points}; raised to {total} as a \
                     paraphrase of the model and best answers (similarity {:.2})",
                    opinion.similarity
                ),
            });
        }
        findings.push(Finding::SecondOpinion {
            similarity: opinion.similarity,
            raised_from,
            raised_to: raised_from.map(|_| total),
        });
        // A misconception the rubric recognised explains low points: no disagreement to review.
        if let Some(why) =
            super::class::Class::disagreement(opinion, total, criteria, points, misconception)
        {
            review.push(Review {
                reason: Reason::ScorersDisagree,
                detail: format!("{question}: {why}"),
            });
        }
    }
    if words < SHORT_WORDS && total.to_f64() <= points.to_f64() * SHORT_SHARE {
        review.push(Review {
            reason: Reason::ShortAnswer,
            detail: format!(
                "{question}: a {words}-word answer earned {total} of {points} (graders often \
                 credit short answers in part)"
            ),
        });
    }
    // A met penalty is a misconception recognised: something did match.
    let matched_any = findings
        .iter()
        .any(|f| matches!(f, Finding::Criterion { met: true, .. }));
    // Nothing matched (said once: an answer whose points rest on paraphrase credit is already
    // in review for that).
    if !matched_any
        && words >= LONG_ANSWER_WORDS
        && !review.iter().any(|r| r.reason == Reason::ParaphraseCredit)
    {
        review.push(Review {
            reason: Reason::NothingMatched,
            detail: format!(
                "{question}: a {words}-word answer matched no criterion (a paraphrase the \
                 rubric's words may not reach)"
            ),
        });
    }
    for b in &key.boundaries {
        let distance = total
            .checked_sub(*b)
            .map(Points::abs)
            .unwrap_or(Points::ZERO);
        if distance <= key.review_margin && !key.review_margin.is_zero() {
            review.push(Review {
                reason: Reason::Boundary,
                detail: format!(
                    "{question}: {total} points is within {} of the boundary {b}",
                    key.review_margin
                ),
            });
        }
    }
    if let Some(lang) = language(&answer)
        && lang != key.language
    {
        findings.push(Finding::Language {
            detected: lang.to_string(),
            rubric: key.language.clone(),
        });
    }
    Score {
        points: total,
        max: points,
        status: Status::Graded,
        findings,
        review,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::{Kind, parse};

    /// A one-criterion question (1 point) with `terms` and extra criterion settings.
    fn key(terms: &str, settings: &str) -> TextKey {
        let toml = format!(
            "[exam]\ntitle = \"t\"\n[synonyms]\ngrad = [\"gradient\", \"gradiente\", \"derivata\"]\n\
             [[questions]]\nid = \"q\"\ncolumn = \"Q\"\npoints = 1\nkind = \"text\"\n\
             [[questions.criteria]]\nid = \"c\"\npoints = 1\nany = [{terms}]\n{settings}"
        );
        let r = parse("t.toml", &toml).expect("rubric");
        let Kind::Text(k) = &r.questions[0].kind else {
            panic!()
        };
        (**k).clone()
    }

    fn run(k: &TextKey, answer: &str) -> Score {
        score(k, Points::ONE, answer, "q")
    }

    fn evidence(s: &Score) -> Vec<(String, Rule, bool)> {
        s.findings
            .iter()
            .filter_map(|f| match f {
                Finding::Criterion {
                    matched, met: true, ..
                } => Some(matched.clone()),
                _ => None,
            })
            .flatten()
            .map(|e| (e.text, e.rule, e.negated))
            .collect()
    }

    #[test]
    fn exact_match_after_normalisation_with_its_span() {
        let k = key("\"Forget Gate\"", "");
        let s = run(&k, "The LSTM has a forget   gate.");
        assert_eq!(s.points, Points::ONE);
        let Finding::Criterion { matched, .. } = &s.findings[0] else {
            panic!()
        };
        assert_eq!((matched[0].start, matched[0].end), (15, 28));
        assert_eq!(matched[0].rule, Rule::Exact);
    }

    #[test]
    fn stems_in_english_and_italian() {
        let k = key("\"vanishing gradient\"", "");
        assert_eq!(evidence(&run(&k, "the gradients vanished")), vec![]);
        assert_eq!(
            evidence(&run(&k, "a vanished gradients problem"))[0].1,
            Rule::Stem
        );
        let k = key("\"@grad\"", "");
        assert_eq!(
            evidence(&run(&k, "i gradienti svaniscono"))[0],
            ("gradienti".into(), Rule::Stem, false)
        );
        let k = key("\"vanish\"", "stem = false\ntypo = false");
        assert_eq!(run(&k, "vanishing").points, Points::ZERO);
    }

    #[test]
    fn wildcards() {
        let k = key("\"vanish*\"", "");
        assert_eq!(
            evidence(&run(&k, "it was vanishing"))[0],
            ("vanishing".into(), Rule::Wildcard, false)
        );
        let k = key("\"vanish*\"", "wildcard = false");
        assert_eq!(run(&k, "it was vanishing").points, Points::ZERO);
    }

    #[test]
    fn typos_are_gated_by_word_length_and_sent_to_review() {
        // gradient (8 letters): two edits allowed.
        let k = key("\"gradient\"", "");
        let s = run(&k, "the gardeint explodes");
        assert_eq!(evidence(&s)[0], ("gardeint".into(), Rule::Typo, false));
        assert_eq!(s.review[0].reason, Reason::TypoOnly);
        // gate (4 letters): one edit; gaet is two (OSA counts a transposition as one).
        let k = key("\"gate\"", "");
        assert_eq!(run(&k, "a gaet").points, Points::ONE);
        assert_eq!(run(&k, "a gxyz").points, Points::ZERO);
        // GAN (3 letters): no typo at all.
        let k = key("\"gan\"", "");
        assert_eq!(run(&k, "a gun").points, Points::ZERO);
    }

    #[test]
    fn proximity_in_either_order() {
        let k = key("\"cell state ~3 additive\"", "");
        assert_eq!(
            run(&k, "the cell state update is additive").points,
            Points::ONE
        );
        assert_eq!(
            run(&k, "additive updates of the cell state").points,
            Points::ONE
        );
        assert_eq!(
            run(
                &k,
                "the cell state is then used by many layers and is additive"
            )
            .points,
            Points::ZERO
        );
    }

    #[test]
    fn negated_matches_are_reviewed_by_default_or_rejected() {
        let k = key("\"solves\"", "");
        let s = run(&k, "ReLU does not solve the problem");
        assert_eq!(s.points, Points::ONE);
        assert_eq!(s.review[0].reason, Reason::NegatedMatch);
        assert_eq!(
            s.review[0].detail,
            "q / c: `solves` matched in a negated clause: \"ReLU does not solve the problem\""
        );
        let k = key("\"solves\"", "negation = \"reject\"");
        let s = run(&k, "ReLU does not solve the problem. Gates solve it");
        assert_eq!(s.points, Points::ONE);
        assert_eq!(evidence(&s)[0], ("solve".into(), Rule::Stem, false));
        assert_eq!(
            run(&k, "non risolve il problema, does not solve").points,
            Points::ZERO
        );
        let k = key("\"risolve\"", "negation = \"reject\"");
        assert_eq!(
            run(&k, "la ReLU non risolve il problema").points,
            Points::ZERO
        );
    }

    #[test]
    fn contradictions_cancel_and_penalties_subtract_within_the_bounds() {
        let k = key("\"lstm\"", "contradicts = [\"relu\"]");
        let s = run(&k, "LSTM with ReLU");
        assert_eq!(s.points, Points::ZERO);
        let toml = "[exam]\ntitle = \"t\"\n[[questions]]\nid = \"q\"\ncolumn = \"Q\"\npoints = 2\nkind = \"text\"\n\
                    [[questions.criteria]]\nid = \"a\"\npoints = 1.5\nany = [\"gate\"]\n\
                    [[questions.criteria]]\nid = \"b\"\npoints = 1.5\nany = [\"cell\"]\n\
                    [[questions.penalties]]\nid = \"wrong\"\npoints = 1\nany = [\"relu\"]\n";
        let r = parse("t.toml", toml).unwrap();
        let Kind::Text(k) = &r.questions[0].kind else {
            panic!()
        };
        assert_eq!(
            score(k, Points::int(2), "gate and cell", "q").points,
            Points::int(2)
        );
        assert_eq!(
            score(k, Points::int(2), "gate and cell and relu", "q").points,
            Points::int(2)
        );
        assert_eq!(
            score(k, Points::int(2), "gate and relu", "q").points,
            Points::parse("0.5").unwrap()
        );
        assert_eq!(score(k, Points::int(2), "relu", "q").points, Points::ZERO);
        // A negated mention of a misconception is no misconception.
        assert_eq!(
            score(k, Points::int(2), "gate, not relu", "q").points,
            Points::parse("1.5").unwrap()
        );
    }

    #[test]
    fn negations_are_interchangeable_in_terms() {
        let k = key("\"not ~3 constructor\"", "negation = \"ignore\"");
        assert_eq!(run(&k, "when no constructor is given").points, Points::ONE);
        assert_eq!(
            run(&k, "if you dont write a constructor").points,
            Points::ONE
        );
        assert_eq!(
            run(&k, "a constructor is always there").points,
            Points::ZERO
        );
    }

    #[test]
    fn bounded_edit_distance_agrees_with_strsim() {
        let words = [
            "gradient",
            "gardeint",
            "gradeint",
            "gate",
            "gaet",
            "gxyz",
            "lstm",
            "",
            "a",
            "ab",
            "ba",
            "vanishing",
            "vanishng",
            "ca",
            "abc",
        ];
        for a in words {
            for b in words {
                for k in 0..3 {
                    assert_eq!(
                        within_edits(a, b, k),
                        strsim::osa_distance(a, b) <= k,
                        "{a} {b} {k}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_word_split_by_a_space_or_hyphen_still_matches() {
        let k = key("\"reusability\"", "");
        assert_eq!(
            evidence(&run(&k, "better re-usability of code"))[0],
            ("re-usability".into(), Rule::Exact, false)
        );
        let k = key("\"backpropagation\"", "");
        assert_eq!(run(&k, "uses back propagation").points, Points::ONE);
        assert_eq!(run(&k, "uses back-propagation").points, Points::ONE);
        let k = key("\"datamember*\"", "");
        assert_eq!(run(&k, "a data members list").points, Points::ONE);
    }

    #[test]
    fn literals_match_as_written_at_word_boundaries() {
        let k = key("\"c++\"", "");
        assert_eq!(
            evidence(&run(&k, "I like C++ and Java")),
            vec![("C++".into(), Rule::Exact, false)]
        );
        assert_eq!(run(&k, "written in C# or C").points, Points::ZERO);
        assert_eq!(run(&k, "c++11 is newer").points, Points::ONE);
        let k = key("\"C#\"", "");
        assert_eq!(run(&k, "C++ only").points, Points::ZERO);
        assert_eq!(run(&k, "in c#.").points, Points::ONE);
        let k = key("\"O(n log n)\"", "");
        assert_eq!(
            evidence(&run(&k, "merge sort is O(n  log n) always")),
            vec![("O(n  log n)".into(), Rule::Exact, false)]
        );
        assert_eq!(run(&k, "it is O(n^2)").points, Points::ZERO);
        let k = key("\"O(n^2)\"", "");
        assert_eq!(run(&k, "worst case O(N^2).").points, Points::ONE);
        let k = key("\"\\\\0\"", "");
        assert_eq!(run(&k, "ends with a \\0 character").points, Points::ONE);
        assert_eq!(run(&k, "ends with a 0").points, Points::ZERO);
        // `*` is a wildcard; `\*` or backticks make it a star.
        let k = key("\"int*\"", "");
        assert_eq!(run(&k, "an interval").points, Points::ONE);
        let k = key("\"int\\\\*\"", "");
        assert_eq!(run(&k, "an interval").points, Points::ZERO);
        assert_eq!(run(&k, "a pointer: int* p").points, Points::ONE);
        let k = key("\"`int*`\"", "");
        assert_eq!(run(&k, "an interval").points, Points::ZERO);
        assert_eq!(run(&k, "INT* p").points, Points::ONE);
        let k = key("\"`k-means`\"", "");
        assert_eq!(run(&k, "we ran k-means").points, Points::ONE);
        assert_eq!(run(&k, "we ran k means").points, Points::ZERO);
        // A literal takes part in proximity like a word.
        let k = key("\"c++ ~3 compiled\"", "");
        assert_eq!(run(&k, "C++ code is compiled").points, Points::ONE);
    }

    proptest::proptest! {
        #[test]
        fn literal_spans_are_valid_slices_that_match(
            text in "[a-cC+#İ’' \u{00e9}]{0,30}",
            lit in "[a-c+#' ]{1,4}",
        ) {
            let lit = lit.split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assume!(!lit.is_empty());
            for (s, e) in literal_spans(&lit, &text) {
                proptest::prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
                let found = text[s..e].replace('’', "'").to_lowercase();
                let found = found.split_whitespace().collect::<Vec<_>>().join(" ");
                proptest::prop_assert_eq!(found, lit.clone());
            }
        }
    }

    #[test]
    fn a_sufficient_criterion_earns_full_points_and_unmet_ones_say_what_is_missing() {
        let toml = "[exam]\ntitle = \"t\"\n[[questions]]\nid = \"q\"\ncolumn = \"Q\"\npoints = 5\nkind = \"text\"\n\
                    [[questions.criteria]]\nid = \"fifo\"\npoints = 2\nsufficient = true\ndescription = \"names the FIFO order\"\nany = [\"fifo\", \"first in first out\"]\n\
                    [[questions.criteria]]\nid = \"ends\"\npoints = 3\nall = [\"front\", { any = [\"rear\", \"back\", \"tail\"] }]\n\
                    [[questions.penalties]]\nid = \"lifo\"\npoints = 1\nany = [\"lifo\"]\n";
        let r = parse("t.toml", toml).unwrap();
        let Kind::Text(k) = &r.questions[0].kind else {
            panic!()
        };
        let five = Points::int(5);
        assert_eq!(score(k, five, "a FIFO list", "q").points, five);
        assert_eq!(
            score(k, five, "FIFO, not LIFO... well LIFO", "q").points,
            Points::int(4)
        );
        let s = score(k, five, "items leave at the front", "q");
        assert_eq!(s.points, Points::ZERO);
        let notes: Vec<String> = s
            .findings
            .iter()
            .filter_map(|f| match f {
                Finding::Criterion { note, .. } => note.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(
            notes,
            [
                "missing `fifo` or `first in first out`",
                "missing `rear`, `back` or `tail`"
            ]
        );
        assert_eq!(
            s.findings[0].message(),
            "criterion `fifo` (names the FIFO order): not met: 0 of 2 (missing `fifo` or `first in first out`)"
        );
        let s = score(k, five, "first in first out", "q");
        assert_eq!(
            s.findings[0].message(),
            "criterion `fifo` (names the FIFO order): met by \"first in first out\": full points on its own"
        );
    }

    #[test]
    fn keyword_lists_go_to_review_and_a_rubric_may_cap_them() {
        let toml = "[exam]\ntitle = \"t\"\n[[questions]]\nid = \"q\"\ncolumn = \"Q\"\npoints = 2\nkind = \"text\"\nkeyword_list_points = 0.5\n\
                    [[questions.criteria]]\nid = \"a\"\npoints = 1\nany = [\"gate*\"]\n\
                    [[questions.criteria]]\nid = \"b\"\npoints = 1\nany = [\"cell state\"]\n";
        let r = parse("t.toml", toml).unwrap();
        let Kind::Text(k) = &r.questions[0].kind else {
            panic!()
        };
        let s = score(k, Points::int(2), "gates cell state sigmoid lstm", "q");
        assert_eq!(s.points, Points::parse("0.5").unwrap());
        assert_eq!(s.review[0].reason, Reason::KeywordList);
        assert_eq!(
            s.review[0].detail,
            "q: a list of keywords rather than sentences (5 words, 3/5 of them rubric terms, \
             almost no function words); the rubric caps such answers at 0.5 points"
        );
        let s = score(
            k,
            Points::int(2),
            "the gates protect the cell state from the vanishing gradient",
            "q",
        );
        assert_eq!(s.points, Points::int(2));
        assert!(s.review.is_empty());
    }

    #[test]
    fn nested_any_and_all() {
        let k = key(
            "{ all = [\"generator\", \"discriminator\"] }, \"minimax\"",
            "",
        );
        assert_eq!(
            run(&k, "a generator and a discriminator").points,
            Points::ONE
        );
        assert_eq!(run(&k, "a generator only").points, Points::ZERO);
        assert_eq!(run(&k, "a minimax game").points, Points::ONE);
    }

    #[test]
    fn empty_answers_are_not_answered_and_long_unmatched_ones_reviewed() {
        let k = key("\"gate\"", "");
        assert_eq!(run(&k, "   ").status, Status::NotAnswered);
        let s = run(&k, &"word ".repeat(25));
        assert_eq!(s.review[0].reason, Reason::NothingMatched);
    }
}
