//! What a class's answers to one free-text question tell the scorer, worked out once before
//! grading: a second, independent opinion on every answer (how close its meaning is to the
//! rubric's model answers and to the class's best answers, [`super::semantic`]), and the words
//! the class itself writes (never taken for typos of a rubric word).
//!
//! Graders credit paraphrases that no list of rubric terms reaches ("the place in memory",
//! "the first element in is the first removed"), and give part of the points to an answer on
//! the right track that names few of the rubric's words. So of the points the criteria did
//! not give, an answer earns a share by how close its meaning is to the model and the class's
//! full-mark answers ([`Class::credit`]), and the report says so (`paraphrase_credit = false`
//! in a question turns this off). When the two disagree in a way credit cannot settle, the
//! answer goes to review (`scorers-disagree`) with both figures.
//!
//! The figures below were calibrated on Mohler's marked answers, assignments 1-4, by leaving
//! one assignment out at a time (README, "Agreement with human graders").

use crate::answers::text::{TextAnswer, tokenize};
use crate::points::Points;
use crate::rubric::criteria::TextKey;
use std::collections::{HashMap, HashSet};

/// Distinct answers the class is learnt from (the first ones, in export order): enough for a
/// lecture hall, bounded for a MOOC.
const SAMPLE: usize = 4000;
/// Best answers kept for comparison.
const BEST: usize = 25;
/// An answer's similarity is the mean over its this many closest model and best answers
/// (fewer for a small class: one for every three it has, at least one).
const CLOSEST: usize = 5;
/// A word written by at least this many of the sampled answers (and by 1 % of them) is one of
/// the class's own words.
const VOCABULARY_MIN: usize = 3;

/// Paraphrase credit, of the points the criteria did not give: similarity `CREDIT_FROM` or
/// less earns none of them, `CREDIT_FULL` and above earns `CREDIT_SHARE` of them, in between
/// in proportion, rounded down to half points. It only ever raises the rubric's points.
const CREDIT_FROM: f64 = 0.3;
const CREDIT_FULL: f64 = 0.9;
const CREDIT_SHARE: f64 = 0.7;

/// The class's best answers are those the rubric alone gives this share of the points.
const BEST_SHARE: f64 = 0.8;
/// Points at most this share of the question's, with a similarity at least [`CLOSE`], are a
/// disagreement: the answer is on the track of the good ones but earned half or less.
const LOW_SHARE: f64 = 0.5;
const CLOSE: f64 = 0.2;
/// Criteria points at least this share of the question's, with a similarity under [`FAR`],
/// are one too: (nearly) full credit for an answer unlike any good one.
const HIGH_SHARE: f64 = 0.8;
const FAR: f64 = 0.5;
/// Answers shorter than this are too short for an opinion.
const MIN_WORDS: usize = 3;

/// The class's context for one question.
#[derive(Debug, Default)]
pub struct Class {
    /// The model answers' vectors.
    references: Vec<Vec<f32>>,
    /// The best answers' vectors, each with the hash of its text (to leave an answer out of
    /// its own comparison).
    best: Vec<(u64, Vec<f32>)>,
    /// Words (normalised) the class writes often: never a typo of a rubric word.
    vocabulary: HashSet<String>,
}

