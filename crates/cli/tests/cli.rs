//! The `paysmith` binary as a user runs it.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "merasdasd";

fn scratch(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("paysmith-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

fn paysmith(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paysmith"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const DOC_INPUT: &str = r#"{"params": {"orderNo":"Or12898771811","name":"John Li","TimeStamp":"1566781991111","Nonce":"dnasja1N","MerchantNo":"meraojiasdoa123","Lang":"en","SignType":"1","ApiKey":"asdhuasdaosd"}, "secret":"merasdasd"}"#;

#[test]
fn sign_prints_every_stage_and_hides_the_secret() {
    let input = scratch("doc.json", DOC_INPUT);
    let output = paysmith(&["sign", "onebitpay-md5", "--input", input.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["string_to_sign"],
        "ApiKey=asdhuasdaosd&Lang=en&MerchantNo=meraojiasdoa123&name=John Li&Nonce=dnasja1N&orderNo=Or12898771811&SignType=1&TimeStamp=1566781991111"
    );
    assert_eq!(json["signature"], "d826a31317bb52a1832cf023bc7b3a07");
    assert!(!stdout(&output).contains(SECRET), "the secret leaked");

    let shown = paysmith(&[
        "sign",
        "onebitpay-md5",
        "--input",
        input.to_str().unwrap(),
        "--show-secrets",
    ]);
    assert!(stdout(&shown).contains("TimeStamp=1566781991111merasdasd"));
}

#[test]
fn sign_rsa_reproduces_the_jdk_vector() {
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../conformance/fixtures/onebitpay-mpc-rsa/vectors.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let first = &vectors["vectors"][0];
    let input = scratch("rsa.json", &first["input"].to_string());
    let output = paysmith(&[
        "sign",
        "onebitpay-mpc-rsa",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["signature"], first["expect"]["signature"]);
}

#[test]
fn explain_numbers_the_steps() {
    let input = scratch("explain.json", DOC_INPUT);
    let output = paysmith(&[
        "explain",
        "onebitpay-md5",
        "--input",
        input.to_str().unwrap(),
    ]);
    let text = stdout(&output);
    assert!(text.contains("1. sorted_keys"), "{text}");
    assert!(text.contains("2. string_to_sign"), "{text}");
    assert!(text.contains("5. signature"), "{text}");
    assert!(!text.contains(SECRET));
}

#[test]
fn verify_accepts_the_right_signature_and_names_the_stage_of_a_wrong_one() {
    let mut good: serde_json::Value = serde_json::from_str(DOC_INPUT).unwrap();
    good["signature"] = "d826a31317bb52a1832cf023bc7b3a07".into();
    let input = scratch("verify-ok.json", &good.to_string());
    assert_eq!(
        paysmith(&[
            "verify",
            "onebitpay-md5",
            "--input",
            input.to_str().unwrap()
        ])
        .status
        .code(),
        Some(0)
    );

    let mut bad = good.clone();
    bad["signature"] = "00000000000000000000000000000000".into();
    let input = scratch("verify-bad.json", &bad.to_string());
    let output = paysmith(&[
        "verify",
        "onebitpay-md5",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("MISMATCH at stage signature"),
        "{}",
        stdout(&output)
    );

    // A provider's own string to sign, given as an expected stage, is compared first.
    let mut staged: serde_json::Value = serde_json::from_str(DOC_INPUT).unwrap();
    staged["expect"] = serde_json::json!({"string_to_sign": "ApiKey=asdhuasdaosd&Lang=en&MerchantNo=meraojiasdoa123&Nonce=dnasja1N&SignType=1&TimeStamp=1566781991111&name=John Li&orderNo=Or12898771811"});
    let input = scratch("verify-stage.json", &staged.to_string());
    let output = paysmith(&[
        "verify",
        "onebitpay-md5",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("the first stage that disagrees is `string_to_sign`"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_checks_a_callback_body() {
    let body = r#"{"status":1,"dealAmount":10.11,"orderNo":"1231222112d8123","merchantOrderNo":"1231222112d8","orderType":1,"signature":"1c6672fa286b564a3e3c0acf6b4cd3e1"}"#;
    let input = scratch(
        "callback.json",
        &serde_json::json!({"body": body, "secret": SECRET}).to_string(),
    );
    let output = paysmith(&[
        "verify",
        "onebitpay.order_callback",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );

    let tampered = body.replace("10.11", "10.12");
    let input = scratch(
        "callback-bad.json",
        &serde_json::json!({"body": tampered, "secret": SECRET}).to_string(),
    );
    let output = paysmith(&[
        "verify",
        "onebitpay.order_callback",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("dealAmount=10.12"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn vectors_check_passes_and_writes_reports() {
    let json =
        std::env::temp_dir().join(format!("paysmith-cli-{}-report.json", std::process::id()));
    let junit =
        std::env::temp_dir().join(format!("paysmith-cli-{}-report.xml", std::process::id()));
    let output = paysmith(&[
        "vectors",
        "check",
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(text.contains("PASS onebitpay-md5/authentication-example"));
    assert!(text.lines().last().unwrap().ends_with(" passed, 0 failed"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(report["failed"], 0);
    assert!(report["passed"].as_u64().unwrap() >= 10);
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(xml.contains("<testsuite name=\"paysmith-vectors\"") && xml.contains("failures=\"0\""));
}

#[test]
fn a_wrong_vector_fails_naming_its_stage() {
    let file = scratch(
        "bad-vectors.json",
        &serde_json::json!({
            "scheme": "onebitpay-md5",
            "generated_by": "this test",
            "vectors": [{
                "id": "wrong",
                "status": "derived",
                "source": "test",
                "derivation": "deliberately wrong",
                "input": {"params": {"a": "1"}, "secret": "s"},
                "expect": {"string_to_sign": "a=2"}
            }]
        })
        .to_string(),
    );
    let output = paysmith(&["vectors", "check", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output)
            .contains("FAIL onebitpay-md5/wrong: stage string_to_sign: expected a=2, got a=1"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let cases = [
        ("onebitpay-md5", r#"{"params": {"a": "1"}}"#, "secret"),
        (
            "onebitpay-md5",
            r#"{"params": {"a": 1}, "secret": "s"}"#,
            "params.a",
        ),
        (
            "onebitpay-md5",
            r#"{"params": {}, "secret": "s", "sekret": "t"}"#,
            "sekret",
        ),
        (
            "onebitpay-mpc-rsa",
            r#"{"pfx_base64": "***", "password": "p", "plaintext": "x"}"#,
            "pfx_base64",
        ),
        ("no-such-scheme", r#"{}"#, "no-such-scheme"),
    ];
    for (scheme, input, named) in cases {
        let file = scratch("bad-input.json", input);
        let output = paysmith(&["sign", scheme, "--input", file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{scheme} {input}");
        assert!(
            stderr(&output).contains(named),
            "{scheme} {input}: {}",
            stderr(&output)
        );
    }
    let missing = paysmith(&[
        "sign",
        "onebitpay-md5",
        "--input",
        "/nonexistent/input.json",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(paysmith(&["frobnicate"]).status.code(), Some(2));
}

fn paysmith_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_paysmith"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

const BITPRO_SECRET: &str =
    "TkLPjz2dzzyoMZdkJqM1qLusyTizYPl0IeX7vHi+17+mlYEjyfnLIgqopAQ8Bnk2QnwcSYa4VuXY384EnGi3tA==";

#[test]
fn sign_bitpro_reproduces_the_documented_example_from_stdin() {
    let input = serde_json::json!({
        "method": "POST",
        "uri": "/api/v1/clients/BT-C962387/withdrawal",
        "date": "Mon, 10 Apr 2017 04:43:12 GMT",
        "body": "address=2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUr&amount=0.12",
        "api_key": "M3175465",
        "secret": BITPRO_SECRET
    });
    let output = paysmith_stdin(
        &["sign", "bitpro-hmac-sha1", "--input", "-"],
        &input.to_string(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["content_md5"], "FBgiRcA+lHYYgLkAc2JX5g==");
    assert_eq!(
        json["string_to_sign"],
        "POST,FBgiRcA+lHYYgLkAc2JX5g==,/api/v1/clients/BT-C962387/withdrawal,Mon, 10 Apr 2017 04:43:12 GMT"
    );
    assert_eq!(json["signature"], "W81e6C9NeGYqau1RWhyGtw8YfoY=");
    // `headers` is a JSON object, so `jq .headers.Authorization` works.
    let headers = &json["headers"];
    assert_eq!(
        *headers,
        serde_json::json!({
            "Authorization": "Bitpro M3175465:W81e6C9NeGYqau1RWhyGtw8YfoY=",
            "Content-MD5": "FBgiRcA+lHYYgLkAc2JX5g==",
            "Date": "Mon, 10 Apr 2017 04:43:12 GMT"
        })
    );
    assert!(!stdout(&output).contains(BITPRO_SECRET));
}

const MAPI_SECRET: &str = "Yml0cHJvLW1lcmNoYW50LXNlY3JldC1rZXktMDAwMSE=";

fn mapi_input() -> serde_json::Value {
    serde_json::json!({
        "method": "POST",
        "url": "https://sandbox.bitit.pro/mapi/charges",
        "headers": {},
        "signed_headers": [],
        "content_type": "application/json",
        "body": "{\"fiat_price_cents\":4200}",
        "id": "0f8e8c2c-6d3b-4d7e-9a51-3c1e2b7a9d40",
        "nonce": "6c6f1d3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f",
        "realm": "Bitpro",
        "timestamp": 1525954955,
        "secret": MAPI_SECRET
    })
}

#[test]
fn sign_acquia_prints_the_string_to_sign_and_every_header() {
    let input = scratch("acquia.json", &mapi_input().to_string());
    let output = paysmith(&[
        "sign",
        "acquia-http-hmac-v2",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["signature"],
        "lpPphqcs554ap2gUm3pyNxvMWHOm7KFI8ozrPBjR4eI="
    );
    assert!(
        json["string_to_sign"].as_str().unwrap().ends_with(
            "\n1525954955\napplication/json\n1yDj0wW+31Z0+O47OqfczD/hSbtHRKGEiBiB4f3fwN8="
        )
    );
    let headers = &json["headers"];
    assert!(headers.is_object(), "{headers}");
    assert_eq!(headers["X-Authorization-Timestamp"], "1525954955");
    assert_eq!(
        headers["X-Authorization-Content-SHA256"],
        "1yDj0wW+31Z0+O47OqfczD/hSbtHRKGEiBiB4f3fwN8="
    );
    assert!(
        headers["Authorization"]
            .as_str()
            .unwrap()
            .starts_with("acquia-http-hmac realm=\"Bitpro\",id=\"0f8e8c2c")
    );
}

#[test]
fn verify_checks_a_server_response_signature() {
    let response = serde_json::json!({
        "nonce": "6c6f1d3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f",
        "timestamp": 1525954955,
        "secret": MAPI_SECRET,
        "response_body": "[]",
        "response_signature": "ke7o4pAP4sjkRlj+AiqTY5JezfDAeu+5A1TMaeHooyM="
    });
    let input = scratch("response-ok.json", &response.to_string());
    let ok = paysmith(&[
        "verify",
        "acquia-http-hmac-v2",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));

    let mut altered = response.clone();
    altered["response_body"] = "[{}]".into();
    let input = scratch("response-bad.json", &altered.to_string());
    let bad = paysmith(&[
        "verify",
        "acquia-http-hmac-v2",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stdout(&bad).contains("MISMATCH at stage response_signature"),
        "{}",
        stdout(&bad)
    );
}

#[test]
fn an_unsigned_webhook_is_explained_not_verified() {
    let input = scratch(
        "webhook.json",
        &serde_json::json!({"body": "{}", "secret": "x"}).to_string(),
    );
    let output = paysmith(&[
        "verify",
        "bitpro_mapi.charge_webhook",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not signed by the provider")
            && stderr(&output).contains("confirm_charge_webhook"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_acquia_input_exits_2_naming_the_field() {
    let mut input = mapi_input();
    input["secret"] = "not base64!".into();
    let file = scratch("acquia-bad.json", &input.to_string());
    let output = paysmith(&[
        "sign",
        "acquia-http-hmac-v2",
        "--input",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`secret`"), "{}", stderr(&output));
}

#[test]
fn bitpay_keys_and_sins() {
    let dir = std::env::temp_dir().join(format!("paysmith-cli-bitpay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("bitpay.key");
    let made = paysmith(&["bitpay", "keygen", "--out", key.to_str().unwrap()]);
    assert!(made.status.success(), "{}", stderr(&made));
    let identity: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    assert!(
        !stdout(&made).contains("PRIVATE"),
        "the key is never printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = paysmith(&["bitpay", "keygen", "--out", key.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        pem,
        "the key is kept"
    );

    let sin = paysmith(&["bitpay", "sin", "--key", key.to_str().unwrap()]);
    let read: serde_json::Value = serde_json::from_slice(&sin.stdout).unwrap();
    assert_eq!(read, identity);
    let from_public = paysmith(&[
        "bitpay",
        "sin",
        "--public-key",
        identity["public_key"].as_str().unwrap(),
    ]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&from_public.stdout).unwrap(),
        identity
    );

    // The seed's example SIN is valid; one changed character is not.
    let valid = paysmith(&[
        "bitpay",
        "sin",
        "--validate",
        "Tf3wXWuwfT1TmenHF21P1nYZ7BeyrYNdiwo",
    ]);
    assert!(valid.status.success());
    let invalid = paysmith(&[
        "bitpay",
        "sin",
        "--validate",
        "Tf3wXWuwfT1TmenHF21P1nYZ7BeyrYNdiwp",
    ]);
    assert_eq!(invalid.status.code(), Some(1));
    let no_key = paysmith(&["bitpay", "sin"]);
    assert_eq!(no_key.status.code(), Some(2));
    assert!(stderr(&no_key).contains("--key"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bitpay_pair_refuses_incomplete_input_before_any_call() {
    let dir = std::env::temp_dir().join(format!("paysmith-cli-pair-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("tokens.json");
    let store = store.to_str().unwrap();
    let no_server = paysmith(&[
        "bitpay",
        "pair",
        "--store",
        store,
        "--key-env",
        "NOT_SET_ANYWHERE",
    ]);
    assert_eq!(no_server.status.code(), Some(2));
    assert!(
        stderr(&no_server).contains("--server"),
        "{}",
        stderr(&no_server)
    );
    let no_key = paysmith(&["bitpay", "pair", "--store", store, "--server", "test"]);
    assert_eq!(no_key.status.code(), Some(2));
    assert!(stderr(&no_key).contains("--key"), "{}", stderr(&no_key));
    let unset = paysmith(&[
        "bitpay",
        "pair",
        "--store",
        store,
        "--server",
        "test",
        "--key-env",
        "PAYSMITH_UNSET_KEY_VARIABLE",
    ]);
    assert_eq!(unset.status.code(), Some(2));
    assert!(
        stderr(&unset).contains("PAYSMITH_UNSET_KEY_VARIABLE"),
        "{}",
        stderr(&unset)
    );
    let facade = paysmith(&["bitpay", "pair", "--store", store, "--facade", "admin"]);
    assert_eq!(facade.status.code(), Some(2));
    assert!(stderr(&facade).contains("--facade"), "{}", stderr(&facade));
    assert!(
        !std::path::Path::new(store).exists(),
        "nothing is written from bad input"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every inline vector of every scheme, signed by the command: each expected stage is
/// printed as the vector says, and a `headers` stage is a JSON object equal to the
/// vector's (which keeps the exact string the trace holds).
#[test]
fn sign_prints_every_vector_stage_and_headers_as_an_object_for_every_scheme() {
    let spec = paysmith_spec::load(&repo_root()).unwrap_or_else(|d| panic!("{d}"));
    let mut with_headers = Vec::new();
    for scheme in &spec.schemes {
        let scheme = &scheme.value;
        for vector in scheme
            .vectors
            .iter()
            .filter(|v| v.mode == paysmith_spec::model::VectorMode::Sign)
        {
            let at = format!("{}/{}", scheme.id, vector.id);
            let input = scratch("every-scheme.json", &vector.input.to_string());
            let output = paysmith(&[
                "sign",
                &scheme.id,
                "--input",
                input.to_str().unwrap(),
                "--show-secrets",
            ]);
            assert!(output.status.success(), "{at}: {}", stderr(&output));
            let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            if let Some(headers) = json.get("headers") {
                assert!(headers.is_object(), "{at}: headers is {headers}");
                with_headers.push(scheme.id.clone());
            }
            for (stage, expected) in &vector.expect {
                if stage == "headers" {
                    let expected: serde_json::Value = serde_json::from_str(expected).unwrap();
                    assert_eq!(json["headers"], expected, "{at}");
                } else {
                    assert_eq!(json[stage], expected.as_str(), "{at}: stage {stage}");
                }
            }
        }
    }
    with_headers.dedup();
    for scheme in ["bitpro-hmac-sha1", "acquia-http-hmac-v2", "bitpay-ecdsa"] {
        assert!(
            with_headers.iter().any(|s| s == scheme),
            "{scheme} printed no headers object: {with_headers:?}"
        );
    }
}

#[test]
fn a_bitpro_date_that_is_not_rfc_1123_gmt_exits_2_naming_the_field() {
    for date in [
        "10 Apr 2017",
        "Mon, 10 Apr 2017 04:43:12 +0000",
        "2017-04-10T04:43:12Z",
    ] {
        let input = serde_json::json!({
            "method": "POST",
            "uri": "/api/v1/clients",
            "date": date,
            "body": "",
            "api_key": "M3175465",
            "secret": BITPRO_SECRET
        });
        let file = scratch("bitpro-date.json", &input.to_string());
        for command in ["sign", "explain"] {
            let output = paysmith(&[
                command,
                "bitpro-hmac-sha1",
                "--input",
                file.to_str().unwrap(),
            ]);
            assert_eq!(output.status.code(), Some(2), "{command} {date}");
            assert!(
                stderr(&output).contains("`date`") && stderr(&output).contains("RFC 1123"),
                "{command} {date}: {}",
                stderr(&output)
            );
            assert!(
                output.stdout.is_empty(),
                "{command} {date}: printed a signature"
            );
        }
    }
}

#[test]
fn explain_keeps_multi_line_values_inside_their_step() {
    let input = scratch("acquia-explain.json", &mapi_input().to_string());
    let output = paysmith(&[
        "explain",
        "acquia-http-hmac-v2",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    let step = lines
        .iter()
        .position(|l| l.contains(". string_to_sign:"))
        .unwrap_or_else(|| panic!("no string_to_sign step in\n{text}"));
    // The string to sign has 8 lines (POST with a body); each is indented.
    let value: Vec<&str> = lines[step + 1..step + 9].to_vec();
    assert_eq!(value[0], "   POST", "{text}");
    assert_eq!(value[1], "   sandbox.bitit.pro", "{text}");
    assert_eq!(value[2], "   /mapi/charges", "{text}");
    assert_eq!(
        value[3], "   ",
        "the empty query line is still indented:\n{text}"
    );
    assert_eq!(
        value[7], "   1yDj0wW+31Z0+O47OqfczD/hSbtHRKGEiBiB4f3fwN8=",
        "{text}"
    );
    // Every line after the header is a numbered step or an indented value.
    for line in &lines[1..] {
        let numbered = line
            .split_once(". ")
            .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        assert!(
            numbered || line.starts_with("   "),
            "unindented line `{line}` in\n{text}"
        );
    }
}
