//! Grading a whole class: every rubric question found in every export, the duplicate policy
//! applied, and each graded submission scored in parallel. The order of the results is the
//! export order, whatever the thread count.

use super::{Reason, Review, Score, Status, score};
use crate::answers::checkbox::Separator;
use crate::ingest::{self, ColumnMatchError, Export, Flavor, Submission};
use crate::points::Points;
use crate::rubric::Rubric;
use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

/// Which rubric question looked for which column, in which export — said first in every
/// mapping error.
#[derive(Debug)]
pub struct Lookup {
    pub file: String,
    pub rubric: String,
    pub line: usize,
    pub col: usize,
    pub id: String,
    pub column: String,
}

impl std::fmt::Display for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: question `{}` ({}:{}:{}) names column `{}`",
            self.file, self.id, self.rubric, self.line, self.col, self.column
        )
    }
}

/// A rubric question that cannot be found in an export.
#[derive(Debug, Error)]
pub enum MappingError {
    #[error(
        "{lookup}, which is not in the export; closest headers: {}",
        list(closest)
    )]
    NotFound {
        lookup: Lookup,
        closest: Vec<String>,
    },
    #[error(
        "{lookup}, which matches several headers: {}; give more of the title",
        list(candidates)
    )]
    Ambiguous {
        lookup: Lookup,
        candidates: Vec<String>,
    },
    #[error(
        "{file}: questions `{first}` and `{second}` both match the column `{header}`; give more of \
         each title"
    )]
    Shared {
        file: String,
        first: String,
        second: String,
        header: String,
    },
}

