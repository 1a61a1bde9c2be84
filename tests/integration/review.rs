//! `examgrade review`: the server refuses requests without its token, writes each decision at
//! once in the form `grade` reads, decides answer groups and undoes; and a TA's session in a
//! real headless Chromium (WebDriver) through one item, one group and an undo.

use super::{SEED_RUBRIC, SEED_XLSX, csv_rows, examgrade, root};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `examgrade review`, stopped when dropped.
struct Server {
    child: Child,
    base: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(decisions: &Path) -> Server {
    start_with(SEED_RUBRIC, &[Path::new(SEED_XLSX)], decisions)
}

fn start_with(rubric: &str, exports: &[&Path], decisions: &Path) -> Server {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("examgrade"))
        .current_dir(root())
        .args(["review", "--rubric", rubric])
        .args(exports)
        .arg("--decisions")
        .arg(decisions)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("review starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim();
    let (base, token) = url.split_once("/?t=").expect("the URL with its token");
    assert!(base.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(token.len(), 32);
    Server {
        child,
        base: base.to_string(),
        token: token.to_string(),
    }
}

/// `grade` with the decisions file, exit 0, into `dir/out`: its grades.csv.
fn grade_with(rubric: &str, export: &Path, decisions: &Path, dir: &Path) -> Vec<Vec<String>> {
    let out = dir.join("out");
    examgrade()
        .args(["grade", "-q", "--rubric", rubric, "--reports", "none"])
        .arg(export)
        .arg("--decisions")
        .arg(decisions)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    csv_rows(&out.join("grades.csv"))
}

/// One HTTP/1.1 request; (status, headers and body).
fn http(base: &str, method: &str, path: &str, body: &str, host: Option<&str>) -> (u16, String) {
    let authority = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(authority).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        host.unwrap_or(authority),
        body.len()
    )
    .unwrap();
    // Read the head, then exactly Content-Length bytes: a server may keep the connection open.
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut reader = BufReader::new(s);
    let mut out = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap();
        }
        out.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    out.push_str(&String::from_utf8_lossy(&body));
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// A form posted to `path` as the review page posts it: the token in the URL and first in the
/// body, then `fields`; the reply's status.
fn post(base: &str, token: &str, path: &str, fields: &str) -> u16 {
    let body = if fields.is_empty() {
        format!("t={token}")
    } else {
        format!("t={token}&{fields}")
    };
    http(base, "POST", &format!("{path}?t={token}"), &body, None).0
}

#[test]
fn requests_without_the_token_or_from_another_host_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let decisions = dir.path().join("decisions.csv");
    let s = start(&decisions);
    let t = &s.token;
    assert_eq!(http(&s.base, "GET", "/", "", None).0, 403);
    assert_eq!(http(&s.base, "GET", "/?t=0123", "", None).0, 403);
    assert_eq!(http(&s.base, "GET", "/item?n=0&q=0", "", None).0, 403);
    // A page elsewhere reaching the port through a name of its own (DNS rebinding).
    assert_eq!(
        http(
            &s.base,
            "GET",
            &format!("/?t={t}"),
            "",
            Some("evil.example:80")
        )
        .0,
        403
    );
    assert_eq!(
        http(&s.base, "POST", "/decide", "t=nope&n=0&q=0&points=1", None).0,
        403
    );
    // The token must be in the form too (and a request without it in the URL is refused
    // before its body is read).
    assert_eq!(
        http(
            &s.base,
            "POST",
            &format!("/decide?t={t}"),
            "n=0&q=0&points=1",
            None
        )
        .0,
        403
    );
    // Too large a request is refused before it is read.
    let big = format!("t={t}&comment={}", "x".repeat(70_000));
    assert_eq!(
        http(&s.base, "POST", &format!("/decide?t={t}"), &big, None).0,
        413
    );
    // No path reaches the file system.
    assert_eq!(
        http(
            &s.base,
            "GET",
            &format!("/../../etc/passwd?t={t}"),
            "",
            None
        )
        .0,
        404
    );
    let (status, page) = http(&s.base, "GET", &format!("/?t={t}"), "", None);
    assert_eq!(status, 200);
    assert!(
        page.contains("Content-Security-Policy: default-src 'none'"),
        "{page}"
    );
    assert!(page.contains("Referrer-Policy: no-referrer"), "{page}");
    assert!(!decisions.exists(), "nothing decided, nothing written");
}