/// The second opinion on one answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Opinion {
    /// Cosine similarity (0–1) of the answer's meaning to its closest model and best answers
    /// (the mean over the [`CLOSEST`] closest), to two decimals.
    pub similarity: f64,
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
        let mut words: HashMap<&str, u32> = HashMap::new();
        for (_, t) in &sample {
            let mut ws: Vec<&str> = t.tokens.iter().map(|t| t.norm.as_str()).collect();
            ws.sort_unstable();
            ws.dedup();
            for w in ws {
                *words.entry(w).or_default() += 1;
            }
        }
        let floor = VOCABULARY_MIN.max(sample.len() / 100) as u32;
        let vocabulary = words
            .into_iter()
            .filter(|&(_, c)| c >= floor)
            .map(|(w, _)| w.to_string())
            .collect();
        let references = models
            .iter()
            .filter_map(|m| super::semantic::embed(&tokenize(m)))
            .collect();
        let high = points.to_f64() * BEST_SHARE;
        let mut best = Vec::new();
        for (text, t) in &sample {
            if best.len() >= BEST {
                break;
            }
            if super::text::score(key, points, text, "").points.to_f64() >= high
                && let Some(v) = super::semantic::embed(t)
            {
                best.push((crate::text::hash64(text), v));
            }
        }
        Class {
            references,
            best,
            vocabulary,
        }
    }

    /// Is `word` (normalised) one the class writes often?
    pub fn knows(&self, word: &str) -> bool {
        self.vocabulary.contains(word)
    }

    /// The second opinion on an answer, when there is anything to compare it with and the
    /// answer has words enough to mean something.
    pub fn opinion(&self, answer: &TextAnswer, text: &str) -> Option<Opinion> {
        if (self.references.is_empty() && self.best.len() < 3) || answer.tokens.len() < MIN_WORDS {
            return None;
        }
        let v = super::semantic::embed(answer)?;
        let own = crate::text::hash64(text);
        let mut close: Vec<f64> = self
            .references
            .iter()
            .map(|r| super::semantic::cosine(&v, r))
            .chain(
                self.best
                    .iter()
                    .filter(|(h, _)| *h != own)
                    .map(|(_, b)| super::semantic::cosine(&v, b)),
            )
            .collect();
        close.sort_by(|a, b| b.total_cmp(a));
        close.truncate(CLOSEST.min(close.len() / 3).max(1));
        if close.is_empty() {
            return None;
        }
        let mean = close.iter().sum::<f64>() / close.len() as f64;
        Some(Opinion {
            // Rounded as reports show it, so that what they show is what was decided on.
            similarity: (mean.clamp(0.0, 1.0) * 100.0).round() / 100.0,
        })
    }

    /// The points an answer this close to the model and best answers earns on top of the
    /// `earned` points its criteria gave (of `max`): a share of the rest, see [`CREDIT_FROM`].
    pub fn credit(opinion: Opinion, earned: Points, max: Points) -> Points {
        let rest = max.checked_sub(earned).unwrap_or(Points::ZERO);
        if rest <= Points::ZERO {
            return Points::ZERO;
        }
        let t = ((opinion.similarity - CREDIT_FROM) / (CREDIT_FULL - CREDIT_FROM)).clamp(0.0, 1.0);
        let halves = (rest.to_f64() * CREDIT_SHARE * t * 2.0 + 1e-9).floor();
        Points::ratio(halves as i64, 2)
            .unwrap_or(Points::ZERO)
            .clamp(Points::ZERO, rest)
    }

    /// Why the points and the second opinion disagree, if they do strongly: `points` in all,
    /// of which `criteria` from the rubric's criteria. Low points that a misconception the
    /// rubric recognised (a penalty met) explains are no disagreement.
    pub fn disagreement(
        opinion: Opinion,
        points: Points,
        criteria: Points,
        max: Points,
        misconception: bool,
    ) -> Option<String> {
        if max.is_zero() {
            return None;
        }
        let share = |p: Points| p.to_f64() / max.to_f64();
        let s = opinion.similarity;
        if share(points) <= LOW_SHARE && s >= CLOSE && !misconception {
            Some(format!(
                "{points} of {max} points, but the answer is on the track of the model and \
                 best answers in meaning (similarity {s:.2}): a paraphrase the criteria may \
                 have missed"
            ))
        } else if share(criteria) >= HIGH_SHARE && s < FAR {
            Some(format!(
                "{points} of {max} points, but the answer is unlike the model and best answers \
                 in meaning (similarity {s:.2})"
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
    use rayon::prelude::*;
    // The groups are scored in parallel (on the pool this is called in) and kept in order.
    let per_group = |g: &super::groups::AnswerGroup| -> Vec<(usize, String)> {
        let mut out = Vec::new();
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
            return out;
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
        out
    };
    let found: Vec<Vec<(usize, String)>> = grouping
        .groups
        .par_iter()
        .filter(|g| !g.identical)
        .map(per_group)
        .collect();
    found.into_iter().flatten().collect()
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
    fn a_paraphrase_close_to_the_model_answer_earns_credit_and_says_why() {
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
        // The criterion's words are not there; the meaning is: part of the 2 points, in halves.
        assert_eq!(s.points, Points::int(1));
        let opinion = s.findings.iter().find_map(|f| match f {
            Finding::SecondOpinion {
                similarity,
                raised_from,
                raised_to,
            } => Some((*similarity, *raised_from, *raised_to)),
            _ => None,
        });
        let (similarity, from, to) = opinion.expect("a second opinion");
        assert!(similarity > CREDIT_FROM, "{similarity}");
        assert_eq!((from, to), (Some(Points::ZERO), Some(s.points)));
        // Its points rest on similarity alone, and half of them are missing: a human confirms.
        let review: Vec<Reason> = s.review.iter().map(|r| r.reason).collect();
        assert_eq!(review, [Reason::ParaphraseCredit, Reason::ScorersDisagree]);
        assert_eq!(
            s.review[0].detail,
            format!(
                "q: the criteria gave 0 of 2; raised to 1 as a paraphrase of the model and \
                 best answers (similarity {similarity:.2})"
            )
        );
        // On the topic but wrong: no credit.
        let s = crate::score::text::score(key, q.points, answers[2], "q");
        assert_eq!(s.points, Points::ZERO);
        // Off the topic and scored nothing: no credit, no disagreement.
        let off = "my favourite colour is green and I like cats";
        let s = crate::score::text::score(key, q.points, off, "q");
        assert_eq!(s.points, Points::ZERO);
        assert!(!s.review.iter().any(|r| r.reason == Reason::ScorersDisagree));
        // With `paraphrase_credit = false` the same answer keeps the criteria's points and goes
        // to review with both figures.
        let mut strict = key.as_ref().clone();
        strict.paraphrase_credit = false;
        let s = crate::score::text::score(&strict, q.points, answers[0], "q");
        assert_eq!(s.points, Points::ZERO);
        let review: Vec<Reason> = s.review.iter().map(|r| r.reason).collect();
        assert!(review.contains(&Reason::ScorersDisagree), "{review:?}");
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
    fn no_credit_where_words_mislead_meaning() {
        let toml = "[exam]\ntitle = \"t\"\n[[questions]]\nid = \"q\"\ncolumn = \"What is a queue?\"\npoints = 2\nkind = \"text\"\n\
                    reference = [\"A queue is a list where items are added at the rear and removed from the front, first in first out.\"]\n\
                    [[questions.criteria]]\nid = \"fifo\"\npoints = 2\nany = [\"fifo\", \"first in first out\"]\n\
                    [[questions.penalties]]\nid = \"stack\"\npoints = 1\nany = [\"stack\"]\n";
        let q = parse("t.toml", toml).unwrap().questions.remove(0);
        let paraphrase = "a list where items are added at the rear and removed from the front";
        let answers = [paraphrase, "FIFO: the first in is the first out"];
        let prepared = prepare(&q, &answers);
        let Kind::Text(key) = &prepared.kind else {
            panic!()
        };
        let raised = |answer: &str| {
            let s = crate::score::text::score(key, q.points, answer, "q");
            let raised = s.findings.iter().any(|f| {
                matches!(
                    f,
                    Finding::SecondOpinion {
                        raised_from: Some(_),
                        ..
                    }
                )
            });
            (s.points, raised)
        };
        assert_eq!(raised(paraphrase), (Points::int(1), true));
        // A misconception the rubric recognises: its penalty stands, no credit.
        let with_stack = format!("{paraphrase}, like a stack");
        assert_eq!(raised(&with_stack), (Points::ZERO, false));
        // A bare list of the rubric's and the model answer's words: no credit.
        assert_eq!(
            raised("list items added rear removed front queue order"),
            (Points::ZERO, false)
        );
    }

    #[test]
    fn credit_is_a_share_of_the_missing_points_in_half_points() {
        let c = |s: f64, earned: Points, max: i64| {
            Class::credit(Opinion { similarity: s }, earned, Points::int(max))
        };
        let zero = Points::ZERO;
        assert_eq!(c(0.3, zero, 5), zero);
        // Half way up the ramp: 70 % × ½ of 5 = 1.75, rounded down to half points.
        assert_eq!(c(0.6, zero, 5), Points::ratio(3, 2).unwrap());
        assert_eq!(c(0.9, zero, 5), Points::ratio(7, 2).unwrap());
        assert_eq!(c(0.99, zero, 5), Points::ratio(7, 2).unwrap());
        // Of the 2.5 points the criteria did not give: 70 % = 1.75 → 1.5.
        assert_eq!(
            c(0.9, Points::ratio(5, 2).unwrap(), 5),
            Points::ratio(3, 2).unwrap()
        );
        assert_eq!(c(0.99, Points::int(5), 5), zero);
        assert_eq!(c(0.99, zero, 1), Points::ratio(1, 2).unwrap());
        assert_eq!(c(0.2, zero, 10), zero);
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
