//! A student's report: per question the question as asked, the answer as given, the points and
//! why — the right options next to the chosen ones (unless `[exam] show_key = false`), each
//! free-text criterion by its description (found, with the words, or missing), penalties only
//! when they fired, and for a summary the fields' tally, the arithmetic, the fields not fully
//! right and a diff that agrees with them. Nothing addressed to the TA (review notes, the
//! second opinion) reaches it. Written in the exam's language (`[exam] language`).
//!
//! One view ([`Report`]) is built from the graded run and rendered twice: HTML through maud
//! (every string escaped unless marked otherwise) and Markdown through [`super::pages::md`].

use super::i18n::Text;
use crate::points::Points;
use crate::score::run::{GradeRun, QuestionInfo, QuestionResult, RespondentResult};
use crate::score::summary::Verdict;
use crate::score::{Finding, Status};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// How a line reads: right, wrong, carried forward, or neutral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Ko,
    Ft,
    Plain,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Ok => "ok",
            Tone::Ko => "ko",
            Tone::Ft => "ft",
            Tone::Plain => "plain",
        }
    }

    /// A mark that says the same as the colour, for print and colour-blind readers.
    fn sign(self) -> &'static str {
        match self {
            Tone::Ok => "✓",
            Tone::Ko => "✗",
            Tone::Ft => "↳",
            Tone::Plain => "•",
        }
    }
}

/// A piece of a line: running text, or a quotation of an option or of the student's words.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(String),
    Quote(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub tone: Tone,
    pub parts: Vec<Part>,
}

fn line(tone: Tone, parts: Vec<Part>) -> Line {
    Line { tone, parts }
}

fn t(s: impl Into<String>) -> Part {
    Part::Text(s.into())
}

fn q(s: impl Into<String>) -> Part {
    Part::Quote(s.into())
}

/// `Your answer: “8 x 8” — wrong`.
fn your_answer(tx: &Text, answer: &str, right: bool) -> Line {
    let (word, tone) = if right {
        (tx.correct, Tone::Ok)
    } else {
        (tx.wrong, Tone::Ko)
    };
    line(
        tone,
        vec![
            t(format!("{}: ", tx.your_answer)),
            q(answer),
            t(format!(" — {word}")),
        ],
    )
}

/// `Right answer: “12 x 12”`, and what follows it (a tolerance).
fn right_answer(tx: &Text, key: &str, then: Option<String>) -> Line {
    let mut parts = vec![t(format!("{}: ", tx.right_answer)), q(key)];
    parts.extend(then.map(t));
    line(Tone::Plain, parts)
}

/// A labelled group of lines ("Found in your answer", "Missing from your answer").
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub label: String,
    pub lines: Vec<Line>,
}

/// One row of the summary's fields that are not fully right.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRow {
    pub layer: String,
    pub field: String,
    pub yours: String,
    pub expected: String,
    pub verdict: String,
    pub tone: Tone,
}

/// A piece of a free-text answer: plain, or words that met a criterion (or fired a penalty).
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    Plain(String),
    Met { text: String, criterion: String },
    Penalty { text: String, criterion: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct QuestionView {
    pub id: String,
    pub text: String,
    pub score: String,
    pub status: Option<String>,
    /// A free-text answer with its matched words.
    pub answer: Vec<Segment>,
    pub groups: Vec<Group>,
    /// Summary: the tally and the arithmetic.
    pub tally: Option<String>,
    pub fields: Vec<FieldRow>,
    /// Summary: the unified diff, against the reference as followed through.
    pub diff: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub lang: &'static str,
    pub exam: String,
    pub who: String,
    pub total: String,
    pub questions: Vec<QuestionView>,
}

fn info<'a>(run: &'a GradeRun, id: &str) -> Option<&'a QuestionInfo> {
    run.questions.iter().find(|i| i.id == id)
}

/// The report of one respondent.
pub fn view(run: &GradeRun, r: &RespondentResult) -> Report {
    let tx = run.language.text();
    let mut v = head(run, r);
    v.questions = r
        .questions
        .iter()
        .map(|qr| question(tx, run.show_key, info(run, &qr.id), qr))
        .collect();
    v
}

