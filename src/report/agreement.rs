//! Agreement between examgrade and human graders on marked answers: Pearson r, RMSE, quadratic
//! weighted kappa, exact and within-one agreement, and a confusion table — the rubric author's
//! test bench (like Moodle pattern-match's response testing, with partial credit).

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One marked answer scored: the human's points and examgrade's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub human: f64,
    pub machine: f64,
}

/// Agreement figures over a set of pairs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agreement {
    pub n: usize,
    /// Pearson correlation (`null` when either side is constant).
    pub pearson: Option<f64>,
    pub rmse: f64,
    /// Quadratic weighted kappa on half-point categories.
    pub qwk: Option<f64>,
    /// Share of answers whose points round to the same whole number.
    pub exact: f64,
    /// Share within one whole point after rounding.
    pub within_one: f64,
    pub mean_human: f64,
    pub mean_machine: f64,
}

fn mean(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = v.clone().count();
    if n == 0 {
        0.0
    } else {
        v.sum::<f64>() / n as f64
    }
}

/// Round half up to a whole point (the confusion table's and agreement's categories).
fn whole(x: f64) -> i64 {
    (x + 0.5).floor() as i64
}

pub fn pearson(pairs: &[Pair]) -> Option<f64> {
    let mh = mean(pairs.iter().map(|p| p.human));
    let mm = mean(pairs.iter().map(|p| p.machine));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for p in pairs {
        let (dx, dy) = (p.human - mh, p.machine - mm);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Cohen's kappa with quadratic weights over categories `0..k` (here: half points).
pub fn quadratic_weighted_kappa(pairs: &[Pair], max: f64) -> Option<f64> {
    let k = (max * 2.0).round() as usize + 1;
    if pairs.is_empty() || k < 2 {
        return None;
    }
    let cat = |x: f64| ((x * 2.0).round().max(0.0) as usize).min(k - 1);
    let mut observed = vec![vec![0.0; k]; k];
    let (mut hist_h, mut hist_m) = (vec![0.0; k], vec![0.0; k]);
    for p in pairs {
        let (h, m) = (cat(p.human), cat(p.machine));
        observed[h][m] += 1.0;
        hist_h[h] += 1.0;
        hist_m[m] += 1.0;
    }
    let n = pairs.len() as f64;
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let w = ((i as f64 - j as f64) / (k as f64 - 1.0)).powi(2);
            num += w * observed[i][j];
            den += w * hist_h[i] * hist_m[j] / n;
        }
    }
    (den > 0.0).then(|| 1.0 - num / den)
}

pub fn agreement(pairs: &[Pair], max: f64) -> Agreement {
    let n = pairs.len();
    let rmse = if n == 0 {
        0.0
    } else {
        (pairs
            .iter()
            .map(|p| (p.human - p.machine).powi(2))
            .sum::<f64>()
            / n as f64)
            .sqrt()
    };
    let share = |f: &dyn Fn(&Pair) -> bool| {
        if n == 0 {
            0.0
        } else {
            pairs.iter().filter(|p| f(p)).count() as f64 / n as f64
        }
    };
    Agreement {
        n,
        pearson: pearson(pairs),
        rmse,
        qwk: quadratic_weighted_kappa(pairs, max),
        exact: share(&|p| whole(p.human) == whole(p.machine)),
        within_one: share(&|p| (whole(p.human) - whole(p.machine)).abs() <= 1),
        mean_human: mean(pairs.iter().map(|p| p.human)),
        mean_machine: mean(pairs.iter().map(|p| p.machine)),
    }
}

/// Counts of (human, machine) after rounding to whole points.
pub fn confusion(pairs: &[Pair], max: f64) -> Vec<Vec<usize>> {
    let k = max.round() as usize + 1;
    let mut t = vec![vec![0; k]; k];
    for p in pairs {
        let h = (whole(p.human).max(0) as usize).min(k - 1);
        let m = (whole(p.machine).max(0) as usize).min(k - 1);
        t[h][m] += 1;
    }
    t
}

/// One marked answer, scored: what `check --marked --format csv` writes a row of.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Marked {
    pub rubric: String,
    pub question: String,
    /// Line of the marked file.
    pub line: usize,
    pub answer: String,
    pub human: f64,
    pub machine: f64,
    pub max: f64,
    /// Criteria the answer met.
    pub met: Vec<String>,
    /// The words that met them: "`term` ← words".
    pub matched: Vec<String>,
    /// Why the answer is in the review queue (empty: it is not).
    pub reasons: Vec<String>,
    /// The second opinion: similarity (0–1) to the model answers and the class's best
    /// answers, when the answer is long enough to have one.
    pub similarity: Option<f64>,
    /// Words (and word pairs) of the answer that no criterion's pattern relates to, as
    /// (key, shown form): the raw material of suggestions.
    #[serde(skip)]
    pub uncovered: Vec<(String, String)>,
}

