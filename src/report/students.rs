//! `reports/NNN-name.md` and `.html`: one report per graded respondent (see `pages`), under
//! file names no student string can steer, and the class `index.html`.

use crate::score::run::{GradeRun, QuestionResult, RespondentResult, SectionCell};

/// A file-name-safe slug: ASCII letters, digits, `-` and `_` only, at most 40 characters.
/// Student-controlled text never reaches a path unfiltered.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "respondent".into()
    } else {
        out
    }
}

/// The slug of a Forms ID as it appears in a report's file name (no `_`: that separates the
/// name's parts).
pub fn id_slug(id: &str) -> String {
    let s = slug(id).replace('_', "-");
    if s == "respondent" && !id.eq_ignore_ascii_case("respondent") {
        String::new()
    } else {
        s
    }
}

/// File stem of the n-th (0-based) respondent's reports: `id44_anna-rossi` — the Forms ID and
/// the e-mail's local part (or the name), so a TA finds a report from either. Where several
/// graded respondents share an ID (two exports, an edited CSV) or have none, the position is
/// added (`id7_anna-rossi_12`), so names stay unique; `_` separates the parts and no part
/// contains one. Only slug characters reach the path.
pub fn file_stem(
    shared_ids: &std::collections::HashSet<String>,
    n: usize,
    r: &RespondentResult,
) -> String {
    let local = r.respondent.email.split('@').next().unwrap_or_default();
    let who = if !local.is_empty() && !r.respondent.email.eq_ignore_ascii_case("anonymous") {
        local
    } else if !r.respondent.name.is_empty() {
        r.respondent.name.as_str()
    } else {
        "respondent"
    };
    let who = slug(who).replace('_', "-");
    let id = id_slug(&r.respondent.id);
    if id.is_empty() || shared_ids.contains(&id) {
        format!("id{id}_{who}_{}", n + 1)
    } else {
        format!("id{id}_{who}")
    }
}

/// The n-th respondent's reports as (file name, contents): `NNN-slug.md` and/or
/// `NNN-slug.html`. `shared` gives the cell of a question result many respondents share (its
/// section is rendered once, by whoever needs it first), if it is one.
pub fn report_files(
    run: &GradeRun,
    n: usize,
    r: &RespondentResult,
    md: bool,
    html: bool,
    shared: &dyn Fn(usize, &QuestionResult) -> Option<SectionCell>,
) -> Vec<(String, Vec<u8>)> {
    let stem = file_stem(&run.shared_ids, n, r);
    let mut out = Vec::new();
    if !md && !html {
        return out;
    }
    // Each question's section: the shared cell's (rendered by whoever needs it first), or
    // one of the respondent's own.
    let render = |q: &QuestionResult| super::student::section(run, q, md, html);
    let sections: Vec<Section> = r
        .questions
        .iter()
        .enumerate()
        .map(|(qi, q)| match shared(qi, q) {
            Some(cell) => Section::Shared(cell),
            None => Section::Own(render(q)),
        })
        .collect();
    let sections = sections.iter().zip(&r.questions).map(|(s, q)| match s {
        Section::Shared(cell) => cell.get_or_init(|| render(q)),
        Section::Own(text) => text,
    });
    let (m, h) = super::student::assemble(run, r, sections, md, html);
    if md {
        out.push((format!("{stem}.md"), m.into_bytes()));
    }
    if html {
        out.push((format!("{stem}.html"), h.into_bytes()));
    }
    out
}

/// A question's section of a respondent's reports (Markdown, HTML).
enum Section {
    Shared(SectionCell),
    Own((String, String)),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A section rendered once for every respondent who shares the result reads exactly as
    /// one rendered for each.
    #[test]
    fn shared_sections_give_the_same_reports() {
        let export = crate::ingest::read_export(
            "responses.xlsx",
            include_bytes!("../../fixtures/2022-02-09/responses.xlsx"),
        )
        .unwrap();
        let run =
            crate::score::run::grade(crate::fuzzing::seed_rubric(), &[export], 1, &|| {}).unwrap();
        let cells: std::sync::Mutex<
            std::collections::HashMap<(usize, *const crate::score::Score), SectionCell>,
        > = Default::default();
        let shared = |qi: usize, q: &QuestionResult| {
            let mut c = cells.lock().unwrap();
            Some(
                c.entry((qi, std::sync::Arc::as_ptr(&q.score)))
                    .or_default()
                    .clone(),
            )
        };
        let mut reused = 0;
        // The forms asked for are the run's: the same for every respondent.
        for (md, html) in [(true, true), (true, false), (false, true)] {
            cells.lock().unwrap().clear();
            for (n, r) in run.respondents.iter().enumerate() {
                let before = cells.lock().unwrap().len();
                let own = report_files(&run, n, r, md, html, &|_, _| None);
                let once = report_files(&run, n, r, md, html, &shared);
                assert!(once == own, "respondent {n}, md {md}, html {html}");
                reused += r.questions.len() - (cells.lock().unwrap().len() - before);
            }
        }
        // Most of the seed's answers are shared by several respondents.
        assert!(reused > 100, "{reused}");
    }

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("Anna.Rossi"), "anna-rossi");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("Zoë Ñúñez"), "zo-ez");
        assert_eq!(slug("///"), "respondent");
        assert_eq!(slug(&"a".repeat(100)).len(), 40);
    }
}
