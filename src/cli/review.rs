//! `examgrade review --rubric R.toml EXPORT... [--decisions FILE] [--port N]`: grade the class,
//! then serve the review queue on 127.0.0.1 until Ctrl-C. Every decision is written to the
//! decisions file at once (atomically, in the form `grade` reads), so the decisions file stays
//! the one source of truth: quitting and running `grade` gives the same grades.
//!
//! Safety: loopback only; a random token that every request must carry (in the URL of a page,
//! in the form of a POST), so no other local user or web page can read answers or decide; the
//! Host header must name the server (no DNS rebinding); request bodies are bounded; no path
//! from a request reaches the file system — pages are chosen from a fixed set, students and
//! questions by number.
//!
//! Server: tiny_http — synchronous and small. One TA, on one machine, one request at a time:
//! an async stack (axum on tokio) would add a runtime and a dozen crates for nothing here.

use super::{Fatal, ReviewArgs};
use crate::points::Points;
use crate::report::class_pages::page;
use crate::score::decisions::{Decision, Planned};
use crate::score::run::{Grading, RespondentResult, answer_hash};
use maud::{Markup, PreEscaped, html};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Largest request body read (a decision form is a few hundred bytes).
const MAX_BODY: u64 = 64 * 1024;

/// One decision as the review keeps it: on respondent `n`'s answer to question `qi`.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    n: usize,
    qi: usize,
    /// Hash of the answer decided on.
    answer: String,
    /// The answer has changed since (kept, shown, never applied).
    stale: bool,
    points: Option<Points>,
    comment: String,
}

/// What one action did, so that it can be undone.
#[derive(Clone)]
struct Action {
    label: String,
    /// (n, qi) and the entry there before (None: there was none).
    before: Vec<((usize, usize), Option<Entry>)>,
    /// Decisions on earlier answers that this action replaced.
    stale: Vec<Entry>,
}

struct State {
    head: crate::score::run::GradeRun,
    keys: Vec<String>,
    machine: Vec<RespondentResult>,
    current: Vec<RespondentResult>,
    /// Decisions on current answers, by (respondent, question).
    decided: BTreeMap<(usize, usize), Entry>,
    /// Decisions on answers that changed since: kept in the file as they are.
    stale: Vec<Entry>,
    /// Per text question: answer group of each member (`group_of[qi][n]`).
    groups: Vec<Vec<Option<usize>>>,
    /// Hash of the words of each answer (`words[qi][n]`), worked out once: alike answers of
    /// questions without answer groups are found by it.
    words: Vec<Vec<u64>>,
    file: PathBuf,
    token: String,
    undo: Vec<Action>,
}