#[test]
fn a_decision_on_an_answer_that_changed_is_shown_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let decisions = dir.path().join("decisions.csv");
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    std::fs::create_dir_all(&one).unwrap();
    std::fs::create_dir_all(&two).unwrap();
    let first = one.join("sitting-b.csv");
    let again = two.join("sitting-b.csv");
    std::fs::copy(root().join("fixtures/safety/sitting-b.csv"), &first).unwrap();
    // The re-export: respondent 2 unticked 9.
    std::fs::copy(
        root().join("fixtures/safety/sitting-b-reexport.csv"),
        &again,
    )
    .unwrap();
    let rubric = "fixtures/safety/rubric.toml";
    let s = start_with(rubric, &[&first], &decisions);
    let decide = |s: &Server, points: &str| {
        http(
            &s.base,
            "POST",
            &format!("/decide?t={}", s.token),
            &format!(
                "t={}&n=1&q=0&points={points}&comment=seen&scope=one",
                s.token
            ),
            None,
        )
        .0
    };
    assert_eq!(decide(&s, "1.5"), 303);
    drop(s);
    let s = start_with(rubric, &[&again], &decisions);
    let t = s.token.clone();
    let (_, queue) = http(&s.base, "GET", &format!("/?t={t}"), "", None);
    assert!(queue.contains("<strong>stale-decision</strong>"), "{queue}");
    let (_, item) = http(&s.base, "GET", &format!("/item?t={t}&n=1&q=0"), "", None);
    assert!(
        item.contains("An earlier decision, made on a different version of this answer, is not applied: 1.5 points — seen."),
        "{item}"
    );
    // Deciding again replaces it: one row, on the answer as it is now, written as a decimal.
    assert_eq!(decide(&s, "0.5"), 303);
    let rows = csv_rows(&decisions);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][4..7], ["pick", "0.5", "seen"]);
    drop(s);
    let grades = grade_with(rubric, &again, &decisions, dir.path());
    assert_eq!(grades[2][..4], ["2", "anonymous", "", "0.5"]);
}

#[test]
fn a_decision_that_cannot_be_written_is_refused_and_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    // The decisions file's folder does not exist: nothing can be written there.
    let decisions = dir.path().join("missing").join("decisions.csv");
    let s = start(&decisions);
    let t = &s.token;
    // Points no output could show are refused, with what is accepted.
    let (status, reply) = http(
        &s.base,
        "POST",
        &format!("/decide?t={t}"),
        &format!("t={t}&n=13&q=0&points=1%2F10000&scope=one"),
        None,
    );
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply.ends_with("points must be a number from 0 to 3, with at most two decimals (0.25), or a fraction such as 1/3"),
        "{reply}"
    );
    let (status, reply) = http(
        &s.base,
        "POST",
        &format!("/decide?t={t}"),
        &format!("t={t}&n=13&q=0&points=1&scope=one"),
        None,
    );
    assert_eq!(status, 500, "{reply}");
    assert!(reply.contains("cannot write the decisions"), "{reply}");
    // The page does not pretend it was decided.
    let (_, item) = http(&s.base, "GET", &format!("/item?t={t}&n=13&q=0"), "", None);
    assert!(
        item.contains("<strong id=\"total\">11.5 / 20</strong>"),
        "{item}"
    );
    assert!(!item.contains("Remove this decision"), "{item}");
}

