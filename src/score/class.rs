//! What a class's answers to one free-text question tell the scorer, worked out once before
//! grading: a second, independent opinion on every answer (how close it is to the rubric's
//! model answers and to the class's best answers, as TF-IDF cosine over stems), and the
//! words the class itself writes (never taken for typos of a rubric word).
//!
//! The second opinion never changes points: when it and the rubric disagree strongly the
//! answer goes to review (`scorers-disagree`) with both figures. Lexical similarity was chosen
//! over a semantic model: the crates that embed sentences need a model downloaded at run time
//! or tens of megabytes in the binary, and on Mohler's marked answers TF-IDF over stems already
//! tracks the human grade (r 0.53 against the human's 0.66 for the rubric).

use crate::answers::text::{TextAnswer, is_stopword, tokenize};
use crate::points::Points;
use crate::rubric::criteria::TextKey;
use std::collections::{HashMap, HashSet};

/// Distinct answers the class is learnt from (the first ones, in export order): enough for a
/// lecture hall, bounded for a MOOC.
const SAMPLE: usize = 4000;
/// Best answers kept for comparison.
const BEST: usize = 25;
/// A word written by at least this many of the sampled answers (and by 1 % of them) is one of
/// the class's own words.
const VOCABULARY_MIN: usize = 3;

/// A rubric score at most this share of the points, with a second opinion at least
/// [`CLOSE`], is a disagreement: the answer reads like the good ones but earned little.
const LOW_SHARE: f64 = 0.6;
const CLOSE: f64 = 0.3;
/// A rubric score at least this share of the points, with a second opinion under [`FAR`], is
/// one too: full credit for an answer that shares almost nothing with any good one.
const HIGH_SHARE: f64 = 0.8;
const FAR: f64 = 0.05;
/// Answers shorter than this are too short for a lexical opinion.
const MIN_WORDS: usize = 5;

/// A document as a unit vector over stem hashes, sorted by hash.
#[derive(Clone, Debug)]
struct Doc {
    /// Hash of the normalised answer, to leave an answer out of its own comparison.
    text: u64,
    terms: Vec<(u64, f32)>,
}

fn dot(a: &[(u64, f32)], b: &[(u64, f32)]) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += f64::from(a[i].1) * f64::from(b[j].1);
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// The class's context for one question.
#[derive(Debug, Default)]
pub struct Class {
    idf: HashMap<u64, f32>,
    unseen_idf: f32,
    references: Vec<Doc>,
    best: Vec<Doc>,
    /// Words (normalised) the class writes often: never a typo of a rubric word.
    vocabulary: HashSet<String>,
}

/// The second opinion on one answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Opinion {
    /// Cosine similarity (0–1) to the closest model answer, or the mean over the three
    /// closest best answers of the class, whichever is higher.
    pub similarity: f64,
}

fn content_terms(answer: &TextAnswer) -> impl Iterator<Item = u64> + '_ {
    answer
        .tokens
        .iter()
        .filter(|t| t.norm.chars().count() >= 2 && !is_stopword(&t.norm))
        .map(|t| t.hashes[1])
}

impl Class {
    /// Learn the class from its answers (in export order) and the question's model answers
    /// (the rubric's `reference` and the worked examples that earn full points). The best
    /// answers are those the rubric itself gives 80 % of the points or more.
    pub fn build(key: &TextKey, points: Points, models: &[&str], answers: &[&str]) -> Class {
        let mut seen = HashSet::new();
        let mut sample: Vec<(&str, TextAnswer)> = Vec::new();
        for a in answers {
            if sample.len() >= SAMPLE {
                break;
            }
            if a.trim().is_empty() || !seen.insert(crate::text::hash64(a)) {
                continue;
            }
            sample.push((a, tokenize(a)));
        }
        let mut df: HashMap<u64, u32> = HashMap::new();
        let mut words: HashMap<&str, u32> = HashMap::new();
        for (_, t) in &sample {
            let mut terms: Vec<u64> = content_terms(t).collect();
            terms.sort_unstable();
            terms.dedup();
            for h in terms {
                *df.entry(h).or_default() += 1;
            }
            let mut ws: Vec<&str> = t.tokens.iter().map(|t| t.norm.as_str()).collect();
            ws.sort_unstable();
            ws.dedup();
            for w in ws {
                *words.entry(w).or_default() += 1;
            }
        }
        let n = sample.len() as f32;
        let idf = df
            .iter()
            .map(|(&h, &d)| (h, ((n + 1.0) / (d as f32 + 1.0)).ln() + 1.0))
            .collect();
        let floor = VOCABULARY_MIN.max(sample.len() / 100) as u32;
        let vocabulary = words
            .into_iter()
            .filter(|&(_, c)| c >= floor)
            .map(|(w, _)| w.to_string())
            .collect();
        let mut class = Class {
            idf,
            unseen_idf: (n + 1.0).ln() + 1.0,
            references: Vec::new(),
            best: Vec::new(),
            vocabulary,
        };
        class.references = models
            .iter()
            .map(|m| class.doc(&tokenize(m), m))
            .filter(|d| !d.terms.is_empty())
            .collect();
        let high = points.to_f64() * HIGH_SHARE;
        for (text, t) in &sample {
            if class.best.len() >= BEST {
                break;
            }
            if super::text::score(key, points, text, "").points.to_f64() >= high {
                let d = class.doc(t, text);
                if !d.terms.is_empty() {
                    class.best.push(d);
                }
            }
        }
        class
    }

