//! TOML to [`Rubric`], with every error located in the source.

use super::criteria::{Criterion, Expr, Negation, Rules, TextKey, compile_term};
use super::error::{RubricError, RubricErrors, did_you_mean};
use super::model::*;
use crate::ingest::DuplicatePolicy;
use crate::points::Points;
use crate::text::normalize;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubric {
    exam: Spanned<RawExam>,
    /// Synonym lists usable in any free-text term as `@name`.
    #[serde(default)]
    synonyms: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    questions: Vec<Spanned<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExam {
    title: Spanned<String>,
    date: Option<String>,
    duplicates: Option<Spanned<String>>,
    /// The exam's Keras code, for keys proven by the engine (`verify`).
    model: Option<Spanned<String>>,
    #[serde(default)]
    bands: Vec<Spanned<RawBand>>,
    /// The reports' language: `en` or `it`.
    language: Option<Spanned<String>>,
    show_key: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    grade: String,
    min: Spanned<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    column: Spanned<String>,
    points: Spanned<toml::Value>,
    kind: Spanned<String>,
    scheme: Option<Spanned<String>>,
    select: Option<Spanned<i64>>,
    options: Option<Spanned<Vec<Spanned<String>>>>,
    key: Option<Spanned<toml::Value>>,
    weights: Option<Spanned<BTreeMap<String, toml::Value>>>,
    floor: Option<Spanned<toml::Value>>,
    wrong: Option<Spanned<toml::Value>>,
    tolerance: Option<Spanned<toml::Value>>,
    model: Option<Spanned<String>>,
    model_code: Option<Spanned<String>>,
    layout: Option<Spanned<String>>,
    follow_through: Option<Spanned<toml::Value>>,
    accept_swapped_spatial: Option<Spanned<bool>>,
    criteria: Option<Vec<Spanned<RawCriterion>>>,
    penalties: Option<Vec<Spanned<RawCriterion>>>,
    language: Option<Spanned<String>>,
    min_words: Option<Spanned<i64>>,
    max_words: Option<Spanned<i64>>,
    boundaries: Option<Spanned<Vec<toml::Value>>>,
    review_margin: Option<Spanned<toml::Value>>,
    examples: Option<Vec<Spanned<RawExample>>>,
    verify: Option<Spanned<toml::Table>>,
    /// The rubric grades this question as Forms did (`init` writes it where it reproduced
    /// Forms' points): `grade` and `check --against` fail when the two disagree.
    matches_forms: Option<bool>,
    ungraded: Option<bool>,
    /// Free text: model answers, for the second opinion.
    reference: Option<Spanned<Vec<String>>>,
    /// Free text: the most an answer that is only a list of keywords earns.
    keyword_list_points: Option<Spanned<toml::Value>>,
    /// Free text: the criteria add up to more than the points on purpose (the total is capped).
    capped: Option<Spanned<bool>>,
    /// Free text: an answer close in meaning to the model and best answers may earn more than
    /// its criteria gave (default true).
    paraphrase_credit: Option<Spanned<bool>>,
}

const KINDS: [&str; 5] = ["checkbox", "choice", "number", "text", "summary"];
const POLICIES: [(&str, DuplicatePolicy); 3] = [
    ("latest", DuplicatePolicy::Latest),
    ("first", DuplicatePolicy::First),
    ("all", DuplicatePolicy::All),
];

struct Ctx<'a> {
    file: &'a str,
    source: &'a str,
    errors: Vec<RubricError>,
    /// Reads a file named in the rubric (a summary question's `model`), relative to the rubric.
    load: &'a dyn Fn(&str) -> Result<String, String>,
}

impl Ctx<'_> {
    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.errors
            .push(RubricError::at(self.file, self.source, span, message));
    }

    /// A number of points: a TOML number or a string like `"1/6"`.
    fn points(&mut self, v: &Spanned<toml::Value>, what: &str) -> Option<Points> {
        let parsed = match v.get_ref() {
            toml::Value::Integer(i) => Some(Points::int(*i)),
            toml::Value::Float(f) => Points::from_f64(*f),
            toml::Value::String(s) => Points::parse(s),
            _ => None,
        };
        if parsed.is_none() {
            self.err(
                v.span(),
                format!("{what} must be a number or a fraction like \"1/6\""),
            );
        }
        parsed
    }
}

/// serde's "unknown field `colum`, expected one of `id`, `column`, …" gets a "did you mean".
fn with_suggestion(message: String) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message;
    };
    let Some((wrong, expected)) = rest.split_once('`') else {
        return message;
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match did_you_mean(wrong, known.iter().copied()) {
        Some(s) => format!("unknown field `{wrong}` (did you mean `{s}`?){expected}"),
        None => message,
    }
}

/// Parse and validate a rubric that names no other file. `file` names it in errors.
pub fn parse(file: &str, source: &str) -> Result<Rubric, RubricErrors> {
    parse_with(file, source, &|path| {
        Err(format!(
            "cannot read `{path}`: this rubric was given without a file system"
        ))
    })
}

