//! The statistics pages (HTML through maud, which escapes every string; Markdown through
//! [`md`]) and the Markdown escaper every Markdown report uses. Student reports are in
//! `student`, the class list and question pages in `class_pages`.

use super::stats::Stats;
use crate::score::run::GradeRun;
use std::fmt::Write;

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

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into())
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

/// Inline SVG histogram of totals, its bins and ticks on the exam's own scale.
fn histogram_svg(stats: &Stats) -> maud::Markup {
    let (w, h, pad) = (440.0, 170.0, 26.0);
    let top = stats
        .histogram
        .iter()
        .map(|b| b.2)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let bw = (w - 2.0 * pad) / stats.histogram.len().max(1) as f64;
    let number = |x: f64| {
        crate::points::Points::from_f64(x)
            .map(|p| p.display())
            .unwrap_or_else(|| format!("{x}"))
    };
    maud::html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(w) height=(h) role="img" aria-label="histogram of totals" {
            @for (i, (from, to, count)) in stats.histogram.iter().enumerate() {
                @let bh = (h - 2.0 * pad) * *count as f64 / top;
                @let x = pad + i as f64 * bw;
                rect x=(format!("{x:.1}")) y=(format!("{:.1}", h - pad - bh)) width=(format!("{:.1}", bw - 2.0)) height=(format!("{bh:.1}")) fill="#4a78c2" {
                    title { (number(*from)) "–" (number(*to)) ": " (count) }
                }
                text x=(format!("{x:.1}")) y=(format!("{:.1}", h - 10.0)) font-size="10" { (number(*from)) }
                @if *count > 0 {
                    text x=(format!("{:.1}", x + 2.0)) y=(format!("{:.1}", h - pad - bh - 3.0)) font-size="10" { (count) }
                }
            }
            @if let Some((_, to, _)) = stats.histogram.last() {
                text x=(format!("{:.1}", w - pad - 4.0)) y=(format!("{:.1}", h - 10.0)) font-size="10" { (number(*to)) }
            }
        }
    }
}

fn percent(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

pub fn stats_html(run: &GradeRun, stats: &Stats) -> String {
    use maud::html;
    let body = html! {
        p { a href="index.html" { "Class list" } }
        h1 { (run.exam) " — class statistics" }
        p { (whole_test(stats)) }
        (histogram_svg(stats))
        @if !stats.bands.is_empty() {
            h2 { "Grade bands" }
            div.scroll { table {
                thead { tr { th { "grade" } th { "from" } th { "students" } } }
                tbody { @for b in &stats.bands { tr { td { (b.grade) } td.num { (b.min) } td.num { (b.count) } } } }
            } }
        }
        h2 { "Questions" }
        div.scroll { table {
            thead { tr { th { "question" } th { "kind" } th { "max" } th { "mean" } th { "SD" } th { "facility %" } th { "discrimination %" } th { "efficiency %" } th { "flags" } } }
            tbody {
                @for q in &stats.questions {
                    @let file = run.questions.iter().position(|i| i.id == q.id).map(|p| super::class_pages::question_file(p, &q.id));
                    tr {
                        td { @if let Some(f) = &file { a href=(f) { (q.id) } } @else { (q.id) } }
                        td { (q.kind) } td.num { (q.max) } td.num { (format!("{:.2}", q.mean)) } td.num { (format!("{:.2}", q.sd)) }
                        td.num { (format!("{:.1}", q.facility)) } td.num { (pct(q.discrimination)) } td.num { (pct(q.efficiency)) }
                        td.ko {
                            @if q.dubious { "dubious (efficiency under 15 % or negative discrimination)" }
                            @if q.dubious && q.hard { "; " }
                            @if q.hard { "facility under 60 %" }
                        }
                    }
                }
            }
        } }
        @if !run.forms.is_empty() {
            h2 { "Compared with the points Forms gave" }
            div.scroll { table {
                thead { tr { th { "question" } th { "agree" } th { "differ" } th { "of which Forms itself inconsistent" } th { "why" } } }
                tbody { @for a in &run.forms.questions { tr { td { (a.question) } td.num { (a.agree) } td.num { (a.differ()) } td.num { (a.forms_inconsistent) } td { (a.summary()) } } } }
            } }
            @if let Some(t) = &run.forms.total { p { (t.line()) } }
        }
        @for q in &stats.questions {
            @if !q.options.is_empty() {
                h2 { (q.id) " — options chosen, by the top and bottom thirds of the class" }
                p.muted { "A wrong option the top third chose more often than the bottom third is in red: check its key and wording." }
                div.scroll { table {
                    thead { tr { th { "option" } th { "in key" } th { "all" } th { "top third" } th { "bottom third" } } }
                    tbody {
                        @for o in &q.options {
                            // A distractor the top third chooses more than the bottom third is suspect.
                            @let suspect = !o.correct && o.top > o.bottom;
                            tr {
                                td { (o.option) } td { @if o.correct { "yes" } }
                                td.num { (percent(o.all)) }
                                td class={ "num" @if suspect { " ko" } } { (percent(o.top)) }
                                td.num { (percent(o.bottom)) }
                            }
                        }
                    }
                } }
            }
            @if !q.criteria.is_empty() {
                h2 { (q.id) " — criteria met" }
                div.scroll { table {
                    thead { tr { th { "criterion" } th { "respondents" } } }
                    tbody { @for c in &q.criteria { tr { td { (c.criterion) @if c.penalty { " (penalty)" } } td.num { (percent(c.met)) } } } }
                } }
            }
            @if !q.fields.is_empty() {
                h2 { (q.id) " — fields the class got right" }
                div.scroll { table {
                    thead { tr { th { "layer" } th { "field" } th { "right" } th { "right given their own earlier value" } th { "wrong or missing" } } }
                    tbody {
                        @for f in &q.fields {
                            tr {
                                td { (f.layer) } td { (f.field) } td.num { (percent(f.right)) } td.num { (percent(f.carried)) }
                                td class={ "num" @if f.wrong >= 0.4 { " ko" } } { (percent(f.wrong)) }
                            }
                        }
                    }
                } }
            }
        }
        @if !stats.below_70.is_empty() {
            h2 { "Students under 70 % of the maximum" }
            p { (stats.below_70.join(", ")) }
        }
    };
    super::class_pages::page(&format!("{} — statistics", run.exam), body)
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
            // HTML is escaped by maud: hostile text stays text.
            let html = maud::html! { p title=(text) { (text) } }.into_string();
            let e = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;");
            proptest::prop_assert_eq!(html, format!("<p title=\"{e}\">{e}</p>"));
            proptest::prop_assert_eq!(md(&text), md_reference(&text));
        }
    }

    #[test]
    fn escapers_on_known_text() {
        assert_eq!(
            maud::html! { p title=("\"><script>") { "a<b & 'c' \"d\">" } }.into_string(),
            "<p title=\"&quot;&gt;&lt;script&gt;\">a&lt;b &amp; 'c' &quot;d&quot;&gt;</p>"
        );
        assert_eq!(
            md("1. see www.x.it or http://y *now*"),
            "1\\. see www\\.x.it or http\\://y \\*now\\*"
        );
        assert_eq!(md("\u{1}- İ_x"), "\\- İ\\_x");
    }
}