    fn doc(&self, answer: &TextAnswer, text: &str) -> Doc {
        let mut counts: Vec<(u64, u32)> = Vec::new();
        let mut terms: Vec<u64> = content_terms(answer).collect();
        terms.sort_unstable();
        for h in terms {
            match counts.last_mut() {
                Some((last, c)) if *last == h => *c += 1,
                _ => counts.push((h, 1)),
            }
        }
        let mut v: Vec<(u64, f32)> = counts
            .into_iter()
            .map(|(h, c)| {
                let idf = self.idf.get(&h).copied().unwrap_or(self.unseen_idf);
                (h, (1.0 + (c as f32).ln()) * idf)
            })
            .collect();
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        Doc {
            text: crate::text::hash64(text),
            terms: v,
        }
    }

    /// Is `word` (normalised) one the class writes often?
    pub fn knows(&self, word: &str) -> bool {
        self.vocabulary.contains(word)
    }

    /// The second opinion on an answer, when there is anything to compare it with and the
    /// answer is long enough for words to say something.
    pub fn opinion(&self, answer: &TextAnswer, text: &str) -> Option<Opinion> {
        if (self.references.is_empty() && self.best.len() < 3) || answer.tokens.len() < MIN_WORDS {
            return None;
        }
        let d = self.doc(answer, text);
        let reference = self
            .references
            .iter()
            .map(|r| dot(&d.terms, &r.terms))
            .fold(0.0, f64::max);
        let mut best: Vec<f64> = self
            .best
            .iter()
            .filter(|b| b.text != d.text)
            .map(|b| dot(&d.terms, &b.terms))
            .collect();
        best.sort_by(|a, b| b.total_cmp(a));
        let top = best.iter().take(3).sum::<f64>() / best.len().clamp(1, 3) as f64;
        Some(Opinion {
            similarity: reference.max(top).clamp(0.0, 1.0),
        })
    }

    /// Why the rubric's points and the second opinion disagree, if they do strongly.
    pub fn disagreement(opinion: Opinion, points: Points, max: Points) -> Option<String> {
        let share = if max.is_zero() {
            return None;
        } else {
            points.to_f64() / max.to_f64()
        };
        let s = opinion.similarity;
        if share <= LOW_SHARE && s >= CLOSE {
            Some(format!(
                "the rubric gives {points} of {max}, but the answer is close to the model and \
                 best answers (similarity {s:.2}): a paraphrase the criteria may have missed"
            ))
        } else if share >= HIGH_SHARE && s < FAR {
            Some(format!(
                "the rubric gives {points} of {max}, but the answer shares almost no words with \
                 the model and best answers (similarity {s:.2})"
            ))
        } else {
            None
        }
    }
}

/// `question` ready to grade a class whose answers to it are `answers` (export order): for a
/// free-text question, its key with the class's context; any other question as it is.
pub fn prepare(question: &crate::rubric::Question, answers: &[&str]) -> crate::rubric::Question {
    let crate::rubric::Kind::Text(key) = &question.kind else {
        return question.clone();
    };
    let mut models: Vec<&str> = key.references.iter().map(String::as_str).collect();
    models.extend(
        question
            .examples
            .iter()
            .filter(|e| e.points >= question.points)
            .map(|e| e.answer.as_str()),
    );
    let class = Class::build(key, question.points, &models, answers);
    let mut q = question.clone();
    q.kind = crate::rubric::Kind::Text(Box::new(key.with_class(class)));
    q
}

