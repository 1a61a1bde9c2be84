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

/// File stem of the n-th (0-based) respondent's reports; the position keeps names unique even
/// when two students share a name, and only slug characters reach the path.
pub fn file_stem(n: usize, r: &RespondentResult) -> String {
    let who =
        if r.respondent.email.is_empty() || r.respondent.email.eq_ignore_ascii_case("anonymous") {
            format!("id-{}", r.respondent.id)
        } else {
            r.respondent
                .email
                .split('@')
                .next()
                .unwrap_or_default()
                .to_string()
        };
    format!("{:03}-{}", n + 1, slug(&who))
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
    let stem = file_stem(n, r);
    let mut out = Vec::new();
    if md {
        out.push((
            format!("{stem}.md"),
            super::pages::student_markdown(run, r).into_bytes(),
        ));
    }
    if html {
        out.push((
            format!("{stem}.html"),
            super::pages::student_html(run, r).into_bytes(),
        ));
    }
    out
}

/// The n-th respondent's HTML report file name.
pub fn html_name(n: usize, r: &RespondentResult) -> String {
    format!("{}.html", file_stem(n, r))
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