/// Parse and validate a rubric; `load` reads the files it names (relative to the rubric).
pub fn parse_with(
    file: &str,
    source: &str,
    load: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Rubric, RubricErrors> {
    let mut cx = Ctx {
        file,
        source,
        errors: Vec::new(),
        load,
    };
    let raw: RawRubric = match toml::from_str(source) {
        Ok(r) => r,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().replace('\n', " ");
            cx.err(span, with_suggestion(message));
            return Err(RubricErrors(cx.errors));
        }
    };
    let exam = exam(&mut cx, raw.exam.get_ref());
    let model = raw
        .exam
        .get_ref()
        .model
        .as_ref()
        .and_then(|m| match (cx.load)(m.get_ref()) {
            Ok(code) => match crate::engine::analyze(&code, crate::engine::Keras::V2) {
                Ok(_) => Some(ExamModel {
                    path: m.get_ref().clone(),
                    code,
                }),
                Err(e) => {
                    cx.err(m.span(), format!("{}: {e}", m.get_ref()));
                    None
                }
            },
            Err(why) => {
                cx.err(m.span(), why);
                None
            }
        });
    if raw.questions.is_empty() {
        cx.err(
            raw.exam.span(),
            "the rubric has no [[questions]]: add one table per graded question",
        );
    }
    let mut questions = Vec::new();
    let mut ids: HashMap<String, Range<usize>> = HashMap::new();
    let mut columns: HashMap<String, String> = HashMap::new();
    for q in &raw.questions {
        let span = q.span();
        let q = q.get_ref();
        let id = q.id.get_ref().trim();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            cx.err(
                q.id.span(),
                "a question id is letters, digits, `-`, `_` and `.` only (it names output columns and files)",
            );
        }
        if let Some(first) = ids.get(id) {
            let line = RubricError::at(file, source, first.clone(), "").line;
            cx.err(
                q.id.span(),
                format!("question id `{id}` is used twice (first on line {line})"),
            );
        } else {
            ids.insert(id.to_string(), q.id.span());
        }
        let column_key = normalize(q.column.get_ref());
        if column_key.is_empty() {
            cx.err(
                q.column.span(),
                "`column` is empty: give the question's title as in the export",
            );
        } else if let Some(other) = columns.get(&column_key) {
            cx.err(
                q.column.span(),
                format!("question `{id}` names the same column as question `{other}`"),
            );
        } else {
            columns.insert(column_key, id.to_string());
        }
        let points = cx.points(&q.points, "`points`");
        if let Some(p) = points
            && (p.is_negative() || p.is_zero())
        {
            cx.err(q.points.span(), "`points` must be more than 0");
        }
        let Some(kind) = kind(&mut cx, q, id, &raw.synonyms) else {
            continue;
        };
        let pos = RubricError::at(file, source, span.clone(), "");
        let mut examples = Vec::new();
        for e in q.examples.iter().flatten() {
            let line = RubricError::at(file, source, e.span(), "").line;
            if let Some(p) = cx.points(&e.get_ref().points, "an example's `points`") {
                examples.push(Example {
                    answer: e.get_ref().answer.clone(),
                    points: p,
                    line,
                    met: e.get_ref().met.clone(),
                });
            }
        }
        let verify = q
            .verify
            .as_ref()
            .and_then(|v| verify(&mut cx, v, q.kind.get_ref()));
        questions.push(Question {
            verify,
            matches_forms: q.matches_forms.unwrap_or(false),
            id: id.to_string(),
            column: q.column.get_ref().clone(),
            points: points.unwrap_or(Points::ONE),
            examples,
            kind,
            position: Position {
                line: pos.line,
                column: pos.column,
            },
        });
    }
    if cx.errors.is_empty() {
        Ok(Rubric {
            file: file.to_string(),
            exam,
            questions,
        })
        .map(|mut r: Rubric| {
            r.exam.model = model;
            r
        })
    } else {
        cx.errors.sort_by_key(|e| (e.line, e.column));
        Err(RubricErrors(cx.errors))
    }
}

fn exam(cx: &mut Ctx, raw: &RawExam) -> Exam {
    if raw.title.get_ref().trim().is_empty() {
        cx.err(raw.title.span(), "the exam `title` is empty");
    }
    let duplicates = match &raw.duplicates {
        None => DuplicatePolicy::default(),
        Some(d) => match POLICIES.iter().find(|(n, _)| *n == d.get_ref()) {
            Some((_, p)) => *p,
            None => {
                let hint = did_you_mean(d.get_ref(), POLICIES.iter().map(|(n, _)| *n))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                cx.err(
                    d.span(),
                    format!(
                        "unknown duplicate policy `{}`{hint}; expected `latest`, `first` or `all`",
                        d.get_ref()
                    ),
                );
                DuplicatePolicy::default()
            }
        },
    };
    let mut bands: Vec<Band> = raw
        .bands
        .iter()
        .filter_map(|b| {
            let min = cx.points(&b.get_ref().min, "a band's `min`")?;
            Some(Band {
                grade: b.get_ref().grade.clone(),
                min,
            })
        })
        .collect();
    bands.sort_by_key(|b| std::cmp::Reverse(b.min));
    let language = match &raw.language {
        None => crate::report::i18n::Lang::En,
        Some(l) => match crate::report::i18n::Lang::parse(l.get_ref()) {
            Some(lang) => lang,
            None => {
                cx.err(
                    l.span(),
                    format!(
                        "unknown report language `{}`; expected one of: {}",
                        l.get_ref(),
                        crate::report::i18n::Lang::CODES.join(", ")
                    ),
                );
                crate::report::i18n::Lang::En
            }
        },
    };
    Exam {
        title: raw.title.get_ref().clone(),
        date: raw.date.clone(),
        duplicates,
        model: None,
        bands,
        language,
        show_key: raw.show_key.unwrap_or(true),
    }
}

