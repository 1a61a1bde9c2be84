//! Score: pure functions from (question, answer cell) to a [`Score`] — the points, the maximum,
//! every finding that explains them, and what a human should look at.

pub mod checkbox;
mod choice;
pub mod class;
pub mod decisions;
pub mod forms;
pub mod groups;
mod number;
pub mod run;
pub mod semantic;
pub mod summary;
pub mod text;

use crate::answers::Match;
use crate::answers::checkbox::Separator;
use crate::points::Points;
use crate::rubric::{Kind, Question, Scheme};
use serde::Serialize;

/// Whether and how a question was graded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Graded,
    /// Empty answer: 0 points, never negative, never reviewed.
    NotAnswered,
    /// The rubric keeps this question without grading it yet.
    Ungraded,
    /// Grading this answer failed unexpectedly: no points until a human decides (a review
    /// item says so), and the run ends with exit code 1.
    Error,
}

/// One fact that explains the points.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Finding {
    /// A ticked option and whether it is in the key.
    Ticked {
        option: String,
        correct: bool,
        matched: Match,
    },
    /// A correct option that was not ticked.
    Missed {
        option: String,
    },
    /// A ticked text that is no option (not counted; reviewed).
    UnknownSelection {
        text: String,
    },
    /// "N and only N are correct" and the respondent ticked another number.
    SelectCount {
        expected: usize,
        ticked: usize,
    },
    /// The scheme's arithmetic, with the numbers filled in.
    Scheme {
        scheme: Scheme,
        formula: String,
        fraction: String,
    },
    /// The option chosen in a single-choice question.
    Chose {
        option: String,
        correct: bool,
        matched: Match,
    },
    /// Several options in a single-choice cell.
    ChoseSeveral {
        options: Vec<String>,
    },
    /// A numeric answer against the key.
    Number {
        value: String,
        key: String,
        tolerance: String,
        within: bool,
    },
    /// The cell could not be read as the question's kind of answer.
    Unparsed {
        text: String,
        expected: String,
    },
    NotAnswered,
    /// Not graded: the rubric declares a kind this version cannot grade.
    Ungraded {
        declared: String,
    },
    /// One field of one row of a filled-in summary (or a totals line).
    Field {
        layer: String,
        field: String,
        expected: String,
        given: String,
        verdict: summary::Verdict,
        points: Points,
        /// What the field is worth (its weight in the rubric): reports add these up.
        #[serde(skip)]
        weight: Points,
        /// The student's own earlier value this one was checked against (error carried forward).
        #[serde(skip_serializing_if = "Option::is_none")]
        followed: Option<String>,
    },
    /// The student's answer against the reference, as a unified diff.
    Diff {
        text: String,
    },
    /// A free-text criterion (or penalty) and the words that met it.
    Criterion {
        criterion: String,
        penalty: bool,
        met: bool,
        /// Points this criterion added (negative for a penalty).
        points: Points,
        max: Points,
        matched: Vec<text::Evidence>,
        /// Why it was not met ("missing `a` or `b`"), or what changed it.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// The rubric's description of the criterion.
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// Met, it alone earns the question's points.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        sufficient: bool,
    },
    /// The second opinion: how close the answer's meaning is to the model answers and the
    /// class's best (cosine, 0–1). When it raised the points (a paraphrase the criteria
    /// missed), `raised_from` is what the criteria gave.
    SecondOpinion {
        similarity: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        raised_from: Option<Points>,
        /// The points the paraphrase earned (with `raised_from`).
        #[serde(skip_serializing_if = "Option::is_none")]
        raised_to: Option<Points>,
    },
    /// The answer seems written in another language than the rubric's (a note, not a fault).
    Language {
        detected: String,
        rubric: String,
    },
    /// A TA's decision (`grade --overrides`), replacing the machine's points.
    Override {
        points: Points,
        machine: Points,
        comment: String,
    },
}