fn list(headers: &[String]) -> String {
    if headers.is_empty() {
        return "(the export has no question columns)".into();
    }
    headers
        .iter()
        .map(|h| format!("`{}`", crate::text::excerpt(h, 90)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who answered.
#[derive(Clone, Debug, Serialize)]
pub struct Respondent {
    pub id: String,
    pub email: String,
    pub name: String,
    /// Stable across runs and exports: the e-mail in lower case, or — anonymous — the export
    /// file's name and the Forms ID (`responses.xlsx#7`). TA decisions and `diff` use it.
    pub key: String,
}

/// The name of a file without its folders: a respondent key must not change when the TA moves
/// the export.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The stable key of a submission read from the export that `key_file` names (see
/// [`key_files`]).
pub fn respondent_key(s: &Submission, key_file: &str) -> String {
    match ingest::identity(s) {
        Some(email) => email,
        None => format!("{key_file}#{}", s.id),
    }
}

/// How each export is named in respondent keys: its file name, or — when two exports graded
/// together share a file name (two sittings both downloaded as `responses.csv`) — its path
/// as given, so that no two anonymous respondents share a key.
pub fn key_files(exports: &[Export]) -> Vec<String> {
    exports
        .iter()
        .map(|e| {
            let base = file_name(&e.file);
            let shared = exports
                .iter()
                .filter(|o| file_name(&o.file) == base)
                .count()
                > 1;
            if shared {
                e.file.clone()
            } else {
                base.to_string()
            }
        })
        .collect()
}

/// Keys still shared after that — one e-mail graded several times under `duplicates = "all"`
/// — get the export and Forms ID appended (`anna@x.org responses.xlsx#7`), so a decision can
/// always name exactly one respondent. Input: (key, key file, Forms ID) per graded respondent.
fn unique_keys(keys: Vec<(String, String, String)>) -> Vec<String> {
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (k, _, _) in &keys {
        *count.entry(k.as_str()).or_default() += 1;
    }
    let shared: Vec<bool> = keys
        .iter()
        .map(|(k, _, _)| count.get(k.as_str()).copied().unwrap_or(0) > 1)
        .collect();
    keys.into_iter()
        .zip(shared)
        .map(|((k, file, id), shared)| {
            if shared {
                format!("{k} {file}#{id}")
            } else {
                k
            }
        })
        .collect()
}

/// A short hash of an answer cell as exported (SHA-256, first 16 hex digits): a decision
/// remembers the answer it was made on.
pub fn answer_hash(answer: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(answer.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// One question's result for one respondent.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionResult {
    pub id: String,
    /// The respondent's answer cell, as exported.
    pub answer: String,
    /// Shared by every respondent who gave the same answer (scoring is a function of the
    /// question and the answer); a TA's decision makes the respondent's own copy.
    #[serde(flatten)]
    pub score: std::sync::Arc<Score>,
    /// The exact points when the 2-decimal `points` is rounded (`"1/3"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_exact: Option<String>,
}

/// Everything graded for one respondent.
#[derive(Clone, Debug, Serialize)]
pub struct RespondentResult {
    pub respondent: Respondent,
    /// Export file and line the graded submission comes from.
    pub file: String,
    pub line: usize,
    pub questions: Vec<QuestionResult>,
    /// Sum over graded questions.
    pub total: Points,
    /// Sum of the graded questions' maxima.
    pub max: Points,
    /// Problems of the row itself.
    pub problems: Vec<String>,
}

impl RespondentResult {
    /// Review items: per question, then the row's own problems.
    pub fn review_count(&self) -> usize {
        self.questions
            .iter()
            .map(|q| q.score.review.len())
            .sum::<usize>()
            + self.problems.len()
    }
}

/// A submission not graded because of the duplicate policy.
#[derive(Clone, Debug, Serialize)]
pub struct SupersededRow {
    pub respondent: Respondent,
    pub file: String,
    pub line: usize,
    pub completed: String,
    pub reason: String,
}

/// A row-level problem, for the summary.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub id: String,
    pub problem: String,
}

/// How one export file was read.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    pub file: String,
    pub format: String,
    pub rows: usize,
    pub notes: Vec<String>,
}

/// A rubric question as graded in this run.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionInfo {
    pub id: String,
    pub kind: String,
    pub max: Points,
    pub graded: bool,
    /// The question as the form asks it (the rubric's `column`), for reports.
    #[serde(skip)]
    pub text: String,
    /// The right answer(s) as a student reads them: the key options of a choice or checkbox
    /// question, a number question's key; empty for other kinds.
    #[serde(skip)]
    pub key: Vec<String>,
}

impl QuestionInfo {
    pub fn of(q: &crate::rubric::Question) -> QuestionInfo {
        use crate::rubric::Kind;
        let key = match &q.kind {
            Kind::Choice(c) => c
                .key
                .iter()
                .filter_map(|&i| c.options.texts.get(i).cloned())
                .collect(),
            Kind::Checkbox(c) => c
                .options
                .texts
                .iter()
                .zip(&c.correct)
                .filter(|(_, right)| **right)
                .map(|(t, _)| t.clone())
                .collect(),
            Kind::Number(n) => vec![n.key.display()],
            _ => Vec::new(),
        };
        QuestionInfo {
            id: q.id.clone(),
            kind: q.kind_name().to_string(),
            max: q.points,
            graded: q.is_graded(),
            text: q.column.clone(),
            key,
        }
    }
}

/// The whole result of `grade`.
#[derive(Clone, Debug, Serialize)]
pub struct GradeRun {
    pub exam: String,
    pub rubric: String,
    pub duplicates: crate::ingest::DuplicatePolicy,
    pub sources: Vec<Source>,
    pub questions: Vec<QuestionInfo>,
    /// Sum of the graded questions' points.
    pub max: Points,
    pub respondents: Vec<RespondentResult>,
    pub superseded: Vec<SupersededRow>,
    pub problems: Vec<Problem>,
    /// Identical and near-identical free-text answers (review each once; long shared ones are
    /// possible collusion, a hint only).
    pub answer_groups: Vec<super::groups::AnswerGroup>,
    /// The rubric's grade bands, highest first.
    pub bands: Vec<crate::rubric::Band>,
    /// What the run could not do in full (printed on stderr too).
    pub notes: Vec<String>,
    /// The TA decisions read for this run and what became of each.
    pub decisions: Vec<super::decisions::DecisionRecord>,
    /// Every grade compared with the points Forms gave (questions Forms auto-graded, and
    /// `Total points`); absent when the export has none.
    #[serde(skip_serializing_if = "super::forms::Reconciliation::is_empty")]
    pub forms: super::forms::Reconciliation,
    /// The reports' language and whether they show the key (`[exam] language`, `show_key`).
    #[serde(skip)]
    pub language: crate::report::i18n::Lang,
    #[serde(skip)]
    pub show_key: bool,
    /// The report-file slugs of IDs that more than one graded respondent has (or that are
    /// empty): those reports' names carry the respondent's position too.
    #[serde(skip)]
    pub shared_ids: std::collections::HashSet<String>,
}

fn respondent(s: &Submission, key: String) -> Respondent {
    Respondent {
        id: s.id.clone(),
        email: s.email.clone(),
        name: s.name.clone(),
        key,
    }
}

/// Which column of `export` each rubric question reads.
pub fn map_columns(rubric: &Rubric, export: &Export) -> Result<Vec<usize>, Box<MappingError>> {
    let mut found: Vec<usize> = Vec::with_capacity(rubric.questions.len());
    for q in &rubric.questions {
        let index = ingest::find_question(&export.columns, &q.column).map_err(|e| {
            let lookup = Lookup {
                file: export.file.clone(),
                rubric: rubric.file.clone(),
                line: q.position.line,
                col: q.position.column,
                id: q.id.clone(),
                column: crate::text::excerpt(&q.column, 90),
            };
            Box::new(match e {
                ColumnMatchError::NotFound { closest } => {
                    MappingError::NotFound { lookup, closest }
                }
                ColumnMatchError::Ambiguous { candidates } => {
                    MappingError::Ambiguous { lookup, candidates }
                }
            })
        })?;
        if let Some(other) = found.iter().position(|&i| i == index) {
            return Err(Box::new(MappingError::Shared {
                file: export.file.clone(),
                first: rubric.questions[other].id.clone(),
                second: q.id.clone(),
                header: crate::text::excerpt(&export.columns[index].header, 90),
            }));
        }
        found.push(index);
    }
    Ok(found)
}

/// Grade every export against the rubric on `jobs` threads. `tick` is called once per graded
/// submission (for a progress bar).
pub fn grade(
    rubric: &Rubric,
    exports: &[Export],
    jobs: usize,
    tick: &(dyn Fn() + Sync),
) -> Result<GradeRun, Box<MappingError>> {
    grade_with(rubric, exports, jobs, tick, &score)
}

/// [`grade`] with the function that scores one answer given (tests give one that fails).
pub fn grade_with(
    rubric: &Rubric,
    exports: &[Export],
    jobs: usize,
    tick: &(dyn Fn() + Sync),
    scorer: &(dyn Fn(&crate::rubric::Question, &str, Separator) -> Score + Sync),
) -> Result<GradeRun, Box<MappingError>> {
    let grading = Grading::new(rubric, exports)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .ok();
    let mut run = grading.head.clone();
    run.respondents = grading.grade(0..grading.len(), scorer, tick, pool.as_ref());
    let mut forms = grading.reconciler();
    grading.reconcile_held(&mut forms, 0, &run.respondents);
    run.forms = forms.finish();
    Ok(run)
}

/// A class prepared for grading: columns mapped, duplicates resolved, respondent keys made,
/// answer groups found, everything but the scores known (`head`, a [`GradeRun`] without
/// respondents). Respondents are then graded a range at a time ([`Grading::grade`]) so that a
/// caller can write each range out and let it go: the scores of a large class are never all
/// held at once.
pub struct Grading<'a> {
    /// The rubric's questions, each ready for this class (free text: with the class's
    /// context, see [`super::class`]).
    questions: Vec<crate::rubric::Question>,
    /// (question, respondent) → why a human should compare the answer with near-identical
    /// ones that got other points.
    group_review: std::collections::HashMap<(usize, usize), String>,
    exports: &'a [Export],
    maps: Vec<Vec<usize>>,
    /// Every submission of every export, in order, with the index of its export.
    submissions: Vec<(usize, &'a Submission)>,
    /// Indices into `submissions` of the graded ones, in export order.
    graded: Vec<usize>,
    /// The stable key of each graded submission.
    keys: Vec<String>,
    /// Per question, the scores of answers given more than once.
    memo: Vec<Memo>,
    pub head: GradeRun,
}

/// How the export's service joins ticked options.
fn separator(flavor: Flavor) -> Separator {
    match flavor {
        Flavor::MicrosoftForms => Separator::Semicolon,
        Flavor::GoogleForms => Separator::CommaSpace,
    }
}

/// Scores of one question's repeated answers. Scoring is a function of (question, answer,
/// separator), so an answer many respondents gave — a ticked set of options, a number, the
/// untouched template, a short phrase — is scored once and its [`Score`] shared. Only answers
/// seen before are kept (a hash of each answer is remembered), so a class of distinct answers
/// costs a hash each and holds no scores; both tables are bounded. Results never depend on
/// what is cached or on which thread scored first.
#[derive(Default)]
struct Memo {
    table: std::sync::Mutex<MemoTable>,
}

/// The compact JSON of a shared question result, encoded by the first who needs it.
type JsonCell = std::sync::Arc<std::sync::OnceLock<Box<[u8]>>>;

/// A shared question result's section of the student reports (Markdown, HTML), rendered by the
/// first who needs it.
pub type SectionCell = std::sync::Arc<std::sync::OnceLock<(String, String)>>;

/// A kept score with what is rendered from it once.
struct KeptScore {
    score: std::sync::Arc<Score>,
    json: JsonCell,
    section: SectionCell,
}

/// Shared scores by answer.
type Kept = std::collections::HashMap<Box<str>, KeptScore>;

#[derive(Default)]
struct MemoTable {
    /// Hashes of the answers scored so far (up to [`MEMO_SEEN`]).
    seen: std::collections::HashSet<u64>,
    /// Scores of answers seen at least twice, by separator (Forms', Google's) and answer, each
    /// with its question's result as grades.json writes it, once encoded.
    scores: [Kept; 2],
    /// Bytes of the answers in `scores`.
    bytes: usize,
}

/// Most answer hashes remembered per question (8 bytes and a little each).
const MEMO_SEEN: usize = 1 << 18;
/// Most scores kept per question, and most bytes of the answers they are kept for.
const MEMO_SCORES: usize = 1 << 12;
const MEMO_BYTES: usize = 16 << 20;

impl Memo {
    fn score(
        &self,
        answer: &str,
        sep: Separator,
        score: impl FnOnce() -> Score,
    ) -> std::sync::Arc<Score> {
        use std::hash::BuildHasher;
        let key = (sep, answer);
        let repeat = {
            let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(k) = t.scores[sep as usize].get(answer) {
                return k.score.clone();
            }
            let h = t.seen.hasher().hash_one(key);
            if t.seen.contains(&h) {
                true
            } else {
                if t.seen.len() < MEMO_SEEN {
                    t.seen.insert(h);
                }
                false
            }
        };
        let scored = std::sync::Arc::new(score());
        if repeat {
            let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
            if t.scores[sep as usize].len() < MEMO_SCORES
                && t.bytes.saturating_add(answer.len()) <= MEMO_BYTES
            {
                t.bytes += answer.len();
                t.scores[sep as usize].insert(
                    answer.into(),
                    KeptScore {
                        score: std::sync::Arc::clone(&scored),
                        json: JsonCell::default(),
                        section: SectionCell::default(),
                    },
                );
            }
        }
        scored
    }
}

impl Memo {
    /// What `pick` takes from the kept entry of `answer` when `score` is the one kept for it
    /// (the table holds it, so its address is never reused while the table lives): the cells
    /// of what is rendered from it once.
    fn kept<T>(
        &self,
        answer: &str,
        sep: Separator,
        score: &std::sync::Arc<Score>,
        pick: impl FnOnce(&KeptScore) -> T,
    ) -> Option<T> {
        let t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let k = t.scores[sep as usize].get(answer)?;
        std::sync::Arc::ptr_eq(&k.score, score).then(|| pick(k))
    }
}

impl<'a> Grading<'a> {
    pub fn new(rubric: &'a Rubric, exports: &'a [Export]) -> Result<Self, Box<MappingError>> {
        let maps: Vec<Vec<usize>> = exports
            .iter()
            .map(|e| map_columns(rubric, e))
            .collect::<Result<_, _>>()?;
        let submissions: Vec<(usize, &Submission)> = exports
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.submissions.iter().map(move |s| (i, s)))
            .collect();
        let plain: Vec<&Submission> = submissions.iter().map(|(_, s)| *s).collect();
        let resolution = ingest::resolve(&plain, rubric.exam.duplicates);
        let key_files = key_files(exports);
        let keys = unique_keys(
            resolution
                .graded
                .iter()
                .map(|&i| {
                    let (e, s) = submissions[i];
                    (
                        respondent_key(s, &key_files[e]),
                        key_files[e].clone(),
                        s.id.clone(),
                    )
                })
                .collect(),
        );
        let max = rubric
            .questions
            .iter()
            .filter(|q| q.is_graded())
            .fold(Points::ZERO, |acc, q| {
                acc.checked_add(q.points).unwrap_or(acc)
            });
        let superseded = resolution
            .superseded
            .iter()
            .map(|sup| {
                let (e, s) = submissions[sup.index];
                SupersededRow {
                    respondent: respondent(s, respondent_key(s, &key_files[e])),
                    file: exports[e].file.clone(),
                    line: s.line,
                    completed: s.completed_text.clone(),
                    reason: sup.reason.clone(),
                }
            })
            .collect();
        let problems = submissions
            .iter()
            .flat_map(|&(e, s)| {
                s.problems.iter().map(move |p| Problem {
                    file: exports[e].file.clone(),
                    line: s.line,
                    id: s.id.clone(),
                    problem: p.clone(),
                })
            })
            .collect();
        let mut answer_groups = Vec::new();
        let mut notes = Vec::new();
        // The text questions' groups are found in parallel (on the pool this is called in),
        // and kept in question order.
        let text_questions: Vec<usize> = (0..rubric.questions.len())
            .filter(|&qi| matches!(rubric.questions[qi].kind, crate::rubric::Kind::Text(_)))
            .collect();
        let mut questions: Vec<crate::rubric::Question> = rubric.questions.clone();
        let mut group_review = std::collections::HashMap::new();
        type Prepared = (
            usize,
            super::groups::Grouping,
            crate::rubric::Question,
            Vec<(usize, String)>,
        );
        let groupings: Vec<Prepared> = text_questions
            .par_iter()
            .map(|&qi| {
                let answers: Vec<(&str, &str)> = resolution
                    .graded
                    .iter()
                    .map(|&i| {
                        let (e, s) = submissions[i];
                        (s.id.as_str(), s.cell(maps[e][qi]))
                    })
                    .collect();
                let q = &rubric.questions[qi];
                let texts: Vec<&str> = answers.iter().map(|(_, a)| *a).collect();
                let prepared = super::class::prepare(q, &texts);
                let grouping = super::groups::groups(&q.id, &answers);
                let disagree = super::class::groups_disagree(&prepared, &grouping, &answers);
                (qi, grouping, prepared, disagree)
            })
            .collect();
        for (qi, grouping, prepared, disagree) in groupings {
            questions[qi] = prepared;
            for (n, why) in disagree {
                group_review.insert((qi, n), why);
            }
            let q = &rubric.questions[qi];
            if grouping.skipped_checks > 0 {
                notes.push(format!(
                    "{}: answer groups are incomplete: {} similarity check(s) inside very large \
                     groups of alike answers were skipped",
                    q.id, grouping.skipped_checks
                ));
            }
            answer_groups.extend(grouping.groups);
        }
        let head = GradeRun {
            bands: rubric.exam.bands.clone(),
            decisions: Vec::new(),
            forms: Default::default(),
            notes,
            answer_groups,
            exam: rubric.exam.title.clone(),
            language: rubric.exam.language,
            show_key: rubric.exam.show_key,
            shared_ids: {
                let mut seen = std::collections::HashSet::new();
                let mut shared = std::collections::HashSet::new();
                for &i in &resolution.graded {
                    let id = crate::report::students::id_slug(&submissions[i].1.id);
                    if id.is_empty() || !seen.insert(id.clone()) {
                        shared.insert(id);
                    }
                }
                shared
            },
            rubric: rubric.file.clone(),
            duplicates: rubric.exam.duplicates,
            sources: exports
                .iter()
                .map(|e| Source {
                    file: e.file.clone(),
                    format: e.format.to_string(),
                    rows: e.submissions.len(),
                    notes: e.notes.clone(),
                })
                .collect(),
            questions: rubric.questions.iter().map(QuestionInfo::of).collect(),
            max,
            respondents: Vec::new(),
            superseded,
            problems,
        };
        Ok(Grading {
            questions,
            group_review,
            exports,
            maps,
            submissions,
            graded: resolution.graded,
            keys,
            memo: rubric.questions.iter().map(|_| Memo::default()).collect(),
            head,
        })
    }

    /// Graded respondents in all.
    pub fn len(&self) -> usize {
        self.graded.len()
    }

    pub fn is_empty(&self) -> bool {
        self.graded.is_empty()
    }

    /// The graded respondent `n`'s stable key and its answer to question `qi` (for decisions,
    /// which are checked before any grading).
    pub fn key(&self, n: usize) -> &str {
        &self.keys[n]
    }

    /// Respondent `n`: export file, line, Forms ID, e-mail.
    pub fn who(&self, n: usize) -> (&str, usize, &str, &str) {
        let (e, s) = self.submissions[self.graded[n]];
        (&self.exports[e].file, s.line, &s.id, &s.email)
    }

    pub fn answer(&self, n: usize, qi: usize) -> &str {
        let (e, s) = self.submissions[self.graded[n]];
        s.cell(self.maps[e][qi])
    }

    /// Append question `qi` of respondent `n`'s result to `out` as compact JSON (what
    /// `serde_json` writes for it). A result shared by every respondent who gave the same
    /// answer is encoded once for all of them; the respondent's own (a distinct answer, a TA's
    /// decision) is encoded here.
    pub fn write_question_json(
        &self,
        n: usize,
        qi: usize,
        q: &QuestionResult,
        out: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        let (e, _) = self.submissions[self.graded[n]];
        let cell = self.memo.get(qi).and_then(|m| {
            m.kept(
                &q.answer,
                separator(self.exports[e].flavor),
                &q.score,
                |k| k.json.clone(),
            )
        });
        match cell {
            Some(cell) => {
                if let Some(bytes) = cell.get() {
                    out.extend_from_slice(bytes);
                } else {
                    let bytes = serde_json::to_vec(q)?;
                    out.extend_from_slice(&bytes);
                    let _ = cell.set(bytes.into_boxed_slice());
                }
                Ok(())
            }
            None => serde_json::to_writer(out, q),
        }
    }

    /// The cell that holds graded respondent `n`'s report section for question `qi`, when
    /// its result is one many respondents share (rendered once, whoever asks first; the
    /// section is a function of the question and the shared result alone).
    pub fn question_section(&self, n: usize, qi: usize, q: &QuestionResult) -> Option<SectionCell> {
        let (e, _) = self.submissions[self.graded[n]];
        self.memo.get(qi).and_then(|m| {
            m.kept(
                &q.answer,
                separator(self.exports[e].flavor),
                &q.score,
                |k| k.section.clone(),
            )
        })
    }

    /// Index of graded respondent `n` among all submissions of all exports, in order (a
    /// caller streaming the exports again finds its rows by it).
    pub fn submission_index(&self, n: usize) -> usize {
        self.graded[n]
    }

    /// Grade respondent `n` from `s`, its submission (the one held, or the same row read
    /// again in full).
    fn grade_one(
        &self,
        n: usize,
        s: &Submission,
        scorer: &(dyn Fn(&crate::rubric::Question, &str, Separator) -> Score + Sync),
        tick: &(dyn Fn() + Sync),
    ) -> RespondentResult {
        let (e, _) = self.submissions[self.graded[n]];
        let export = &self.exports[e];
        let sep = separator(export.flavor);
        let questions: Vec<QuestionResult> = self
            .questions
            .iter()
            .zip(&self.maps[e])
            .zip(&self.memo)
            .enumerate()
            .map(|(qi, ((q, &col), memo))| {
                let cell = s.cell(col);
                let mut score =
                    memo.score(cell, sep, || super::score_isolated(scorer, q, cell, sep));
                if let Some(why) = self.group_review.get(&(qi, n)) {
                    let mut own = (*score).clone();
                    own.review.push(super::Review {
                        reason: super::Reason::GroupDisagrees,
                        detail: why.clone(),
                    });
                    score = std::sync::Arc::new(own);
                }
                QuestionResult {
                    answer: cell.to_string(),
                    id: q.id.clone(),
                    points_exact: (!score.points.displays_exactly()).then(|| score.points.exact()),
                    score,
                }
            })
            .collect();
        let total = questions
            .iter()
            .filter(|q| q.score.status != Status::Ungraded)
            .fold(Points::ZERO, |acc, q| {
                acc.checked_add(q.score.points).unwrap_or(acc)
            });
        tick();
        RespondentResult {
            respondent: respondent(s, self.keys[n].clone()),
            file: export.file.clone(),
            line: s.line,
            questions,
            total,
            max: self.head.max,
            problems: s.problems.clone(),
        }
    }

    /// Grade the graded respondents in `range`, on `pool` when there is one; in export order
    /// whatever the thread count. `tick` is called once per respondent.
    pub fn grade(
        &self,
        range: std::ops::Range<usize>,
        scorer: &(dyn Fn(&crate::rubric::Question, &str, Separator) -> Score + Sync),
        tick: &(dyn Fn() + Sync),
        pool: Option<&rayon::ThreadPool>,
    ) -> Vec<RespondentResult> {
        let one = |n: usize| self.grade_one(n, self.submissions[self.graded[n]].1, scorer, tick);
        match pool {
            Some(pool) => pool.install(|| range.into_par_iter().map(one).collect()),
            None => range.map(one).collect(),
        }
    }

    /// Grade respondents `start..start + rows.len()` from their rows read again in full (the
    /// class was prepared from a first pass that kept only some cells). A row that is not the
    /// one prepared — the file changed between the passes — is an error naming it.
    /// A reconciler of this class's grades with Forms' points.
    pub fn reconciler(&self) -> super::forms::Reconciler {
        super::forms::Reconciler::new(&self.questions, self.exports, &self.maps)
    }

    /// Compare graded respondents `start..` (`results`, rubric points before any TA decision)
    /// with the points Forms gave in `rows`, their submissions.
    pub fn reconcile(
        &self,
        forms: &mut super::forms::Reconciler,
        start: usize,
        rows: &[Submission],
        results: &[RespondentResult],
    ) {
        for (k, (row, r)) in rows.iter().zip(results).enumerate() {
            let Some(&i) = self.graded.get(start + k) else {
                continue;
            };
            let source = self.submissions[i].0;
            forms.add(source, row, &rubric_points(r));
        }
    }

    /// [`Grading::reconcile`] with the submissions held since the class was read.
    fn reconcile_held(
        &self,
        forms: &mut super::forms::Reconciler,
        start: usize,
        results: &[RespondentResult],
    ) {
        for (k, r) in results.iter().enumerate() {
            let Some(&i) = self.graded.get(start + k) else {
                continue;
            };
            let (source, row) = self.submissions[i];
            forms.add(source, row, &rubric_points(r));
        }
    }

    pub fn grade_rows(
        &self,
        start: usize,
        rows: &[Submission],
        scorer: &(dyn Fn(&crate::rubric::Question, &str, Separator) -> Score + Sync),
        tick: &(dyn Fn() + Sync),
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<Vec<RespondentResult>, String> {
        for (k, row) in rows.iter().enumerate() {
            let (e, held) = self
                .graded
                .get(start + k)
                .map(|&i| self.submissions[i])
                .ok_or_else(|| {
                    "the export has more rows than when it was first read".to_string()
                })?;
            if held.line != row.line
                || held.id != row.id
                || held.completed_text != row.completed_text
            {
                return Err(format!(
                    "{}: line {} changed while the export was being read (it was ID `{}`, it is \
                     now ID `{}`); grade again once the file is no longer being written",
                    self.exports[e].file,
                    row.line,
                    crate::text::excerpt(&held.id, 40),
                    crate::text::excerpt(&row.id, 40)
                ));
            }
        }
        let one = |k: usize| self.grade_one(start + k, &rows[k], scorer, tick);
        Ok(match pool {
            Some(pool) => pool.install(|| (0..rows.len()).into_par_iter().map(one).collect()),
            None => (0..rows.len()).map(one).collect(),
        })
    }
}

/// A respondent's rubric points per question, `None` where the rubric did not grade it.
fn rubric_points(r: &RespondentResult) -> Vec<Option<Points>> {
    r.questions
        .iter()
        .map(|q| match q.score.status {
            Status::Graded | Status::NotAnswered => Some(q.score.points),
            Status::Ungraded | Status::Error => None,
        })
        .collect()
}

/// Review items of a respondent as (question id or "" for the row, item).
pub fn review_items(r: &RespondentResult) -> Vec<(String, Review)> {
    let mut items: Vec<(String, Review)> = r
        .questions
        .iter()
        .flat_map(|q| q.score.review.iter().map(|i| (q.id.clone(), i.clone())))
        .collect();
    items.extend(r.problems.iter().map(|p| {
        (
            String::new(),
            Review {
                reason: Reason::RowProblem,
                detail: p.clone(),
            },
        )
    }));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPEATS: &str = "ID,Start time,Completion time,Email,Name,Pick the prime numbers,\"Machine epsilon of float16 near 1, to one significant digit\"\n\
        1,3/1/24 9:00:00,3/1/24 9:20:00,a@x.edu,,2;3;,0.001\n\
        2,3/1/24 9:00:00,3/1/24 9:21:00,b@x.edu,,2;3;,0.001\n\
        3,3/1/24 9:00:00,3/1/24 9:22:00,c@x.edu,,2;4;,0.001\n\
        4,3/1/24 9:00:00,3/1/24 9:23:00,d@x.edu,,2;3;,0.002\n\
        5,3/1/24 9:00:00,3/1/24 9:24:00,e@x.edu,,2;3;,0.001\n";

    fn safety_rubric() -> Rubric {
        crate::rubric::parse(
            "rubric.toml",
            include_str!("../../fixtures/safety/rubric.toml"),
        )
        .expect("rubric")
    }

    #[test]
    fn repeated_answers_are_scored_once_more_and_then_shared() {
        let rubric = safety_rubric();
        let export = ingest::read_export("repeats.csv", REPEATS.as_bytes()).expect("export");
        let calls = std::sync::Mutex::new(Vec::new());
        let counting = |q: &crate::rubric::Question, cell: &str, sep: Separator| {
            calls.lock().unwrap().push(format!("{}={cell}", q.id));
            score(q, cell, sep)
        };
        let run = grade_with(&rubric, std::slice::from_ref(&export), 1, &|| {}, &counting)
            .expect("graded");
        // `2;3;` is given four times: scored at its first and second sight, then shared.
        assert_eq!(
            calls.into_inner().unwrap(),
            [
                "pick=2;3;",
                "epsilon=0.001",
                "pick=2;3;",
                "epsilon=0.001",
                "pick=2;4;",
                "epsilon=0.002",
            ]
        );
        // Every result is what scoring that answer alone gives.
        for (r, s) in run.respondents.iter().zip(&export.submissions) {
            for (qr, (q, col)) in r.questions.iter().zip(rubric.questions.iter().zip([5, 6])) {
                assert_eq!(*qr.score, score(q, s.cell(col), Separator::Semicolon));
            }
        }
        assert!(std::sync::Arc::ptr_eq(
            &run.respondents[1].questions[0].score,
            &run.respondents[4].questions[0].score
        ));
    }

    #[test]
    fn rows_read_again_are_graded_as_held_and_a_changed_row_is_refused() {
        let rubric = safety_rubric();
        let export = ingest::read_export("repeats.csv", REPEATS.as_bytes()).expect("export");
        let exports = [export.clone()];
        let grading = Grading::new(&rubric, &exports).expect("prepared");
        let held = grading.grade(0..grading.len(), &score, &|| {}, None);
        let again = grading
            .grade_rows(1, &export.submissions[1..], &score, &|| {}, None)
            .expect("same rows");
        assert_eq!(again.len(), 4);
        for (a, b) in again.iter().zip(&held[1..]) {
            assert_eq!(a.respondent.key, b.respondent.key);
            assert_eq!(a.total, b.total);
        }
        let mut changed = export.submissions[2].clone();
        changed.id = "99".into();
        let err = grading
            .grade_rows(2, &[changed], &score, &|| {}, None)
            .unwrap_err();
        assert_eq!(
            err,
            "repeats.csv: line 4 changed while the export was being read (it was ID `3`, it is now \
             ID `99`); grade again once the file is no longer being written"
        );
        let err = grading
            .grade_rows(5, &export.submissions[..1], &score, &|| {}, None)
            .unwrap_err();
        assert_eq!(err, "the export has more rows than when it was first read");
    }

    #[test]
    fn a_decision_on_a_shared_score_changes_only_its_respondent() {
        let rubric = safety_rubric();
        let export = ingest::read_export("repeats.csv", REPEATS.as_bytes()).expect("export");
        let mut run = grade(&rubric, &[export], 2, &|| {}).expect("graded");
        let planned = super::super::decisions::Planned {
            respondent: 1,
            question: 0,
            line: 2,
            answer: String::new(),
            stale: false,
            points: Some(Points::int(1)),
            comment: "partial credit".into(),
        };
        super::super::decisions::apply(&mut run.respondents[1], &[&planned]);
        assert_eq!(run.respondents[1].questions[0].score.points, Points::int(1));
        assert_eq!(run.respondents[1].total, Points::int(2));
        for n in [0, 4] {
            assert_eq!(run.respondents[n].questions[0].score.points, Points::int(2));
            assert_eq!(run.respondents[n].questions[0].score.findings.len(), 3);
            assert_eq!(run.respondents[n].total, Points::int(3));
        }
    }

    #[test]
    fn an_answer_whose_scoring_fails_is_an_error_item_and_the_class_is_graded() {
        let rubric = crate::rubric::parse(
            "rubric.toml",
            include_str!("../../fixtures/safety/rubric.toml"),
        )
        .expect("rubric");
        let export = ingest::read_export(
            "sitting-a.csv",
            include_bytes!("../../fixtures/safety/sitting-a.csv"),
        )
        .expect("export");
        // A scorer with a bug that one answer triggers.
        let buggy = |q: &crate::rubric::Question, cell: &str, sep: Separator| {
            if cell == "2;4;" {
                panic!("index out of bounds: the len is 0 but the index is 0");
            }
            score(q, cell, sep)
        };
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let run = grade_with(&rubric, &[export], 2, &|| {}, &buggy);
        std::panic::set_hook(hook);
        let run = run.expect("graded");
        assert_eq!(run.respondents.len(), 2);
        let failed = &run.respondents[1].questions[0];
        assert_eq!(failed.score.status, Status::Error);
        assert_eq!(failed.score.points, Points::ZERO);
        assert_eq!(failed.score.review[0].reason, Reason::Error);
        assert_eq!(
            failed.score.review[0].detail,
            "pick: grading this answer failed unexpectedly (index out of bounds: the len is 0 but \
             the index is 0); it has no points until a TA decides — please report this answer to \
             examgrade's developers"
        );
        // Everything else is graded as usual.
        assert_eq!(run.respondents[1].questions[1].score.status, Status::Graded);
        assert_eq!(run.respondents[0].total, Points::int(3));
    }
}