#[test]
fn decisions_are_written_at_once_and_grade_gives_the_same_grades() {
    let dir = tempfile::tempdir().unwrap();
    let decisions = dir.path().join("decisions.csv");
    let s = start(&decisions);
    let t = &s.token;
    // Respondent 15 (position 13): the edited checkbox option, 0.5 → 1.
    let (status, reply) = http(
        &s.base,
        "POST",
        &format!("/decide?t={t}"),
        &format!("t={t}&n=13&q=0&points=1&comment=Edited+option+text%3A+accepted&scope=one"),
        None,
    );
    assert_eq!(status, 303, "{reply}");
    let rows = csv_rows(&decisions);
    assert_eq!(
        rows[0],
        [
            "respondent",
            "id",
            "email",
            "name",
            "question",
            "override",
            "comment",
            "answer"
        ]
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1][..7],
        [
            "jurgen.ricci15@studenti.example.edu",
            "15",
            "jurgen.ricci15@studenti.example.edu",
            "Jürgen Ricci",
            "q1-gradients",
            "1",
            "Edited option text: accepted"
        ]
    );
    // The page shows the regraded total at once.
    let (_, item) = http(&s.base, "GET", &format!("/item?t={t}&n=13&q=0"), "", None);
    assert!(
        item.contains("<strong id=\"total\">12 / 20</strong>"),
        "{item}"
    );
    // A group decision: the 7 near-identical answers to q3-transformer in respondent 8's group.
    let (_, item) = http(&s.base, "GET", &format!("/item?t={t}&n=7&q=8"), "", None);
    assert!(
        item.contains("Decide for all 7 alike answers (g)"),
        "{item}"
    );
    assert_eq!(
        post(
            &s.base,
            t,
            "/decide",
            "n=7&q=8&points=2&comment=full+marks&scope=group"
        ),
        303
    );
    assert_eq!(csv_rows(&decisions).len(), 1 + 1 + 7);
    // One member of the group taken back on its own, then put back by undo.
    assert_eq!(post(&s.base, t, "/remove", "n=7&q=8"), 303);
    assert_eq!(csv_rows(&decisions).len(), 1 + 1 + 6);
    assert_eq!(post(&s.base, t, "/undo", ""), 303);
    assert_eq!(csv_rows(&decisions).len(), 1 + 1 + 7);
    // Undo takes the group decision back, and only it.
    assert_eq!(post(&s.base, t, "/undo", ""), 303);
    assert_eq!(csv_rows(&decisions).len(), 2);
    drop(s);
    // Quitting and grading with the decisions file gives the same grade.
    let grades = grade_with(SEED_RUBRIC, Path::new(SEED_XLSX), &decisions, dir.path());
    let row = grades.iter().find(|r| r[0] == "15").unwrap();
    assert_eq!((row[3].as_str(), row[12].as_str()), ("1", "12"));
    // And a review started again reads the decision back: nothing lost, nothing doubled.
    let s = start(&decisions);
    assert_eq!(post(&s.base, &s.token, "/undo", ""), 303);
    assert_eq!(
        csv_rows(&decisions).len(),
        2,
        "nothing to undo in a new session"
    );
}

/// A WebDriver command to chromedriver: the `value` of its JSON reply.
fn webdriver(base: &str, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let body = if method == "GET" || method == "DELETE" {
        String::new()
    } else {
        body.to_string()
    };
    let (status, reply) = http(base, method, path, &body, None);
    let json = reply.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let value: serde_json::Value = serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("{method} {path}: {status}: {e}: {reply}"));
    assert_eq!(status, 200, "{method} {path}: {value}");
    value["value"].clone()
}

