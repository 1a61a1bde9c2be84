//! What Forms itself gave: the `Points - <Q>` column of every auto-graded question and the
//! `Total points` the students saw (Google Forms: `Score`, `13.5 / 15`). `init` learns keys
//! from them ([`Learnt`]); `grade` and `check --against` reconcile every grade with them
//! ([`Reconciler`]).

use crate::ingest::{Export, Fixed, Role, Submission};
use crate::points::Points;
use crate::rubric::{Kind, Question, Scheme};
use serde::Serialize;
use std::collections::BTreeMap;

/// The points in a `Points - ` or total cell: a number (`2`, `43.78`, `12,5`), or Google's
/// `13.5 / 15`. `None` for an empty or unreadable cell (Forms did not grade it).
pub fn points_cell(cell: &str) -> Option<Points> {
    let cell = cell.trim();
    if cell.is_empty() || cell.len() > 40 {
        return None;
    }
    let first = match cell.split_once('/') {
        Some((got, _of)) => got.trim(),
        None => cell,
    };
    crate::answers::number::parse(first).ok().map(|n| n.value)
}

/// How answers are compared when learning what Forms gave: a checkbox cell as the set of its
/// ticked options (Forms writes them in click order), anything else by its normalised text.
pub fn answer_key(cell: &str, multiple: bool) -> String {
    if multiple {
        let mut items: Vec<String> = cell
            .split(';')
            .map(crate::text::squeeze)
            .filter(|s| !s.is_empty())
            .collect();
        items.sort();
        items.dedup();
        items.join(";")
    } else {
        crate::text::squeeze(cell)
    }
}

/// Most distinct answers remembered per question, and lines per (answer, points).
const MAX_ANSWERS: usize = 10_000;
/// Most cells remembered with their [`answer_key`] per question (a class repeats its cells
/// exactly: each is normalised once).
const MAX_CELLS: usize = 4 * MAX_ANSWERS;
const MAX_LINES: usize = 3;

/// One distinct answer and the points Forms gave it, with where (first few lines).
#[derive(Clone, Debug, Default, Serialize)]
pub struct AnswerPoints {
    /// The answer as first written.
    pub answer: String,
    /// Points → (how many rows, their first lines).
    pub points: BTreeMap<Points, (usize, Vec<usize>)>,
}

impl AnswerPoints {
    /// "`a` got 0 (line 3) and 10 (lines 5, 7)".
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .points
            .iter()
            .map(|(p, (n, lines))| {
                let shown: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                let more = if *n > lines.len() { ", …" } else { "" };
                let word = if *n == 1 { "line" } else { "lines" };
                format!("{p} ({word} {}{more})", shown.join(", "))
            })
            .collect();
        format!(
            "`{}` got {}",
            crate::report::neutralize(&crate::text::excerpt(self.answer.trim(), 60)),
            parts.join(" and ")
        )
    }
}

/// What Forms gave for one question, per distinct answer.
#[derive(Clone, Debug, Default)]
pub struct Learnt {
    /// Rows with points.
    pub graded: usize,
    /// The most Forms gave.
    pub max: Option<Points>,
    /// By [`answer_key`].
    pub answers: BTreeMap<String, AnswerPoints>,
    /// Distinct answers past [`MAX_ANSWERS`], not remembered.
    pub dropped: usize,
    /// Cells seen before → their [`answer_key`] (at most [`MAX_CELLS`]).
    keys: rustc_hash::FxHashMap<Box<str>, std::rc::Rc<str>>,
}

impl Learnt {
    /// The [`answer_key`] of a cell, normalised once per distinct cell.
    fn key(&mut self, answer: &str, multiple: bool) -> std::rc::Rc<str> {
        if let Some(key) = self.keys.get(answer) {
            return std::rc::Rc::clone(key);
        }
        let key: std::rc::Rc<str> = answer_key(answer, multiple).into();
        if self.keys.len() < MAX_CELLS {
            self.keys.insert(answer.into(), std::rc::Rc::clone(&key));
        }
        key
    }

