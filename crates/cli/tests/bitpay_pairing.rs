//! `paysmith bitpay pair` and `tokens` on their success paths, as the README's BitPay
//! walkthrough runs them: the binary against a BitPay sandbox started in-process on a
//! free loopback port, its store file read back as JSON.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use paysmith_sandbox::providers::bitpay::{TokenState, TokenView};
use paysmith_sandbox::{Outcome, Sandbox, SandboxConfig, Stage};
use paysmith_sign::bitpay_ecdsa::BitpayKey;
use serde_json::{Value, json};

/// A BitPay sandbox served by its own runtime for as long as the test holds it.
struct BitPaySandbox {
    sandbox: Sandbox,
    _runtime: tokio::runtime::Runtime,
}

impl BitPaySandbox {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let config = SandboxConfig::default().with_providers(["bitpay"]);
        let sandbox = runtime
            .block_on(paysmith_cli::sandbox::start(config))
            .expect("the sandbox starts");
        BitPaySandbox {
            sandbox,
            _runtime: runtime,
        }
    }

    fn url(&self) -> &str {
        self.sandbox.url("bitpay").expect("bitpay is served")
    }

    fn tokens(&self) -> Vec<TokenView> {
        self.sandbox.bitpay().unwrap().tokens()
    }

    /// Requests the sandbox received, in order.
    fn requests(&self) -> Vec<(String, Outcome)> {
        self.sandbox
            .events()
            .iter()
            .filter_map(|event| {
                Some((
                    event.endpoint().unwrap_or("none").to_owned(),
                    event.outcome()?.clone(),
                ))
            })
            .collect()
    }
}

