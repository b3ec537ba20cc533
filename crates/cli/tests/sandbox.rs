//! `paysmith sandbox` as a CI script runs it: on a free port, announcing its URLs on
//! the first line, refusing an unsigned request in the provider's shape, and logging
//! the stage that failed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// Stops the child even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A plain HTTP/1.1 exchange; returns the status line and the body.
fn http(base_url: &str, method: &str, path: &str) -> (String, String) {
    let authority = base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("the sandbox accepts connections");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

#[test]
fn sandbox_announces_its_urls_and_refuses_unsigned_requests() {
    let child = Command::new(env!("CARGO_BIN_EXE_paysmith"))
        .args(["sandbox", "--port", "0", "--provider", "bitpro,onebitpay"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("paysmith starts");
    let mut running = Running(child);
    let mut first_line = String::new();
    BufReader::new(running.0.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let announced: serde_json::Value =
        serde_json::from_str(&first_line).expect("the first line is JSON");
    let base_url = announced["base_url"]
        .as_str()
        .expect("a base URL")
        .to_owned();
    assert_eq!(
        announced["providers"],
        serde_json::json!({
            "bitpro": format!("{base_url}/bitpro"),
            "onebitpay": format!("{base_url}/onebitpay"),
        })
    );

    let (status, body) = http(&base_url, "GET", "/bitpro/api/v1/ping");
    assert_eq!(status, "HTTP/1.1 401 Unauthorized");
    assert!(
        body.contains(r#"{"errors":"Unauthorized: header `Authorization` is missing"}"#),
        "{body}"
    );
    let (status, _) = http(&base_url, "GET", "/bitpro-mapi/mapi/charges");
    assert_eq!(status, "HTTP/1.1 404 Not Found", "not served");
    let (_, index) = http(&base_url, "GET", "/_sandbox");
    assert!(index.contains(r#""api":"onebitpay""#), "{index}");

    let _ = running.0.kill();
    let _ = running.0.wait();
    let mut log = String::new();
    running
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("request refused") && log.contains("stage=headers"),
        "{log}"
    );
}

#[test]
fn an_unknown_provider_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_paysmith"))
        .args(["sandbox", "--port", "0", "--provider", "stripe"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown provider `stripe`; known: onebitpay, bitpro, bitpro-mapi, bitpay"),
        "{stderr}"
    );
}