/// The report of one respondent without its questions: who, and the total.
fn head(run: &GradeRun, r: &RespondentResult) -> Report {
    let tx = run.language.text();
    let name = if r.respondent.name.is_empty() {
        "—"
    } else {
        r.respondent.name.as_str()
    };
    let mut who = name.to_string();
    if !r.respondent.email.is_empty() {
        who.push_str(" · ");
        who.push_str(&r.respondent.email);
    }
    if !r.respondent.id.is_empty() {
        who.push_str(&format!(" · {} {}", tx.id, r.respondent.id));
    }
    let mut total = format!("{}: {}", tx.total, tx.out_of(r.total, r.max));
    if let Some(b) = run.bands.iter().find(|b| r.total >= b.min) {
        total.push_str(&format!(" · {} {}", tx.grade, b.grade));
    }
    Report {
        lang: run.language.code(),
        exam: run.exam.clone(),
        who,
        total,
        questions: Vec::new(),
    }
}

/// One question's section of a respondent's reports, rendered in the forms asked for
/// (Markdown, HTML; an empty string for a form not asked for). It is a function of the run and
/// the question's result alone, so a result many respondents share is rendered once.
pub fn section(run: &GradeRun, qr: &QuestionResult, md: bool, html: bool) -> (String, String) {
    let tx = run.language.text();
    let qv = question(tx, run.show_key, info(run, &qr.id), qr);
    let mut m = String::new();
    if md {
        question_md(&mut m, tx, &qv);
    }
    let mut h = String::new();
    if html {
        lines_into(&mut h, &question_markup(tx, &qv).into_string());
    }
    (m, h)
}

/// A respondent's reports (Markdown, HTML) from their questions' sections, in order.
pub fn assemble<'a>(
    run: &GradeRun,
    r: &RespondentResult,
    sections: impl Iterator<Item = &'a (String, String)> + Clone,
    md: bool,
    html: bool,
) -> (String, String) {
    let v = head(run, r);
    let mut m = String::new();
    if md {
        m = md_head(&v);
        for (s, _) in sections.clone() {
            m.push_str(s);
        }
    }
    let mut h = String::new();
    if html {
        let (before, after) = html_frame(r, &v);
        let size = sections.clone().map(|(_, s)| s.len()).sum::<usize>();
        h.reserve(before.len() + size + after.len() + 1);
        h.push_str(&before);
        for (_, s) in sections {
            h.push_str(s);
        }
        h.push_str(&after);
        h.push('\n');
    }
    (m, h)
}

fn verdict_word(tx: &Text, v: Verdict) -> (&'static str, Tone) {
    match v {
        Verdict::Correct => (tx.correct, Tone::Ok),
        Verdict::FollowThrough => (tx.follow_through, Tone::Ft),
        Verdict::Wrong => (tx.wrong_field, Tone::Ko),
        Verdict::Missing => (tx.missing_field, Tone::Ko),
        Verdict::Unparsed => (tx.unparsed_field, Tone::Ko),
    }
}