fn paysmith(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paysmith"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Standard output as JSON, after checking the command succeeded.
fn json_out(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "status {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("standard output is one JSON document")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[cfg(unix)]
fn assert_owner_only(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{} is owner-only", path.display());
}

#[cfg(not(unix))]
fn assert_owner_only(_: &Path) {}

/// A plain HTTP/1.1 exchange with the sandbox; returns the status code and the body.
fn http(url: &str, method: &str, body: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

/// The one token the sandbox holds for `facade` bound to `sin` (it also holds the
/// conformance tokens, bound to another key).
fn sandbox_token(sandbox: &BitPaySandbox, facade: &str, sin: &str) -> TokenView {
    let mut matching: Vec<TokenView> = sandbox
        .tokens()
        .into_iter()
        .filter(|t| t.facade == facade && t.sin.as_deref() == Some(sin))
        .collect();
    assert_eq!(matching.len(), 1, "one {facade} token bound to {sin}");
    matching.remove(0)
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn request_approve_refresh_then_claim_with_a_key_file() {
    let sandbox = BitPaySandbox::start();
    let server = sandbox.url().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("bitpay.key");
    let store_path = dir.path().join("bitpay-tokens.json");
    let (key, store) = (path_str(&key_path), path_str(&store_path));

    let identity = json_out(&paysmith(&["bitpay", "keygen", "--out", key], &[]));
    let sin = identity["sin"].as_str().unwrap().to_owned();
    let private = BitpayKey::from_sec1_pem(&std::fs::read_to_string(&key_path).unwrap())
        .unwrap()
        .to_hex();

    // Client-initiated pairing: a token awaiting approval, its code and approval URL.
    let paired = paysmith(
        &[
            "bitpay", "pair", "--store", store, "--server", &server, "--key", key, "--facade",
            "merchant", "--label", "My shop",
        ],
        &[],
    );
    let printed = json_out(&paired);
    let requested = sandbox_token(&sandbox, "merchant", &sin);
    assert_eq!(requested.state, TokenState::AwaitingApproval);
    assert_eq!(requested.sin.as_deref(), Some(sin.as_str()));
    assert_eq!(requested.label.as_deref(), Some("My shop"));
    let code = requested.pairing_code.clone().expect("a pairing code");
    let expires = requested.pairing_expires_ms.expect("an expiry");
    assert_eq!(
        printed,
        json!({
            "facade": "merchant",
            "sin": sin,
            "store": store,
            "pairing_code": code,
            "approval_url": format!("{server}/api-access-request?pairingCode={code}"),
            "pairing_expires_at_ms": expires,
        })
    );
    let said = text(&paired);
    assert!(
        said.contains(&format!(
            "then run `paysmith bitpay tokens --store {store} --refresh`"
        )),
        "{said}"
    );
    assert!(
        !said.contains(&requested.token),
        "the token is never printed"
    );
    assert!(!said.contains(private.as_str()) && !said.contains("PRIVATE KEY"));

    let key_absolute = std::path::absolute(&key_path).unwrap();
    assert_eq!(
        read_json(&store_path),
        json!({
            "format": "paysmith-token-store/1",
            "base_url": server,
            "key": {"file": key_absolute},
            "tokens": {"merchant": {
                "token": requested.token,
                "label": "My shop",
                "pairing_code": code,
                "pairing_expires_at_ms": expires,
                "sin": sin,
            }},
        })
    );
    assert_owner_only(&store_path);

    let awaiting = json!({
        "store": store,
        "server": server,
        "tokens": [{
            "facade": "merchant",
            "label": "My shop",
            "sin": sin,
            "state": "awaiting_approval",
            "pairing_code": code,
            "pairing_expires_at_ms": expires,
        }],
    });
    let listed = paysmith(&["bitpay", "tokens", "--store", store], &[]);
    assert_eq!(json_out(&listed), awaiting);
    assert!(!text(&listed).contains(&requested.token));

    // Asked before the merchant approves, BitPay refuses to list the key's tokens (it
    // holds no approved merchant token): nothing changes, and the command says why.
    let before = sandbox.requests().len();
    let early = paysmith(&["bitpay", "tokens", "--store", store, "--refresh"], &[]);
    assert_eq!(json_out(&early), awaiting);
    assert!(text(&early).contains("holds none yet"), "{}", text(&early));
    let asked = &sandbox.requests()[before..];
    assert_eq!(asked.len(), 1, "one signed GET /tokens: {asked:?}");
    assert_eq!(asked[0].0, "list_tokens");
    assert!(
        matches!(
            asked[0].1,
            Outcome::Refused {
                stage: Stage::Identity,
                ..
            }
        ),
        "{asked:?}"
    );

    // The merchant opens the printed approval URL.
    let (status, page) = http(printed["approval_url"].as_str().unwrap(), "GET", "");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Pairing approved"), "{page}");
    assert_eq!(
        sandbox_token(&sandbox, "merchant", &sin).state,
        TokenState::Active
    );

    // Without --refresh only the store is read: no request, still awaiting approval.
    let before = sandbox.requests().len();
    let stale = paysmith(&["bitpay", "tokens", "--store", store], &[]);
    assert_eq!(json_out(&stale), awaiting);
    assert_eq!(
        sandbox.requests().len(),
        before,
        "no request without --refresh"
    );

    let refreshed = paysmith(&["bitpay", "tokens", "--store", store, "--refresh"], &[]);
    assert_eq!(
        sandbox.requests()[before..],
        [("list_tokens".to_owned(), Outcome::Answered)]
    );
    let ready_merchant = json!({
        "facade": "merchant",
        "label": "My shop",
        "sin": sin,
        "state": "ready",
    });
    assert_eq!(
        json_out(&refreshed),
        json!({"store": store, "server": server, "tokens": [ready_merchant]})
    );
    assert!(!text(&refreshed).contains(&requested.token));
    assert_eq!(
        read_json(&store_path)["tokens"]["merchant"],
        json!({"token": requested.token, "label": "My shop", "sin": sin}),
        "the approval is recorded, the code dropped"
    );
    assert_owner_only(&store_path);

    // Server-initiated pairing: a dashboard code claimed with the store's key and server.
    let dashboard = sandbox
        .sandbox
        .bitpay()
        .unwrap()
        .create_pairing_code("pos", Some("Till 1".into()))
        .unwrap();
    let claim = || {
        paysmith(
            &[
                "bitpay",
                "pair",
                "--store",
                store,
                "--pairing-code",
                &dashboard.pairing_code,
            ],
            &[],
        )
    };
    let claimed = claim();
    assert_eq!(
        json_out(&claimed),
        json!({"facade": "pos", "sin": sin, "store": store}),
        "a claimed code needs no approval: no URL"
    );
    let pos = sandbox_token(&sandbox, "pos", &sin);
    assert_eq!(pos.state, TokenState::Active);
    assert_eq!(
        pos.label.as_deref(),
        Some("Till 1"),
        "the dashboard's label"
    );
    assert!(!text(&claimed).contains(&pos.token));
    assert_eq!(
        sandbox.sandbox.bitpay().unwrap().pairing_codes()[0]
            .claimed_as
            .as_deref(),
        Some(pos.token.as_str())
    );
    let stored = read_json(&store_path);
    assert_eq!(
        stored["tokens"],
        json!({
            "merchant": {"token": requested.token, "label": "My shop", "sin": sin},
            "pos": {"token": pos.token, "label": "Till 1", "sin": sin},
        })
    );
    assert_owner_only(&store_path);

    let listed = paysmith(&["bitpay", "tokens", "--store", store], &[]);
    assert_eq!(
        json_out(&listed)["tokens"],
        json!([
            ready_merchant,
            {"facade": "pos", "label": "Till 1", "sin": sin, "state": "ready"},
        ])
    );

    // A code is claimed once: the second claim fails at BitPay and the store is kept.
    let again = claim();
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again).contains("Pairing code has already been claimed"),
        "{}",
        text(&again)
    );
    assert_eq!(read_json(&store_path), stored);
}

#[test]
fn a_key_from_an_environment_variable_pairs_end_to_end() {
    const VARIABLE: &str = "PAYSMITH_TEST_BITPAY_KEY";
    let sandbox = BitPaySandbox::start();
    let server = sandbox.url().to_owned();
    let controls = server.replacen("/bitpay", "/_sandbox/bitpay", 1);
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("tokens.json");
    let store = path_str(&store_path);
    let key = BitpayKey::generate();
    let pem = key.to_sec1_pem();
    let env = [(VARIABLE, pem.as_str())];
    let pem_body = pem.lines().nth(1).unwrap();

    let paired = paysmith(
        &[
            "bitpay",
            "pair",
            "--store",
            store,
            "--server",
            &server,
            "--key-env",
            VARIABLE,
            "--facade",
            "payout",
        ],
        &env,
    );
    let printed = json_out(&paired);
    let requested = sandbox_token(&sandbox, "payout", key.sin());
    assert_eq!(requested.sin.as_deref(), Some(key.sin()));
    assert_eq!(
        requested.label.as_deref(),
        Some("paysmith"),
        "the default label"
    );
    assert_eq!(printed["facade"], "payout");
    assert_eq!(printed["sin"], key.sin());
    assert_eq!(
        printed["pairing_code"].as_str(),
        requested.pairing_code.as_deref()
    );
    assert!(!text(&paired).contains(pem_body) && !text(&paired).contains(&requested.token));
    let file = read_json(&store_path);
    assert_eq!(
        file["key"],
        json!({"env": VARIABLE}),
        "the variable's name only"
    );
    assert!(!file.to_string().contains(pem_body));
    assert_eq!(
        file["tokens"]["payout"]["token"].as_str(),
        Some(requested.token.as_str())
    );
    assert_owner_only(&store_path);

    // Approved through the HTTP control, as a CI script would.
    let requested_token = requested.token.clone();
    let code = requested.pairing_code.unwrap();
    let (status, body) = http(&format!("{controls}/pairings/{code}/approve"), "POST", "");
    assert_eq!(status, 200, "{body}");

    // The store names the variable: without it the key cannot be read.
    let unset = paysmith(&["bitpay", "tokens", "--store", store, "--refresh"], &[]);
    assert_eq!(unset.status.code(), Some(2));
    assert!(text(&unset).contains(VARIABLE), "{}", text(&unset));
    // A key holding only a payout token cannot list its tokens yet.
    let payout_only = paysmith(&["bitpay", "tokens", "--store", store, "--refresh"], &env);
    assert_eq!(
        json_out(&payout_only)["tokens"][0]["state"],
        "awaiting_approval"
    );
    assert!(text(&payout_only).contains("holds none yet"));

    // A dashboard code, claimed with the same variable named again.
    let (status, body) = http(
        &format!("{controls}/pairing-codes"),
        "POST",
        r#"{"facade": "merchant", "label": "Back office"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let dashboard: Value = serde_json::from_str(&body).unwrap();
    let claimed = paysmith(
        &[
            "bitpay",
            "pair",
            "--store",
            store,
            "--key-env",
            VARIABLE,
            "--pairing-code",
            dashboard["pairing_code"].as_str().unwrap(),
            "--label",
            "Accounts",
        ],
        &env,
    );
    assert_eq!(
        json_out(&claimed),
        json!({"facade": "merchant", "sin": key.sin(), "store": store})
    );
    let merchant = sandbox_token(&sandbox, "merchant", key.sin());
    assert_eq!(merchant.label.as_deref(), Some("Accounts"), "--label given");
    assert_eq!(
        read_json(&store_path)["tokens"]["merchant"],
        json!({"token": merchant.token, "label": "Accounts", "sin": key.sin()})
    );

    // With an approved merchant token the key's tokens are listed: payout is ready too.
    let refreshed = paysmith(&["bitpay", "tokens", "--store", store, "--refresh"], &env);
    assert_eq!(
        json_out(&refreshed)["tokens"],
        json!([
            {"facade": "merchant", "label": "Accounts", "sin": key.sin(), "state": "ready"},
            {"facade": "payout", "label": "paysmith", "sin": key.sin(), "state": "ready"},
        ])
    );
    assert!(!text(&refreshed).contains(pem_body));
    assert!(
        !text(&refreshed).contains(&merchant.token) && !text(&refreshed).contains(&requested_token)
    );
}

#[test]
fn a_failed_call_leaves_no_store_behind() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("bitpay.key");
    let store_path: PathBuf = dir.path().join("tokens.json");
    json_out(&paysmith(
        &["bitpay", "keygen", "--out", path_str(&key_path)],
        &[],
    ));
    let unreachable = format!("http://127.0.0.1:{port}/bitpay");
    let failed = paysmith(
        &[
            "bitpay",
            "pair",
            "--store",
            path_str(&store_path),
            "--server",
            &unreachable,
            "--key",
            path_str(&key_path),
        ],
        &[],
    );
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(
        !store_path.exists(),
        "a store is written only with a token: pairing again may name another server"
    );

    let sandbox = BitPaySandbox::start();
    let paired = paysmith(
        &[
            "bitpay",
            "pair",
            "--store",
            path_str(&store_path),
            "--server",
            sandbox.url(),
            "--key",
            path_str(&key_path),
        ],
        &[],
    );
    assert_eq!(json_out(&paired)["facade"], "merchant");
    assert_eq!(read_json(&store_path)["base_url"], sandbox.url());
}
