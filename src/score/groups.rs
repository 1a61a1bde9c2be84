//! Groups of identical and near-identical free-text answers, so a TA reviews each distinct answer
//! once. Long answers shared by several respondents are flagged as possible collusion — a hint
//! for a human, never a verdict.

use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// Word 3-shingle Jaccard similarity above which two answers are near-identical.
const NEAR_IDENTICAL: f64 = 0.8;
/// Answers shorter than this are too generic to group by similarity (identical ones still are).
const MIN_WORDS: usize = 5;
/// A shared answer this long is worth a human's look for collusion.
const LONG_WORDS: usize = 30;
/// Pairwise comparisons per question are bounded, whatever the class size.
const MAX_COMPARISONS: usize = 2_000_000;

/// Respondents who gave the same (or nearly the same) answer to a question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnswerGroup {
    pub question: String,
    /// Respondent ids, in export order.
    pub respondents: Vec<String>,
    /// All answers are identical after normalisation (else near-identical).
    pub identical: bool,
    /// Long answers shared by several respondents: possible collusion (a hint only).
    pub possible_collusion: bool,
    /// The first answer, shortened.
    pub excerpt: String,
}

fn words(text: &str) -> Vec<String> {
    crate::text::normalize(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn shingles(words: &[String]) -> HashSet<String> {
    if words.len() < 3 {
        return words.iter().cloned().collect();
    }
    words.windows(3).map(|w| w.join(" ")).collect()
}

fn find(parent: &mut [usize], i: usize) -> usize {
    let mut root = i;
    while parent[root] != root {
        root = parent[root];
    }
    let mut j = i;
    while parent[j] != root {
        let next = parent[j];
        parent[j] = root;
        j = next;
    }
    root
}

/// Groups among `answers` (respondent id, answer text) of one question.
pub fn groups(question: &str, answers: &[(String, String)]) -> Vec<AnswerGroup> {
    let tokens: Vec<Vec<String>> = answers.iter().map(|(_, a)| words(a)).collect();
    let mut parent: Vec<usize> = (0..answers.len()).collect();
    // Identical after normalisation.
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.is_empty() {
            continue;
        }
        let key = t.join(" ");
        match first.get(&key) {
            Some(&j) => {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                parent[a] = b;
            }
            None => {
                first.insert(key, i);
            }
        }
    }
    // Near-identical: compare distinct answers of similar length, within a bounded budget.
    let distinct: Vec<usize> = first
        .values()
        .copied()
        .filter(|&i| tokens[i].len() >= MIN_WORDS)
        .collect();
    let sets: Vec<HashSet<String>> = distinct.iter().map(|&i| shingles(&tokens[i])).collect();
    let mut budget = MAX_COMPARISONS;
    'outer: for a in 0..distinct.len() {
        for b in a + 1..distinct.len() {
            if budget == 0 {
                break 'outer;
            }
            budget -= 1;
            let (la, lb) = (tokens[distinct[a]].len(), tokens[distinct[b]].len());
            if la.min(lb) * 10 < la.max(lb) * 8 {
                continue;
            }
            let inter = sets[a].intersection(&sets[b]).count();
            let union = sets[a].len() + sets[b].len() - inter;
            if union > 0 && inter as f64 / union as f64 >= NEAR_IDENTICAL {
                let (x, y) = (
                    find(&mut parent, distinct[a]),
                    find(&mut parent, distinct[b]),
                );
                parent[x] = y;
            }
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, t) in tokens.iter().enumerate() {
        if !t.is_empty() {
            let r = find(&mut parent, i);
            members.entry(r).or_default().push(i);
        }
    }
    let mut out: Vec<AnswerGroup> = members
        .into_values()
        .filter(|m| m.len() > 1)
        .map(|m| {
            let identical = m.iter().all(|&i| tokens[i] == tokens[m[0]]);
            let long = m.iter().all(|&i| tokens[i].len() >= LONG_WORDS);
            AnswerGroup {
                question: question.to_string(),
                respondents: m.iter().map(|&i| answers[i].0.clone()).collect(),
                identical,
                possible_collusion: long,
                excerpt: crate::text::excerpt(&answers[m[0]].1, 100),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.respondents
            .len()
            .cmp(&b.respondents.len())
            .reverse()
            .then(a.respondents.cmp(&b.respondents))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(id: &str, text: &str) -> (String, String) {
        (id.to_string(), text.to_string())
    }

    #[test]
    fn identical_and_near_identical_answers_are_grouped() {
        let long = "The generator maps random noise to fake samples while the discriminator learns to tell real samples from generated ones, and both are trained together in a minimax game with alternating updates of their weights until equilibrium";
        let answers = vec![
            a("1", "LSTM has gates."),
            a("2", "lstm  has GATES"),
            a("3", long),
            a(
                "4",
                &long.replace("until equilibrium", "until an equilibrium"),
            ),
            a(
                "5",
                "something else entirely different from the others here",
            ),
            a("6", ""),
        ];
        let g = groups("q", &answers);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].respondents, vec!["1", "2"]);
        assert!(g[0].identical && !g[0].possible_collusion);
        assert_eq!(g[1].respondents, vec!["3", "4"]);
        assert!(!g[1].identical && g[1].possible_collusion);
    }
}