impl Marked {
    /// Machine and human differ by 40 % of the question's points or more.
    pub fn far(&self) -> bool {
        (self.human - self.machine).abs() + 1e-9 >= 0.4 * self.max
    }

    pub fn reviewed(&self) -> bool {
        !self.reasons.is_empty()
    }
}

/// How well the review queue catches the machine's mistakes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewFigures {
    pub n: usize,
    /// Answers where machine and human differ by 40 % of the points or more.
    pub far: usize,
    /// Of those, how many the review queue holds.
    pub far_reviewed: usize,
    /// Answers in the review queue.
    pub reviewed: usize,
    /// `far / n`, `far_reviewed / far`, `reviewed / n` (0 when the denominator is).
    pub far_share: f64,
    pub caught_share: f64,
    pub queue_share: f64,
}

pub fn review_figures(marked: &[&Marked]) -> ReviewFigures {
    let n = marked.len();
    let far = marked.iter().filter(|m| m.far()).count();
    let far_reviewed = marked.iter().filter(|m| m.far() && m.reviewed()).count();
    let reviewed = marked.iter().filter(|m| m.reviewed()).count();
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    ReviewFigures {
        n,
        far,
        far_reviewed,
        reviewed,
        far_share: share(far, n),
        caught_share: share(far_reviewed, far),
        queue_share: share(reviewed, n),
    }
}

/// One question's figures.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionReport {
    pub question: String,
    pub rubric: String,
    pub agreement: Agreement,
    pub review: ReviewFigures,
}

/// A candidate term for the rubric author: frequent in high-marked answers, rare in
/// low-marked ones, and met by no criterion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    pub term: String,
    /// High-marked answers (≥ 80 % of the points) with the term, and all of them.
    pub high: usize,
    pub high_of: usize,
    /// Low-marked answers (≤ 40 %) with the term, and all of them.
    pub low: usize,
    pub low_of: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuestionSuggestions {
    pub question: String,
    pub terms: Vec<Suggestion>,
}

/// A marked row not scored, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skipped {
    pub line: usize,
    pub question: String,
    pub why: String,
}

/// The whole report: per question and overall.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// In natural order of question ids (5.1 before 10.5).
    pub per_question: Vec<QuestionReport>,
    pub overall: Agreement,
    pub review: ReviewFigures,
    pub confusion: Vec<Vec<usize>>,
    /// The largest disagreements, largest first.
    pub worst: Vec<Marked>,
    pub suggestions: Vec<QuestionSuggestions>,
    /// Marked rows for questions no rubric has (held out), by question id, natural order.
    pub not_in_rubric: Vec<(String, usize)>,
    /// Rows without a human mark: skipped.
    pub blank_marks: usize,
    /// Rows whose human mark is outside 0..the question's points: reported, not scored.
    pub out_of_range: Vec<Skipped>,
}

/// How many disagreements the report lists.
const WORST: usize = 15;
/// Suggestions per question.
const SUGGESTIONS: usize = 6;

/// The report over scored marked answers (any order).
pub fn report(
    marked: &[Marked],
    not_in_rubric: Vec<(String, usize)>,
    blank_marks: usize,
    out_of_range: Vec<Skipped>,
) -> Report {
    let mut questions: Vec<(&str, &str)> = marked
        .iter()
        .map(|m| (m.question.as_str(), m.rubric.as_str()))
        .collect();
    questions.sort_by(|a, b| crate::text::natural_cmp(a.0, b.0));
    questions.dedup_by(|a, b| a.0 == b.0);
    let pairs = |of: &[&Marked]| -> Vec<Pair> {
        of.iter()
            .map(|m| Pair {
                human: m.human,
                machine: m.machine,
            })
            .collect()
    };
    let mut per_question = Vec::new();
    let mut suggestions = Vec::new();
    for (q, rubric) in &questions {
        let of: Vec<&Marked> = marked.iter().filter(|m| m.question == *q).collect();
        let max = of.iter().map(|m| m.max).fold(0.0, f64::max);
        per_question.push(QuestionReport {
            question: q.to_string(),
            rubric: rubric.to_string(),
            agreement: agreement(&pairs(&of), max),
            review: review_figures(&of),
        });
        let terms = suggest(&of);
        if !terms.is_empty() {
            suggestions.push(QuestionSuggestions {
                question: q.to_string(),
                terms,
            });
        }
    }
    let all: Vec<&Marked> = marked.iter().collect();
    let overall_max = marked.iter().map(|m| m.max).fold(1.0, f64::max);
    let mut worst: Vec<&Marked> = all.iter().copied().filter(|m| m.far()).collect();
    worst.sort_by(|a, b| {
        let d = |m: &Marked| (m.human - m.machine).abs() / m.max.max(f64::MIN_POSITIVE);
        d(b).total_cmp(&d(a))
            .then_with(|| crate::text::natural_cmp(&a.question, &b.question))
            .then(a.line.cmp(&b.line))
    });
    Report {
        per_question,
        overall: agreement(&pairs(&all), overall_max),
        review: review_figures(&all),
        confusion: confusion(&pairs(&all), overall_max),
        worst: worst.into_iter().take(WORST).cloned().collect(),
        suggestions,
        not_in_rubric,
        blank_marks,
        out_of_range,
    }
}