    /// Remember that Forms gave `points` to `answer` on `line`.
    pub fn add(&mut self, line: usize, answer: &str, points: Points, multiple: bool) {
        self.graded += 1;
        self.max = Some(self.max.map_or(points, |m| m.max(points)));
        let key = self.key(answer, multiple);
        if !self.answers.contains_key(&*key) {
            if self.answers.len() >= MAX_ANSWERS {
                self.dropped += 1;
                return;
            }
            self.answers.insert(
                key.to_string(),
                AnswerPoints {
                    answer: answer.to_string(),
                    points: BTreeMap::new(),
                },
            );
        }
        let Some(entry) = self.answers.get_mut(&*key) else {
            return;
        };
        let (n, lines) = entry.points.entry(points).or_default();
        *n += 1;
        if lines.len() < MAX_LINES {
            lines.push(line);
        }
    }

    /// Learn a question's column from a whole export.
    pub fn from_export(
        export: &Export,
        column: usize,
        points_column: usize,
        multiple: bool,
    ) -> Learnt {
        let mut learnt = Learnt::default();
        for s in &export.submissions {
            if let Some(p) = points_cell(s.cell(points_column)) {
                learnt.add(s.line, s.cell(column), p, multiple);
            }
        }
        learnt
    }

    /// Answers Forms gave different points (a key changed during the quiz, or points edited
    /// by hand): no key is inferred from them.
    pub fn inconsistent(&self) -> impl Iterator<Item = &AnswerPoints> {
        self.answers.values().filter(|a| a.points.len() > 1)
    }

    /// Answers Forms always gave the same points, with those points.
    pub fn consistent(&self) -> impl Iterator<Item = (&AnswerPoints, Points)> {
        self.answers
            .values()
            .filter_map(|a| match a.points.keys().collect::<Vec<_>>()[..] {
                [p] => Some((a, *p)),
                _ => None,
            })
    }

    pub fn is_inconsistent(&self, answer: &str, multiple: bool) -> bool {
        self.answers
            .get(&answer_key(answer, multiple))
            .is_some_and(|a| a.points.len() > 1)
    }
}

/// One respondent whose rubric points differ from Forms'.
#[derive(Clone, Debug, Serialize)]
pub struct Difference {
    pub file: String,
    pub line: usize,
    pub id: String,
    pub answer: String,
    pub forms: Points,
    pub rubric: Points,
}

/// How one question's grades compare with Forms'.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionAgreement {
    pub question: String,
    /// Respondents both Forms and the rubric graded.
    pub compared: usize,
    pub agree: usize,
    /// Of the differences, those on an answer Forms itself gave different points.
    pub forms_inconsistent: usize,
    /// The rubric claims to grade as Forms did (`matches_forms = true`).
    pub claimed: bool,
    /// The rubric does not grade the question (ungraded), though Forms did.
    pub ungraded: bool,
    /// Why the two may differ on purpose (the scheme), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The first differences.
    pub differences: Vec<Difference>,
    /// Answers Forms gave different points, described.
    pub forms_gave_different_points: Vec<String>,
}

impl QuestionAgreement {
    pub fn differ(&self) -> usize {
        self.compared - self.agree
    }

    /// A claimed question that disagrees where Forms was consistent.
    pub fn failed(&self) -> bool {
        self.claimed && self.differ() > self.forms_inconsistent
    }

    /// `q1: 37/37 agree with Forms`, `q4: 8 of 8 differ — …`.
    pub fn line(&self) -> String {
        format!("{}: {}", self.question, self.summary())
    }

