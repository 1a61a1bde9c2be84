//! Per-student reports (Markdown and self-contained HTML), the class index and the statistics
//! pages. Every student-written string is escaped; file names are slugs (see `text::slug`).

use super::stats::Stats;
use crate::score::run::{GradeRun, RespondentResult};
use std::fmt::Write;

/// HTML-escape text (student answers are hostile).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    // The characters escaped are ASCII: runs between them are copied as they are.
    let mut run = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[run..i]);
        out.push_str(entity);
        run = i + 1;
    }
    out.push_str(&text[run..]);
    out
}

/// Markdown-escape text so that it is only ever inline text, wherever it lands (a heading, a
/// list item, a `> ` quote). The characters that open inline structure — code, emphasis,
/// links, images, HTML, entities, tables, strikethrough — are backslash-escaped everywhere
/// (CommonMark §2.4); every line ending (`\n`, a bare `\r`, which CommonMark also ends a line
/// at, U+2028/U+2029) and every other control character becomes a space, so student text never
/// starts a line of its own; and at its start, where a block could open, a heading `#`, quote
/// `>`, list marker `-` `+` `*` or `1.` `1)`, or setext `=` is escaped too.
pub(crate) fn md(text: &str) -> String {
    md_escape(text, true)
}

/// [`md`] for text that continues a line: no block can open in it, and its spaces are kept.
pub(crate) fn md_inline(text: &str) -> String {
    md_escape(text, false)
}