pub fn run(args: ReviewArgs) -> Result<super::Done, Fatal> {
    let rubric = super::load_rubric(&args.rubric)?;
    let exports: Vec<crate::ingest::Export> = args
        .exports
        .iter()
        .map(|p| super::read_export_file(p))
        .collect::<Result<_, _>>()?;
    let grading = Grading::new(&rubric, &exports)?;
    let file = args
        .decisions
        .clone()
        .unwrap_or_else(|| super::grade::default_decisions(&args.rubric));
    // A link is followed once, here: decisions are written to the file it names, which keeps
    // its permissions.
    let file = if file.exists() {
        std::fs::canonicalize(&file).unwrap_or(file)
    } else {
        file
    };
    let mut state = State::new(&grading, file)?;
    let server = tiny_http::Server::http(("127.0.0.1", args.port))
        .map_err(|e| Fatal(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or_else(|| Fatal("the server has no IP address".into()))?;
    println!("http://127.0.0.1:{port}/?t={}", state.token);
    eprintln!(
        "reviewing {} respondents, {} review item(s); decisions go to {}; Ctrl-C to stop",
        state.current.len(),
        state.queue(None, None, true).len(),
        state.file.display()
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    for request in server.incoming_requests() {
        let response = state.handle(request, port);
        if let Err(e) = response {
            eprintln!("warning: {e}");
        }
    }
    Ok(super::Done::Clean)
}

fn token() -> Result<String, Fatal> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Fatal(format!("no random numbers for the access token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equal strings, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl State {
    fn new(grading: &Grading, file: PathBuf) -> Result<State, Fatal> {
        let head = grading.head.clone();
        let machine = grading.grade(
            0..grading.len(),
            &crate::score::score,
            &|| {},
            None::<&rayon::ThreadPool>,
        );
        let mut decided = BTreeMap::new();
        let mut stale = Vec::new();
        if file.is_file() {
            let decisions: Vec<Decision> = super::grade::read_decisions(&file)?;
            let shown = file.display().to_string();
            for p in crate::score::decisions::plan(grading, &shown, &decisions)? {
                let entry = Entry {
                    n: p.respondent,
                    qi: p.question,
                    answer: if p.answer.is_empty() {
                        answer_hash(&machine[p.respondent].questions[p.question].answer)
                    } else {
                        p.answer.clone()
                    },
                    stale: p.stale,
                    points: p.points,
                    comment: p.comment,
                };
                if entry.stale {
                    stale.push(entry);
                } else {
                    decided.insert((entry.n, entry.qi), entry);
                }
            }
        }
        let mut groups: Vec<Vec<Option<usize>>> =
            head.questions.iter().map(|_| Vec::new()).collect();
        for (g, group) in head.answer_groups.iter().enumerate() {
            if let Some(qi) = head.questions.iter().position(|q| q.id == group.question) {
                let slot = &mut groups[qi];
                for &n in &group.members {
                    if slot.len() <= n {
                        slot.resize(n + 1, None);
                    }
                    slot[n] = Some(g);
                }
            }
        }
        let keys = (0..grading.len())
            .map(|n| grading.key(n).to_string())
            .collect();
        let words = (0..head.questions.len())
            .map(|qi| {
                machine
                    .iter()
                    .map(|r| crate::text::hash_words(&r.questions[qi].answer))
                    .collect()
            })
            .collect();
        let mut state = State {
            head,
            keys,
            current: machine.clone(),
            machine,
            decided,
            stale,
            groups,
            words,
            file,
            token: token()?,
            undo: Vec::new(),
        };
        for n in 0..state.current.len() {
            state.refresh(n);
        }
        Ok(state)
    }

    /// Respondent `n` as the machine graded it, with the decisions on it applied.
    fn refresh(&mut self, n: usize) {
        let planned: Vec<Planned> = self
            .decided
            .range((n, 0)..(n + 1, 0))
            .map(|(_, e)| Planned {
                respondent: n,
                question: e.qi,
                line: 0,
                answer: e.answer.clone(),
                stale: false,
                points: e.points,
                comment: e.comment.clone(),
            })
            .collect();
        let mut r = self.machine[n].clone();
        let refs: Vec<&Planned> = planned.iter().collect();
        crate::score::decisions::apply(&mut r, &refs);
        self.current[n] = r;
    }

    /// The decisions file, written whole, atomically (a temporary file beside it, renamed).
    fn save(&self) -> Result<(), String> {
        use crate::report::csv::{Cell, CsvOut};
        let mut out = CsvOut::default();
        out.header(&[
            "respondent",
            "id",
            "email",
            "name",
            "question",
            "override",
            "comment",
            "answer",
        ]);
        for e in self.decided.values().chain(&self.stale) {
            let r = &self.machine[e.n];
            out.row(&[
                Cell::Text(&self.keys[e.n]),
                Cell::Text(&r.respondent.id),
                Cell::Text(&r.respondent.email),
                Cell::Text(&r.respondent.name),
                Cell::Text(&self.head.questions[e.qi].id),
                // Decimals as decimals (1.5; a spreadsheet reads 3/2 as a date), thirds as
                // fractions (1/3), exactly as grade reads them.
                Cell::Plain(
                    e.points
                        .map(|p| {
                            if p.displays_exactly() {
                                p.display()
                            } else {
                                p.exact()
                            }
                        })
                        .unwrap_or_default(),
                ),
                Cell::Text(&e.comment),
                Cell::Plain(e.answer.clone()),
            ]);
        }
        let bytes = out.into_bytes();
        write_atomically(&self.file, &bytes)
            .map_err(|e| format!("{}: cannot write the decisions: {e}", self.file.display()))
    }

    /// Review items: (respondent, question, reasons), in class order; `open` leaves out the
    /// decided ones.
    fn queue(
        &self,
        question: Option<usize>,
        reason: Option<&str>,
        open: bool,
    ) -> Vec<(usize, usize)> {
        let mut items = Vec::new();
        for (n, r) in self.machine.iter().enumerate() {
            for (qi, q) in r.questions.iter().enumerate() {
                let stale = self.stale.iter().any(|e| e.n == n && e.qi == qi);
                let reasons = || {
                    q.score
                        .review
                        .iter()
                        .map(|i| i.reason.name())
                        .chain(stale.then_some("stale-decision"))
                };
                if (q.score.review.is_empty() && !stale)
                    || question.is_some_and(|x| x != qi)
                    || reason.is_some_and(|x| !reasons().any(|r| r == x))
                    || (open && self.decided.contains_key(&(n, qi)))
                {
                    continue;
                }
                items.push((n, qi));
            }
        }
        items
    }

    /// The respondents whose answer to `qi` is respondent `n`'s or near-identical to it (its
    /// answer group), `n` included, in class order.
    fn group(&self, n: usize, qi: usize) -> Vec<usize> {
        if let Some(Some(g)) = self.groups[qi].get(n) {
            return self.head.answer_groups[*g].members.clone();
        }
        let answer = &self.machine[n].questions[qi].answer;
        if answer.trim().is_empty() {
            return vec![n];
        }
        let words = self.words[qi][n];
        (0..self.machine.len())
            .filter(|&m| {
                let a = &self.machine[m].questions[qi].answer;
                self.words[qi][m] == words && a.split_whitespace().eq(answer.split_whitespace())
            })
            .collect()
    }

    fn handle(&mut self, mut request: tiny_http::Request, port: u16) -> Result<(), String> {
        let url = request.url().to_string();
        let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
        let params: BTreeMap<String, String> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        // The Host header must name this server: a page elsewhere cannot reach it through a
        // name that resolves here.
        let host_ok = request.headers().iter().any(|h| {
            h.field.equiv("Host")
                && [format!("127.0.0.1:{port}"), format!("localhost:{port}")]
                    .contains(&h.value.as_str().to_string())
        });
        let method = request.method().clone();
        // Checked before any body is read: without the token a request costs nothing (forms
        // post to a URL that carries it, and their body must carry it too).
        if !host_ok || !params.get("t").is_some_and(|t| same(t, &self.token)) {
            // Answered on a thread of its own: a request that never sends the body it
            // announced holds that thread, not the server.
            std::thread::spawn(move || forbidden(request));
            return Ok(());
        }
        let mut form = BTreeMap::new();
        if method == tiny_http::Method::Post {
            let declared = request.body_length().unwrap_or(0) as u64;
            if declared > MAX_BODY {
                return respond(request, 413, "text/plain", "request too large".into());
            }
            let mut body = Vec::new();
            use std::io::Read;
            request
                .as_reader()
                .take(MAX_BODY + 1)
                .read_to_end(&mut body)
                .map_err(|e| e.to_string())?;
            if body.len() as u64 > MAX_BODY {
                return respond(request, 413, "text/plain", "request too large".into());
            }
            form = form_urlencoded::parse(&body).into_owned().collect();
            if !form.get("t").is_some_and(|t| same(t, &self.token)) {
                return forbidden(request);
            }
        }
        let number = |map: &BTreeMap<String, String>, key: &str| -> Option<usize> {
            map.get(key).and_then(|v| v.parse().ok())
        };
        match (method, path) {
            (tiny_http::Method::Get, "/") => {
                let question = number(&params, "q").filter(|&q| q < self.head.questions.len());
                let reason = params
                    .get("reason")
                    .map(String::as_str)
                    .filter(|r| !r.is_empty());
                let open = !params.contains_key("all");
                let group = match (number(&params, "gn"), number(&params, "gq")) {
                    (Some(n), Some(qi))
                        if n < self.current.len() && qi < self.head.questions.len() =>
                    {
                        Some((n, qi))
                    }
                    _ => None,
                };
                let body = self.queue_page(question, reason, open, group);
                respond(request, 200, "text/html; charset=utf-8", body)
            }
            (tiny_http::Method::Get, "/item") => {
                match (number(&params, "n"), number(&params, "q")) {
                    (Some(n), Some(qi))
                        if n < self.current.len() && qi < self.head.questions.len() =>
                    {
                        let body = self.item_page(n, qi);
                        respond(request, 200, "text/html; charset=utf-8", body)
                    }
                    _ => respond(request, 404, "text/plain", "no such answer".into()),
                }
            }
            (tiny_http::Method::Get, "/class") => {
                let body = self.class_page();
                respond(request, 200, "text/html; charset=utf-8", body)
            }
            (tiny_http::Method::Post, "/decide") => {
                let (Some(n), Some(qi)) = (number(&form, "n"), number(&form, "q")) else {
                    return respond(request, 400, "text/plain", "which answer?".into());
                };
                if n >= self.current.len() || qi >= self.head.questions.len() {
                    return respond(request, 404, "text/plain", "no such answer".into());
                }
                let max = self.head.questions[qi].max;
                let points = match form
                    .get("points")
                    .map(|p| p.trim())
                    .filter(|p| !p.is_empty())
                {
                    None => None,
                    Some(p) => match Points::parse(p).filter(Points::is_plain) {
                        // A value that every output would show as 0.00 is no decision a TA
                        // means (1/10000).
                        Some(p)
                            if !p.is_negative()
                                && p <= max
                                && (p.is_zero() || p.rounded_f64() != 0.0) =>
                        {
                            Some(p)
                        }
                        _ => {
                            let body = format!(
                                "points must be a number from 0 to {max}, with at most two \
                                 decimals (0.25), or a fraction such as 1/3"
                            );
                            return respond(request, 400, "text/plain", body);
                        }
                    },
                };
                let accept = form.contains_key("accept");
                let points = if accept {
                    Some(self.machine[n].questions[qi].score.points)
                } else {
                    points
                };
                let comment = form.get("comment").cloned().unwrap_or_default();
                let comment = crate::text::excerpt(&comment, 2000);
                if points.is_none() && comment.is_empty() {
                    return respond(
                        request,
                        400,
                        "text/plain",
                        "give points or a comment".into(),
                    );
                }
                let members = if form.get("scope").map(String::as_str) == Some("group") {
                    self.group(n, qi)
                } else {
                    vec![n]
                };
                let mut before = Vec::new();
                // A new decision replaces any made on an earlier version of the answer.
                let replaced = self.take_stale(|e| e.qi == qi && members.contains(&e.n));
                for &m in &members {
                    let entry = Entry {
                        n: m,
                        qi,
                        answer: answer_hash(&self.machine[m].questions[qi].answer),
                        stale: false,
                        points,
                        comment: comment.clone(),
                    };
                    before.push(((m, qi), self.decided.insert((m, qi), entry)));
                    self.refresh(m);
                }
                let label = format!(
                    "{} on {} answer{} to {}",
                    points
                        .map(|p| format!("{p} points"))
                        .unwrap_or_else(|| "a comment".into()),
                    members.len(),
                    if members.len() == 1 { "" } else { "s" },
                    self.head.questions[qi].id
                );
                if let Err(e) = self.commit(Action {
                    label,
                    before,
                    stale: replaced,
                }) {
                    return respond(request, 500, "text/plain", e);
                }
                let next = self.next_after(n, qi);
                self.redirect(request, next)
            }
            (tiny_http::Method::Post, "/remove") => {
                let (Some(n), Some(qi)) = (number(&form, "n"), number(&form, "q")) else {
                    return respond(request, 400, "text/plain", "which answer?".into());
                };
                let old = self.decided.remove(&(n, qi));
                let replaced = self.take_stale(|e| e.n == n && e.qi == qi);
                if old.is_none() && replaced.is_empty() {
                    return self.redirect(request, Some((n, qi)));
                }
                self.refresh(n);
                if let Err(e) = self.commit(Action {
                    label: format!("removing the decision on {}", self.head.questions[qi].id),
                    before: vec![((n, qi), old)],
                    stale: replaced,
                }) {
                    return respond(request, 500, "text/plain", e);
                }
                self.redirect(request, Some((n, qi)))
            }
            (tiny_http::Method::Post, "/undo") => {
                if let Some(action) = self.undo.pop() {
                    let now: Vec<_> = action
                        .before
                        .iter()
                        .map(|(key, _)| (*key, self.decided.get(key).cloned()))
                        .collect();
                    let back = action.before.first().map(|(key, _)| *key);
                    self.restore(action.before.clone());
                    self.stale.extend(action.stale.iter().cloned());
                    if let Err(e) = self.save() {
                        self.restore(now);
                        let n = self.stale.len() - action.stale.len();
                        self.stale.truncate(n);
                        self.undo.push(action);
                        return respond(request, 500, "text/plain", e);
                    }
                    return self.redirect(request, back);
                }
                self.redirect(request, None)
            }
            _ => respond(request, 404, "text/plain", "no such page".into()),
        }
    }

    /// Take out the decisions on earlier answers that `pick` names.
    fn take_stale(&mut self, pick: impl Fn(&Entry) -> bool) -> Vec<Entry> {
        let (taken, kept) = std::mem::take(&mut self.stale).into_iter().partition(pick);
        self.stale = kept;
        taken
    }

    /// Save an action already made in memory, and keep it for undo; if the file cannot be
    /// written, take the action back (the page never shows what the file does not hold).
    fn commit(&mut self, action: Action) -> Result<(), String> {
        if let Err(e) = self.save() {
            self.restore(action.before);
            self.stale.extend(action.stale);
            return Err(e);
        }
        self.undo.push(action);
        Ok(())
    }

    /// Put these entries back as they were (None: no decision there).
    fn restore(&mut self, entries: Vec<((usize, usize), Option<Entry>)>) {
        let mut touched = Vec::new();
        for (key, old) in entries.into_iter().rev() {
            match old {
                Some(e) => self.decided.insert(key, e),
                None => self.decided.remove(&key),
            };
            touched.push(key.0);
        }
        touched.sort_unstable();
        touched.dedup();
        for n in touched {
            self.refresh(n);
        }
    }

    /// The open item after (n, qi), in queue order.
    fn next_after(&self, n: usize, qi: usize) -> Option<(usize, usize)> {
        self.queue(None, None, true)
            .into_iter()
            .find(|&x| x > (n, qi))
    }

    fn redirect(
        &self,
        request: tiny_http::Request,
        to: Option<(usize, usize)>,
    ) -> Result<(), String> {
        let location = match to {
            Some((n, qi)) => format!("/item?t={}&n={n}&q={qi}", self.token),
            None => format!("/?t={}", self.token),
        };
        let header = tiny_http::Header::from_bytes("Location", location.as_bytes())
            .map_err(|()| "bad header".to_string())?;
        let response = tiny_http::Response::empty(303).with_header(header);
        request
            .respond(with_safety(response))
            .map_err(|e| e.to_string())
    }

    fn link(&self, n: usize, qi: usize) -> String {
        format!("/item?t={}&n={n}&q={qi}", self.token)
    }

    fn nav(&self) -> Markup {
        let t = &self.token;
        html! {
            nav {
                a href={ "/?t=" (t) } accesskey="q" { "Queue" } " · "
                a href={ "/class?t=" (t) } accesskey="l" { "Class" } " · "
                (self.decided.len()) " decision" @if self.decided.len() != 1 { "s" } " in " code { (self.file.display()) }
                @if let Some(last) = self.undo.last() {
                    form.inline method="post" action={ "/undo?t=" (t) } {
                        input type="hidden" name="t" value=(t);
                        " · " button type="submit" accesskey="u" { "Undo: " (last.label) " (u)" }
                    }
                }
            }
        }
    }

    fn queue_page(
        &self,
        question: Option<usize>,
        reason: Option<&str>,
        open: bool,
        group: Option<(usize, usize)>,
    ) -> String {
        let mut items = self.queue(question, reason, open);
        if let Some((n, qi)) = group {
            let members = self.group(n, qi);
            items.retain(|&(m, q)| q == qi && members.contains(&m));
        }
        let all = self.queue(None, None, false);
        let mut per_question: BTreeMap<usize, usize> = BTreeMap::new();
        let mut per_reason: BTreeMap<&str, usize> = BTreeMap::new();
        for &(n, qi) in &all {
            *per_question.entry(qi).or_default() += 1;
            for i in &self.machine[n].questions[qi].score.review {
                *per_reason.entry(i.reason.name()).or_default() += 1;
            }
            if self.stale.iter().any(|e| e.n == n && e.qi == qi) {
                *per_reason.entry("stale-decision").or_default() += 1;
            }
        }
        let t = &self.token;
        let body = html! {
            (self.nav())
            h1 { "Review — " (self.head.exam) }
            @if let Some((n, qi)) = group {
                p { "Showing one answer group: " (self.group(n, qi).len()) " alike answers to " (self.head.questions[qi].id) ". " a href={ "/?t=" (t) } { "Show all" } }
            }
            p {
                (items.len()) " item" @if items.len() != 1 { "s" }
                @if open { " still open" } @else { " in all" }
                " (" (all.len()) " in the queue, " (all.iter().filter(|k| self.decided.contains_key(k)).count()) " decided). "
                "Keys: j/k next/previous item, a accept, p points, c comment, g decide for the group, u undo."
            }
            form method="get" action="/" {
                input type="hidden" name="t" value=(t);
                label { "question " select name="q" {
                    option value="" { "all" }
                    @for (qi, count) in &per_question {
                        option value=(qi) selected[question == Some(*qi)] { (self.head.questions[*qi].id) " (" (count) ")" }
                    }
                } }
                " "
                label { "reason " select name="reason" {
                    option value="" { "all" }
                    @for (r, count) in &per_reason {
                        option value=(r) selected[reason == Some(*r)] { (r) " (" (count) ")" }
                    }
                } }
                " "
                label { input type="checkbox" name="all" value="1" checked[!open]; " decided ones too" }
                " " button type="submit" { "Show" }
            }
            div.scroll { table #queue {
                thead { tr { th { "ID" } th { "name" } th { "question" } th { "points" } th { "why" } th { "group" } } }
                tbody {
                    @for &(n, qi) in &items {
                        @let r = &self.current[n];
                        @let q = &r.questions[qi];
                        tr {
                            td { a href=(self.link(n, qi)) { (r.respondent.id) } }
                            td { (r.respondent.name) }
                            td { (self.head.questions[qi].id) }
                            td.n { (q.score.points) " / " (q.score.max) @if self.decided.contains_key(&(n, qi)) { " ✓" } }
                            td {
                                @for (i, item) in self.machine[n].questions[qi].score.review.iter().enumerate() { @if i > 0 { br; } strong { (item.reason.name()) } ": " (crate::text::excerpt(&item.detail, 160)) }
                                @if self.stale.iter().any(|e| e.n == n && e.qi == qi) { br; strong { "stale-decision" } ": a decision made on an earlier version of this answer is not applied" }
                            }
                            td.n { @let g = self.group(n, qi).len(); @if g > 1 { a href={ "/?t=" (t) "&gn=" (n) "&gq=" (qi) "&all=1" } title="this answer group's items" { (g) } } }
                        }
                    }
                }
            } }
            (PreEscaped(KEYS))
        };
        page(&format!("Review — {}", self.head.exam), body)
    }

    fn item_page(&self, n: usize, qi: usize) -> String {
        let r = &self.current[n];
        let q = &r.questions[qi];
        let info = &self.head.questions[qi];
        let view = crate::report::student::view(&self.head, r);
        let tx = self.head.language.text();
        let queue = self.queue(None, None, false);
        let at = queue.iter().position(|&x| x == (n, qi));
        let prev = match at {
            Some(i) if i > 0 => Some(queue[i - 1]),
            None => queue.iter().rev().find(|&&x| x < (n, qi)).copied(),
            _ => None,
        };
        let next = queue.iter().find(|&&x| x > (n, qi)).copied();
        let group = self.group(n, qi);
        let decided = self.decided.get(&(n, qi));
        let t = &self.token;
        let body = html! {
            (self.nav())
            p {
                @if let Some((pn, pq)) = prev { a #prev href=(self.link(pn, pq)) { "← previous (k)" } " · " }
                @if let Some((nn, nq)) = next { a #next href=(self.link(nn, nq)) { "next (j) →" } }
            }
            h1 { @if !r.respondent.name.is_empty() { (r.respondent.name) " · " } "ID " (r.respondent.id) " · " (info.id) }
            p { "Total now " strong #total { (r.total) " / " (r.max) } "." }
            @for item in &self.machine[n].questions[qi].score.review {
                p.ko { strong { (item.reason.name()) } ": " (item.detail) }
            }
            @for f in &q.score.findings {
                @if let crate::score::Finding::SecondOpinion { .. } = f {
                    p.muted { (f.message()) "." }
                }
            }
            @if let Some(v) = view.questions.get(qi) { (crate::report::student::question_markup(tx, v)) }
            h2 { "Decision" }
            @for e in self.stale.iter().filter(|e| e.n == n && e.qi == qi) {
                p.ko {
                    "An earlier decision, made on a different version of this answer, is not applied: "
                    (e.points.map(|p| format!("{p} points")).unwrap_or_else(|| "a comment".into()))
                    @if !e.comment.is_empty() { " — " (e.comment) }
                    ". Deciding again (or removing) replaces it."
                }
            }
            @if decided.is_some() || self.stale.iter().any(|e| e.n == n && e.qi == qi) {
                form.inline #remove method="post" action={ "/remove?t=" (t) } {
                    input type="hidden" name="t" value=(t);
                    input type="hidden" name="n" value=(n);
                    input type="hidden" name="q" value=(qi);
                    @if let Some(d) = decided {
                        span.ok { "Decided: " (d.points.map(|p| p.to_string()).unwrap_or_else(|| "machine's points kept".into())) @if !d.comment.is_empty() { " — " (d.comment) } }
                    }
                    " " button type="submit" { "Remove this decision" }
                }
            }
            form #decide method="post" action={ "/decide?t=" (t) } {
                input type="hidden" name="t" value=(t);
                input type="hidden" name="n" value=(n);
                input type="hidden" name="q" value=(qi);
                label { "points (0–" (info.max) ") " input #points type="text" inputmode="decimal" name="points" size="6" value=[decided.and_then(|d| d.points).map(|p| p.exact())]; }
                " "
                label { "comment " input #comment type="text" name="comment" size="50" value=[decided.map(|d| d.comment.clone())]; }
                " "
                button #save type="submit" name="scope" value="one" { "Decide" }
                " "
                button #accept type="submit" name="accept" value="1" { "Accept the machine's " (self.machine[n].questions[qi].score.points) " (a)" }
                @if group.len() > 1 {
                    " "
                    button #group type="submit" name="scope" value="group" { "Decide for all " (group.len()) " alike answers (g)" }
                }
            }
            @if group.len() > 1 {
                h2 { "Alike answers (" (group.len()) ")" }
                ul { @for &m in &group {
                    li {
                        a href=(self.link(m, qi)) { (self.current[m].respondent.id) " " (self.current[m].respondent.name) }
                        ": " (self.current[m].questions[qi].score.points)
                        @if self.decided.contains_key(&(m, qi)) { " (decided)" }
                    }
                } }
            }
            (PreEscaped(KEYS))
        };
        page(&format!("Review — {} — {}", r.respondent.id, info.id), body)
    }

    fn class_page(&self) -> String {
        let body = html! {
            (self.nav())
            h1 { "Class — " (self.head.exam) }
            div.scroll { table #class {
                thead { tr { th { "ID" } th { "name" } @for q in &self.head.questions { th title=(q.text) { (q.id) } } th { "total" } } }
                tbody {
                    @for (n, r) in self.current.iter().enumerate() {
                        tr {
                            td { (r.respondent.id) } td { (r.respondent.name) }
                            @for (qi, q) in r.questions.iter().enumerate() {
                                td.n { a href=(self.link(n, qi)) { (q.score.points) } @if self.decided.contains_key(&(n, qi)) { " ✓" } }
                            }
                            td.n { strong { (r.total) } }
                        }
                    }
                }
            } }
        };
        page(&format!("Class — {}", self.head.exam), body)
    }
}

/// Keyboard first: j/k move, a accepts, p and c focus the fields, g decides for the group,
/// u undoes (keys are ignored while typing in a field).
const KEYS: &str = "<script>\n\
document.addEventListener('keydown', function (e) {\n\
  var t = e.target.tagName;\n\
  if (t === 'INPUT' || t === 'SELECT' || t === 'TEXTAREA' || e.ctrlKey || e.metaKey || e.altKey) { return; }\n\
  var go = function (id) { var a = document.getElementById(id); if (a) { a.click(); e.preventDefault(); } };\n\
  var focus = function (id) { var f = document.getElementById(id); if (f) { f.focus(); e.preventDefault(); } };\n\
  if (e.key === 'j') { go('next'); } else if (e.key === 'k') { go('prev'); }\n\
  else if (e.key === 'a') { go('accept'); } else if (e.key === 'g') { go('group'); }\n\
  else if (e.key === 'p') { focus('points'); } else if (e.key === 'c') { focus('comment'); }\n\
  else if (e.key === 'u') { var u = document.querySelector('form[action^=\"/undo\"] button'); if (u) { u.click(); e.preventDefault(); } }\n\
});\n\
</script>\n";

fn with_safety<R: std::io::Read>(response: tiny_http::Response<R>) -> tiny_http::Response<R> {
    let mut response = response;
    for (k, v) in [
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store"),
    ] {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            response.add_header(h);
        }
    }
    response
}

fn forbidden(request: tiny_http::Request) -> Result<(), String> {
    respond(
        request,
        403,
        "text/plain",
        "forbidden: open the address examgrade review printed".into(),
    )
}

fn respond(
    request: tiny_http::Request,
    status: u16,
    kind: &str,
    body: String,
) -> Result<(), String> {
    let mut response = tiny_http::Response::from_string(body).with_status_code(status);
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", kind.as_bytes()) {
        response.add_header(h);
    }
    request
        .respond(with_safety(response))
        .map_err(|e| e.to_string())
}

/// Write `path` so that a reader sees the old file or the new one, never half of it.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "decisions.csv".into());
    let tmp = dir.join(format!(".{name}.examgrade-{}", std::process::id()));
    // Students' names and e-mails: readable by the owner only, unless the file was shared on
    // purpose (its permissions are kept).
    let mut f = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?
    };
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&tmp, meta.permissions())?;
    }
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}