/// Fields that only some kinds take; naming one on another kind is an error, not ignored.
fn reject_fields(cx: &mut Ctx, q: &RawQuestion, kind: &str, allowed: &[&str]) {
    let present: &[(&str, Option<Range<usize>>)] = &[
        ("scheme", q.scheme.as_ref().map(|v| v.span())),
        ("select", q.select.as_ref().map(|v| v.span())),
        ("options", q.options.as_ref().map(|v| v.span())),
        ("weights", q.weights.as_ref().map(|v| v.span())),
        ("floor", q.floor.as_ref().map(|v| v.span())),
        ("wrong", q.wrong.as_ref().map(|v| v.span())),
        ("tolerance", q.tolerance.as_ref().map(|v| v.span())),
        ("model", q.model.as_ref().map(|v| v.span())),
        ("model_code", q.model_code.as_ref().map(|v| v.span())),
        ("layout", q.layout.as_ref().map(|v| v.span())),
        (
            "follow_through",
            q.follow_through.as_ref().map(|v| v.span()),
        ),
        (
            "accept_swapped_spatial",
            q.accept_swapped_spatial.as_ref().map(|v| v.span()),
        ),
        (
            "penalties",
            q.penalties
                .as_ref()
                .and_then(|v| v.first())
                .map(|v| v.span()),
        ),
        ("language", q.language.as_ref().map(|v| v.span())),
        ("min_words", q.min_words.as_ref().map(|v| v.span())),
        ("boundaries", q.boundaries.as_ref().map(|v| v.span())),
        ("review_margin", q.review_margin.as_ref().map(|v| v.span())),
        ("max_words", q.max_words.as_ref().map(|v| v.span())),
        ("reference", q.reference.as_ref().map(|v| v.span())),
        (
            "keyword_list_points",
            q.keyword_list_points.as_ref().map(|v| v.span()),
        ),
        ("capped", q.capped.as_ref().map(|v| v.span())),
        (
            "paraphrase_credit",
            q.paraphrase_credit.as_ref().map(|v| v.span()),
        ),
        (
            "criteria",
            q.criteria
                .as_ref()
                .and_then(|v| v.first())
                .map(|v| v.span()),
        ),
    ];
    for (name, span) in present {
        if let Some(span) = span.clone()
            && !allowed.contains(name)
        {
            cx.err(
                span,
                format!("`{name}` does not apply to a `{kind}` question"),
            );
        }
    }
}

fn kind(
    cx: &mut Ctx,
    q: &RawQuestion,
    id: &str,
    synonyms: &BTreeMap<String, Vec<String>>,
) -> Option<Kind> {
    let name = q.kind.get_ref().as_str();
    let Some(declared) = KINDS.iter().find(|k| **k == name) else {
        let hint = did_you_mean(name, KINDS)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        cx.err(
            q.kind.span(),
            format!(
                "unknown kind `{name}`{hint}; expected one of {}",
                KINDS.map(|k| format!("`{k}`")).join(", ")
            ),
        );
        return None;
    };
    if q.ungraded == Some(true) {
        return Some(Kind::Ungraded(Ungraded { declared }));
    }
    match *declared {
        "checkbox" => checkbox(cx, q, id).map(Kind::Checkbox),
        "choice" => choice(cx, q, id).map(Kind::Choice),
        "number" => number(cx, q, id).map(Kind::Number),
        "summary" => summary(cx, q, id).map(|k| Kind::Summary(Box::new(k))),
        "text" => text_key(cx, q, id, synonyms).map(|k| Kind::Text(Box::new(k))),
        other => {
            cx.err(
                q.kind.span(),
                format!(
                    "question `{id}`: `{other}` questions cannot be graded by this version of \
                     examgrade; add `ungraded = true` to keep it in the rubric as an ungraded column"
                ),
            );
            None
        }
    }
}

/// The `options` list: present, non-empty, no option twice.
fn options(cx: &mut Ctx, q: &RawQuestion, id: &str) -> Option<Options> {
    let Some(raw) = &q.options else {
        cx.err(
            q.kind.span(),
            format!("question `{id}` needs `options`: every option the form shows, as typed there"),
        );
        return None;
    };
    if raw.get_ref().is_empty() {
        cx.err(raw.span(), "`options` is empty");
        return None;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut ok = true;
    for (i, o) in raw.get_ref().iter().enumerate() {
        let key = normalize(o.get_ref());
        if key.is_empty() {
            cx.err(o.span(), "an option text is empty");
            ok = false;
        } else if let Some(first) = seen.insert(key, i) {
            cx.err(
                o.span(),
                format!("option {} repeats option {}", i + 1, first + 1),
            );
            ok = false;
        }
    }
    ok.then(|| Options::new(raw.get_ref().iter().map(|o| o.get_ref().clone()).collect()))
}

/// Index of `text` among the options, or an error with the closest option.
fn option_index(
    cx: &mut Ctx,
    options: &Options,
    text: &str,
    span: Range<usize>,
    what: &str,
) -> Option<usize> {
    let key = normalize(text);
    if let Some(i) = options.keys.iter().position(|k| *k == key) {
        return Some(i);
    }
    let closest = options
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| (crate::text::similarity(k, &key), i))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(s, _)| *s >= 0.6)
        .map(|(_, i)| format!(" (did you mean `{}`?)", options.texts[i]))
        .unwrap_or_default();
    cx.err(
        span,
        format!("{what} `{text}` is not one of the question's options{closest}"),
    );
    None
}

