//! The TA's pages: `index.html` (the class, with every question's points, review counts and
//! flags, sortable by mouse and keyboard) and one page per question under `questions/` (the
//! points' distribution, each distinct answer once with how many gave it and their points,
//! the near-identical answer groups, and the question's review items).
//!
//! Both are built one respondent at a time while the class is graded ([`ClassPages::add`]),
//! keeping a few numbers per respondent and bounded tables per question, and rendered with
//! maud (every string escaped).

use crate::points::Points;
use crate::score::run::{GradeRun, RespondentResult};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::collections::BTreeMap;
use std::io::Write;

/// Distinct answers kept per question (the rest are counted, not listed).
const DISTINCT: usize = 2000;
/// Distinct answers shown on a question page, most frequent first.
const SHOWN: usize = 200;
/// Review items listed per question page (all are in review.csv).
const REVIEWS: usize = 500;
/// Characters of an answer shown.
const EXCERPT: usize = 300;

/// One line of the class list.
pub struct IndexRow {
    pub id: String,
    pub name: String,
    pub email: String,
    /// Points per rubric question (`None`: not graded).
    pub points: Vec<Option<Points>>,
    pub total: Points,
    pub reviews: usize,
    pub row_problem: bool,
    /// The HTML report's file name, when there are HTML reports.
    pub report: Option<String>,
}

struct Distinct {
    text: String,
    count: usize,
    points: BTreeMap<Points, usize>,
}

struct ReviewRow {
    id: String,
    name: String,
    /// The respondent's HTML report, when there are reports.
    report: Option<String>,
    reason: &'static str,
    detail: String,
}

#[derive(Default)]
struct QuestionTables {
    distribution: BTreeMap<Points, usize>,
    answers: Vec<Distinct>,
    /// Hash of each kept answer's words → its place in `answers`.
    index: rustc_hash::FxHashMap<u64, usize>,
    /// Answers beyond [`DISTINCT`]: respondents, and distinct texts seen among them (at most).
    others: usize,
    reviews: Vec<ReviewRow>,
    reviews_total: usize,
    /// Per answer group (index into the run's groups of this question): points given.
    groups: Vec<BTreeMap<Points, usize>>,
    /// A summary question: no table of distinct answers.
    summary: bool,
}

/// The TA pages, built as the class is graded.
pub struct ClassPages {
    /// index.html's rows, rendered as they come (a class of any size is not held).
    rows: RowSink,
    /// Rows rendered, and their review items.
    count: usize,
    reviews: usize,
    questions: Vec<QuestionTables>,
    /// Respondent id → (question index, answer group of that question) for each of the
    /// respondent's grouped answers.
    grouped: rustc_hash::FxHashMap<String, Vec<(usize, usize)>>,
    /// Respondent ids in a possible-collusion group, with the questions (their positions).
    collusion: rustc_hash::FxHashMap<String, Vec<usize>>,
    /// The rubric's question ids, in order.
    ids: Vec<String>,
}

/// Where index.html's rendered rows wait for the page around them: memory, or a scratch file
/// (with the first error writing it, reported when the page is written).
enum RowSink {
    Memory(Vec<u8>),
    File {
        path: std::path::PathBuf,
        file: std::io::BufWriter<std::fs::File>,
        error: Option<std::io::Error>,
    },
}

impl RowSink {
    fn push(&mut self, row: &str) {
        match self {
            RowSink::Memory(bytes) => {
                bytes.extend_from_slice(row.as_bytes());
                bytes.push(b'\n');
            }
            RowSink::File { file, error, .. } => {
                if error.is_none()
                    && let Err(e) = file
                        .write_all(row.as_bytes())
                        .and_then(|()| file.write_all(b"\n"))
                {
                    *error = Some(e);
                }
            }
        }
    }

    /// Every row, in order, into `w`.
    fn copy_to(&mut self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        match self {
            RowSink::Memory(bytes) => w.write_all(bytes),
            RowSink::File { path, file, error } => {
                if let Some(e) = error.take() {
                    return Err(e);
                }
                file.flush()?;
                let mut rows = std::fs::File::open(&*path)?;
                std::io::copy(&mut rows, w).map(|_| ())
            }
        }
    }
}

/// A question page's file name (`questions/03-q2-summary.html`): its position and a slug of
/// the rubric's id.
pub fn question_file(position: usize, id: &str) -> String {
    format!(
        "questions/{:02}-{}.html",
        position + 1,
        super::students::slug(id)
    )
}