impl Finding {
    /// One line a TA or student can read.
    pub fn message(&self) -> String {
        match self {
            Finding::Ticked {
                option,
                correct,
                matched,
            } => format!(
                "ticked `{option}`: {}{}",
                if *correct { "correct" } else { "wrong" },
                match matched {
                    Match::Exact => String::new(),
                    Match::Fuzzy { text, .. } => format!(" (matched from `{text}`)"),
                }
            ),
            Finding::Missed { option } => format!("missed `{option}`"),
            Finding::UnknownSelection { text } => {
                format!("ticked `{text}`, which is no option of the rubric: not counted")
            }
            Finding::SelectCount { expected, ticked } => {
                format!("ticked {ticked} option(s); exactly {expected} are correct")
            }
            Finding::Scheme {
                scheme, formula, ..
            } => format!("{}: {formula}", scheme.name()),
            Finding::Chose {
                option, correct, ..
            } => format!(
                "chose `{option}`: {}",
                if *correct { "correct" } else { "wrong" }
            ),
            Finding::ChoseSeveral { options } => {
                format!(
                    "chose several options in a single-choice question: {}",
                    options.join("; ")
                )
            }
            Finding::Number {
                value,
                key,
                tolerance,
                within,
            } => format!(
                "answered {value}; key {key} ± {tolerance}: {}",
                if *within {
                    "within tolerance"
                } else {
                    "outside tolerance"
                }
            ),
            Finding::Unparsed { text, expected } => {
                format!("could not read `{text}` as {expected}")
            }
            Finding::NotAnswered => "not answered".into(),
            Finding::Ungraded { declared } => {
                format!("`{declared}` question: not graded by this version")
            }
            Finding::Field {
                layer,
                field,
                expected,
                given,
                verdict,
                points,
                followed,
                ..
            } => {
                let verdict = match verdict {
                    summary::Verdict::Correct => "correct",
                    summary::Verdict::FollowThrough => "follow-through",
                    summary::Verdict::Wrong => "wrong",
                    summary::Verdict::Missing => "missing",
                    summary::Verdict::Unparsed => "unparsed",
                };
                let given = if given.is_empty() {
                    "nothing".to_string()
                } else {
                    format!("`{given}`")
                };
                let why = followed
                    .as_ref()
                    .map(|f| format!(" (right given {f})"))
                    .unwrap_or_default();
                format!(
                    "{layer} {field}: gave {given}, expected `{expected}`: {verdict}{why}, {points} pts"
                )
            }
            Finding::Diff { text } => text.clone(),
            Finding::Criterion {
                criterion,
                penalty,
                met,
                points,
                max,
                matched,
                note,
                description,
                sufficient,
            } => {
                let what = if *penalty { "penalty" } else { "criterion" };
                let about = description
                    .as_ref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                let words = matched
                    .iter()
                    .map(|e| {
                        let how = match e.rule {
                            text::Rule::Exact => "",
                            text::Rule::Stem => " (stem)",
                            text::Rule::Wildcard => " (wildcard)",
                            text::Rule::Typo => " (typo)",
                        };
                        let neg = if e.negated { " (negated)" } else { "" };
                        format!("\"{}\"{how}{neg}", e.text)
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let state = if *met && *sufficient {
                    format!("met by {words}: full points on its own")
                } else if *met {
                    format!("met by {words}: {points} of {max}")
                } else {
                    format!("not met: 0 of {max}")
                };
                let note = note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
                format!("{what} `{criterion}`{about}: {state}{note}")
            }
            Finding::SecondOpinion {
                similarity,
                raised_from: None,
                ..
            } => format!(
                "second opinion: similarity {similarity:.2} in meaning to the model answers and \
                 the class's best answers (points unchanged)"
            ),
            Finding::SecondOpinion {
                similarity,
                raised_from: Some(from),
                raised_to,
            } => format!(
                "second opinion: similarity {similarity:.2} in meaning to the model answers and \
                 the class's best answers: a paraphrase, raised from {from} to {} points",
                raised_to.unwrap_or(*from)
            ),
            Finding::Override {
                points,
                machine,
                comment,
            } => {
                let comment = if comment.is_empty() {
                    String::new()
                } else {
                    format!(": {comment}")
                };
                if points == machine {
                    format!("TA decision: {points} points confirmed{comment}")
                } else {
                    format!("TA decision: {points} points (the machine gave {machine}){comment}")
                }
            }
            Finding::Language { detected, rubric } => {
                format!("the answer seems to be in `{detected}`, the rubric in `{rubric}`")
            }
        }
    }
}

/// Why a human should look at an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// An option matched only approximately.
    FuzzyMatch,
    /// A selection that is no option.
    UnknownSelection,
    /// Several options in a single-choice cell.
    SeveralChoices,
    /// The answer could not be read.
    Unparsed,
    /// A number that reads two ways.
    AmbiguousNumber,
    /// The row itself had a problem (see the respondent's problems).
    RowProblem,
    /// Height and width given swapped, accepted by the rubric.
    SwappedSpatial,
    /// A summary row that matches no layer.
    ExtraRow,
    /// A free-text term matched inside a negated clause.
    NegatedMatch,
    /// A criterion met only through typo matches.
    TypoOnly,
    /// An answer shorter or longer than the rubric expects.
    Length,
    /// A long answer that matched no criterion.
    NothingMatched,
    /// Points within the review margin of a grade boundary.
    Boundary,
    /// The answer is longer than the grader reads; only its beginning was graded.
    Truncated,
    /// Grading this answer failed unexpectedly; it has no points until a human decides.
    Error,
    /// A free-text answer that is mostly rubric terms without sentence structure.
    KeywordList,
    /// The rubric's score and the second opinion (similarity to model answers) disagree.
    ScorersDisagree,
    /// Near-identical answers that got different points.
    GroupDisagrees,
    /// A free-text answer of a few words that earned little: graders often credit such
    /// answers in part, and a human reads them in seconds.
    ShortAnswer,
    /// Most of the answer's points come from paraphrase credit (similarity alone).
    ParaphraseCredit,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::FuzzyMatch => "fuzzy-match",
            Reason::UnknownSelection => "unknown-selection",
            Reason::SeveralChoices => "several-choices",
            Reason::Unparsed => "unparsed",
            Reason::AmbiguousNumber => "ambiguous-number",
            Reason::RowProblem => "row-problem",
            Reason::SwappedSpatial => "swapped-spatial",
            Reason::ExtraRow => "extra-row",
            Reason::NegatedMatch => "negated-match",
            Reason::TypoOnly => "typo-only",
            Reason::Length => "length",
            Reason::NothingMatched => "nothing-matched",
            Reason::Boundary => "boundary",
            Reason::Truncated => "truncated",
            Reason::Error => "error",
            Reason::KeywordList => "keyword-list",
            Reason::ScorersDisagree => "scorers-disagree",
            Reason::GroupDisagrees => "group-disagrees",
            Reason::ShortAnswer => "short-answer",
            Reason::ParaphraseCredit => "paraphrase-credit",
        }
    }
}