fn checkbox(cx: &mut Ctx, q: &RawQuestion, id: &str) -> Option<Checkbox> {
    reject_fields(
        cx,
        q,
        "checkbox",
        &["scheme", "select", "options", "weights", "floor"],
    );
    let options = options(cx, q, id);
    let scheme = match &q.scheme {
        None => {
            cx.err(
                q.kind.span(),
                format!(
                    "question `{id}` needs a `scheme`: one of {}",
                    Scheme::ALL.map(|(n, _)| format!("`{n}`")).join(", ")
                ),
            );
            None
        }
        Some(s) => match Scheme::ALL.iter().find(|(n, _)| *n == s.get_ref()) {
            Some((_, scheme)) => Some(*scheme),
            None => {
                let hint = did_you_mean(s.get_ref(), Scheme::ALL.iter().map(|(n, _)| *n))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                cx.err(s.span(), format!("unknown scheme `{}`{hint}", s.get_ref()));
                None
            }
        },
    };
    let options = options?;
    let mut correct = vec![false; options.len()];
    match &q.key {
        None => cx.err(
            q.kind.span(),
            format!("question `{id}` has no `key`: list the correct options"),
        ),
        Some(key) => match key.get_ref() {
            toml::Value::Array(items) => {
                for item in items {
                    match item.as_str() {
                        Some(text) => {
                            if let Some(i) = option_index(cx, &options, text, key.span(), "key") {
                                if correct[i] {
                                    cx.err(key.span(), format!("key lists `{text}` twice"));
                                }
                                correct[i] = true;
                            }
                        }
                        None => cx.err(key.span(), "a checkbox `key` is a list of option texts"),
                    }
                }
                if items.is_empty() && scheme != Some(Scheme::Weights) {
                    cx.err(key.span(), "the key is empty: list the correct options");
                }
            }
            _ => cx.err(key.span(), "a checkbox `key` is a list of option texts"),
        },
    }
    let c = correct.iter().filter(|c| **c).count();
    let select = match &q.select {
        Some(s) => {
            let n = *s.get_ref();
            if n < 1 || n as usize != c {
                cx.err(
                    s.span(),
                    format!("`select = {n}` but the key has {c} correct option(s)"),
                );
            }
            usize::try_from(n).ok()
        }
        None => None,
    };
    let floor = match &q.floor {
        Some(f) => {
            let v = cx.points(f, "`floor`")?;
            if v > Points::ZERO || v < Points::int(-1) {
                cx.err(
                    f.span(),
                    "`floor` is a fraction of the points between -1 and 0 (e.g. -0.5)",
                );
            }
            v
        }
        None => Points::ZERO,
    };
    let mut weights = vec![Points::ZERO; options.len()];
    match (&q.weights, scheme) {
        (Some(w), Some(Scheme::Weights)) => {
            let mut positive = Points::ZERO;
            for (text, value) in w.get_ref() {
                let value = Spanned::new(w.span(), value.clone());
                let Some(i) = option_index(cx, &options, text, w.span(), "weight for option")
                else {
                    continue;
                };
                let Some(v) = cx.points(&value, "a weight") else {
                    continue;
                };
                if v < Points::int(-1) || v > Points::ONE {
                    cx.err(w.span(), format!("the weight of `{text}` is outside -1..1"));
                }
                weights[i] = v;
                if v > Points::ZERO {
                    positive = positive.checked_add(v).unwrap_or(positive);
                }
            }
            // Moodle: "The positive grades you have chosen do not add up to 100%".
            if positive != Points::ONE {
                cx.err(
                    w.span(),
                    format!(
                        "the positive weights add up to {} but must add up to 1",
                        positive.exact()
                    ),
                );
            }
        }
        (None, Some(Scheme::Weights)) => cx.err(
            q.kind.span(),
            format!("question `{id}` uses scheme `weights` but has no `weights` table"),
        ),
        (Some(w), Some(_)) => cx.err(w.span(), "`weights` only apply to scheme `weights`"),
        _ => {}
    }
    Some(Checkbox {
        options,
        correct,
        scheme: scheme?,
        select,
        floor,
        weights,
    })
}