impl ClassPages {
    pub fn new(run: &GradeRun) -> ClassPages {
        let mut grouped: rustc_hash::FxHashMap<String, Vec<(usize, usize)>> = Default::default();
        let mut collusion: rustc_hash::FxHashMap<String, Vec<usize>> = Default::default();
        let mut questions: Vec<QuestionTables> = run
            .questions
            .iter()
            .map(|q| QuestionTables {
                summary: q.kind == "summary",
                ..Default::default()
            })
            .collect();
        for group in &run.answer_groups {
            let Some(qi) = run.questions.iter().position(|q| q.id == group.question) else {
                continue;
            };
            questions[qi].groups.push(BTreeMap::new());
            let local = questions[qi].groups.len() - 1;
            for id in &group.respondents {
                grouped.entry(id.clone()).or_default().push((qi, local));
                if group.possible_collusion {
                    let qs = collusion.entry(id.clone()).or_default();
                    if !qs.contains(&qi) {
                        qs.push(qi);
                    }
                }
            }
        }
        ClassPages {
            rows: RowSink::Memory(Vec::new()),
            count: 0,
            reviews: 0,
            questions,
            grouped,
            collusion,
            ids: run.questions.iter().map(|q| q.id.clone()).collect(),
        }
    }

    /// Keep index.html's rows in the file `path` (created; a scratch file) until the page is
    /// written, instead of in memory.
    pub fn spill_rows_to(&mut self, path: &std::path::Path) -> std::io::Result<()> {
        let file = std::io::BufWriter::new(std::fs::File::create(path)?);
        self.rows = RowSink::File {
            path: path.to_path_buf(),
            file,
            error: None,
        };
        Ok(())
    }

