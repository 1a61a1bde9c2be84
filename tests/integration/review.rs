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
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("examgrade"))
        .current_dir(root())
        .args(["review", "--rubric", SEED_RUBRIC, SEED_XLSX, "--decisions"])
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
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
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
    // Too large a request is refused before it is read.
    let big = format!("t={t}&comment={}", "x".repeat(70_000));
    assert_eq!(http(&s.base, "POST", "/decide", &big, None).0, 413);
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
fn decisions_are_written_at_once_and_grade_gives_the_same_grades() {
    let dir = tempfile::tempdir().unwrap();
    let decisions = dir.path().join("decisions.csv");
    let s = start(&decisions);
    let t = &s.token;
    // Respondent 15 (position 13): the edited checkbox option, 0.5 → 1.
    let (status, reply) = http(
        &s.base,
        "POST",
        "/decide",
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
    let (status, _) = http(
        &s.base,
        "POST",
        "/decide",
        &format!("t={t}&n=7&q=8&points=2&comment=full+marks&scope=group"),
        None,
    );
    assert_eq!(status, 303);
    assert_eq!(csv_rows(&decisions).len(), 1 + 1 + 7);
    // Undo takes the group decision back, and only it.
    assert_eq!(
        http(&s.base, "POST", "/undo", &format!("t={t}"), None).0,
        303
    );
    assert_eq!(csv_rows(&decisions).len(), 2);
    drop(s);
    // Quitting and grading with the decisions file gives the same grade.
    let out = dir.path().join("out");
    examgrade()
        .args([
            "grade",
            "-q",
            "--rubric",
            SEED_RUBRIC,
            SEED_XLSX,
            "--reports",
            "none",
        ])
        .arg("--decisions")
        .arg(&decisions)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let grades = csv_rows(&out.join("grades.csv"));
    let row = grades.iter().find(|r| r[0] == "15").unwrap();
    assert_eq!((row[3].as_str(), row[12].as_str()), ("1", "12"));
    // And a review started again reads the decision back: nothing lost, nothing doubled.
    let s = start(&decisions);
    assert_eq!(
        http(&s.base, "POST", "/undo", &format!("t={}", s.token), None).0,
        303
    );
    assert_eq!(
        csv_rows(&decisions).len(),
        2,
        "nothing to undo in a new session"
    );
}
