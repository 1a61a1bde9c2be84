//! Class statistics: per question mean, standard deviation, facility, discrimination and
//! discriminative efficiency (flagging dubious questions), distractor analysis for checkboxes,
//! criterion rates for free text; for the whole test a histogram, mean, median, Cronbach's
//! alpha, standard error of measurement and grade bands.
//!
//! Definitions follow Moodle's quiz statistics
//! (docs.moodle.org/dev/Quiz_statistics_calculations):
//! - facility index F = 100 · mean(x) / max;
//! - standard deviations use n − 1;
//! - discrimination index D = 100 · r(x, X − x), the correlation of the item's score with the
//!   rest of the test;
//! - discriminative efficiency DE = 100 · C(x, X − x) / C_max, where C_max is the covariance
//!   after sorting the item scores and the rest-of-test scores independently (the largest
//!   covariance those two distributions allow);
//! - Cronbach's alpha = k/(k − 1) · (1 − Σ V(x_i) / V(X)); SEM = SD(X) · √(1 − alpha).
//!
//! A question is flagged when DE < 15 % or D < 0 (Moodle's guidance); Flubaroo's hints —
//! questions under 60 % facility, students under 70 % of the maximum — are listed too.

use crate::rubric::Band;
use crate::score::Finding;
use crate::score::run::{GradeRun, RespondentResult};
use serde::Serialize;

pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Sample standard deviation (n − 1); 0 for fewer than two values.
pub fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Sample covariance (n − 1).
pub fn covariance(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < 2 {
        return 0.0;
    }
    let (ma, mb) = (mean(a), mean(b));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (a.len() - 1) as f64
}

pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Discrimination index (%): correlation of the item with the rest of the test.
pub fn discrimination(item: &[f64], rest: &[f64]) -> Option<f64> {
    let (si, sr) = (sd(item), sd(rest));
    (si > 0.0 && sr > 0.0).then(|| 100.0 * covariance(item, rest) / (si * sr))
}

/// Discriminative efficiency (%): the item–rest covariance over the largest possible one.
pub fn efficiency(item: &[f64], rest: &[f64]) -> Option<f64> {
    let (mut a, mut b) = (item.to_vec(), rest.to_vec());
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let max = covariance(&a, &b);
    (max > 0.0).then(|| 100.0 * covariance(item, rest) / max)
}

/// Cronbach's alpha from the item columns.
pub fn cronbach_alpha(items: &[Vec<f64>]) -> Option<f64> {
    let k = items.len();
    if k < 2 || items[0].len() < 2 {
        return None;
    }
    let n = items[0].len();
    let totals: Vec<f64> = (0..n).map(|r| items.iter().map(|c| c[r]).sum()).collect();
    let var_total = sd(&totals).powi(2);
    if var_total == 0.0 {
        return None;
    }
    let sum_var: f64 = items.iter().map(|c| sd(c).powi(2)).sum();
    Some(k as f64 / (k as f64 - 1.0) * (1.0 - sum_var / var_total))
}

#[derive(Clone, Debug, Serialize)]
pub struct OptionStats {
    pub option: String,
    pub correct: bool,
    /// Share of the top third (by total) who ticked it.
    pub top: f64,
    /// Share of the bottom third who ticked it.
    pub bottom: f64,
    /// Share of all respondents who ticked (or chose) it.
    pub all: f64,
}

