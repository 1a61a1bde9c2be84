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

/// The whole report: per question and overall.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub per_question: BTreeMap<String, Agreement>,
    pub overall: Agreement,
    pub confusion: Vec<Vec<usize>>,
    /// Marked rows for questions the rubric does not have (held out), by question id.
    pub not_in_rubric: BTreeMap<String, usize>,
    /// For an unknown question id close to one of the rubric's, that id ("did you mean").
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub did_you_mean: BTreeMap<String, String>,
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into())
}

fn row(out: &mut String, name: &str, a: &Agreement) {
    let _ = writeln!(
        out,
        "{name:<10} {:>5} {:>7} {:>6} {:>6} {:>6.0}% {:>8.0}% {:>6.2} {:>6.2}",
        a.n,
        opt(a.pearson),
        format!("{:.2}", a.rmse),
        opt(a.qwk),
        a.exact * 100.0,
        a.within_one * 100.0,
        a.mean_human,
        a.mean_machine
    );
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:>5} {:>7} {:>6} {:>6} {:>7} {:>9} {:>6} {:>6}",
        "question", "n", "pearson", "rmse", "qwk", "exact", "within-1", "human", "ours"
    );
    for (q, a) in &report.per_question {
        row(&mut out, q, a);
    }
    row(&mut out, "all", &report.overall);
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
    if !report.not_in_rubric.is_empty() {
        let total: usize = report.not_in_rubric.values().sum();
        let _ = writeln!(
            out,
            "\n{total} marked answer(s) for {} question(s) the rubric does not have (not scored): {}",
            report.not_in_rubric.len(),
            report
                .not_in_rubric
                .keys()
                .map(|id| match report.did_you_mean.get(id) {
                    Some(known) => format!("{id} (did you mean {known}?)"),
                    None => id.clone(),
                })
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