fn choice(cx: &mut Ctx, q: &RawQuestion, id: &str) -> Option<Choice> {
    reject_fields(cx, q, "choice", &["options", "wrong"]);
    let options = options(cx, q, id)?;
    let what = "a choice `key` is the text of the right option (or a list of the texts of one \
                option edited while the quiz was open)";
    let key: Option<Vec<usize>> = match &q.key {
        Some(k) => match k.get_ref() {
            toml::Value::String(text) => {
                option_index(cx, &options, text, k.span(), "key").map(|i| vec![i])
            }
            toml::Value::Array(items) if !items.is_empty() => {
                let mut keys = Vec::new();
                let mut ok = true;
                for item in items {
                    match item.as_str() {
                        Some(text) => match option_index(cx, &options, text, k.span(), "key") {
                            Some(i) if keys.contains(&i) => {
                                cx.err(k.span(), format!("key lists `{text}` twice"));
                                ok = false;
                            }
                            Some(i) => keys.push(i),
                            None => ok = false,
                        },
                        None => {
                            cx.err(k.span(), what);
                            ok = false;
                        }
                    }
                }
                ok.then_some(keys)
            }
            _ => {
                cx.err(k.span(), what);
                None
            }
        },
        None => {
            cx.err(
                q.kind.span(),
                format!("question `{id}` has no `key`: the text of the right option"),
            );
            None
        }
    };
    let wrong = match &q.wrong {
        Some(w) => {
            let v = cx.points(w, "`wrong`")?;
            if v > Points::ZERO || v < Points::int(-1) {
                cx.err(
                    w.span(),
                    "`wrong` is the fraction a wrong answer scores, between -1 and 0",
                );
            }
            v
        }
        None => Points::ZERO,
    };
    Some(Choice {
        options,
        key: key?,
        wrong,
    })
}

fn number(cx: &mut Ctx, q: &RawQuestion, id: &str) -> Option<NumberKey> {
    reject_fields(cx, q, "number", &["tolerance"]);
    let key = match &q.key {
        Some(k) => cx.points(k, "a number `key`")?,
        None => {
            cx.err(
                q.kind.span(),
                format!("question `{id}` has no `key`: the right value"),
            );
            return None;
        }
    };
    let tolerance = match &q.tolerance {
        None => Tolerance::Absolute(Points::ZERO),
        Some(t) => match t.get_ref() {
            toml::Value::String(s) if s.trim().ends_with('%') => {
                let v = Points::parse(s.trim().trim_end_matches('%'))
                    .and_then(|v| v.checked_div(Points::int(100)));
                match v {
                    Some(v) if !v.is_negative() => Tolerance::Relative(v),
                    _ => {
                        cx.err(
                            t.span(),
                            "`tolerance` must be a number or a percentage like \"1%\"",
                        );
                        return None;
                    }
                }
            }
            _ => {
                let v = cx.points(t, "`tolerance`")?;
                if v.is_negative() {
                    cx.err(t.span(), "`tolerance` cannot be negative");
                }
                Tolerance::Absolute(v)
            }
        },
    };
    Some(NumberKey { key, tolerance })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    points: Spanned<toml::Value>,
    any: Option<Spanned<Vec<toml::Value>>>,
    all: Option<Spanned<Vec<toml::Value>>>,
    contradicts: Option<Spanned<Vec<String>>>,
    negation: Option<Spanned<String>>,
    stem: Option<Spanned<toml::Value>>,
    typo: Option<bool>,
    wildcard: Option<bool>,
    /// What the criterion is about, for the TA and the student's report (not used in matching).
    description: Option<String>,
    /// Met, this criterion alone earns the question's full points.
    sufficient: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    answer: String,
    points: Spanned<toml::Value>,
    /// For a free-text question: the criteria the answer must meet, exactly.
    met: Option<Vec<String>>,
}

/// `any = [...]` / `all = [...]` items: terms, or nested `{ any = [...] }` / `{ all = [...] }`.
fn expression(
    items: &[toml::Value],
    any: bool,
    synonyms: &BTreeMap<String, Vec<String>>,
) -> Result<Expr, String> {
    let mut children = Vec::new();
    for item in items {
        children.push(match item {
            toml::Value::String(s) => Expr::Term(compile_term(s, synonyms)?),
            toml::Value::Table(t) if t.len() == 1 => {
                let (k, v) = t.iter().next().expect("one entry");
                let list = v
                    .as_array()
                    .ok_or_else(|| format!("`{k}` takes a list of terms"))?;
                match k.as_str() {
                    "any" => expression(list, true, synonyms)?,
                    "all" => expression(list, false, synonyms)?,
                    other => {
                        return Err(format!(
                            "unknown key `{other}` in a nested expression; use `any` or `all`"
                        ));
                    }
                }
            }
            _ => return Err("a term is a string, or `{ any = [...] }` / `{ all = [...] }`".into()),
        });
    }
    if children.is_empty() {
        return Err("the list of terms is empty".into());
    }
    Ok(if any {
        Expr::Any(children)
    } else {
        Expr::All(children)
    })
}