    pub fn add(&mut self, r: &RespondentResult, report: Option<String>) {
        for (qi, q) in r.questions.iter().enumerate() {
            let Some(t) = self.questions.get_mut(qi) else {
                continue;
            };
            let p = q.score.points;
            *t.distribution.entry(p).or_default() += 1;
            // A pasted summary is long and never repeats exactly: its page shows the fields
            // the class got wrong (stats) instead of its distinct answers.
            // A pasted summary is long and never repeats exactly: its page shows no table of
            // distinct answers (stats shows the fields the class got wrong).
            if !t.summary {
                let key = crate::text::hash_words(&q.answer);
                match t.index.get(&key) {
                    Some(&i) => {
                        t.answers[i].count += 1;
                        *t.answers[i].points.entry(p).or_default() += 1;
                    }
                    None if t.answers.len() < DISTINCT => {
                        t.index.insert(key, t.answers.len());
                        t.answers.push(Distinct {
                            text: crate::text::excerpt(q.answer.trim(), EXCERPT),
                            count: 1,
                            points: BTreeMap::from([(p, 1)]),
                        });
                    }
                    None => t.others += 1,
                }
            }
            for item in &q.score.review {
                t.reviews_total += 1;
                if t.reviews.len() < REVIEWS {
                    t.reviews.push(ReviewRow {
                        id: r.respondent.id.clone(),
                        name: r.respondent.name.clone(),
                        report: report.clone(),
                        reason: item.reason.name(),
                        detail: item.detail.clone(),
                    });
                }
            }
        }
        if let Some(groups) = self.grouped.get(r.respondent.id.as_str()) {
            for &(qi, g) in groups {
                if let Some(q) = r.questions.get(qi) {
                    *self.questions[qi].groups[g]
                        .entry(q.score.points)
                        .or_default() += 1;
                }
            }
        }
        let row = IndexRow {
            id: r.respondent.id.clone(),
            name: r.respondent.name.clone(),
            email: r.respondent.email.clone(),
            points: r
                .questions
                .iter()
                .map(|q| {
                    (q.score.status != crate::score::Status::Ungraded).then_some(q.score.points)
                })
                .collect(),
            total: r.total,
            reviews: r.review_count(),
            row_problem: !r.problems.is_empty(),
            report,
        };
        self.count += 1;
        self.reviews += row.reviews;
        let collusion = self.collusion.get(&row.id).map(|qs| {
            qs.iter()
                .filter_map(|&q| self.ids.get(q).map(String::as_str))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let html = html! {
            tr {
                td { (row.id) } td { (row.name) } td { (row.email) }
                // Numbers sort by their text; what has none sorts by data-v.
                @for p in &row.points {
                    @match p {
                        Some(p) => td.n { (p) },
                        None => td.n data-v="-1" { "–" },
                    }
                }
                td.n { strong { (row.total) } }
                td.n data-v=(row.reviews) { @if row.reviews > 0 { (row.reviews) } }
                td.flags { (flags(&row, collusion.as_deref())) }
                td { @if let Some(name) = &row.report { a href={ "reports/" (name) } { "report" } } }
            }
        };
        self.rows.push(&html.into_string());
    }

    /// `index.html`, in memory (tests; small classes).
    pub fn index_html(&mut self, run: &GradeRun) -> String {
        let mut out = Vec::new();
        self.write_index(run, &mut out)
            .expect("writing to memory cannot fail");
        String::from_utf8(out).expect("maud writes UTF-8")
    }

    /// `index.html`, written a row at a time: a class of any size is never one string.
    pub fn write_index(
        &mut self,
        run: &GradeRun,
        w: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        const END: &str = "\u{0}END\u{0}";
        let reviews = self.reviews;
        let body = html! {
            h1 { (run.exam) }
            p {
                (self.count) " respondents, out of " (run.max) " points; "
                (reviews) " review item" @if reviews != 1 { "s" } " (review.csv). "
                a href="stats.html" { "Class statistics" } ". "
                "Click a column heading (or Tab to it and press Enter) to sort. Possible collusion: long answers shared with others, a hint only."
            }
            div.scroll {
                table #class {
                    thead {
                        tr {
                            th { "ID" } th { "name" } th { "e-mail" }
                            @for (qi, q) in run.questions.iter().enumerate() {
                                th title=(q.text) { a href=(question_file(qi, &q.id)) { (q.id) } }
                            }
                            th { "total" } th { "review" } th { "flags" } th { "report" }
                        }
                    }
                    tbody { (PreEscaped(END)) }
                }
            }
            script { (PreEscaped(SORT_SCRIPT)) }
        };
        // The page around the rows, split where the rows go.
        let page = page(&format!("{} — class", run.exam), body);
        let (head, tail) = page.split_once(END).expect("the marker is in the page");
        w.write_all(head.as_bytes())?;
        w.write_all(b"\n")?;
        self.rows.copy_to(w)?;
        w.write_all(tail.as_bytes())
    }

    /// The question pages: (file name, HTML).
    pub fn question_pages(&self, run: &GradeRun) -> Vec<(String, String)> {
        run.questions
            .iter()
            .enumerate()
            .map(|(qi, q)| {
                let t = &self.questions[qi];
                let groups: Vec<_> = run
                    .answer_groups
                    .iter()
                    .filter(|g| g.question == q.id)
                    .zip(&t.groups)
                    .collect();
                let mut answers: Vec<&Distinct> = t.answers.iter().collect();
                answers.sort_by_key(|a| std::cmp::Reverse(a.count));
                let top = t.distribution.values().copied().max().unwrap_or(1).max(1);
                let body = html! {
                    p { a href="../index.html" { "Class list" } " · " a href="../stats.html" { "Statistics" } }
                    h1 { (q.id) }
                    p.question { (q.text) }
                    p {
                        (q.kind) ", " (q.max) " point" @if q.max != Points::ONE { "s" }
                        @if !q.key.is_empty() { "; key: " @for (i, k) in q.key.iter().enumerate() { @if i > 0 { "; " } q { (k) } } }
                    }
                    h2 { "Points" }
                    div.scroll {
                        table {
                            thead { tr { th { "points" } th { "respondents" } th {} } }
                            tbody {
                                @for (p, n) in &t.distribution {
                                    tr {
                                        td.num { (p) } td.num { (n) }
                                        td { span.bar style={ "width:" (n * 12 / top) "rem" } {} }
                                    }
                                }
                            }
                        }
                    }
                    @if t.summary {
                        h2 { "Answers" }
                        p { "Each pasted summary is its own answer: " a href="../stats.html" { "the statistics" } " list, field by field, what the class got right and wrong." }
                    } @else {
                    h2 { "Answers" }
                    p {
                        (t.answers.len() + usize::from(t.others > 0)) " distinct answer"
                        @if t.answers.len() != 1 { "s" }
                        @if answers.len() > SHOWN { "; the " (SHOWN) " most frequent shown" }
                        @if t.others > 0 { "; " (t.others) " respondents gave answers beyond the first " (DISTINCT) " distinct ones (not listed)" }
                        "."
                    }
                    div.scroll {
                        table {
                            thead { tr { th { "answer" } th { "respondents" } th { "points given" } } }
                            tbody {
                                @for a in answers.iter().take(SHOWN) {
                                    tr {
                                        td.answer { @if a.text.is_empty() { em { "(no answer)" } } @else { (a.text) } }
                                        td.num { (a.count) }
                                        td { (points_given(&a.points)) }
                                    }
                                }
                            }
                        }
                    }
                    }
                    @if !groups.is_empty() {
                        h2 { "Near-identical answers" }
                        div.scroll {
                            table {
                                thead { tr { th { "answer (first of the group)" } th { "respondents" } th { "points given" } th { "IDs" } } }
                                tbody {
                                    @for (g, given) in &groups {
                                        tr {
                                            td.answer {
                                                (g.excerpt)
                                                @if g.possible_collusion { br; strong.ko { "possible collusion (a hint only)" } }
                                                @else if !g.identical { br; span.muted { "near-identical" } }
                                            }
                                            td.num { (g.respondents.len()) }
                                            td { (points_given(given)) }
                                            td { (ids(&g.respondents)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    h2 { "Review" }
                    @if t.reviews_total == 0 {
                        p { "Nothing to review." }
                    } @else {
                        p {
                            (t.reviews_total) " item" @if t.reviews_total != 1 { "s" }
                            @if t.reviews_total > t.reviews.len() { "; the first " (t.reviews.len()) " listed (all are in review.csv)" }
                            "."
                        }
                        div.scroll {
                            table {
                                thead { tr { th { "ID" } th { "name" } th { "reason" } th { "why" } } }
                                tbody {
                                    @for r in &t.reviews {
                                        tr {
                                            td {
                                                @if let Some(name) = &r.report { a href={ "../reports/" (name) } { (r.id) } }
                                                @else { (r.id) }
                                            }
                                            td { (r.name) }
                                            td { (r.reason) }
                                            td { (r.detail) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                };
                (
                    question_file(qi, &q.id),
                    page(&format!("{} — {}", run.exam, q.id), body),
                )
            })
            .collect()
    }
}

fn flags(r: &IndexRow, collusion: Option<&str>) -> Markup {
    html! {
        @if r.row_problem { span.ko { "row problem" } }
        @if let Some(qs) = collusion {
            @if r.row_problem { "; " }
            span.ko { "possible collusion (" (qs) ")" }
        }
    }
}

fn points_given(points: &BTreeMap<Points, usize>) -> String {
    points
        .iter()
        .map(|(p, n)| format!("{p} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ids(ids: &[String]) -> String {
    let mut out = ids.iter().take(20).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > 20 {
        out.push_str(&format!(", … ({} more)", ids.len() - 20));
    }
    out
}

const SORT_SCRIPT: &str = "\n\
document.querySelectorAll('#class th').forEach(function (th, col) {\n\
  th.tabIndex = 0;\n\
  th.setAttribute('aria-sort', 'none');\n\
  th.addEventListener('keydown', function (e) {\n\
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); th.click(); }\n\
  });\n\
  th.addEventListener('click', function (e) {\n\
    if (e.target.tagName === 'A') { return; }\n\
    var body = document.querySelector('#class tbody');\n\
    var rows = Array.prototype.slice.call(body.rows);\n\
    var down = th.dataset.down !== '1';\n\
    th.dataset.down = down ? '1' : '0';\n\
    th.setAttribute('aria-sort', down ? 'descending' : 'ascending');\n\
    rows.sort(function (a, b) {\n\
      var x = a.cells[col].dataset.v || a.cells[col].textContent, y = b.cells[col].dataset.v || b.cells[col].textContent;\n\
      var nx = parseFloat(x), ny = parseFloat(y);\n\
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);\n\
      return down ? -c : c;\n\
    });\n\
    rows.forEach(function (r) { body.appendChild(r); });\n\
  });\n\
});\n";

pub const STYLE: &str = "\
*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#111;line-height:1.45;overflow-wrap:break-word}\
h1{font-size:1.4rem}h2{font-size:1.1rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:1.4rem}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #ccc;padding:.2rem .45rem;text-align:left;vertical-align:top}\
th{background:#f0f0f0;cursor:pointer}th:focus{outline:2px solid #2456a6}td.num,td.n{text-align:right;font-variant-numeric:tabular-nums}\
td.answer{white-space:pre-wrap;max-width:40rem}\
.flags{min-width:14rem}.ok{color:#1a6b32}.ko{color:#a3211a}.muted{color:#555}.question{font-weight:600}\
.qid{display:block;font-weight:400;color:#555;font-size:.8rem}.answer{white-space:pre-wrap;border-left:3px solid #bbb;padding:.2rem .6rem;background:#fafafa}mark{background:#fff0a0;color:#111}mark.pen{background:#ffd9d6}section ul{list-style:none;padding-left:0}.label{font-weight:600;margin:.4rem 0 .1rem}form.inline{display:inline}nav{margin-bottom:.6rem}.bar{display:inline-block;height:.8rem;background:#4a78c2;vertical-align:middle}\
q{quotes:'“' '”'}svg{max-width:100%;height:auto}\
thead{display:table-header-group}tr{break-inside:avoid}\
@media print{th{cursor:auto}a{color:inherit;text-decoration:none}}";

/// A TA page: self-contained, English.
pub fn page(title: &str, body: Markup) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    };
    super::student::lines(page.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> (GradeRun, ClassPages) {
        pages_of(None)
    }

    /// The seed exam graded, and its pages (their rows in the file `spill`, when given).
    fn pages_of(spill: Option<&std::path::Path>) -> (GradeRun, ClassPages) {
        let rubric = crate::fuzzing::seed_rubric();
        let export = crate::ingest::read_export(
            "responses.xlsx",
            include_bytes!("../../fixtures/2022-02-09/responses.xlsx"),
        )
        .unwrap();
        let run = crate::score::run::grade(rubric, &[export], 1, &|| {}).unwrap();
        let mut pages = ClassPages::new(&run);
        if let Some(path) = spill {
            pages.spill_rows_to(path).unwrap();
        }
        for (n, r) in run.respondents.iter().enumerate() {
            pages.add(
                r,
                Some(format!(
                    "{}.html",
                    super::super::students::file_stem(&run.shared_ids, n, r)
                )),
            );
        }
        (run, pages)
    }

    #[test]
    fn rows_kept_in_a_scratch_file_make_the_same_page_as_rows_in_memory() {
        let (run, mut in_memory) = seed();
        let dir = tempfile::tempdir().unwrap();
        let (again, mut spilled) = pages_of(Some(&dir.path().join("rows.html")));
        let page = spilled.index_html(&again);
        assert_eq!(page, in_memory.index_html(&run));
        assert_eq!(page.matches("<tr><td>").count(), run.respondents.len());
    }

    #[test]
    fn the_class_list_has_every_question_review_counts_and_flags() {
        let (run, mut pages) = seed();
        let index = pages.index_html(&run);
        // Respondent 14: 1.5 on q1-gradients, 4.53 on the summary, in a collusion group.
        assert!(
            index.contains("<th title=\"What is the receptive field of a pixel at the center of the output of batchNorm layer?\"><a href=\"questions/04-q2-receptive-field.html\">q2-receptive-field</a></th>"),
            "{index}"
        );
        assert!(
            index.contains("<tr><td>14</td><td>Anaïs Gallo</td><td>anais.gallo14@studenti.example.edu</td><td class=\"n\">1.5</td>"),
            "{index}"
        );
        assert!(
            index.contains("<td class=\"n\"><strong>12.53</strong></td><td class=\"n\" data-v=\"0\"></td><td class=\"flags\"><span class=\"ko\">possible collusion (q1-rnn, q3-transformer)</span></td><td><a href=\"reports/id14_anais-gallo14.html\">report</a></td></tr>"),
            "{index}"
        );
        insta::assert_snapshot!("index_html", index);
    }

    #[test]
    fn a_question_page_lists_each_answer_once_with_its_points() {
        let (run, pages) = seed();
        let pages = pages.question_pages(&run);
        assert_eq!(pages.len(), 9);
        let (name, rnn) = &pages[1];
        assert_eq!(name, "questions/02-q1-rnn.html");
        // Each distinct answer once, with how many gave it and the points they got.
        assert!(
            rnn.contains(
                "<tr><td class=\"answer\">Because the network is too deep. LSTM uses ReLU so the gradient is 1.</td><td class=\"num\">5</td><td>0 ×5</td></tr>"
            ),
            "{rnn}"
        );
        insta::assert_snapshot!("question_q1_rnn_html", rnn);
        let (_, choice) = &pages[3];
        insta::assert_snapshot!("question_q2_receptive_field_html", choice);
    }

    #[test]
    fn the_statistics_page() {
        let (run, _) = seed();
        let stats = super::super::stats::compute(&run, &[]);
        let html = super::super::pages::stats_html(&run, &stats);
        // The histogram's ticks are on the exam's scale: bins of 2 points on a 20-point exam.
        for tick in ["0", "2", "4", "6", "8", "10", "12", "14", "16", "18", "20"] {
            assert!(
                html.contains(&format!("font-size=\"10\">{tick}</text>")),
                "{tick}"
            );
        }
        insta::assert_snapshot!("stats_html", html);
    }
}