    /// [`QuestionAgreement::line`] without the question's id.
    pub fn summary(&self) -> String {
        if self.ungraded {
            let mut out = format!(
                "Forms graded {} answer(s); the rubric leaves the question ungraded",
                self.compared
            );
            if !self.forms_gave_different_points.is_empty() {
                out.push_str(&format!(
                    "; Forms itself gave the same answer different points: {}",
                    self.forms_gave_different_points.join("; ")
                ));
            }
            return out;
        }
        let mut out = if self.differ() == 0 {
            format!("{}/{} agree with Forms", self.agree, self.compared)
        } else {
            format!("{} of {} differ from Forms", self.differ(), self.compared)
        };
        if let Some(note) = &self.note
            && self.differ() > 0
        {
            out.push_str(&format!(" — {note}"));
        }
        if self.forms_inconsistent > 0 {
            out.push_str(&format!(
                "; {} on answers Forms itself gave different points: {}",
                self.forms_inconsistent,
                self.forms_gave_different_points.join("; ")
            ));
        }
        if let Some(d) = self.differences.first()
            && self.differ() > self.forms_inconsistent
        {
            out.push_str(&format!(
                " (e.g. {} line {}: Forms {}, rubric {})",
                d.file, d.line, d.forms, d.rubric
            ));
        }
        if self.claimed && self.failed() {
            out.push_str(" — the rubric says it grades as Forms did (matches_forms = true)");
        }
        out
    }
}

/// How the totals compare: Forms' `Total points` against the rubric's points on the questions
/// both graded plus Forms' own points on the questions only Forms graded.
#[derive(Clone, Debug, Serialize)]
pub struct TotalAgreement {
    pub compared: usize,
    pub agree: usize,
    /// Questions both graded.
    pub questions: usize,
    pub differences: Vec<Difference>,
}

impl TotalAgreement {
    pub fn line(&self) -> String {
        let mut out = if self.agree == self.compared {
            format!(
                "Total points: {}/{} agree with Forms",
                self.agree, self.compared
            )
        } else {
            format!(
                "Total points: {} of {} differ from Forms",
                self.compared - self.agree,
                self.compared
            )
        };
        out.push_str(&format!(
            " (the rubric's points on the {} question(s) both graded)",
            self.questions
        ));
        if let Some(d) = self.differences.first() {
            out.push_str(&format!(
                " (e.g. {} line {}: Forms {}, with the rubric {})",
                d.file, d.line, d.forms, d.rubric
            ));
        }
        out
    }
}

/// Every grade compared with Forms' points.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Reconciliation {
    pub questions: Vec<QuestionAgreement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<TotalAgreement>,
}

impl Reconciliation {
    pub fn is_empty(&self) -> bool {
        self.questions.is_empty() && self.total.is_none()
    }

    /// Lines for a person: one per question Forms graded, then the total.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.questions.iter().map(QuestionAgreement::line).collect();
        if let Some(t) = &self.total {
            out.push(t.line());
        }
        out
    }

    /// Questions the rubric claims to grade as Forms did that disagree.
    pub fn failures(&self) -> impl Iterator<Item = &QuestionAgreement> {
        self.questions.iter().filter(|q| q.failed())
    }
}

/// Differences kept per question.
const MAX_DIFFERENCES: usize = 20;

struct Tally {
    compared: usize,
    agree: usize,
    differences: Vec<Difference>,
    /// Answers of the differences not yet explained (key, for the end).
    differing: BTreeMap<String, usize>,
    learnt: Learnt,
    /// The question has Forms points somewhere.
    seen: bool,
}

/// Per export: the points column of each rubric question, the points columns of questions the
/// rubric does not grade, and the total column.
struct Layout {
    file: String,
    points: Vec<Option<usize>>,
    columns: Vec<usize>,
    others: Vec<usize>,
    total: Option<usize>,
}

/// Compares grades with Forms' points as respondents are graded (a chunk at a time).
pub struct Reconciler {
    ids: Vec<String>,
    graded: Vec<bool>,
    multiple: Vec<bool>,
    claimed: Vec<bool>,
    notes: Vec<Option<String>>,
    layouts: Vec<Layout>,
    tallies: Vec<Tally>,
    total: Option<TotalAgreement>,
}

