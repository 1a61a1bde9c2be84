//! Groups of identical and near-identical free-text answers, so a TA reviews each distinct answer
//! once. Long answers shared by several respondents are flagged as possible collusion — a hint
//! for a human, never a verdict.

use crate::text::{FNV_OFFSET, fnv1a};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Word 3-shingle Jaccard similarity from which two answers are near-identical: 4/5.
const NEAR_IDENTICAL: (usize, usize) = (4, 5);
/// Answers shorter than this are too generic to group by similarity (identical ones still are).
const MIN_WORDS: usize = 5;
/// A shared answer this long is worth a human's look for collusion.
const LONG_WORDS: usize = 30;
/// MinHash signature: `BANDS` bands of `ROWS` values. Two answers become candidates when one
/// band agrees, which for Jaccard J happens with probability 1 − (1 − J³)²¹: 0.9999997 at the
/// 0.8 threshold, 0.44 at 0.3, 0.02 at 0.1 (Leskovec, Rajaraman & Ullman, *Mining of Massive
/// Datasets*, §3.4). Every candidate is then checked exactly.
const BANDS: usize = 21;
const ROWS: usize = 3;
/// Exact checks per answer, against the most recent distinct earlier answers it shares a band
/// with: buckets of thousands of alike answers (a stock phrase, its variants) cost linear time,
/// and a cap that is ever reached is reported.
const CHECKS_PER_MEMBER: usize = 64;
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
    /// Positions of the members among the answers grouped, in order.
    #[serde(skip)]
    pub members: Vec<usize>,
}

/// The answer's words, normalised, joined by single spaces: one string per answer (no string
/// per word), equal for answers that are identical after normalisation.
fn key_of(text: &str) -> String {
    let norm = crate::text::normalize(text);
    let mut key = String::with_capacity(norm.len());
    for w in norm
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(w);
    }
    key
}