/// Terms frequent in high-marked answers and rare in low-marked ones that no criterion meets.
fn suggest(of: &[&Marked]) -> Vec<Suggestion> {
    let high: Vec<&&Marked> = of.iter().filter(|m| m.human >= 0.8 * m.max).collect();
    let low: Vec<&&Marked> = of.iter().filter(|m| m.human <= 0.4 * m.max).collect();
    if high.len() < 3 {
        return Vec::new();
    }
    // Per term: answers with it among the high and the low, and its first shown form.
    let mut counts: BTreeMap<&str, (usize, usize, &str)> = BTreeMap::new();
    for (set, is_high) in [(&high, true), (&low, false)] {
        for m in set.iter() {
            let mut seen: Vec<&str> = Vec::new();
            for (key, shown) in &m.uncovered {
                if seen.contains(&key.as_str()) {
                    continue;
                }
                seen.push(key);
                let c = counts.entry(key).or_insert((0, 0, shown));
                if is_high {
                    c.0 += 1;
                } else {
                    c.1 += 1;
                }
            }
        }
    }
    let min_high = 3.max(high.len().div_ceil(5));
    let rate = |k: usize, n: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    let mut out: Vec<(f64, Suggestion)> = counts
        .into_iter()
        .filter(|(_, (h, _, _))| *h >= min_high)
        .map(|(_, (h, l, shown))| {
            let lift = rate(h, high.len()) - rate(l, low.len());
            (
                lift,
                Suggestion {
                    term: shown.to_string(),
                    high: h,
                    high_of: high.len(),
                    low: l,
                    low_of: low.len(),
                },
            )
        })
        .filter(|(lift, _)| *lift >= 0.2)
        .collect();
    out.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.term.cmp(&b.1.term)));
    // A pair whose words are both suggested already says little more; keep the best few.
    out.into_iter().take(SUGGESTIONS).map(|(_, s)| s).collect()
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into())
}

fn row(out: &mut String, name: &str, width: usize, a: &Agreement, r: &ReviewFigures) {
    let _ = writeln!(
        out,
        "{name:<width$} {:>5} {:>7} {:>6} {:>6} {:>6.0}% {:>8.0}% {:>6.2} {:>6.2} {:>5.0}% {:>6} {:>5.0}%",
        a.n,
        opt(a.pearson),
        format!("{:.2}", a.rmse),
        opt(a.qwk),
        a.exact * 100.0,
        a.within_one * 100.0,
        a.mean_human,
        a.mean_machine,
        r.far_share * 100.0,
        if r.far == 0 {
            "-".to_string()
        } else {
            format!("{:.0}%", r.caught_share * 100.0)
        },
        r.queue_share * 100.0,
    );
}