fn question(
    tx: &Text,
    show_key: bool,
    info: Option<&QuestionInfo>,
    qr: &QuestionResult,
) -> QuestionView {
    let s = &qr.score;
    let status = match s.status {
        Status::Graded => None,
        Status::NotAnswered => Some(tx.not_answered.to_string()),
        Status::Ungraded => Some(tx.ungraded.to_string()),
        Status::Error => Some(tx.error.to_string()),
    };
    let key: &[String] = info.map(|i| i.key.as_slice()).unwrap_or(&[]);
    let mut v = QuestionView {
        id: qr.id.clone(),
        text: info.map(|i| i.text.clone()).unwrap_or_default(),
        score: tx.out_of(s.points, s.max),
        status,
        answer: Vec::new(),
        groups: Vec::new(),
        tally: None,
        fields: Vec::new(),
        diff: None,
    };
    let mut answer_lines = Vec::new();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    let mut penalties = Vec::new();
    let mut rule = Vec::new();
    let mut teacher = Vec::new();
    let (mut earned, mut possible, mut whole) = (Points::ZERO, Points::ZERO, true);
    let mut has_fields = false;
    let mut carried = 0usize;
    let mut any_criterion = false;
    let ticks = s
        .findings
        .iter()
        .any(|f| matches!(f, Finding::Ticked { .. } | Finding::Missed { .. }));
    for f in &s.findings {
        match f {
            Finding::Chose {
                option, correct, ..
            } => {
                answer_lines.push(your_answer(tx, option, *correct));
                if !*correct
                    && show_key
                    && let Some(k) = key.first()
                {
                    answer_lines.push(right_answer(tx, k, None));
                }
            }
            Finding::ChoseSeveral { options } => {
                let mut parts = vec![t(format!("{}: ", tx.several))];
                for (i, o) in options.iter().enumerate() {
                    if i > 0 {
                        parts.push(t("; "));
                    }
                    parts.push(q(o));
                }
                answer_lines.push(line(Tone::Ko, parts));
                if show_key && let Some(k) = key.first() {
                    answer_lines.push(right_answer(tx, k, None));
                }
            }
            Finding::Ticked {
                option, correct, ..
            } => {
                if show_key {
                    let (word, tone) = if *correct {
                        (tx.ticked_right, Tone::Ok)
                    } else {
                        (tx.ticked_wrong, Tone::Ko)
                    };
                    answer_lines.push(line(tone, vec![q(option), t(format!(" — {word}"))]));
                } else {
                    answer_lines.push(line(Tone::Plain, vec![q(option)]));
                }
            }
            Finding::Missed { option } => {
                if show_key {
                    answer_lines.push(line(
                        Tone::Ko,
                        vec![q(option), t(format!(" — {}", tx.missed))],
                    ));
                }
            }
            Finding::UnknownSelection { text } => {
                answer_lines.push(line(
                    Tone::Ko,
                    vec![q(text), t(format!(" {}", tx.not_an_option))],
                ));
            }
            Finding::SelectCount { expected, ticked } => {
                rule.push(line(
                    Tone::Plain,
                    vec![t(tx.select_count(*ticked, *expected))],
                ));
            }
            Finding::Scheme { formula, .. } => {
                // The scheme's arithmetic up to the fraction; the points part in the language.
                let math = formula
                    .rsplit_once(" × ")
                    .map(|(m, _)| m)
                    .unwrap_or(formula);
                // What the scheme gave (a teacher's decision, shown below, may differ).
                let earned = formula
                    .rsplit_once(" = ")
                    .and_then(|(_, e)| Points::parse(e.trim()))
                    .unwrap_or(s.points);
                rule.push(line(
                    Tone::Plain,
                    vec![t(format!(
                        "{math} × {} = {}",
                        tx.points(s.max),
                        tx.num(earned)
                    ))],
                ));
                let legend = tx.legend(formula);
                if !legend.is_empty() {
                    rule.push(line(Tone::Plain, vec![t(legend)]));
                }
            }
            Finding::Number {
                value,
                key: k,
                tolerance,
                within,
            } => {
                answer_lines.push(your_answer(tx, value, *within));
                if !*within && show_key {
                    let within = format!(" ({} ± {tolerance})", tx.tolerance);
                    answer_lines.push(right_answer(tx, k, Some(within)));
                }
            }
            Finding::Unparsed { text, expected } => {
                answer_lines.push(line(
                    Tone::Ko,
                    vec![
                        t(format!("{}: ", tx.unreadable)),
                        q(text),
                        t(format!(" ({} {expected})", tx.expected)),
                    ],
                ));
            }
            Finding::Field {
                layer,
                field,
                expected,
                given,
                verdict,
                points,
                weight,
                followed,
            } => {
                has_fields = true;
                earned = earned.checked_add(*points).unwrap_or(earned);
                possible = possible.checked_add(*weight).unwrap_or(possible);
                if *weight != Points::ONE || !(points.is_zero() || points == weight) {
                    whole = false;
                }
                if *verdict == Verdict::FollowThrough {
                    carried += 1;
                } else if *verdict != Verdict::Correct {
                    let (word, tone) = verdict_word(tx, *verdict);
                    let verdict = match followed {
                        Some(f) => format!("{} {f}", tx.right_given),
                        None => word.to_string(),
                    };
                    v.fields.push(FieldRow {
                        layer: layer.clone(),
                        field: field.clone(),
                        yours: if given.is_empty() {
                            "—".into()
                        } else {
                            given.clone()
                        },
                        expected: expected.clone(),
                        verdict,
                        tone,
                    });
                }
            }
            Finding::Diff { text } => {
                if !text.is_empty() {
                    // The diff's header in the report's language.
                    let mut out = String::with_capacity(text.len());
                    for (i, l) in text.lines().enumerate() {
                        match i {
                            0 if l.starts_with("--- ") => {
                                out.push_str(&format!("--- {}", tx.your_answer))
                            }
                            1 if l.starts_with("+++ ") => {
                                out.push_str(&format!("+++ {}", tx.diff_reference))
                            }
                            _ => out.push_str(l),
                        }
                        out.push('\n');
                    }
                    v.diff = Some(out);
                }
            }
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
                any_criterion = true;
                let about = description.clone().unwrap_or_else(|| criterion.clone());
                let words: Vec<&str> = matched
                    .iter()
                    .filter(|e| !e.negated)
                    .map(|e| e.text.as_str())
                    .collect();
                let mut parts = vec![t(about)];
                if *met && !words.is_empty() {
                    parts.push(t(" — "));
                    for (i, w) in words.iter().enumerate() {
                        if i > 0 {
                            parts.push(t(", "));
                        }
                        parts.push(q(*w));
                    }
                }
                match (*penalty, *met) {
                    (false, true) => {
                        let worth = if *sufficient {
                            tx.alone_full.to_string()
                        } else {
                            format!("+{}", tx.num(*points))
                        };
                        parts.push(t(format!(" ({worth})")));
                        found.push(line(Tone::Ok, parts));
                    }
                    (false, false) => {
                        if description.is_none()
                            && let Some(n) = note
                        {
                            parts.push(t(format!(" — {n}")));
                        }
                        parts.push(t(format!(" (0 {} {})", tx.of, tx.num(*max))));
                        missing.push(line(Tone::Ko, parts));
                    }
                    (true, true) => {
                        parts.push(t(format!(" ({})", tx.num(*points))));
                        penalties.push(line(Tone::Ko, parts));
                    }
                    (true, false) => {}
                }
            }
            Finding::Override {
                points,
                machine,
                comment,
            } => {
                let parts = if points != machine {
                    let mut parts = vec![t(format!(
                        "{}: {} ({} {})",
                        tx.teacher_set,
                        tx.points(*points),
                        tx.machine_gave,
                        tx.num(*machine)
                    ))];
                    if !comment.is_empty() {
                        parts.push(t(" — "));
                        parts.push(q(comment));
                    }
                    parts
                } else if !comment.is_empty() {
                    vec![t(format!("{}: ", tx.teacher_comment)), q(comment)]
                } else {
                    vec![t(tx.teacher_confirmed)]
                };
                teacher.push(line(Tone::Plain, parts));
            }
            Finding::SecondOpinion {
                similarity,
                raised_from: Some(from),
                raised_to: Some(to),
            } => {
                let (a, b, c) = tx.paraphrase;
                let sim = format!("{similarity:.2}").replace('.', &tx.decimal.to_string());
                found.push(line(
                    Tone::Ok,
                    vec![t(format!(
                        "{a}{sim}{b}{}{c}{}",
                        tx.num(*from),
                        tx.points(*to)
                    ))],
                ));
            }
            // For the TA only, or said by the status.
            Finding::SecondOpinion { .. }
            | Finding::Language { .. }
            | Finding::NotAnswered
            | Finding::Ungraded { .. } => {}
        }
    }
    if any_criterion && s.status == Status::Graded {
        v.answer = segments(&qr.answer, &s.findings);
    }
    if has_fields && !possible.is_zero() {
        v.tally = Some(format!(
            "{}{} × {} = {}",
            tx.fields_right(earned, possible, whole),
            if carried > 0 {
                tx.carried(carried)
            } else {
                String::new()
            },
            tx.points(s.max),
            tx.num(s.points)
        ));
    }
    let mut push = |label: &str, lines: Vec<Line>| {
        if !lines.is_empty() {
            v.groups.push(Group {
                label: label.to_string(),
                lines,
            });
        }
    };
    push(if ticks { tx.your_answer } else { "" }, answer_lines);
    push(tx.found, found);
    push(tx.missing, missing);
    push(tx.penalty, penalties);
    push(tx.rule, rule);
    push("", teacher);
    v
}