impl Reconciler {
    /// For `questions` read from `exports` through `maps` (per export, per question: column).
    pub fn new(questions: &[Question], exports: &[Export], maps: &[Vec<usize>]) -> Reconciler {
        let graded: Vec<bool> = questions
            .iter()
            .map(|q| !matches!(q.kind, Kind::Ungraded(_)))
            .collect();
        let layouts = exports
            .iter()
            .zip(maps)
            .map(|(e, map)| {
                let points: Vec<Option<usize>> =
                    map.iter().map(|&c| e.points_column_of(c)).collect();
                let others = e
                    .columns
                    .iter()
                    .filter_map(|c| match c.role {
                        Role::Points(of) => {
                            let graded_here =
                                map.iter().zip(&graded).any(|(&col, &g)| col == of && g);
                            (!graded_here).then_some(c.index)
                        }
                        _ => None,
                    })
                    .collect();
                Layout {
                    // The file's name: its folder is the user's own.
                    file: std::path::Path::new(&e.file)
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_else(|| e.file.clone()),
                    points,
                    columns: map.clone(),
                    others,
                    total: e.column_of(Fixed::TotalPoints),
                }
            })
            .collect();
        Reconciler {
            ids: questions.iter().map(|q| q.id.clone()).collect(),
            multiple: questions
                .iter()
                .map(|q| matches!(q.kind, Kind::Checkbox(_)))
                .collect(),
            claimed: questions.iter().map(|q| q.matches_forms).collect(),
            notes: questions.iter().map(scheme_note).collect(),
            graded,
            layouts,
            tallies: questions
                .iter()
                .map(|_| Tally {
                    compared: 0,
                    agree: 0,
                    differences: Vec::new(),
                    differing: BTreeMap::new(),
                    learnt: Learnt::default(),
                    seen: false,
                })
                .collect(),
            total: None,
        }
    }

    /// One graded respondent: its row in export `source` and its rubric points per question
    /// (`None` where the rubric did not grade it).
    pub fn add(&mut self, source: usize, row: &Submission, rubric: &[Option<Points>]) {
        let Some(layout) = self.layouts.get(source) else {
            return;
        };
        let mut both = Points::ZERO;
        let mut questions = 0usize;
        let mut overflow = false;
        for (q, tally) in self.tallies.iter_mut().enumerate() {
            let Some(pc) = layout.points.get(q).copied().flatten() else {
                continue;
            };
            let Some(forms) = points_cell(row.cell(pc)) else {
                continue;
            };
            tally.seen = true;
            let answer = row.cell(layout.columns[q]);
            tally.learnt.add(row.line, answer, forms, self.multiple[q]);
            let Some(ours) = rubric.get(q).copied().flatten() else {
                tally.compared += 1;
                continue;
            };
            questions += 1;
            match both.checked_add(ours) {
                Some(b) => both = b,
                None => overflow = true,
            }
            tally.compared += 1;
            if ours == forms {
                tally.agree += 1;
            } else {
                let key = tally.learnt.key(answer, self.multiple[q]);
                match tally.differing.get_mut(&*key) {
                    Some(n) => *n += 1,
                    None => {
                        tally.differing.insert(key.to_string(), 1);
                    }
                }
                if tally.differences.len() < MAX_DIFFERENCES {
                    tally.differences.push(Difference {
                        file: layout.file.clone(),
                        line: row.line,
                        id: row.id.clone(),
                        answer: crate::text::excerpt(answer.trim(), 80),
                        forms,
                        rubric: ours,
                    });
                }
            }
        }
        let Some(forms_total) = layout.total.and_then(|c| points_cell(row.cell(c))) else {
            return;
        };
        if layout.points.iter().all(Option::is_none) && layout.others.is_empty() {
            // No points per question (Google Forms' `Score` only): the whole rubric total.
            for p in rubric.iter().flatten() {
                questions += 1;
                match both.checked_add(*p) {
                    Some(b) => both = b,
                    None => overflow = true,
                }
            }
        }
        if questions == 0 {
            return;
        }
        // Forms' total with the rubric's points in place of Forms' on the questions both
        // graded: Forms' own points still count on the others.
        let mut expected = both;
        for &c in &layout.others {
            if let Some(p) = points_cell(row.cell(c)) {
                match expected.checked_add(p) {
                    Some(e) => expected = e,
                    None => overflow = true,
                }
            }
        }
        let total = self.total.get_or_insert(TotalAgreement {
            compared: 0,
            agree: 0,
            questions: 0,
            differences: Vec::new(),
        });
        total.questions = total.questions.max(questions);
        total.compared += 1;
        if expected == forms_total && !overflow {
            total.agree += 1;
        } else if total.differences.len() < MAX_DIFFERENCES {
            total.differences.push(Difference {
                file: layout.file.clone(),
                line: row.line,
                id: row.id.clone(),
                answer: String::new(),
                forms: forms_total,
                rubric: expected,
            });
        }
    }

