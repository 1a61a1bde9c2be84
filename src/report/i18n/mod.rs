//! The fixed words of the student reports, one typed table per language (`en.rs`, `it.rs`):
//! adding a language is adding a file with one `Text` value and a line in [`Lang`]. A typed
//! table was chosen over Fluent: every string a report needs is a field, so a language that
//! lacks one does not compile (Fluent finds a missing message only at run time), and the
//! plural rules the reports need (one and other, for points and fields) are one function.
//!
//! Numbers in text follow the language (`0,5 punti`); CSV, JSON and XLSX keep plain numbers.

mod en;
mod it;

use crate::points::Points;

/// A report language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    It,
}

impl Lang {
    /// The codes `[exam] language` takes.
    pub const CODES: [&'static str; 2] = ["en", "it"];

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "it" => Some(Lang::It),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::It => "it",
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &en::TEXT,
            Lang::It => &it::TEXT,
        }
    }
}

/// A noun in its singular and plural forms.
pub struct Noun {
    pub one: &'static str,
    pub other: &'static str,
}

/// Every fixed string of a student report. `{}`-free: sentences are put together by the
/// functions below, in the order each language wants.
pub struct Text {
    /// The decimal separator in running text.
    pub decimal: char,
    pub point: Noun,
    pub field: Noun,
    pub option: Noun,
    pub total: &'static str,
    pub grade: &'static str,
    pub id: &'static str,
    pub not_answered: &'static str,
    pub ungraded: &'static str,
    pub error: &'static str,
    pub your_answer: &'static str,
    pub right_answer: &'static str,
    pub right_answers: &'static str,
    pub correct: &'static str,
    pub wrong: &'static str,
    pub ticked_right: &'static str,
    pub ticked_wrong: &'static str,
    pub missed: &'static str,
    pub not_an_option: &'static str,
    /// "ticked N options, but exactly M are correct": (before N, between, after M).
    pub select_count: (&'static str, &'static str, &'static str),
    pub several: &'static str,
    pub rule: &'static str,
    pub tolerance: &'static str,
    pub unreadable: &'static str,
    pub expected: &'static str,
    pub found: &'static str,
    pub missing: &'static str,
    pub penalty: &'static str,
    pub alone_full: &'static str,
    /// "29 of 32 fields right": (between the two numbers, after).
    pub fields_right: (&'static str, &'static str),
    pub not_fully_right: &'static str,
    pub layer: &'static str,
    pub field_name: &'static str,
    pub yours: &'static str,
    pub verdict: &'static str,
    pub follow_through: &'static str,
    pub missing_field: &'static str,
    pub unparsed_field: &'static str,
    pub diff_intro: &'static str,
    pub diff_yours: &'static str,
    pub diff_reference: &'static str,
    pub teacher_set: &'static str,
    /// A teacher's comment that leaves the points as they were.
    pub teacher_comment: &'static str,
    /// A teacher's decision that confirms the points, without a comment.
    pub teacher_confirmed: &'static str,
    /// A paraphrase credited: before the similarity, before the criteria's points, before
    /// the points given.
    pub paraphrase: (&'static str, &'static str, &'static str),
    pub machine_gave: &'static str,
    pub of: &'static str,
    pub question: &'static str,
    /// "right given" before the student's own earlier value a field was checked against.
    pub right_given: &'static str,
    /// A summary field's verdict "wrong" (Italian: of a masculine noun).
    pub wrong_field: &'static str,
    /// "(N of them right given your own earlier values)", for one and for several.
    pub carried_forward: (&'static str, &'static str),
    /// What the letters of a checkbox scheme's formula stand for: t, f, C, W, N, n.
    pub letters: [&'static str; 6],
}

impl Text {
    /// A number as this language writes it in text (`0.5`, `0,5`).
    pub fn num(&self, p: Points) -> String {
        let s = p.display();
        if self.decimal == '.' {
            s
        } else {
            s.replace('.', &self.decimal.to_string())
        }
    }

    /// `0.5 points`, `1 point`, `1 punto`, `2,5 punti`.
    pub fn points(&self, p: Points) -> String {
        format!(
            "{} {}",
            self.num(p),
            self.plural(&self.point, p == Points::ONE)
        )
    }

    /// `x / y points`.
    pub fn out_of(&self, got: Points, max: Points) -> String {
        format!(
            "{} / {} {}",
            self.num(got),
            self.num(max),
            self.plural(&self.point, max == Points::ONE)
        )
    }

    pub fn plural<'a>(&self, noun: &'a Noun, one: bool) -> &'a str {
        if one { noun.one } else { noun.other }
    }

    /// `29 of 32 fields right` (whole counts) or `28.5 of 32` (field weights).
    pub fn fields_right(&self, earned: Points, possible: Points, whole: bool) -> String {
        if whole {
            format!(
                "{} {} {} {}{}",
                self.num(earned),
                self.fields_right.0,
                self.num(possible),
                self.plural(&self.field, possible == Points::ONE),
                self.fields_right.1
            )
        } else {
            format!(
                "{} {} {}",
                self.num(earned),
                self.fields_right.0,
                self.num(possible)
            )
        }
    }

    /// The legend of the letters a scheme's formula uses (`t = …, f = …`), or nothing.
    pub fn legend(&self, formula: &str) -> String {
        let math = formula.split(" = ").next().unwrap_or_default();
        let mut out = Vec::new();
        for (letter, meaning) in ["t", "f", "C", "W", "N", "n"].iter().zip(self.letters) {
            let used = math
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == *letter);
            if used {
                out.push(format!("{letter} = {meaning}"));
            }
        }
        out.join(", ")
    }