/// A TA's session in headless Chromium: decide one answer by typing points and a comment,
/// decide a whole answer group with its button, undo it with the `u` key; then stop the server
/// and grade with the decisions file. Needs Debian's chromium and chromium-driver (.ci/run
/// installs them); on a machine without them it says so and passes only outside CI.
#[test]
fn a_ta_decides_in_a_real_browser() {
    use serde_json::json;
    let Ok(driver_bin) = which("chromedriver") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromedriver (tools/install-browser.sh)"
        );
        eprintln!("skipped: no chromedriver on this machine (tools/install-browser.sh)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let decisions = dir.path().join("decisions.csv");
    let s = start(&decisions);
    let t = s.token.clone();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut driver = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wd = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ready, "chromedriver did not start");
    let profile = dir.path().join("profile");
    let session = webdriver(
        &wd,
        "POST",
        "/session",
        json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": which("chromium").unwrap(),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     format!("--user-data-dir={}", profile.display())]
        }}}}),
    );
    let id = session["sessionId"].as_str().unwrap().to_string();
    let go = |url: String| {
        webdriver(
            &wd,
            "POST",
            &format!("/session/{id}/url"),
            json!({ "url": url }),
        );
    };
    let find = |css: &str| -> String {
        let e = webdriver(
            &wd,
            "POST",
            &format!("/session/{id}/element"),
            json!({"using": "css selector", "value": css}),
        );
        e.as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.as_str())
            .unwrap()
            .to_string()
    };
    let click = |css: &str| {
        let e = find(css);
        webdriver(
            &wd,
            "POST",
            &format!("/session/{id}/element/{e}/click"),
            json!({}),
        );
    };
    let type_in = |css: &str, text: &str| {
        let e = find(css);
        webdriver(
            &wd,
            "POST",
            &format!("/session/{id}/element/{e}/value"),
            json!({ "text": text }),
        );
    };
    let text_of = |css: &str| -> String {
        let e = find(css);
        webdriver(
            &wd,
            "GET",
            &format!("/session/{id}/element/{e}/text"),
            json!({}),
        )
        .as_str()
        .unwrap()
        .to_string()
    };
    // One item: points and a comment typed, saved.
    go(format!("{}/item?t={t}&n=13&q=0", s.base));
    type_in("#points", "1");
    type_in("#comment", "Edited option text: accepted");
    click("#save");
    let rows_after = |n: usize| {
        // The click returns once the form is sent; the page that answers it may still load.
        for _ in 0..100 {
            if decisions.exists() && csv_rows(&decisions).len() == n {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        false
    };
    assert!(rows_after(2), "the decision was written");
    let rows = csv_rows(&decisions);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1][4..7],
        ["q1-gradients", "1", "Edited option text: accepted"]
    );
    go(format!("{}/item?t={t}&n=13&q=0", s.base));
    assert_eq!(text_of("#total"), "12 / 20");
    // One answer group, with its button.
    go(format!("{}/item?t={t}&n=7&q=8", s.base));
    type_in("#points", "2");
    click("#group");
    assert!(rows_after(1 + 1 + 7), "the group's decisions were written");
    // Undo by keyboard: `u` on the page.
    webdriver(
        &wd,
        "POST",
        &format!("/session/{id}/actions"),
        json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": "u"}, {"type": "keyUp", "value": "u"}]}]}),
    );
    assert!(rows_after(2), "the u key undid the group decision");
    webdriver(&wd, "DELETE", &format!("/session/{id}"), json!({}));
    let _ = driver.kill();
    let _ = driver.wait();
    drop(s);
    let grades = grade_with(SEED_RUBRIC, Path::new(SEED_XLSX), &decisions, dir.path());
    let row = grades.iter().find(|r| r[0] == "15").unwrap();
    assert_eq!((row[3].as_str(), row[12].as_str()), ("1", "12"));
    let eight = grades.iter().find(|r| r[0] == "8").unwrap();
    assert_ne!(eight[11], "2", "the undone group decision left no trace");
}

/// The path of a program on PATH.
fn which(program: &str) -> Result<String, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        })
        .map(|p| p.display().to_string())
        .ok_or(())
}