    pub fn finish(self) -> Reconciliation {
        let mut questions = Vec::new();
        for (q, tally) in self.tallies.into_iter().enumerate() {
            if !tally.seen {
                continue;
            }
            let inconsistent: Vec<String> = tally
                .learnt
                .inconsistent()
                .take(5)
                .map(AnswerPoints::describe)
                .collect();
            let forms_inconsistent = tally
                .differing
                .iter()
                .filter(|(key, _)| {
                    tally
                        .learnt
                        .answers
                        .get(*key)
                        .is_some_and(|a| a.points.len() > 1)
                })
                .map(|(_, n)| n)
                .sum();
            questions.push(QuestionAgreement {
                question: self.ids[q].clone(),
                compared: tally.compared,
                agree: if self.graded[q] {
                    tally.agree
                } else {
                    tally.compared
                },
                forms_inconsistent,
                claimed: self.claimed[q],
                ungraded: !self.graded[q],
                note: self.notes[q].clone(),
                differences: tally.differences,
                forms_gave_different_points: inconsistent,
            });
        }
        Reconciliation {
            questions,
            total: self.total,
        }
    }
}

/// Why a question may differ from Forms on purpose.
fn scheme_note(q: &Question) -> Option<String> {
    match &q.kind {
        Kind::Checkbox(c) if c.scheme != Scheme::AllOrNothing => Some(format!(
            "Forms scores multiple answers all-or-nothing, the rubric `{}`",
            c.scheme.name()
        )),
        Kind::Choice(c) if !c.wrong.is_zero() => Some(format!(
            "Forms gives a wrong choice 0, the rubric {} of the points",
            c.wrong.exact()
        )),
        Kind::Number(_) => Some("Forms compares the answer's text, the rubric its value".into()),
        Kind::Text(_) => Some("Forms matches exact answers, the rubric criteria".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_cells_as_forms_and_google_write_them() {
        assert_eq!(points_cell("2"), Some(Points::int(2)));
        assert_eq!(points_cell("43.78"), Points::parse("43.78"));
        assert_eq!(points_cell("12,5"), Points::parse("12.5"));
        assert_eq!(points_cell("13.5 / 15"), Points::parse("13.5"));
        assert_eq!(points_cell(""), None);
        assert_eq!(points_cell("n/a"), None);
    }

    #[test]
    fn a_checkbox_answer_is_its_set_of_options_whatever_the_click_order() {
        assert_eq!(
            answer_key("C)\u{a0}Conveyor belts;B) Loaders;", true),
            answer_key("B) Loaders;C) Conveyor belts;", true)
        );
    }

    #[test]
    fn answers_forms_scored_differently_are_told_apart() {
        let mut l = Learnt::default();
        l.add(2, "Eliminating", Points::ZERO, false);
        l.add(3, "Eliminating", Points::int(2), false);
        l.add(4, "Minimizing", Points::int(2), false);
        l.add(5, "Minimizing", Points::int(2), false);
        assert_eq!(l.max, Some(Points::int(2)));
        let odd: Vec<String> = l.inconsistent().map(AnswerPoints::describe).collect();
        assert_eq!(odd, vec!["`Eliminating` got 0 (line 2) and 2 (line 3)"]);
        let fine: Vec<(&str, Points)> = l
            .consistent()
            .map(|(a, p)| (a.answer.as_str(), p))
            .collect();
        assert_eq!(fine, vec![("Minimizing", Points::int(2))]);
    }
}