/// Members of near-identical answer groups whose points differ from what most of their group
/// got, each with why: their positions among `answers` (respondent id, answer) and a detail
/// naming the group's points. Each distinct answer of a group is scored once.
pub fn groups_disagree(
    question: &crate::rubric::Question,
    grouping: &super::groups::Grouping,
    answers: &[(&str, &str)],
) -> Vec<(usize, String)> {
    /// Members named in one detail.
    const NAMED: usize = 4;
    let mut out = Vec::new();
    for g in grouping.groups.iter().filter(|g| !g.identical) {
        let mut scored: HashMap<&str, Points> = HashMap::new();
        let points: Vec<Points> = g
            .members
            .iter()
            .map(|&i| {
                let text = answers[i].1;
                *scored.entry(text).or_insert_with(|| {
                    super::score(
                        question,
                        text,
                        crate::answers::checkbox::Separator::Semicolon,
                    )
                    .points
                })
            })
            .collect();
        // The group's usual points: the most frequent, the higher on a tie.
        let mut counts: Vec<(Points, usize)> = Vec::new();
        for p in &points {
            match counts.iter_mut().find(|(q, _)| q == p) {
                Some((_, n)) => *n += 1,
                None => counts.push((*p, 1)),
            }
        }
        if counts.len() < 2 {
            continue;
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        let (usual, usual_n) = counts[0];
        let others: Vec<String> = g
            .members
            .iter()
            .zip(&points)
            .filter(|(_, p)| **p == usual)
            .take(NAMED)
            .map(|(&i, _)| crate::text::excerpt(answers[i].0, 40))
            .collect();
        for (&i, p) in g.members.iter().zip(&points) {
            if *p == usual {
                continue;
            }
            out.push((
                i,
                format!(
                    "{}: {p} points, but {usual_n} near-identical answer(s) got {usual} \
                     (respondents {}{})",
                    question.id,
                    others.join(", "),
                    if usual_n > others.len() { ", …" } else { "" }
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::{Kind, parse};
    use crate::score::{Finding, Reason};

    fn question() -> crate::rubric::Question {
        let toml = "[exam]\ntitle = \"t\"\n[[questions]]\nid = \"q\"\ncolumn = \"What is a queue?\"\npoints = 2\nkind = \"text\"\n\
                    reference = [\"A queue is a list where items are added at the rear and removed from the front, first in first out.\"]\n\
                    [[questions.criteria]]\nid = \"fifo\"\npoints = 2\nany = [\"fifo\", \"first in first out\"]\n";
        parse("t.toml", toml).unwrap().questions.remove(0)
    }

    #[test]
    fn a_paraphrase_close_to_the_model_answer_goes_to_review_with_both_figures() {
        let q = question();
        let answers = [
            "a list where items are added at the rear and removed from the front",
            "FIFO: the first in is the first out",
            "a queue is a tree of pointers kept in a heap for sorting numbers",
        ];
        let prepared = prepare(&q, &answers);
        let Kind::Text(key) = &prepared.kind else {
            panic!()
        };
        let s = crate::score::text::score(key, q.points, answers[0], "q");
        assert_eq!(s.points, Points::ZERO);
        let similarity = s.findings.iter().find_map(|f| match f {
            Finding::SecondOpinion { similarity } => Some(*similarity),
            _ => None,
        });
        assert!(similarity.unwrap() > 0.5, "{similarity:?}");
        let review: Vec<Reason> = s.review.iter().map(|r| r.reason).collect();
        assert!(review.contains(&Reason::ScorersDisagree), "{review:?}");
        // Far from every good answer and scored nothing: no disagreement.
        let s = crate::score::text::score(key, q.points, answers[2], "q");
        assert!(!s.review.iter().any(|r| r.reason == Reason::ScorersDisagree));
        // The same question checked on its own has no second opinion.
        let Kind::Text(alone) = &q.kind else { panic!() };
        let s = crate::score::text::score(alone, q.points, answers[0], "q");
        assert!(
            !s.findings
                .iter()
                .any(|f| matches!(f, Finding::SecondOpinion { .. }))
        );
    }

    #[test]
    fn the_class_words_are_its_own_and_not_typos() {
        let q = question();
        // `fido` (a typo of `fifo`, one edit) written by three students is the class's word.
        let answers = ["fido dog", "my fido", "fido again", "other words here"];
        let prepared = prepare(&q, &answers);
        let Kind::Text(key) = &prepared.kind else {
            panic!()
        };
        assert!(key.class.0.as_ref().unwrap().knows("fido"));
        assert_eq!(
            crate::score::text::score(key, q.points, "fido", "q").points,
            Points::ZERO
        );
        let Kind::Text(alone) = &q.kind else { panic!() };
        assert_eq!(
            crate::score::text::score(alone, q.points, "fido", "q").points,
            q.points
        );
    }

    #[test]
    fn near_identical_answers_with_different_points_are_each_reviewed() {
        let q = question();
        let answers = [
            (
                "1",
                "the queue hands the items it holds back to the caller one at a time in the \
                 same order as they came in so it is first in first out",
            ),
            (
                "2",
                "the queue hands the items it holds back to the caller one at a time in the \
                 same order as they came in so it is first in first ou",
            ),
            (
                "3",
                "something else entirely about stacks and heaps and trees",
            ),
        ];
        let grouping = crate::score::groups::groups("q", &answers);
        let out = groups_disagree(&q, &grouping, &answers);
        // A tie: the higher points are the group's usual ones; the other answer is reviewed.
        let members: Vec<usize> = out.iter().map(|(i, _)| *i).collect();
        assert_eq!(members, [1]);
        assert_eq!(
            out[0].1,
            "q: 0 points, but 1 near-identical answer(s) got 2 (respondents 1)"
        );
    }
}