fn criterion(
    cx: &mut Ctx,
    raw: &RawCriterion,
    synonyms: &BTreeMap<String, Vec<String>>,
) -> Option<Criterion> {
    let points = cx.points(&raw.points, "criterion `points`")?;
    if points.is_negative() || points.is_zero() {
        cx.err(raw.points.span(), "criterion `points` must be more than 0");
    }
    let mut parts = Vec::new();
    for (list, any) in [(&raw.any, true), (&raw.all, false)] {
        if let Some(l) = list {
            match expression(l.get_ref(), any, synonyms) {
                Ok(e) => parts.push(e),
                Err(why) => cx.err(l.span(), why),
            }
        }
    }
    let mut contradicts = Vec::new();
    if let Some(list) = &raw.contradicts {
        for t in list.get_ref() {
            match compile_term(t, synonyms) {
                Ok(term) => contradicts.push(term),
                Err(why) => cx.err(list.span(), why),
            }
        }
    }
    let negation = match &raw.negation {
        None => Negation::Review,
        Some(n) => match n.get_ref().as_str() {
            "review" => Negation::Review,
            "reject" => Negation::Reject,
            "ignore" => Negation::Ignore,
            other => {
                let hint = did_you_mean(other, ["review", "reject", "ignore"])
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                cx.err(n.span(), format!("unknown negation policy `{other}`{hint}; expected `review`, `reject` or `ignore`"));
                Negation::Review
            }
        },
    };
    let (stem, derivation) = match raw.stem.as_ref().map(|s| (s.get_ref(), s.span())) {
        None => (true, false),
        Some((toml::Value::Boolean(b), _)) => (*b, false),
        Some((toml::Value::String(s), _)) if s == "inflection" => (true, false),
        Some((toml::Value::String(s), _)) if s == "derivation" => (true, true),
        Some((_, span)) => {
            cx.err(
                span,
                "`stem` is `true` (inflections: `gates` for `gate`), `\"derivation\"` (also words \
                 sharing a stem: `generated` for `generative`) or `false`",
            );
            (true, false)
        }
    };
    let expr = match parts.len() {
        0 => {
            if raw.any.is_none() && raw.all.is_none() {
                cx.err(
                    raw.id.span(),
                    format!(
                        "criterion `{}` needs `any = [...]` or `all = [...]`",
                        raw.id.get_ref()
                    ),
                );
            }
            return None;
        }
        1 => parts.pop().expect("one"),
        _ => Expr::All(parts),
    };
    Some(Criterion {
        id: raw.id.get_ref().clone(),
        points,
        expr,
        contradicts,
        negation,
        description: raw
            .description
            .as_ref()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
        sufficient: raw.sufficient.unwrap_or(false),
        rules: Rules {
            stem,
            derivation,
            typo: raw.typo.unwrap_or(true),
            wildcard: raw.wildcard.unwrap_or(true),
        },
    })
}