/// One item for the review queue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Review {
    pub reason: Reason,
    pub detail: String,
}

/// The result of grading one answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    pub points: Points,
    pub max: Points,
    pub status: Status,
    pub findings: Vec<Finding>,
    pub review: Vec<Review>,
}

/// JSON: `{points, max, status, findings, review}`; `points` is `null` for an ungraded
/// question — no points were decided, which is not zero.
impl Serialize for Score {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Score", 5)?;
        if self.status == Status::Ungraded {
            st.serialize_field("points", &None::<Points>)?;
        } else {
            st.serialize_field("points", &self.points)?;
        }
        st.serialize_field("max", &self.max)?;
        st.serialize_field("status", &self.status)?;
        st.serialize_field("findings", &self.findings)?;
        st.serialize_field("review", &self.review)?;
        st.end()
    }
}

impl Score {
    fn not_answered(max: Points) -> Score {
        Score {
            points: Points::ZERO,
            max,
            status: Status::NotAnswered,
            findings: vec![Finding::NotAnswered],
            review: Vec::new(),
        }
    }
}

/// Grade one answer cell. `sep` is how the export joins checkbox selections.
pub fn score(question: &Question, cell: &str, sep: Separator) -> Score {
    match &question.kind {
        Kind::Checkbox(c) => checkbox::score(c, question.points, cell, sep),
        Kind::Choice(c) => choice::score(c, question.points, cell),
        Kind::Number(n) => number::score(n, question.points, cell),
        Kind::Summary(s) => summary::score(s, question.points, cell),
        Kind::Text(t) => text::score(t, question.points, cell, &question.id),
        Kind::Ungraded(u) => Score {
            points: Points::ZERO,
            max: question.points,
            status: Status::Ungraded,
            findings: vec![Finding::Ungraded {
                declared: u.declared.to_string(),
            }],
            review: Vec::new(),
        },
    }
}

/// Grade one answer, isolated: should scoring it fail unexpectedly (a bug, never a student's
/// fault), the answer gets status `error`, no points and a review item naming the failure, and
/// the rest of the class is graded as usual. This is a second line of defence; the scorers
/// themselves are written and fuzzed not to fail.
pub fn score_isolated(
    scorer: &(dyn Fn(&Question, &str, Separator) -> Score + Sync),
    question: &Question,
    cell: &str,
    sep: Separator,
) -> Score {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scorer(question, cell, sep))) {
        Ok(score) => score,
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown failure".into());
            Score {
                points: Points::ZERO,
                max: question.points,
                status: Status::Error,
                findings: Vec::new(),
                review: vec![Review {
                    reason: Reason::Error,
                    detail: format!(
                        "{}: grading this answer failed unexpectedly ({}); it has no points until \
                         a TA decides — please report this answer to examgrade's developers",
                        question.id,
                        crate::text::excerpt(&why, 120)
                    ),
                }],
            }
        }
    }
}

/// `fraction × points`, exact; falls back to 0 only on an overflow no real rubric reaches.
fn times(fraction: Points, points: Points) -> Points {
    fraction.checked_mul(points).unwrap_or(Points::ZERO)
}