/// A number of points as a TA writes it: `2.5`, `3`.
fn pts(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let width = report
        .per_question
        .iter()
        .map(|q| q.question.chars().count())
        .fold(10, usize::max);
    let _ = writeln!(
        out,
        "{:<width$} {:>5} {:>7} {:>6} {:>6} {:>7} {:>9} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "question",
        "n",
        "pearson",
        "rmse",
        "qwk",
        "exact",
        "within-1",
        "human",
        "ours",
        "far",
        "caught",
        "queue"
    );
    for q in &report.per_question {
        row(&mut out, &q.question, width, &q.agreement, &q.review);
    }
    row(&mut out, "all", width, &report.overall, &report.review);
    let r = &report.review;
    let _ = writeln!(
        out,
        "\nfar: machine and human differ by 40 % of the points or more ({} of {}); caught: of those, \
         in the review queue ({} of {}); queue: all answers in the review queue ({} of {})",
        r.far, r.n, r.far_reviewed, r.far, r.reviewed, r.n
    );
    let _ = writeln!(
        out,
        "\nconfusion (rows: human, columns: examgrade; whole points)"
    );
    let k = report.confusion.len();
    let _ = write!(out, "{:>6}", "");
    for j in 0..k {
        let _ = write!(out, "{j:>6}");
    }
    let _ = writeln!(out);
    for (i, r) in report.confusion.iter().enumerate() {
        let _ = write!(out, "{i:>6}");
        for c in r {
            let _ = write!(out, "{c:>6}");
        }
        let _ = writeln!(out);
    }
    if !report.worst.is_empty() {
        let _ = writeln!(out, "\nlargest disagreements");
        for m in &report.worst {
            let _ = writeln!(
                out,
                "  {} line {}: human {}, ours {} of {}{}\n    answer: {}\n    met: {}",
                m.question,
                m.line,
                pts(m.human),
                pts(m.machine),
                pts(m.max),
                if m.reasons.is_empty() {
                    " — not reviewed".to_string()
                } else {
                    format!(" — reviewed: {}", m.reasons.join(", "))
                },
                crate::text::excerpt(&m.answer, 160),
                if m.matched.is_empty() {
                    "nothing".to_string()
                } else {
                    m.matched.join("; ")
                }
            );
        }
    }
    if !report.suggestions.is_empty() {
        let _ = writeln!(
            out,
            "\nsuggestions: words in high-marked answers (≥ 80 %) that no criterion meets, rare in \
             low-marked ones (≤ 40 %)"
        );
        for s in &report.suggestions {
            let terms: Vec<String> = s
                .terms
                .iter()
                .map(|t| {
                    format!(
                        "`{}` ({}/{} high, {}/{} low)",
                        t.term, t.high, t.high_of, t.low, t.low_of
                    )
                })
                .collect();
            let _ = writeln!(out, "  {}: {}", s.question, terms.join(", "));
        }
    }
    if report.blank_marks > 0 {
        let _ = writeln!(
            out,
            "\n{} marked row(s) have no human points: skipped",
            report.blank_marks
        );
    }
    if !report.out_of_range.is_empty() {
        let _ = writeln!(
            out,
            "\n{} marked row(s) have points outside the question's range (not scored):",
            report.out_of_range.len()
        );
        for s in &report.out_of_range {
            let _ = writeln!(out, "  line {}: {}: {}", s.line, s.question, s.why);
        }
    }
    if !report.not_in_rubric.is_empty() {
        let total: usize = report.not_in_rubric.iter().map(|(_, n)| n).sum();
        let _ = writeln!(
            out,
            "\n{total} marked answer(s) for {} question(s) the rubric does not have (not scored): {}",
            report.not_in_rubric.len(),
            report
                .not_in_rubric
                .iter()
                .map(|(id, _)| id.clone())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(f64, f64)]) -> Vec<Pair> {
        v.iter()
            .map(|(h, m)| Pair {
                human: *h,
                machine: *m,
            })
            .collect()
    }

    #[test]
    fn perfect_agreement() {
        let p = pairs(&[(0.0, 0.0), (2.5, 2.5), (5.0, 5.0), (4.0, 4.0)]);
        let a = agreement(&p, 5.0);
        assert_eq!(a.pearson, Some(1.0));
        assert_eq!(a.rmse, 0.0);
        assert_eq!(a.qwk, Some(1.0));
        assert_eq!((a.exact, a.within_one), (1.0, 1.0));
    }

    #[test]
    fn hand_computed_figures() {
        // human 1,2,3 ; machine 1,3,5: r = 1·… (dx = -1,0,1; dy = -2,0,2) → r = 1.
        let p = pairs(&[(1.0, 1.0), (2.0, 3.0), (3.0, 5.0)]);
        let a = agreement(&p, 5.0);
        assert!((a.pearson.unwrap() - 1.0).abs() < 1e-12);
        // errors 0, 1, 2 → rmse = sqrt(5/3)
        assert!((a.rmse - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((a.exact - 1.0 / 3.0).abs() < 1e-12);
        assert!((a.within_one - 2.0 / 3.0).abs() < 1e-12);
        // constant machine: no correlation
        assert_eq!(pearson(&pairs(&[(1.0, 2.0), (3.0, 2.0)])), None);
        let c = confusion(&p, 5.0);
        assert_eq!(c[2][3], 1);
        assert_eq!(c[3][5], 1);
    }

    #[test]
    fn qwk_penalises_distance_quadratically() {
        let near = agreement(
            &pairs(&[(0.0, 0.5), (5.0, 4.5), (2.0, 2.0), (3.0, 3.0)]),
            5.0,
        )
        .qwk
        .unwrap();
        let far = agreement(
            &pairs(&[(0.0, 5.0), (5.0, 0.0), (2.0, 2.0), (3.0, 3.0)]),
            5.0,
        )
        .qwk
        .unwrap();
        assert!(near > 0.9 && far < 0.0, "{near} {far}");
    }
}