fn text_key(
    cx: &mut Ctx,
    q: &RawQuestion,
    id: &str,
    synonyms: &BTreeMap<String, Vec<String>>,
) -> Option<TextKey> {
    reject_fields(
        cx,
        q,
        "text",
        &[
            "penalties",
            "language",
            "min_words",
            "max_words",
            "boundaries",
            "review_margin",
            "criteria",
            "reference",
            "keyword_list_points",
            "capped",
            "paraphrase_credit",
        ],
    );
    let Some(raw_criteria) = &q.criteria else {
        cx.err(
            q.kind.span(),
            format!("question `{id}` has no [[questions.criteria]]: say what a good answer contains (or add `ungraded = true`)"),
        );
        return None;
    };
    let mut ids = std::collections::HashSet::new();
    let mut compile = |cx: &mut Ctx, list: &[Spanned<RawCriterion>]| -> Vec<Criterion> {
        list.iter()
            .filter_map(|c| {
                if !ids.insert(c.get_ref().id.get_ref().clone()) {
                    cx.err(
                        c.get_ref().id.span(),
                        format!("criterion id `{}` is used twice", c.get_ref().id.get_ref()),
                    );
                }
                criterion(cx, c.get_ref(), synonyms)
            })
            .collect()
    };
    let criteria = compile(cx, raw_criteria);
    let penalties = q
        .penalties
        .as_ref()
        .map(|p| compile(cx, p))
        .unwrap_or_default();
    let language = match &q.language {
        None => "en".to_string(),
        Some(l) if matches!(l.get_ref().as_str(), "en" | "it") => l.get_ref().clone(),
        Some(l) => {
            cx.err(l.span(), "`language` is `en` or `it`");
            "en".into()
        }
    };
    let count = |cx: &mut Ctx, v: &Option<Spanned<i64>>| -> Option<usize> {
        let v = v.as_ref()?;
        match usize::try_from(*v.get_ref()) {
            Ok(n) => Some(n),
            Err(_) => {
                cx.err(v.span(), "a word count cannot be negative");
                None
            }
        }
    };
    let min_words = count(cx, &q.min_words);
    let max_words = count(cx, &q.max_words);
    let mut boundaries = Vec::new();
    if let Some(b) = &q.boundaries {
        for v in b.get_ref() {
            if let Some(p) = cx.points(&Spanned::new(b.span(), v.clone()), "a boundary") {
                boundaries.push(p);
            }
        }
    }
    let review_margin = match &q.review_margin {
        Some(m) => cx.points(m, "`review_margin`").unwrap_or(Points::ZERO),
        None => Points::ZERO,
    };
    let keyword_list_points = q
        .keyword_list_points
        .as_ref()
        .and_then(|v| cx.points(v, "`keyword_list_points`"));
    let references: Vec<String> = q
        .reference
        .as_ref()
        .map(|r| {
            r.get_ref()
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Some(
        TextKey {
            references,
            keyword_list_points,
            capped: q.capped.as_ref().is_some_and(|c| *c.get_ref()),
            paraphrase_credit: q.paraphrase_credit.as_ref().is_none_or(|c| *c.get_ref()),
            criteria,
            penalties,
            language,
            min_words,
            max_words,
            boundaries,
            review_margin,
            patterns: Vec::new(),
            uid: crate::rubric::criteria::KeyId(0),
            class: Default::default(),
        }
        .seal(),
    )
}

/// What `verify = { ... }` may ask the engine.
const VERIFY_KEYS: [&str; 4] = ["receptive_field", "params", "output_shape", "total_params"];

fn verify(cx: &mut Ctx, v: &Spanned<toml::Table>, kind: &str) -> Option<Verify> {
    if !matches!(kind, "choice" | "number") {
        cx.err(
            v.span(),
            "`verify` applies to `choice` and `number` questions",
        );
        return None;
    }
    let table = v.get_ref();
    if table.len() != 1 {
        cx.err(
            v.span(),
            "`verify` names one thing to compute, e.g. `{ receptive_field = \"batchNorm\" }`",
        );
        return None;
    }
    let (key, value) = table.iter().next().expect("one entry");
    let layer = || value.as_str().map(str::to_string);
    let what = match (key.as_str(), layer()) {
        ("receptive_field", Some(l)) => Verified::ReceptiveField(l),
        ("params", Some(l)) => Verified::Params(l),
        ("output_shape", Some(l)) => Verified::OutputShape(l),
        ("total_params", None) if value.as_bool() == Some(true) => Verified::TotalParams,
        (k, _) if VERIFY_KEYS.contains(&k) => {
            cx.err(
                v.span(),
                format!("`verify.{k}` takes a layer name (`total_params` takes true)"),
            );
            return None;
        }
        (other, _) => {
            let hint = did_you_mean(other, VERIFY_KEYS)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            cx.err(
                v.span(),
                format!(
                    "unknown `verify.{other}`{hint}; expected one of {}",
                    VERIFY_KEYS.map(|k| format!("`{k}`")).join(", ")
                ),
            );
            return None;
        }
    };
    let at = RubricError::at(cx.file, cx.source, v.span(), "");
    Some(Verify {
        what,
        line: at.line,
        column: at.column,
    })
}

/// Weights of the fields of a summary question.
const SUMMARY_FIELDS: [&str; 6] = [
    "shape",
    "formula",
    "params",
    "total",
    "trainable",
    "non_trainable",
];

fn summary(cx: &mut Ctx, q: &RawQuestion, id: &str) -> Option<SummaryKey> {
    reject_fields(
        cx,
        q,
        "summary",
        &[
            "weights",
            "model",
            "model_code",
            "layout",
            "follow_through",
            "accept_swapped_spatial",
        ],
    );
    let keras = match &q.layout {
        None => crate::engine::Keras::V2,
        Some(l) => match l.get_ref().as_str() {
            "keras2" => crate::engine::Keras::V2,
            "keras3" => crate::engine::Keras::V3,
            other => {
                cx.err(
                    l.span(),
                    format!("unknown layout `{other}`; expected `keras2` or `keras3`"),
                );
                return None;
            }
        },
    };
    let (code, span) = match (&q.model, &q.model_code) {
        (Some(path), None) => match (cx.load)(path.get_ref()) {
            Ok(code) => (code, path.span()),
            Err(why) => {
                cx.err(path.span(), why);
                return None;
            }
        },
        (None, Some(code)) => (code.get_ref().clone(), code.span()),
        (Some(_), Some(code)) => {
            cx.err(
                code.span(),
                "give the network either as `model` (a file) or as `model_code`, not both",
            );
            return None;
        }
        (None, None) => {
            cx.err(
                q.kind.span(),
                format!("question `{id}` needs the exam's Keras code: `model = \"models/exam.py\"` or an inline `model_code`"),
            );
            return None;
        }
    };
    let reference = match crate::engine::reference::reference(&code, keras) {
        Ok(r) => r,
        Err(e) => {
            let place = q
                .model
                .as_ref()
                .map(|m| format!("{}: ", m.get_ref()))
                .unwrap_or_default();
            cx.err(
                span,
                format!("the network cannot be used as a key: {place}{e}"),
            );
            return None;
        }
    };
    let mut weights = FieldWeights::default();
    if let Some(w) = &q.weights {
        for (field, value) in w.get_ref() {
            let value = Spanned::new(w.span(), value.clone());
            let Some(v) = cx.points(&value, "a field weight") else {
                continue;
            };
            if v.is_negative() {
                cx.err(
                    w.span(),
                    format!("the weight of `{field}` cannot be negative"),
                );
            }
            match field.as_str() {
                "shape" => weights.shape = v,
                "formula" => weights.formula = v,
                "params" => weights.params = v,
                "total" => weights.total = v,
                "trainable" => weights.trainable = v,
                "non_trainable" => weights.non_trainable = v,
                other => {
                    let hint = did_you_mean(other, SUMMARY_FIELDS)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    cx.err(
                        w.span(),
                        format!(
                            "unknown field `{other}`{hint}; weights are for {}",
                            SUMMARY_FIELDS.map(|f| format!("`{f}`")).join(", ")
                        ),
                    );
                }
            }
        }
    }
    let follow_through = match &q.follow_through {
        None => Points::ONE,
        Some(f) => match f.get_ref() {
            toml::Value::Boolean(true) => Points::ONE,
            toml::Value::Boolean(false) => Points::ZERO,
            _ => {
                let v = cx.points(f, "`follow_through`")?;
                if v.is_negative() || v > Points::ONE {
                    cx.err(
                        f.span(),
                        "`follow_through` is a fraction between 0 and 1 (or true/false)",
                    );
                }
                v
            }
        },
    };
    Some(SummaryKey {
        reference,
        weights,
        follow_through,
        accept_swapped_spatial: q
            .accept_swapped_spatial
            .as_ref()
            .is_some_and(|b| *b.get_ref()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "[exam]\ntitle = \"T\"\n\n";

    fn errors(body: &str) -> Vec<String> {
        match parse("r.toml", &format!("{HEAD}{body}")) {
            Ok(_) => vec![],
            Err(e) => {
                e.0.into_iter()
                    .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
                    .collect()
            }
        }
    }

    #[test]
    fn a_valid_checkbox_question_loads() {
        let r = parse(
            "r.toml",
            &format!(
                "{HEAD}[[questions]]\nid = \"q1\"\ncolumn = \"Pick\"\npoints = 3\nkind = \"checkbox\"\n\
                 scheme = \"net-correct\"\nselect = 2\noptions = [\"A\", \"B\", \"C\"]\nkey = [\"A\", \"C\"]\n"
            ),
        )
        .unwrap();
        let Kind::Checkbox(c) = &r.questions[0].kind else {
            panic!()
        };
        assert_eq!(c.correct, vec![true, false, true]);
        assert_eq!(r.questions[0].position.line, 4);
    }

    #[test]
    fn select_must_match_the_key() {
        let e = errors(
            "[[questions]]\nid = \"q1\"\ncolumn = \"Pick\"\npoints = 3\nkind = \"checkbox\"\n\
             scheme = \"net-correct\"\nselect = 3\noptions = [\"A\", \"B\", \"C\"]\nkey = [\"A\", \"C\"]\n",
        );
        assert_eq!(
            e,
            vec!["10:10: `select = 3` but the key has 2 correct option(s)"]
        );
    }

    #[test]
    fn misspelt_scheme_and_unknown_key_option_suggest_the_right_name() {
        let e = errors(
            "[[questions]]\nid = \"q1\"\ncolumn = \"Pick\"\npoints = 3\nkind = \"checkbox\"\n\
             scheme = \"net-corect\"\noptions = [\"Apple\", \"Banana\"]\nkey = [\"Aple\"]\n",
        );
        assert_eq!(
            e,
            vec![
                "9:10: unknown scheme `net-corect` (did you mean `net-correct`?)",
                "11:7: key `Aple` is not one of the question's options (did you mean `Apple`?)",
            ]
        );
    }

    #[test]
    fn text_questions_need_criteria_or_ungraded() {
        let body =
            "[[questions]]\nid = \"q1-rnn\"\ncolumn = \"RNN?\"\npoints = 3\nkind = \"text\"\n";
        let e = errors(body);
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("8:8: question `q1-rnn` has no [[questions.criteria]]"),
            "{e:?}"
        );
        assert!(errors(&format!("{body}ungraded = true\n")).is_empty());
    }

    #[test]
    fn text_criteria_compile_and_their_errors_are_located() {
        let ok = parse(
            "r.toml",
            &format!(
                "{HEAD}[synonyms]\ngrad = [\"gradient\", \"gradiente\"]\n\n[[questions]]\nid = \"q\"\ncolumn = \"Q\"\npoints = 2\nkind = \"text\"\n\
                 [[questions.criteria]]\nid = \"c1\"\npoints = 1\nany = [\"@grad ~3 vanish*\", {{ all = [\"lstm\", \"gate\"] }}]\n\
                 [[questions.examples]]\nanswer = \"the gradient vanishes\"\npoints = 1\n"
            ),
        )
        .unwrap();
        assert_eq!(ok.questions[0].examples[0].points, Points::ONE);
        let e = errors(
            "[[questions]]\nid = \"q\"\ncolumn = \"Q\"\npoints = 2\nkind = \"text\"\n\
             [[questions.criteria]]\nid = \"c1\"\npoints = 1\nany = [\"@grad\"]\nnegation = \"rejct\"\n",
        );
        assert_eq!(
            e,
            vec![
                "12:7: unknown synonym list `@grad`: define it under [synonyms]",
                "13:12: unknown negation policy `rejct` (did you mean `reject`?); expected `review`, `reject` or `ignore`",
            ]
        );
    }

    #[test]
    fn toml_syntax_errors_and_unknown_fields_are_located() {
        let e = errors("[[questions]]\nid = \"q1\"\ncolum = \"x\"\n");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with(
                "6:1: unknown field `colum` (did you mean `column`?), expected one of"
            ),
            "{e:?}"
        );
        let e = errors("[[questions]\n");
        assert!(e[0].starts_with("4:"), "{e:?}");
    }

    #[test]
    fn weights_must_have_positive_parts_adding_to_one() {
        let e = errors(
            "[[questions]]\nid = \"q1\"\ncolumn = \"Pick\"\npoints = 1\nkind = \"checkbox\"\n\
             scheme = \"weights\"\noptions = [\"A\", \"B\", \"C\"]\nkey = [\"A\"]\n\
             weights = { A = 0.5, B = \"1/3\", C = -1 }\n",
        );
        assert_eq!(
            e,
            vec!["12:11: the positive weights add up to 5/6 but must add up to 1"]
        );
    }

    #[test]
    fn duplicate_ids_and_columns_are_errors() {
        let q = "[[questions]]\nid = \"q1\"\ncolumn = \"Pick\"\npoints = 1\nkind = \"number\"\nkey = 2\n";
        let e = errors(&format!("{q}{q}"));
        assert_eq!(
            e,
            vec![
                "11:6: question id `q1` is used twice (first on line 5)",
                "12:10: question `q1` names the same column as question `q1`",
            ]
        );
    }
}