fn md_escape(text: &str, at_start: bool) -> String {
    // Control characters and line separators become spaces first, so that none can hide a
    // block opener from the start-of-text check below (`\x01- item`).
    let breaks = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    let flat: std::borrow::Cow<str> = if text.chars().any(breaks) {
        text.chars()
            .map(|c| if breaks(c) { ' ' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    };
    let text = if at_start { flat.trim_start() } else { &flat };
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let digits = if at_start {
        text.bytes().take_while(u8::is_ascii_digit).count()
    } else {
        0
    };
    // Every character escaped is ASCII: runs between them are copied as they are.
    let mut run = 0;
    for (i, b) in text.bytes().enumerate() {
        if !b.is_ascii() {
            continue;
        }
        let opens_block = (at_start && i == 0 && matches!(b, b'-' | b'+' | b'=' | b'#' | b'>'))
            || (i == digits && digits > 0 && matches!(b, b'.' | b')'));
        // The `:` of `://` and the `.` of `www.` are escaped too, so that no renderer autolinks
        // a student's URL.
        let www = b == b'.'
            && i >= 3
            && text
                .get(i - 3..i)
                .is_some_and(|p| p.eq_ignore_ascii_case("www"));
        let scheme = b == b':' && text[i + 1..].starts_with("//");
        if opens_block || www || scheme || b"\\`*_[]<>|!&~#".contains(&b) {
            out.push_str(&text[run..i]);
            out.push('\\');
            run = i;
        }
    }
    out.push_str(&text[run..]);
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}\
h1{font-size:1.5rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:1.6rem}\
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}\
th{background:#f3f3f3;cursor:pointer}.ok{color:#1a7f37}.ko{color:#b3261e}.ft{color:#8250df}.muted{color:#666}\
mark{background:#fff3a3}pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;font-size:.85rem}\
.add{color:#1a7f37}.del{color:#b3261e}.answer{white-space:pre-wrap;border-left:3px solid #ddd;padding-left:.6rem}\
*{box-sizing:border-box}.scroll{overflow-x:auto;max-width:100%}svg{max-width:100%;height:auto}\
@media print{th{cursor:auto}a{color:inherit;text-decoration:none}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

pub fn student_html(run: &GradeRun, r: &RespondentResult) -> String {
    super::student::html(run, r)
}

pub fn student_markdown(run: &GradeRun, r: &RespondentResult) -> String {
    super::student::markdown(run, r)
}

/// One line of the class list: what it shows of a respondent, kept while the class is graded.
pub struct IndexRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub total: crate::points::Points,
    /// The HTML report's file name, when there are HTML reports.
    pub report: Option<String>,
}

impl IndexRow {
    pub fn of(r: &RespondentResult, report: Option<String>) -> IndexRow {
        IndexRow {
            id: r.respondent.id.clone(),
            name: r.respondent.name.clone(),
            email: r.respondent.email.clone(),
            total: r.total,
            report,
        }
    }
}

/// The class list: every report linked, sortable by any column (a few lines of inline script).
pub fn index_html(run: &GradeRun, class: &[IndexRow]) -> String {
    let mut rows = String::new();
    for r in class {
        let link = match &r.report {
            Some(name) => format!("<a href=\"reports/{}\">report</a>", esc(name)),
            None => String::new(),
        };
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td data-v=\"{}\">{}</td><td>{link}</td></tr>",
            esc(&r.id),
            esc(&r.name),
            esc(&r.email),
            r.total.to_f64(),
            r.total
        );
    }
    let body = format!(
        "<h1>{}</h1>\n<p>{} respondents, out of {} points. <a href=\"stats.html\">Class statistics</a>. Click a column heading (or Tab to it and press Enter) to sort.</p>\n\
         <div class=\"scroll\"><table id=\"class\"><thead><tr><th>ID</th><th>name</th><th>e-mail</th><th>total</th><th></th></tr></thead>\n<tbody>\n{rows}</tbody></table></div>\n\
         <script>\ndocument.querySelectorAll('#class th').forEach(function (th, col) {{\n  th.tabIndex = 0;\n  th.setAttribute('aria-sort', 'none');\n  th.addEventListener('keydown', function (e) {{\n    if (e.key === 'Enter' || e.key === ' ') {{ e.preventDefault(); th.click(); }}\n  }});\n  th.addEventListener('click', function () {{\n    var body = document.querySelector('#class tbody');\n    var rows = Array.prototype.slice.call(body.rows);\n    var down = th.dataset.down !== '1';\n    th.dataset.down = down ? '1' : '0';\n    th.setAttribute('aria-sort', down ? 'descending' : 'ascending');\n    rows.sort(function (a, b) {{\n      var x = a.cells[col].dataset.v || a.cells[col].textContent, y = b.cells[col].dataset.v || b.cells[col].textContent;\n      var nx = parseFloat(x), ny = parseFloat(y);\n      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);\n      return down ? -c : c;\n    }});\n    rows.forEach(function (r) {{ body.appendChild(r); }});\n  }});\n}});\n</script>\n",
        esc(&run.exam),
        class.len(),
        run.max
    );
    page(&format!("{} — class", run.exam), &body)
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into())
}

/// Inline SVG histogram of totals.
fn histogram_svg(stats: &Stats) -> String {
    let (w, h, pad) = (400.0, 160.0, 24.0);
    let top = stats
        .histogram
        .iter()
        .map(|b| b.2)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let bw = (w - 2.0 * pad) / stats.histogram.len().max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"histogram of totals\">\n"
    );
    for (i, (from, _, count)) in stats.histogram.iter().enumerate() {
        let bh = (h - 2.0 * pad) * *count as f64 / top;
        let x = pad + i as f64 * bw;
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#4a78c2\"><title>{from:.1}+: {count}</title></rect>",
            h - pad - bh,
            bw - 2.0
        );
        let _ = writeln!(
            svg,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"9\">{from:.0}</text>",
            h - 8.0
        );
        if *count > 0 {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\">{count}</text>",
                x + 2.0,
                h - pad - bh - 3.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The whole-test sentence of both statistics pages (numbers only, nothing to escape).
fn whole_test(stats: &Stats) -> String {
    let two = |x: Option<f64>| x.map(|a| format!("{a:.2}")).unwrap_or_else(|| "–".into());
    format!(
        "{} respondents; mean {:.2}, median {:.2}, SD {:.2} of {} points; Cronbach's alpha {}; SEM {}.",
        stats.respondents,
        stats.mean,
        stats.median,
        stats.sd,
        stats.max,
        two(stats.alpha),
        two(stats.sem),
    )
}

pub fn stats_html(run: &GradeRun, stats: &Stats) -> String {
    let mut body = format!(
        "<h1>{} — class statistics</h1>\n<p>{}</p>\n{}\n",
        esc(&run.exam),
        whole_test(stats),
        histogram_svg(stats)
    );
    if !stats.bands.is_empty() {
        body.push_str(
            "<h2>Grade bands</h2><div class=\"scroll\"><table><tr><th>grade</th><th>from</th><th>students</th></tr>\n",
        );
        for b in &stats.bands {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&b.grade),
                b.min,
                b.count
            );
        }
        body.push_str("</table></div>\n");
    }
    body.push_str("<h2>Questions</h2><div class=\"scroll\"><table><tr><th>question</th><th>kind</th><th>max</th><th>mean</th><th>SD</th><th>facility %</th><th>discrimination %</th><th>efficiency %</th><th>flags</th></tr>\n");
    for q in &stats.questions {
        let mut flags = Vec::new();
        if q.dubious {
            flags.push("dubious (efficiency under 15 % or negative discrimination)");
        }
        if q.hard {
            flags.push("facility under 60 %");
        }
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.1}</td><td>{}</td><td>{}</td><td class=\"ko\">{}</td></tr>",
            esc(&q.id),
            esc(&q.kind),
            q.max,
            q.mean,
            q.sd,
            q.facility,
            pct(q.discrimination),
            pct(q.efficiency),
            flags.join("; ")
        );
    }
    body.push_str("</table></div>\n");
    if !run.forms.is_empty() {
        body.push_str(
            "<h2>Compared with the points Forms gave</h2><div class=\"scroll\"><table><tr><th>question</th><th>agree</th><th>differ</th><th>of which Forms itself inconsistent</th><th>why</th></tr>\n",
        );
        for a in &run.forms.questions {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&a.question),
                a.agree,
                a.differ(),
                a.forms_inconsistent,
                esc(&a.summary())
            );
        }
        body.push_str("</table></div>\n");
        if let Some(t) = &run.forms.total {
            let _ = writeln!(body, "<p>{}</p>", esc(&t.line()));
        }
    }
    for q in &stats.questions {
        if !q.options.is_empty() {
            let _ = writeln!(
                body,
                "<h2>{} — options ticked by the top and bottom thirds</h2><div class=\"scroll\"><table><tr><th>option</th><th>in key</th><th>top third</th><th>bottom third</th></tr>",
                esc(&q.id)
            );
            for o in &q.options {
                let _ = writeln!(
                    body,
                    "<tr><td>{}</td><td>{}</td><td>{:.0} %</td><td>{:.0} %</td></tr>",
                    esc(&o.option),
                    if o.correct { "yes" } else { "" },
                    o.top * 100.0,
                    o.bottom * 100.0
                );
            }
            body.push_str("</table></div>\n");
        }
        if !q.criteria.is_empty() {
            let _ = writeln!(
                body,
                "<h2>{} — criteria met</h2><div class=\"scroll\"><table><tr><th>criterion</th><th>respondents</th></tr>",
                esc(&q.id)
            );
            for c in &q.criteria {
                let what = if c.penalty {
                    format!("{} (penalty)", c.criterion)
                } else {
                    c.criterion.clone()
                };
                let _ = writeln!(
                    body,
                    "<tr><td>{}</td><td>{:.0} %</td></tr>",
                    esc(&what),
                    c.met * 100.0
                );
            }
            body.push_str("</table></div>\n");
        }
    }
    if !stats.below_70.is_empty() {
        let _ = writeln!(
            body,
            "<h2>Students under 70 % of the maximum</h2><p>{}</p>",
            esc(&stats.below_70.join(", "))
        );
    }
    page(&format!("{} — statistics", run.exam), &body)
}