    /// ` (9 of them right given your own earlier values)`.
    pub fn carried(&self, n: usize) -> String {
        format!(
            " ({n} {})",
            if n == 1 {
                self.carried_forward.0
            } else {
                self.carried_forward.1
            }
        )
    }

    /// `ticked 3 options, but exactly 6 are correct`.
    pub fn select_count(&self, ticked: usize, expected: usize) -> String {
        format!(
            "{}{ticked} {}{}{expected}{}",
            self.select_count.0,
            self.plural(&self.option, ticked == 1),
            self.select_count.1,
            self.select_count.2
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_and_decimal_commas() {
        let half = Points::ratio(1, 2).unwrap();
        let en = Lang::En.text();
        let it = Lang::It.text();
        assert_eq!(en.points(Points::ONE), "1 point");
        assert_eq!(en.points(half), "0.5 points");
        assert_eq!(en.points(Points::int(2)), "2 points");
        assert_eq!(it.points(Points::ONE), "1 punto");
        assert_eq!(it.points(half), "0,5 punti");
        assert_eq!(it.out_of(half, Points::int(3)), "0,5 / 3 punti");
        assert_eq!(en.out_of(Points::ZERO, Points::ONE), "0 / 1 point");
        assert_eq!(
            en.fields_right(Points::int(29), Points::int(32), true),
            "29 of 32 fields right"
        );
        assert_eq!(
            it.fields_right(Points::int(29), Points::int(32), true),
            "29 di 32 campi corretti"
        );
        assert_eq!(
            en.select_count(3, 6),
            "ticked 3 options, but exactly 6 are correct"
        );
        assert_eq!(
            it.select_count(1, 2),
            "hai selezionato 1 opzione, ma quelle corrette sono esattamente 2"
        );
        assert_eq!(
            en.legend("max(0, (t − f)/C) = max(0, (2 − 1)/6) = 1/6"),
            "t = right options ticked, f = wrong options ticked, C = right options"
        );
        assert_eq!(en.legend("all or nothing = 1"), "");
        assert_eq!(
            en.carried(9),
            " (9 of them right given your own earlier values)"
        );
        assert_eq!(
            it.carried(1),
            " (1 corretto rispetto ai tuoi valori precedenti)"
        );
        assert_eq!(Lang::parse("it"), Some(Lang::It));
        assert_eq!(Lang::parse("fr"), None);
    }
}
