//! `reports/NNN-name.md` and `.html`: one report per graded respondent (see `pages`), under
//! file names no student string can steer, and the class `index.html`.

use crate::score::run::{GradeRun, RespondentResult};

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
/// `NNN-slug.html`.
pub fn report_files(
    run: &GradeRun,
    n: usize,
    r: &RespondentResult,
    md: bool,
    html: bool,
) -> Vec<(String, Vec<u8>)> {
    let stem = file_stem(&run.shared_ids, n, r);
    let mut out = Vec::new();
    if !md && !html {
        return out;
    }
    // One view, rendered in each form asked for.
    let view = super::student::view(run, r);
    if md {
        out.push((
            format!("{stem}.md"),
            super::student::markdown_of(run, &view).into_bytes(),
        ));
    }
    if html {
        out.push((
            format!("{stem}.html"),
            super::student::html_of(run, r, &view).into_bytes(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("Anna.Rossi"), "anna-rossi");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("Zoë Ñúñez"), "zo-ez");
        assert_eq!(slug("///"), "respondent");
        assert_eq!(slug(&"a".repeat(100)).len(), 40);
    }
}