pub fn stats_markdown(run: &GradeRun, stats: &Stats) -> String {
    let mut out = format!(
        "# {} — class statistics\n\n{}\n\n",
        md(&run.exam),
        whole_test(stats),
    );
    out.push_str("| totals from | to | students |\n|---|---|---|\n");
    for (from, to, count) in &stats.histogram {
        let _ = writeln!(out, "| {from:.1} | {to:.1} | {count} |");
    }
    if !stats.bands.is_empty() {
        out.push_str("\n| grade | from | students |\n|---|---|---|\n");
        for b in &stats.bands {
            let _ = writeln!(out, "| {} | {} | {} |", md(&b.grade), b.min, b.count);
        }
    }
    out.push_str("\n| question | kind | max | mean | SD | facility % | discrimination % | efficiency % | flags |\n|---|---|---|---|---|---|---|---|---|\n");
    for q in &stats.questions {
        let mut flags = Vec::new();
        if q.dubious {
            flags.push("dubious");
        }
        if q.hard {
            flags.push("facility < 60 %");
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {:.2} | {:.1} | {} | {} | {} |",
            md(&q.id),
            q.kind,
            q.max,
            q.mean,
            q.sd,
            q.facility,
            pct(q.discrimination),
            pct(q.efficiency),
            flags.join(", ")
        );
    }
    if !run.forms.is_empty() {
        out.push_str("\n## Compared with the points Forms gave\n\n");
        for line in run.forms.lines() {
            let _ = writeln!(out, "- {}", md(&line));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escapers as first written, a character at a time: the fast ones must agree.
    fn esc_reference(text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }

    fn md_reference(text: &str) -> String {
        let flat: String = text
            .chars()
            .map(|c| {
                if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let text = flat.trim_start();
        let mut out = String::new();
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let mut prev = ['\0'; 3];
        for (i, c) in text.char_indices() {
            let opens_block = (i == 0 && matches!(c, '-' | '+' | '=' | '#' | '>'))
                || (i == digits && digits > 0 && matches!(c, '.' | ')'));
            let www = c == '.' && prev.iter().collect::<String>().eq_ignore_ascii_case("www");
            let scheme = c == ':' && text[i + 1..].starts_with("//");
            if opens_block || www || scheme || "\\`*_[]<>|!&~#".contains(c) {
                out.push('\\');
            }
            out.push(c);
            prev = [prev[1], prev[2], c];
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn escapers_agree_with_their_reference(
            text in "[-+=#>.):/wW0-9a-zé€İ\\\\`*_\\[\\]<>|!&~\"' \n\r\t\u{1}\u{2028}]{0,40}"
        ) {
            proptest::prop_assert_eq!(esc(&text), esc_reference(&text));
            proptest::prop_assert_eq!(md(&text), md_reference(&text));
        }
    }

    #[test]
    fn escapers_on_known_text() {
        assert_eq!(
            esc("a<b & 'c' \"d\">"),
            "a&lt;b &amp; &#39;c&#39; &quot;d&quot;&gt;"
        );
        assert_eq!(
            md("1. see www.x.it or http://y *now*"),
            "1\\. see www\\.x.it or http\\://y \\*now\\*"
        );
        assert_eq!(md("\u{1}- İ_x"), "\\- İ\\_x");
    }
}