/// The answer's word 3-shingles (its words, when fewer than 3), hashed, sorted, distinct.
fn shingles(key: &str) -> Vec<u64> {
    let words: Vec<&str> = key.split(' ').collect();
    let mut out: Vec<u64> = if words.len() < 3 {
        words
            .iter()
            .map(|w| fnv1a(FNV_OFFSET, w.as_bytes()))
            .collect()
    } else {
        words
            .windows(3)
            .map(|w| {
                let h = fnv1a(FNV_OFFSET, w[0].as_bytes());
                let h = fnv1a(fnv1a(h, b" "), w[1].as_bytes());
                fnv1a(fnv1a(h, b" "), w[2].as_bytes())
            })
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// SplitMix64's finaliser: one independent-looking hash function per seed.
fn mix(x: u64, seed: u64) -> u64 {
    let mut z = x ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// MinHash signature of a shingle set: per hash function, the least hash of any shingle.
fn signature(set: &[u64]) -> [u64; BANDS * ROWS] {
    let mut sig = [u64::MAX; BANDS * ROWS];
    for &h in set {
        for (k, slot) in sig.iter_mut().enumerate() {
            *slot = (*slot).min(mix(h, k as u64 + 1));
        }
    }
    sig
}

/// Whether two sorted, distinct sets are near-identical: Jaccard similarity at least
/// [`NEAR_IDENTICAL`] (`5 × |a ∩ b| ≥ 4 × |a ∪ b|`, in integers). The merge stops as soon as
/// the rest of the sets cannot reach it.
fn near_identical(a: &[u64], b: &[u64]) -> bool {
    let (num, den) = NEAR_IDENTICAL;
    // inter / (|a| + |b| − inter) ≥ num / den  ⟺  (num + den) × inter ≥ num × (|a| + |b|)
    let need = num * (a.len() + b.len());
    let weight = num + den;
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
                continue;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
        if weight * (inter + (a.len() - i).min(b.len() - j)) < need {
            return false;
        }
    }
    a.len() + b.len() > 0 && weight * inter >= need
}

/// Jaccard similarity of two sorted, distinct sets (the reference [`near_identical`] is tested
/// against).
#[cfg(test)]
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
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

/// The groups of one question, and how many exact checks a bucket cap skipped (0 unless a
/// stock answer was given by very many respondents; the run reports it).
pub struct Grouping {
    pub groups: Vec<AnswerGroup>,
    pub skipped_checks: usize,
}

/// Groups among `answers` (respondent id, answer text) of one question. Linear in the number
/// of answers: identical ones by their normalised text, near-identical ones by MinHash with
/// locality-sensitive hashing over word 3-shingles, each candidate pair checked exactly.
/// Answers whose candidates one task looks at (in parallel with the next block's).
const BLOCK: usize = 1024;

pub fn groups(question: &str, answers: &[(&str, &str)]) -> Grouping {
    // Each distinct answer text is normalised once (a large class repeats stock answers),
    // the distinct ones in parallel.
    use rayon::prelude::*;
    let mut slot: HashMap<&str, usize> = HashMap::new();
    let mut texts: Vec<&str> = Vec::new();
    let which: Vec<usize> = answers
        .iter()
        .map(|(_, a)| {
            *slot.entry(a).or_insert_with(|| {
                texts.push(a);
                texts.len() - 1
            })
        })
        .collect();
    drop(slot);
    let normalised: Vec<std::sync::Arc<str>> = texts.par_iter().map(|a| key_of(a).into()).collect();
    let keys: Vec<std::sync::Arc<str>> = which
        .iter()
        .map(|&k| std::sync::Arc::clone(&normalised[k]))
        .collect();
    drop(normalised);
    let counts: Vec<usize> = keys
        .iter()
        .map(|k| {
            if k.is_empty() {
                0
            } else {
                k.matches(' ').count() + 1
            }
        })
        .collect();
    let mut parent: Vec<usize> = (0..answers.len()).collect();
    // Identical after normalisation.
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        if key.is_empty() {
            continue;
        }
        match first.get(&**key) {
            Some(&j) => {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                parent[a] = b;
            }
            None => {
                first.insert(key, i);
            }
        }
    }
    // Near-identical: distinct answers whose signatures share a band are candidates.
    let mut distinct: Vec<usize> = first
        .values()
        .copied()
        .filter(|&i| counts[i] >= MIN_WORDS)
        .collect();
    distinct.sort_unstable();
    let sets: Vec<Vec<u64>> = distinct.par_iter().map(|&i| shingles(&keys[i])).collect();
    let signatures: Vec<[u64; BANDS * ROWS]> = sets.par_iter().map(|s| signature(s)).collect();
    // Every band's buckets, members in export order.
    let mut bucket_of: Vec<Vec<u32>> = (0..BANDS)
        .map(|_| Vec::with_capacity(signatures.len()))
        .collect();
    let mut buckets: Vec<Vec<Vec<usize>>> = Vec::with_capacity(BANDS);
    for (band, slots) in bucket_of.iter_mut().enumerate() {
        let mut index: HashMap<[u64; ROWS], u32> = HashMap::new();
        let mut lists: Vec<Vec<usize>> = Vec::new();
        for (a, sig) in signatures.iter().enumerate() {
            let mut key = [0u64; ROWS];
            key.copy_from_slice(&sig[band * ROWS..(band + 1) * ROWS]);
            let slot = *index.entry(key).or_insert_with(|| {
                lists.push(Vec::new());
                (lists.len() - 1) as u32
            });
            lists[slot as usize].push(a);
            slots.push(slot);
        }
        buckets.push(lists);
    }
    // Each answer is checked against the earlier answers it shares a band with, the most
    // recent first, each candidate once, at most CHECKS_PER_MEMBER of them: a stock answer
    // given by thousands costs linear time (and a cap that is reached is reported).
    let mut skipped_checks = 0usize;
    // Where each answer stands in its bucket of each band.
    let position: Vec<Vec<u32>> = buckets
        .iter()
        .map(|lists| {
            let mut pos = vec![0u32; signatures.len()];
            for list in lists {
                for (k, &a) in list.iter().enumerate() {
                    pos[a] = k as u32;
                }
            }
            pos
        })
        .collect();
    // Each answer's candidates, and which of them are near-identical to it, in parallel (in
    // blocks, each with its own marks); joined afterwards in order, so the groups do not
    // depend on the threads.
    let n = signatures.len();
    let blocks: Vec<(usize, Vec<(usize, usize)>)> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map(|block| {
            let mut skipped = 0usize;
            let mut alike = Vec::new();
            let mut candidates: Vec<usize> = Vec::with_capacity(CHECKS_PER_MEMBER);
            // `offered[a] == b + 1`: answer `a` is already a candidate of `b`.
            let mut offered: rustc_hash::FxHashMap<usize, usize> = Default::default();
            for b in block * BLOCK..((block + 1) * BLOCK).min(n) {
                candidates.clear();
                // Round-robin over the bands, going back one member at a time.
                let mut back = 1usize;
                loop {
                    let mut any = false;
                    for band in 0..BANDS {
                        let list = &buckets[band][bucket_of[band][b] as usize];
                        let k = position[band][b] as usize;
                        if k < back {
                            continue;
                        }
                        any = true;
                        let a = list[k - back];
                        if offered.get(&a) != Some(&(b + 1)) && candidates.len() < CHECKS_PER_MEMBER
                        {
                            offered.insert(a, b + 1);
                            candidates.push(a);
                        }
                    }
                    if !any {
                        break;
                    }
                    if candidates.len() >= CHECKS_PER_MEMBER {
                        // Earlier members of b's buckets the cap leaves unchecked (at most).
                        skipped += (0..BANDS)
                            .map(|band| (position[band][b] as usize).saturating_sub(back))
                            .sum::<usize>();
                        break;
                    }
                    back += 1;
                }
                for &a in &candidates {
                    let (la, lb) = (counts[distinct[a]], counts[distinct[b]]);
                    if la.min(lb) * 10 < la.max(lb) * 8 {
                        continue;
                    }
                    if near_identical(&sets[a], &sets[b]) {
                        alike.push((a, b));
                    }
                }
            }
            (skipped, alike)
        })
        .collect();
    for (skipped, alike) in blocks {
        skipped_checks += skipped;
        for (a, b) in alike {
            let (x, y) = (
                find(&mut parent, distinct[a]),
                find(&mut parent, distinct[b]),
            );
            if x != y {
                parent[x] = y;
            }
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        if !key.is_empty() {
            let r = find(&mut parent, i);
            members.entry(r).or_default().push(i);
        }
    }
    let mut out: Vec<AnswerGroup> = members
        .into_values()
        .filter(|m| m.len() > 1)
        .map(|m| {
            let identical = m.iter().all(|&i| keys[i] == keys[m[0]]);
            let long = m.iter().all(|&i| counts[i] >= LONG_WORDS);
            AnswerGroup {
                question: question.to_string(),
                respondents: m.iter().map(|&i| answers[i].0.to_string()).collect(),
                identical,
                possible_collusion: long,
                excerpt: crate::text::excerpt(answers[m[0]].1, 100),
                members: m.clone(),
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
    Grouping {
        groups: out,
        skipped_checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn near_identical_is_jaccard_at_least_four_fifths(
            a in proptest::collection::btree_set(0u64..60, 0..40),
            b in proptest::collection::btree_set(0u64..60, 0..40),
        ) {
            let (a, b): (Vec<u64>, Vec<u64>) = (a.into_iter().collect(), b.into_iter().collect());
            proptest::prop_assert_eq!(near_identical(&a, &b), jaccard(&a, &b) >= 0.8);
        }
    }

    fn a(id: &str, text: &str) -> (String, String) {
        (id.to_string(), text.to_string())
    }

    #[test]
    fn identical_and_near_identical_answers_are_grouped() {
        let long = "The generator maps random noise to fake samples while the discriminator learns to tell real samples from generated ones, and both are trained together in a minimax game with alternating updates of their weights until equilibrium";
        let answers = [
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
        let refs: Vec<(&str, &str)> = answers
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let g = groups("q", &refs).groups;
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].respondents, vec!["1", "2"]);
        assert!(g[0].identical && !g[0].possible_collusion);
        assert_eq!(g[1].respondents, vec!["3", "4"]);
        assert!(!g[1].identical && g[1].possible_collusion);
    }

    /// A deterministic class of `n` distinct answers (pseudo-random words from a vocabulary of
    /// 5,000) in which answer `2k + 1` copies answer `2k` with one word changed.
    fn planted(n: usize) -> Vec<(String, String)> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let words: Vec<String> = (0..36).map(|_| format!("w{}", next() % 5000)).collect();
            let mut copy = words.clone();
            copy[(next() % 36) as usize] = "changed".into();
            out.push((out.len().to_string(), words.join(" ")));
            out.push((out.len().to_string(), copy.join(" ")));
        }
        out
    }

    #[test]
    fn every_planted_copy_pair_is_found_among_100000_answers() {
        let answers = planted(100_000);
        let refs: Vec<(&str, &str)> = answers
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let g = groups("q", &refs);
        assert_eq!(g.skipped_checks, 0);
        assert_eq!(g.groups.len(), 50_000);
        let mut pairs: Vec<(usize, usize)> = g
            .groups
            .iter()
            .map(|g| {
                assert_eq!(g.respondents.len(), 2);
                (
                    g.respondents[0].parse().unwrap(),
                    g.respondents[1].parse().unwrap(),
                )
            })
            .collect();
        pairs.sort_unstable();
        assert!(
            pairs
                .iter()
                .enumerate()
                .all(|(k, &p)| p == (2 * k, 2 * k + 1))
        );
    }
}