/// The answer cut into plain text and the words that met criteria (byte spans from the
/// findings, checked against the text they index).
fn segments(answer: &str, findings: &[Finding]) -> Vec<Segment> {
    let mut spans: Vec<(usize, usize, bool, String)> = Vec::new();
    for f in findings {
        if let Finding::Criterion {
            criterion,
            matched,
            met: true,
            penalty,
            ..
        } = f
        {
            for e in matched.iter().filter(|e| !e.negated) {
                if e.start < e.end
                    && e.end <= answer.len()
                    && answer.is_char_boundary(e.start)
                    && answer.is_char_boundary(e.end)
                {
                    spans.push((e.start, e.end, *penalty, criterion.clone()));
                }
            }
        }
    }
    spans.sort();
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e, penalty, criterion) in spans {
        if s < at {
            continue;
        }
        if s > at {
            out.push(Segment::Plain(answer[at..s].to_string()));
        }
        let text = answer[s..e].to_string();
        out.push(if penalty {
            Segment::Penalty { text, criterion }
        } else {
            Segment::Met { text, criterion }
        });
        at = e;
    }
    if at < answer.len() {
        out.push(Segment::Plain(answer[at..].to_string()));
    }
    out
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:48rem;margin:1.5rem auto;padding:0 1rem;color:#111;line-height:1.45;overflow-wrap:break-word}\
h1{font-size:1.35rem;margin:.2rem 0}.who{margin:.2rem 0;color:#333}.total{font-size:1.1rem;margin:.4rem 0 1rem}\
section{border-top:1px solid #ccc;padding:.5rem 0 .3rem}h2,.score,.label{break-after:avoid}li,tr,.answer{break-inside:avoid}\
h2{font-size:1rem;margin:.2rem 0;font-weight:600}.qid{font-weight:400;color:#555;font-size:.8rem;display:block}\
.score{font-weight:600;margin:.2rem 0}.status{color:#555;font-weight:400}\
ul{margin:.2rem 0 .4rem;padding-left:0;list-style:none}li{margin:.1rem 0;padding-left:1.3rem;text-indent:-1.3rem}\
.label{font-weight:600;margin:.4rem 0 .1rem;font-size:.9rem}\
.ok{color:#1a6b32}.ko{color:#a3211a}.ft{color:#6a3fb5}.plain{color:#111}\
q{quotes:'“' '”'}q,.cell{color:#111;background:#f2f2f2;padding:0 .15rem;border-radius:.15rem}\
.answer{white-space:pre-wrap;border-left:3px solid #bbb;padding:.2rem .6rem;margin:.3rem 0;background:#fafafa}\
mark{background:#fff0a0;color:#111}mark.pen{background:#ffd9d6}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;margin:.3rem 0;font-size:.9rem}td,th{border:1px solid #ccc;padding:.15rem .4rem;text-align:left;vertical-align:top}\
th{background:#f0f0f0}thead{display:table-header-group}tr{break-inside:avoid}\
pre{background:#f6f8fa;padding:.4rem;overflow-x:auto;font-size:.8rem;margin:.3rem 0;white-space:pre}\
.add{color:#1a6b32}.del{color:#a3211a}\
@media (max-width:30rem){body{margin:.8rem auto;padding:0 .6rem}td,th{padding:.1rem .25rem}}\
@media print{@page{size:A4;margin:10mm}body{max-width:none;margin:0;padding:0;font-size:8.5pt;line-height:1.2}h1{font-size:12pt}h2{font-size:9pt;margin:0}.total{margin:.2rem 0 .3rem}li{margin:0}ul{margin:.1rem 0 .2rem}.label{margin:.2rem 0 0}p{margin:.15rem 0}.answer{margin:.15rem 0;padding:.1rem .5rem}table{margin:.15rem 0}td,th{padding:0 .3rem}\
section{padding:.25rem 0 .15rem}pre{white-space:pre-wrap;font-size:7.5pt}.scroll{overflow:visible}\
a{color:inherit;text-decoration:none}}";

fn part_html(p: &Part) -> Markup {
    match p {
        Part::Text(s) => html! { (s) },
        Part::Quote(s) => html! { q { (s) } },
    }
}

fn lines_html(lines: &[Line]) -> Markup {
    html! {
        ul {
            @for l in lines {
                li class=(l.tone.class()) {
                    span aria-hidden="true" { (l.tone.sign()) " " }
                    @for p in &l.parts { (part_html(p)) }
                }
            }
        }
    }
}

/// One question of the report (the review page shows it too).
pub(crate) fn question_markup(tx: &Text, v: &QuestionView) -> Markup {
    html! {
        section {
            h2 {
                span.qid { (tx.question) " " (v.id) }
                @if v.text.is_empty() { (v.id) } @else { (v.text) }
            }
            p.score {
                (v.score)
                @if let Some(st) = &v.status { " " span.status { "(" (st) ")" } }
            }
            @if !v.answer.is_empty() {
                p.answer {
                    @for seg in &v.answer {
                        @match seg {
                            Segment::Plain(s) => (s),
                            Segment::Met { text, .. } => mark { (text) },
                            Segment::Penalty { text, .. } => mark.pen { (text) },
                        }
                    }
                }
            }
            @for g in &v.groups {
                @if !g.label.is_empty() { p.label { (g.label) } }
                (lines_html(&g.lines))
            }
            @if let Some(tally) = &v.tally { p { (tally) } }
            @if !v.fields.is_empty() {
                p.label { (tx.not_fully_right) }
                div.scroll {
                    table {
                        thead { tr { th { (tx.layer) } th { (tx.field_name) } th { (tx.yours) } th { (tx.expected) } th { (tx.verdict) } } }
                        tbody {
                            @for f in &v.fields {
                                tr {
                                    td { (f.layer) } td { (f.field) } td { (f.yours) } td { (f.expected) }
                                    td class=(f.tone.class()) { (f.verdict) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(diff) = &v.diff {
                p.label { (tx.diff_intro) " (" span.del { "− " (tx.diff_yours) } ", " span.add { "+ " (tx.diff_reference) } "):" }
                div.scroll {
                    pre {
                        @for l in diff.lines() {
                            @let class = if l.starts_with('+') && !l.starts_with("+++") { "add" } else if l.starts_with('-') && !l.starts_with("---") { "del" } else { "" };
                            span class=(class) { (l) } "\n"
                        }
                    }
                }
            }
        }
    }
}

/// A respondent's reports (Markdown, HTML) in the forms asked for, its sections rendered for it
/// alone.
fn reports(run: &GradeRun, r: &RespondentResult, md: bool, html: bool) -> (String, String) {
    let sections: Vec<_> = r
        .questions
        .iter()
        .map(|q| section(run, q, md, html))
        .collect();
    assemble(run, r, sections.iter(), md, html)
}

/// The self-contained HTML report.
pub fn html(run: &GradeRun, r: &RespondentResult) -> String {
    reports(run, r, false, true).1
}

/// Where a report's question sections go in its HTML frame: a comment, which no escaped
/// student text can contain (its `<` is escaped).
const SECTIONS: &str = "<!--sections-->";

/// The HTML page around a report's question sections: what comes before them and after, each
/// broken into lines as [`lines`] does.
fn html_frame(r: &RespondentResult, v: &Report) -> (String, String) {
    let page = html! {
        (DOCTYPE)
        html lang=(v.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (v.exam) " — " (r.respondent.id) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (v.exam) }
                p.who { (v.who) }
                p.total { strong { (v.total) } }
                (PreEscaped(SECTIONS))
            }
        }
    }
    .into_string();
    let (before, after) = page.split_once(SECTIONS).unwrap_or((&page, ""));
    let mut b = String::with_capacity(before.len() + before.len() / 16);
    lines_into(&mut b, before);
    let mut a = String::new();
    lines_into(&mut a, after);
    (b, a)
}

/// A line break after each block of an HTML page, so the file reads (and diffs) line by line;
/// never inside an answer or a diff, whose text keeps its own breaks (student text is escaped,
/// so it holds no tags).
pub(crate) fn lines(html: String) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 16 + 1);
    lines_into(&mut out, &html);
    out.push('\n');
    out
}

/// [`lines`] of a piece of a page made of whole tags, appended to `out`, without the final
/// line break.
fn lines_into(out: &mut String, html: &str) {
    const ENDS: [&str; 13] = [
        "style>", "head>", "h1>", "h2>", "p>", "li>", "ul>", "tr>", "thead>", "table>", "div>",
        "section>", "script>",
    ];
    let mut run = 0;
    // Every `</` of the page, found with memchr's vectorised search (the page's style sheet
    // alone is 3 KB to scan); no end in ENDS holds one, so no match starts inside another.
    for at in memchr::memmem::find_iter(html.as_bytes(), b"</") {
        let tag = at + 2;
        if let Some(end) = ENDS.iter().find(|e| html[tag..].starts_with(**e)) {
            let stop = tag + end.len();
            out.push_str(&html[run..stop]);
            out.push('\n');
            run = stop;
        }
    }
    out.push_str(&html[run..]);
}

fn part_md(p: &Part) -> String {
    match p {
        Part::Text(s) => super::pages::md_inline(s),
        Part::Quote(s) => format!("“{}”", super::pages::md_inline(s)),
    }
}

/// The Markdown report: the same view as the HTML one.
pub fn markdown(run: &GradeRun, r: &RespondentResult) -> String {
    reports(run, r, true, false).0
}

/// The Markdown report's title, who and total.
fn md_head(v: &Report) -> String {
    let md = super::pages::md;
    format!(
        "# {}\n\n{}  \n**{}**\n",
        md(&v.exam),
        md(&v.who),
        md(&v.total)
    )
}

/// One question of the Markdown report, appended to `out`.
fn question_md(out: &mut String, tx: &Text, qv: &QuestionView) {
    use std::fmt::Write;
    let md = super::pages::md;
    let inline = super::pages::md_inline;
    let title = if qv.text.is_empty() { &qv.id } else { &qv.text };
    let _ = write!(
        out,
        "\n## {}\n\n*{} {}* · **{}**",
        md(title),
        tx.question,
        inline(&qv.id),
        inline(&qv.score)
    );
    if let Some(st) = &qv.status {
        let _ = write!(out, " ({})", inline(st));
    }
    out.push_str("\n\n");
    if !qv.answer.is_empty() {
        out.push_str("> ");
        for (i, seg) in qv.answer.iter().enumerate() {
            // The first piece starts the quote's line, where a block could open.
            let esc = if i == 0 { md } else { inline };
            match seg {
                Segment::Plain(s) => out.push_str(&esc(s)),
                Segment::Met { text, .. } | Segment::Penalty { text, .. } => {
                    let _ = write!(out, "**{}**", esc(text).trim());
                }
            }
        }
        out.push_str("\n\n");
    }
    for g in &qv.groups {
        if !g.label.is_empty() {
            let _ = writeln!(out, "{}:\n", md(&g.label));
        }
        for l in &g.lines {
            let text: String = l.parts.iter().map(part_md).collect();
            let text = text.trim();
            if l.tone == Tone::Plain {
                let _ = writeln!(out, "- {text}");
            } else {
                let _ = writeln!(out, "- {} {text}", l.tone.sign());
            }
        }
        out.push('\n');
    }
    if let Some(tally) = &qv.tally {
        let _ = writeln!(out, "{}\n", inline(tally));
    }
    if !qv.fields.is_empty() {
        let cell = inline;
        let _ = writeln!(
            out,
            "{}:\n\n| {} | {} | {} | {} | {} |\n|---|---|---|---|---|",
            md(tx.not_fully_right),
            tx.layer,
            tx.field_name,
            tx.yours,
            tx.expected,
            tx.verdict
        );
        for f in &qv.fields {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} {} |",
                cell(&f.layer),
                cell(&f.field),
                cell(&f.yours),
                cell(&f.expected),
                f.tone.sign(),
                cell(&f.verdict)
            );
        }
        out.push('\n');
    }
    if let Some(diff) = &qv.diff {
        let _ = writeln!(
            out,
            "{} (− {}, + {}):\n\n```diff\n{}```\n",
            md(tx.diff_intro),
            tx.diff_yours,
            tx.diff_reference,
            diff.replace("```", "'''")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graded(lang: super::super::i18n::Lang, show_key: bool) -> GradeRun {
        let mut rubric = crate::fuzzing::seed_rubric().clone();
        rubric.exam.language = lang;
        rubric.exam.show_key = show_key;
        let export = crate::ingest::read_export(
            "responses.xlsx",
            include_bytes!("../../fixtures/2022-02-09/responses.xlsx"),
        )
        .unwrap();
        crate::score::run::grade(&rubric, &[export], 1, &|| {}).unwrap()
    }

    fn respondent<'a>(run: &'a GradeRun, id: &str) -> &'a RespondentResult {
        run.respondents
            .iter()
            .find(|r| r.respondent.id == id)
            .unwrap()
    }

    /// Respondent 23's NTM answer meets no criterion and is wrong in part (an NTM does use
    /// attention), but it is on the topic of the model answer: half a point on similarity,
    /// and the report says where it came from, in the report's language.
    #[test]
    fn paraphrase_credit_is_explained_in_the_report_language() {
        let run = graded(super::super::i18n::Lang::En, true);
        let md = markdown(&run, respondent(&run, "23"));
        assert!(
            md.contains(
                "- ✓ Your answer is close in meaning to the model answer (similarity 0.63): \
                 raised from 0 to 0.5 points\n"
            ),
            "{md}"
        );
        let run = graded(super::super::i18n::Lang::It, true);
        let md = markdown(&run, respondent(&run, "23"));
        assert!(
            md.contains(
                "- ✓ La tua risposta è vicina nel significato alla risposta modello \
                 (somiglianza 0,63): punteggio alzato da 0 a 0,5 punti\n"
            ),
            "{md}"
        );
    }

    /// Respondent 14: a pooling mistake carried through the summary, Italian free text, a
    /// checkbox with partial credit, a wrong single choice.
    #[test]
    fn student_reports_in_english() {
        let run = graded(super::super::i18n::Lang::En, true);
        let r = respondent(&run, "14");
        insta::assert_snapshot!("student_14_en_md", markdown(&run, r));
        insta::assert_snapshot!("student_14_en_html", html(&run, r));
    }

    #[test]
    fn student_reports_in_italian() {
        let run = graded(super::super::i18n::Lang::It, true);
        let r = respondent(&run, "14");
        let md = markdown(&run, r);
        assert!(md.contains("**Totale: 12,53 / 20 punti**"), "{md}");
        assert!(
            md.contains("29 di 32 campi corretti (10 corretti rispetto ai tuoi valori precedenti) × 5 punti = 4,53"),
            "{md}"
        );
        insta::assert_snapshot!("student_14_it_md", md);
        let html = html(&run, r);
        assert!(html.contains("<html lang=\"it\">"), "{html}");
    }

    #[test]
    fn the_key_can_be_kept_from_students() {
        let run = graded(super::super::i18n::Lang::En, false);
        let md = markdown(&run, respondent(&run, "14"));
        assert!(!md.contains("Right answer"), "{md}");
        assert!(!md.contains("right, but not ticked"), "{md}");
        assert!(md.contains("- “The loss function used”\n"), "{md}");
        let shown = graded(super::super::i18n::Lang::En, true);
        let md = markdown(&shown, respondent(&shown, "14"));
        assert!(md.contains("- Right answer: “12 x 12”\n"), "{md}");
        assert!(
            md.contains(
                "- ✗ “The output values of neurons during training” — right, but not ticked\n"
            ),
            "{md}"
        );
    }

    /// A teacher's decision: the scheme's line keeps what the scheme gave, the decision says
    /// what the teacher set; a comment alone is a comment, not points set.
    #[test]
    fn a_teachers_decision_is_told_apart_from_the_machines_arithmetic() {
        use crate::score::decisions::{Planned, apply};
        let run = graded(super::super::i18n::Lang::En, true);
        let n = run
            .respondents
            .iter()
            .position(|r| r.respondent.id == "4")
            .unwrap();
        let decide = |points: Option<Points>, comment: &str| {
            let mut r = run.respondents[n].clone();
            let p = Planned {
                respondent: n,
                question: 0,
                line: 2,
                answer: String::new(),
                stale: false,
                points,
                comment: comment.into(),
            };
            apply(&mut r, &[&p]);
            markdown(&run, &r)
        };
        let md = decide(Some(Points::ONE), "rivisto");
        assert!(
            md.contains("- max(0, (t − f)/C) = max(0, (6 − 1)/6) = 5/6 × 3 points = 2.5\n"),
            "{md}"
        );
        assert!(
            md.contains(
                "- Points set by your teacher: 1 point (automatic grading gave 2.5) — “rivisto”\n"
            ),
            "{md}"
        );
        let md = decide(None, "see me");
        assert!(md.contains("- Your teacher's comment: “see me”\n"), "{md}");
        assert!(!md.contains("Points set by your teacher"), "{md}");
    }

    #[test]
    fn nothing_for_the_ta_reaches_a_student() {
        let run = graded(super::super::i18n::Lang::En, true);
        for r in &run.respondents {
            let md = markdown(&run, r);
            let html = html(&run, r);
            for text in [&md, &html] {
                assert!(!text.contains("A TA will check"), "{text}");
                assert!(!text.contains("second opinion"), "{text}");
                // The only similarity a student sees is the one that raised their points.
                for line in text.lines().filter(|l| l.contains("(similarity 0.")) {
                    assert!(line.contains("close in meaning"), "{line}");
                }
                assert!(!text.contains(" 1 points"), "{text}");
            }
            assert!(
                !html.contains('`'),
                "no Markdown code marks in HTML: {html}"
            );
        }
    }
}