/// How the class did on one field of a summary answer (shares of all respondents).
#[derive(Clone, Debug, Serialize)]
pub struct FieldStats {
    pub layer: String,
    pub field: String,
    pub right: f64,
    /// Right given the respondent's own earlier value (error carried forward).
    pub carried: f64,
    /// Wrong, missing or unreadable.
    pub wrong: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CriterionStats {
    pub criterion: String,
    pub penalty: bool,
    /// Share of respondents who met it.
    pub met: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuestionStats {
    pub id: String,
    pub kind: String,
    pub max: f64,
    pub mean: f64,
    pub sd: f64,
    /// Facility index, %.
    pub facility: f64,
    /// Discrimination index, % (`null` when the item or the rest does not vary).
    pub discrimination: Option<f64>,
    /// Discriminative efficiency, %.
    pub efficiency: Option<f64>,
    /// Efficiency under 15 % or negative discrimination.
    pub dubious: bool,
    /// Facility under 60 % (Flubaroo's hint).
    pub hard: bool,
    pub options: Vec<OptionStats>,
    pub criteria: Vec<CriterionStats>,
    /// Summary questions: each field, in the answer's order.
    pub fields: Vec<FieldStats>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BandCount {
    pub grade: String,
    pub min: f64,
    pub count: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub respondents: usize,
    pub max: f64,
    pub mean: f64,
    pub median: f64,
    pub sd: f64,
    pub alpha: Option<f64>,
    pub sem: Option<f64>,
    /// (from, to, count): ten bins over 0..max, the last one closed.
    pub histogram: Vec<(f64, f64, usize)>,
    pub bands: Vec<BandCount>,
    pub questions: Vec<QuestionStats>,
    /// Respondents under 70 % of the maximum (Flubaroo's hint).
    pub below_70: Vec<String>,
}

/// The histogram's bin width on the exam's own scale: the smallest of 0.5, 1, 2, 2.5, 5, 10,
/// 20, 25, 50, … points that gives at most 12 bins (20 points: bins of 2; 52 points: of 5).
pub fn bin_width(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let mut scale = 0.1;
    loop {
        for step in [5.0, 10.0, 20.0, 25.0] {
            let w = step * scale;
            if max / w <= 12.0 {
                return w;
            }
        }
        scale *= 10.0;
        if scale > 1e15 {
            return max;
        }
    }
}

/// Statistics of a graded run (ungraded questions left out).
pub fn compute(run: &GradeRun, bands: &[Band]) -> Stats {
    let mut builder = StatsBuilder::new(run);
    for r in &run.respondents {
        builder.add(r);
    }
    builder.finish(bands)
}

/// What one graded question needs of each respondent for the item analysis: its points, and
/// for a checkbox question which options were ticked (indices into `options`).
struct ItemColumn {
    qi: usize,
    id: String,
    kind: String,
    max: f64,
    points: Vec<f64>,
    /// Options in first-seen order, with their key flag.
    options: Vec<(String, bool)>,
    /// The options ticked, respondent after respondent (respondent `r`'s are
    /// `ticked[ends[r - 1]..ends[r]]`): two flat lists, not a list per respondent.
    ticked: Vec<u32>,
    ends: Vec<u32>,
    /// (criterion, penalty, respondents who met it), in first-seen order.
    criteria: Vec<(String, bool, usize)>,
    /// Summary fields: (layer, field, right, carried, wrong), in first-seen order.
    fields: Vec<(String, String, usize, usize, usize)>,
}

/// Statistics built one respondent at a time, in export order, from a few numbers per
/// respondent and question — never from all findings held at once — so a class of any size
/// is summarised in bounded memory.
pub struct StatsBuilder {
    items: Vec<ItemColumn>,
    totals: Vec<f64>,
    max: f64,
    below_70: Vec<String>,
}

impl StatsBuilder {
    /// For the run's questions and maximum (its respondents are not read).
    pub fn new(run: &GradeRun) -> StatsBuilder {
        StatsBuilder {
            items: run
                .questions
                .iter()
                .enumerate()
                .filter(|(_, q)| q.graded)
                .map(|(qi, q)| ItemColumn {
                    qi,
                    id: q.id.clone(),
                    kind: q.kind.clone(),
                    max: q.max.to_f64(),
                    points: Vec::new(),
                    options: Vec::new(),
                    ticked: Vec::new(),
                    ends: Vec::new(),
                    criteria: Vec::new(),
                    fields: Vec::new(),
                })
                .collect(),
            totals: Vec::new(),
            max: run.max.to_f64(),
            below_70: Vec::new(),
        }
    }

    pub fn add(&mut self, r: &RespondentResult) {
        let total = r.total.to_f64();
        self.totals.push(total);
        if self.max > 0.0 && total < 0.7 * self.max {
            self.below_70.push(r.respondent.id.clone());
        }
        for item in &mut self.items {
            let q = &r.questions[item.qi];
            item.points.push(q.score.points.to_f64());
            let mut field_at = 0;
            for f in &q.score.findings {
                let (option, correct, tick) = match f {
                    Finding::Ticked {
                        option, correct, ..
                    } => (option, *correct, true),
                    Finding::Missed { option } => (option, true, false),
                    Finding::Chose {
                        option, correct, ..
                    } => (option, *correct, true),
                    Finding::Field {
                        layer,
                        field,
                        verdict,
                        ..
                    } => {
                        use crate::score::summary::Verdict;
                        // Every answer lists the fields in the same order: look at the next
                        // place first.
                        let next = field_at;
                        field_at += 1;
                        let known = match item.fields.get(next) {
                            Some((l, f, ..)) if l == layer && f == field => Some(next),
                            _ => item
                                .fields
                                .iter()
                                .position(|(l, f, ..)| l == layer && f == field),
                        };
                        let entry = match known {
                            Some(i) => &mut item.fields[i],
                            None => {
                                item.fields.push((layer.clone(), field.clone(), 0, 0, 0));
                                let last = item.fields.len() - 1;
                                &mut item.fields[last]
                            }
                        };
                        match verdict {
                            Verdict::Correct => entry.2 += 1,
                            Verdict::FollowThrough => entry.3 += 1,
                            _ => entry.4 += 1,
                        }
                        continue;
                    }
                    Finding::Criterion {
                        criterion,
                        penalty,
                        met,
                        ..
                    } => {
                        match item
                            .criteria
                            .iter_mut()
                            .find(|(c, p, _)| c == criterion && p == penalty)
                        {
                            Some(entry) => entry.2 += usize::from(*met),
                            None => {
                                item.criteria
                                    .push((criterion.clone(), *penalty, usize::from(*met)))
                            }
                        }
                        continue;
                    }
                    _ => continue,
                };
                let index = match item.options.iter().position(|(o, _)| o == option) {
                    Some(i) => i,
                    None => {
                        item.options.push((option.clone(), correct));
                        item.options.len() - 1
                    }
                };
                if tick {
                    item.ticked.push(index as u32);
                }
            }
            item.ends
                .push(u32::try_from(item.ticked.len()).unwrap_or(u32::MAX));
        }
    }

    pub fn finish(self, bands: &[Band]) -> Stats {
        let n = self.totals.len();
        let totals = self.totals;
        let max = self.max;
        // Thirds by total, for the distractor analysis.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| totals[b].total_cmp(&totals[a]).then(a.cmp(&b)));
        let third = n / 3;
        let (top, bottom): (Vec<usize>, Vec<usize>) =
            (order[..third].to_vec(), order[n - third..].to_vec());
        let columns: Vec<Vec<f64>> = self.items.iter().map(|i| i.points.clone()).collect();
        let alpha = cronbach_alpha(&columns);
        let questions = self
            .items
            .iter()
            .map(|item| {
                let col = &item.points;
                let rest: Vec<f64> = totals.iter().zip(col).map(|(t, x)| t - x).collect();
                let qmax = item.max;
                let facility = if qmax > 0.0 {
                    100.0 * mean(col) / qmax
                } else {
                    0.0
                };
                let discrimination = discrimination(col, &rest);
                let efficiency = efficiency(col, &rest);
                let dubious =
                    efficiency.is_some_and(|e| e < 15.0) || discrimination.is_some_and(|d| d < 0.0);
                let ticked = |group: &[usize], option: usize| -> f64 {
                    if group.is_empty() {
                        return 0.0;
                    }
                    let hits = group
                        .iter()
                        .filter(|&&r| {
                            let start = if r == 0 { 0 } else { item.ends[r - 1] as usize };
                            item.ticked[start..item.ends[r] as usize].contains(&(option as u32))
                        })
                        .count();
                    hits as f64 / group.len() as f64
                };
                let options = item
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, (option, correct))| OptionStats {
                        top: ticked(&top, i),
                        bottom: ticked(&bottom, i),
                        all: item.ticked.iter().filter(|&&t| t as usize == i).count() as f64
                            / n.max(1) as f64,
                        option: option.clone(),
                        correct: *correct,
                    })
                    .collect();
                let respondents = n.max(1);
                let share = |k: usize| k as f64 / respondents as f64;
                QuestionStats {
                    id: item.id.clone(),
                    kind: item.kind.clone(),
                    max: qmax,
                    mean: mean(col),
                    sd: sd(col),
                    facility,
                    discrimination,
                    efficiency,
                    dubious,
                    hard: facility < 60.0,
                    options,
                    criteria: item
                        .criteria
                        .iter()
                        .map(|(criterion, penalty, met)| CriterionStats {
                            criterion: criterion.clone(),
                            penalty: *penalty,
                            met: *met as f64 / respondents as f64,
                        })
                        .collect(),
                    fields: item
                        .fields
                        .iter()
                        .map(|(layer, field, right, carried, wrong)| FieldStats {
                            layer: layer.clone(),
                            field: field.clone(),
                            right: share(*right),
                            carried: share(*carried),
                            wrong: share(*wrong),
                        })
                        .collect(),
                }
            })
            .collect();
        let sd_total = sd(&totals);
        let width = bin_width(max);
        let bins = if max > 0.0 {
            ((max / width).ceil() as usize).max(1)
        } else {
            1
        };
        let histogram = (0..bins)
            .map(|b| {
                let from = width * b as f64;
                let to = (width * (b + 1) as f64).min(max);
                let last = b + 1 == bins;
                let count = totals
                    .iter()
                    .filter(|&&t| (t >= from || b == 0) && (t < to || (last && t <= to)))
                    .count();
                (from, to, count)
            })
            .collect();
        let band_counts = bands
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let upper = if i == 0 {
                    f64::INFINITY
                } else {
                    bands[i - 1].min.to_f64()
                };
                BandCount {
                    grade: b.grade.clone(),
                    min: b.min.to_f64(),
                    count: totals
                        .iter()
                        .filter(|&&t| t >= b.min.to_f64() && t < upper)
                        .count(),
                }
            })
            .collect();
        Stats {
            respondents: n,
            max,
            mean: mean(&totals),
            median: median(&totals),
            sd: sd_total,
            sem: alpha.map(|a| sd_total * (1.0 - a).max(0.0).sqrt()),
            alpha,
            histogram,
            bands: band_counts,
            questions,
            below_70: self.below_70,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// A hand-computed table: 4 students, 2 items (max 2 and 1).
    ///   item 1: 2, 1, 1, 0   item 2: 1, 1, 0, 0   totals: 3, 2, 1, 0
    #[test]
    fn hand_computed_item_statistics() {
        let i1 = [2.0, 1.0, 1.0, 0.0];
        let i2 = [1.0, 1.0, 0.0, 0.0];
        // mean 1, sample variance (1 + 0 + 0 + 1)/3 = 2/3
        assert!(close(mean(&i1), 1.0));
        assert!(close(sd(&i1), (2.0f64 / 3.0).sqrt()));
        // rest of test for item 1 = item 2: r(i1, i2) = cov / (sd1 sd2)
        // cov = ((1)(0.5) + 0 + 0 + (-1)(-0.5)) / 3 = 1/3; sd2 = sqrt(1/3)
        let d = discrimination(&i1, &i2).unwrap();
        assert!(close(
            d,
            100.0 * (1.0 / 3.0) / ((2.0f64 / 3.0).sqrt() * (1.0f64 / 3.0).sqrt())
        ));
        // Already in the same order, so the covariance is the largest possible: 100 %.
        assert!(close(efficiency(&i1, &i2).unwrap(), 100.0));
        // A reversed item: negative discrimination.
        assert!(discrimination(&[0.0, 0.0, 1.0, 1.0], &[3.0, 2.0, 1.0, 0.0]).unwrap() < 0.0);
        // alpha = 2/1 · (1 − (2/3 + 1/3) / V(X)), V(totals 3,2,1,0) = 5/3 → 2 · (1 − 3/5) = 0.8
        assert!(close(
            cronbach_alpha(&[i1.to_vec(), i2.to_vec()]).unwrap(),
            0.8
        ));
        assert!(close(median(&[3.0, 2.0, 1.0, 0.0]), 1.5));
        assert!(close(median(&[5.0, 1.0, 3.0]), 3.0));
    }

    #[test]
    fn histogram_bins_follow_the_exams_scale() {
        assert_eq!(bin_width(20.0), 2.0);
        assert_eq!(bin_width(52.0), 5.0);
        assert_eq!(bin_width(5.0), 0.5);
        assert_eq!(bin_width(100.0), 10.0);
        assert_eq!(bin_width(300.0), 25.0);
        assert_eq!(bin_width(0.0), 1.0);
    }
}
