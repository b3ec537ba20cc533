//! BitPay: the request of every call of every facade (snapshots and the server-side
//! signature check), the scheme's vectors reproduced by the generated client, the
//! token's place, properties over every call and model, both error shapes over a
//! socket, confirming an IPN through the signed API, and clients from a token store.

use paysmith_bitpay_client::models::{
    CreateInvoiceRequest, Invoice, InvoiceExceptionStatus, InvoiceIpn, ProviderErrorKind,
    schemes::BITPAY_ECDSA,
};
use paysmith_bitpay_client::{
    Environment, ErrorKind, MerchantClient, PosClient, SignedRequest, provider_error_kind,
};
use paysmith_conformance::bitpay::{
    KEY_HEX, MERCHANT_TOKEN, POS_TOKEN, clients_on, key, test_clients,
};
use paysmith_conformance::generated::bitpay::{self, CALLS, any_model, any_request};
use paysmith_conformance::loopback::{Received, Reply, serve};
use paysmith_conformance::{FacadeCase, sample, spec};
use paysmith_runtime::key_file::{KeySource, save_key_file};
use paysmith_runtime::token_store::{StoredToken, TokenStore};
use paysmith_spec::model::{ApiFile, Endpoint, Method, TokenLocation, TokenPlacement};
use paysmith_types::Secret;
use proptest::prelude::*;

/// Loaded once: loading and validating the whole spec is not free.
fn api() -> &'static ApiFile {
    static API: std::sync::LazyLock<ApiFile> =
        std::sync::LazyLock::new(|| spec().api("bitpay").expect("the bitpay API").value.clone());
    &API
}

fn endpoint<'a>(api: &'a ApiFile, id: &str) -> &'a Endpoint {
    api.endpoints.iter().find(|e| e.id == id).unwrap()
}

/// Whether `facade`'s call of `endpoint` is signed, as the spec says.
fn signed_by_spec(endpoint: &Endpoint, facade: &str) -> bool {
    facade != "public"
        && endpoint.auth.is_some()
        && endpoint
            .signed_for
            .as_ref()
            .is_none_or(|facades| facades.iter().any(|f| f == facade))
}

/// What a BitPay server checks: the signature over the URL and body under `X-Identity`.
fn verify(request: &SignedRequest) -> Result<(), String> {
    let identity = request.header("X-Identity").ok_or("no X-Identity")?;
    let signature = request.header("X-Signature").ok_or("no X-Signature")?;
    BITPAY_ECDSA
        .verify(identity, &request.url, &request.body, signature)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A readable case for every call: sample request and resource, path parameters
/// named after themselves.
fn sample_case(api: &ApiFile, facade: &'static str, id: &'static str) -> FacadeCase {
    let endpoint = endpoint(api, id);
    let resource = match (&endpoint.token, facade) {
        (Some(TokenPlacement::Resource { model, field, .. }), f) if f != "public" => {
            let mut resource = sample::model(api, model);
            resource[field.as_str()] = serde_json::json!("resource-token");
            resource
        }
        _ => serde_json::Value::Null,
    };
    let path = if resource.is_null() {
        endpoint
            .path_params
            .iter()
            .map(|p| format!("{}-1", p.name))
            .collect()
    } else {
        Vec::new()
    };
    FacadeCase {
        facade,
        endpoint: id,
        path,
        resource,
        request: endpoint
            .request
            .as_deref()
            .map_or(serde_json::Value::Null, |model| sample::model(api, model)),
    }
}

/// The token the call must carry, and where: in the query (`true`) or in the body.
fn expected_token(endpoint: &Endpoint, case: &FacadeCase) -> Option<(bool, String)> {
    let token = match case.facade {
        "pos" => POS_TOKEN,
        "merchant" => MERCHANT_TOKEN,
        "payout" => paysmith_conformance::bitpay::PAYOUT_TOKEN,
        _ => return None,
    };
    match endpoint.token.as_ref()? {
        TokenPlacement::Body { .. } => Some((false, token.to_owned())),
        TokenPlacement::Query { .. } => Some((true, token.to_owned())),
        TokenPlacement::Resource {
            location, field, ..
        } => Some((
            *location == TokenLocation::Query,
            case.resource[field.as_str()].as_str()?.to_owned(),
        )),
        TokenPlacement::None => None,
    }
}

/// The token appears once, where the spec puts it, and nowhere else.
/// `value` as a form-encoded query value.
fn form_urlencoded_value(value: &str) -> String {
    paysmith_sign::content_md5_hmac::encode_form(&[(String::new(), value.to_owned())])
        .trim_start_matches('=')
        .to_owned()
}

fn check_token(
    request: &SignedRequest,
    endpoint: &Endpoint,
    case: &FacadeCase,
) -> Result<(), String> {
    let query = request.url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let body: serde_json::Value = if request.body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&request.body).map_err(|e| e.to_string())?
    };
    match expected_token(endpoint, case) {
        Some((true, token)) => {
            let encoded: String = form_urlencoded_value(&token);
            let found = query
                .split('&')
                .filter(|pair| *pair == format!("token={encoded}"))
                .count();
            (found == 1 && body.get("token").is_none())
                .then_some(())
                .ok_or(format!(
                    "expected the token once in the query: {}",
                    request.url
                ))
        }
        Some((false, token)) => (body["token"] == token && !query.contains("token="))
            .then_some(())
            .ok_or(format!("expected the token in the body: {body}")),
        None => (body.get("token").is_none() && !query.contains("token="))
            .then_some(())
            .ok_or("a call without a token carries one".to_owned()),
    }
}

#[test]
fn every_call_has_a_checked_request_snapshot() {
    let api = api();
    let clients = test_clients();
    assert_eq!(
        CALLS.len(),
        api.endpoints.iter().map(|e| e.facades.len()).sum::<usize>()
    );
    for (facade, id) in CALLS {
        let endpoint = endpoint(api, id);
        let case = sample_case(api, facade, id);
        let request =
            bitpay::build(&clients, &case).unwrap_or_else(|e| panic!("{facade}.{id}: {e}"));
        assert_eq!(request.method, endpoint.method.as_str(), "{facade}.{id}");
        assert_eq!(request.header("X-Accept-Version"), Some("2.0.0"));
        if signed_by_spec(endpoint, facade) {
            verify(&request).unwrap_or_else(|e| panic!("{facade}.{id}: {e}"));
            assert_eq!(request.header("X-Identity"), Some(key().public_key_hex()));
        } else {
            assert_eq!(request.header("X-Signature"), None, "{facade}.{id}");
            assert_eq!(request.header("X-Identity"), None, "{facade}.{id}");
        }
        check_token(&request, endpoint, &case).unwrap_or_else(|e| panic!("{facade}.{id}: {e}"));
        let in_query = matches!(endpoint.method, Method::Get | Method::Delete);
        assert!(
            !in_query || request.body.is_empty(),
            "{facade}.{id}: a body on {}",
            request.method
        );
        insta::assert_snapshot!(format!("bitpay__{facade}__{id}"), request.to_string());
    }
}

#[test]
fn the_client_sends_the_scheme_vectors() {
    let scheme = spec().scheme("bitpay-ecdsa").unwrap().clone();
    let vector = |id: &str| {
        scheme
            .vectors
            .iter()
            .find(|v| v.id == id)
            .unwrap_or_else(|| panic!("vector {id}"))
            .clone()
    };
    assert_eq!(
        vector("create-invoice-post").input["private_key_hex"],
        KEY_HEX
    );
    let clients = test_clients();

    let post = vector("create-invoice-post");
    let request: CreateInvoiceRequest = serde_json::from_value(serde_json::json!({
        "price": 10.5, "currency": "USD", "orderId": "A-1001"
    }))
    .unwrap();
    let signed = clients.merchant.build_create_invoice(&request).unwrap();
    assert_eq!(signed.url, post.input["url"]);
    assert_eq!(
        String::from_utf8(signed.body.clone()).unwrap(),
        post.input["body"]
    );
    assert_eq!(
        signed.header("X-Identity"),
        Some(post.expect["public_key"].as_str())
    );
    assert_eq!(
        signed.header("X-Signature"),
        Some(post.expect["signature"].as_str())
    );

    let get = vector("get-invoice-with-query-token");
    let signed = clients
        .merchant
        .build_get_invoice("G3viJEJgE8Jk2oekSdgT2A")
        .unwrap();
    assert_eq!(signed.url, get.input["url"]);
    assert!(signed.body.is_empty());
    assert_eq!(
        signed.header("X-Signature"),
        Some(get.expect["signature"].as_str())
    );
}

#[test]
fn a_pos_client_with_its_key_signs_every_call() {
    let api = api();
    let pos = PosClient::with_transport(
        paysmith_bitpay_client::Transport::new(Environment::Test.base_url()),
        Secret::new(POS_TOKEN),
    )
    .with_key(key());
    let mut clients = test_clients();
    clients.pos = pos;
    let mut checked = 0;
    for (facade, id) in CALLS.iter().filter(|(f, _)| *f == "pos") {
        let request = bitpay::build(&clients, &sample_case(api, facade, id)).unwrap();
        verify(&request).unwrap_or_else(|e| panic!("pos.{id}: {e}"));
        checked += 1;
    }
    assert!(checked >= 4, "pos calls: {checked}");
}

#[test]
fn clients_from_a_token_store_check_server_and_key() {
    let dir = std::env::temp_dir().join(format!("paysmith-bitpay-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    save_key_file(&dir.join("bitpay.key"), &key()).unwrap();
    let mut store = TokenStore::create(
        dir.join("tokens.json"),
        Environment::Test.base_url(),
        KeySource::File("bitpay.key".into()),
    )
    .unwrap();
    let bound = |token: &str| StoredToken {
        token: Secret::new(token),
        label: Some("shop".into()),
        pairing_code: None,
        pairing_expires_at_ms: None,
        sin: Some(key().sin().to_owned()),
    };
    store.save_token("merchant", bound(MERCHANT_TOKEN)).unwrap();
    store.save_token("pos", bound(POS_TOKEN)).unwrap();

    let merchant = MerchantClient::from_store(Environment::Test, &store).unwrap();
    let signed = merchant
        .build_get_invoice("G3viJEJgE8Jk2oekSdgT2A")
        .unwrap();
    assert!(signed.url.ends_with(&format!("token={MERCHANT_TOKEN}")));
    verify(&signed).unwrap();
    // A pos token bound to the key is used with signatures.
    let pos = PosClient::from_store(Environment::Test, &store).unwrap();
    assert!(pos.key().is_some());
    verify(&pos.build_get_invoice("G3viJEJgE8Jk2oekSdgT2A").unwrap()).unwrap();

    let error = MerchantClient::from_store(Environment::Production, &store).unwrap_err();
    assert!(
        error.to_string().contains("https://test.bitpay.com"),
        "{error}"
    );
    let error =
        paysmith_bitpay_client::PayoutClient::from_store(Environment::Test, &store).unwrap_err();
    assert!(error.to_string().contains("`payout`"), "{error}");
    store
        .save_token(
            "merchant",
            StoredToken {
                sin: Some("TfEdpTxBreHYjTe5ke9ENbGRWYBBcjGMZXX".into()),
                ..bound(MERCHANT_TOKEN)
            },
        )
        .unwrap();
    let error = MerchantClient::from_store(Environment::Test, &store).unwrap_err();
    assert!(error.to_string().contains("bound to the key"), "{error}");
    let debug = format!("{merchant:?} {pos:?}");
    assert!(
        !debug.contains(MERCHANT_TOKEN) && !debug.contains(POS_TOKEN) && !debug.contains(KEY_HEX),
        "{debug}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The URL the client signed, rebuilt from what arrived on the socket.
fn received_url(received: &Received) -> String {
    format!(
        "http://{}{}",
        received.header("Host").unwrap(),
        received.target()
    )
}

fn verify_received(received: &Received) -> Result<(), String> {
    let identity = received.header("X-Identity").ok_or("no X-Identity")?;
    let signature = received.header("X-Signature").ok_or("no X-Signature")?;
    BITPAY_ECDSA
        .verify(identity, &received_url(received), &received.body, signature)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn invoice_json() -> serde_json::Value {
    let mut invoice = sample::model(api(), "Invoice");
    invoice["id"] = serde_json::json!("G3viJEJgE8Jk2oekSdgT2A");
    invoice["status"] = serde_json::json!("confirmed");
    invoice["price"] = serde_json::json!(10.5);
    invoice["exceptionStatus"] = serde_json::json!(false);
    invoice
}

#[test]
fn a_signed_call_over_a_socket_verifies_and_reads_the_data_field() {
    let invoice = invoice_json();
    let answer = serde_json::json!({"facade": "merchant/invoice", "data": invoice}).to_string();
    let (url, received) = serve(1, move |request| match verify_received(request) {
        Ok(()) => Reply::json("200 OK", &answer),
        Err(problem) => Reply::json(
            "401 Unauthorized",
            &serde_json::json!({"error": problem}).to_string(),
        ),
    });
    let clients = clients_on(&url);
    let read: Invoice = runtime()
        .block_on(clients.merchant.get_invoice("G3viJEJgE8Jk2oekSdgT2A"))
        .unwrap();
    let arrived = received.recv().unwrap();
    assert_eq!(
        arrived.target(),
        format!("/invoices/G3viJEJgE8Jk2oekSdgT2A?token={MERCHANT_TOKEN}")
    );
    assert_eq!(read.id, "G3viJEJgE8Jk2oekSdgT2A");
    assert_eq!(
        read.exception_status,
        Some(InvoiceExceptionStatus::NoException)
    );
    assert_eq!(read.price.to_string(), "10.5");
}

#[test]
fn both_error_shapes_become_typed_errors_over_a_socket() {
    let replies = [
        (
            "200 OK",
            r#"{"status":"error","code":"010101","data":null,"message":"Invoice not found"}"#,
        ),
        (
            "401 Unauthorized",
            r#"{"error":"This endpoint does not support the public facade"}"#,
        ),
        (
            "500 Internal Server Error",
            r#"{"error":"Account not setup completely yet."}"#,
        ),
        ("502 Bad Gateway", "<html>bad gateway</html>"),
    ];
    let (url, _received) = serve(replies.len(), {
        let replies = replies.to_vec();
        let next = std::sync::atomic::AtomicUsize::new(0);
        move |_| {
            let (status, body) = replies[next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)];
            Reply::json(status, body)
        }
    });
    let clients = clients_on(&url);
    let rt = runtime();
    let mut errors = Vec::new();
    for _ in 0..replies.len() {
        errors.push(
            rt.block_on(clients.merchant.get_invoice("G3viJEJgE8Jk2oekSdgT2A"))
                .unwrap_err(),
        );
    }
    assert_eq!(errors[0].provider_code(), Some("010101"));
    assert_eq!(
        provider_error_kind(&errors[0]),
        Some(ProviderErrorKind::InvoiceNotFound)
    );
    assert_eq!(
        provider_error_kind(&errors[1]),
        Some(ProviderErrorKind::Other {
            code: None,
            message: "This endpoint does not support the public facade".into()
        })
    );
    assert_eq!(
        provider_error_kind(&errors[2]),
        Some(ProviderErrorKind::AccountNotSetUp)
    );
    assert!(
        matches!(errors[3].kind, ErrorKind::Http { status: 502, .. }),
        "{}",
        errors[3]
    );
    assert_eq!(
        errors[3].raw_body(),
        Some("<html>bad gateway</html>".as_bytes())
    );
}

#[test]
fn an_ipn_is_confirmed_only_when_the_signed_api_agrees() {
    let invoice = invoice_json();
    let stated: InvoiceIpn = serde_json::from_value(invoice.clone()).unwrap();
    let mut forged_json = invoice.clone();
    forged_json["status"] = serde_json::json!("complete");
    let forged: InvoiceIpn = serde_json::from_value(forged_json).unwrap();
    let answer = serde_json::json!({"data": invoice}).to_string();
    let (url, received) = serve(2, move |request| {
        assert!(
            verify_received(request).is_ok(),
            "the confirmation call is signed"
        );
        Reply::json("200 OK", &answer)
    });
    let clients = clients_on(&url);
    let rt = runtime();
    let confirmed = rt
        .block_on(clients.merchant.confirm_invoice_ipn(&stated))
        .unwrap();
    assert!(confirmed.is_confirmed(), "{confirmed:?}");
    let refuted = rt
        .block_on(clients.merchant.confirm_invoice_ipn(&forged))
        .unwrap();
    assert!(!refuted.is_confirmed());
    assert_eq!(
        received.recv().unwrap().target(),
        format!("/invoices/G3viJEJgE8Jk2oekSdgT2A?token={MERCHANT_TOKEN}")
    );
}

#[test]
fn documented_error_codes_name_their_kind_whatever_the_method_digits() {
    for (code, kind) in [
        ("010101", ProviderErrorKind::InvoiceNotFound),
        ("020101", ProviderErrorKind::InvoiceNotFound),
        ("040207", ProviderErrorKind::InvalidInvoiceStateForRefund),
        ("000001", ProviderErrorKind::ResourceNotFound),
    ] {
        assert_eq!(
            ProviderErrorKind::of(Some(code), "whatever"),
            kind,
            "{code}"
        );
    }
    assert_eq!(
        ProviderErrorKind::of(Some("019999"), "new"),
        ProviderErrorKind::Other {
            code: Some("019999".into()),
            message: "new".into()
        }
    );
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Every call of every facade: signed as the spec says (and then verifiable), its
    /// token exactly once where the spec puts it, and any change to the URL or the
    /// body breaks the signature.
    #[test]
    fn every_call_is_signed_as_specified(case in any_request(), flip in any::<prop::sample::Index>()) {
        let api = api();
        let endpoint = endpoint(api, case.endpoint);
        let request = match bitpay::build(&test_clients(), &case) {
            Ok(request) => request,
            // A resource without the id or token the call reads from it is refused, by name.
            Err(error) => {
                prop_assert!(!case.resource.is_null(), "{}.{}: {error}", case.facade, case.endpoint);
                prop_assert!(error.contains("has no `"), "{error}");
                return Ok(());
            }
        };
        let token = check_token(&request, endpoint, &case);
        prop_assert!(token.is_ok(), "{}.{}: {:?}", case.facade, case.endpoint, token);
        if !signed_by_spec(endpoint, case.facade) {
            prop_assert!(request.header("X-Signature").is_none());
            return Ok(());
        }
        prop_assert!(verify(&request).is_ok(), "{}.{}", case.facade, case.endpoint);
        let mut tampered = request.clone();
        let mut message = tampered.url.clone().into_bytes();
        message.extend_from_slice(&tampered.body);
        let at = flip.index(message.len());
        message[at] ^= 0x01;
        let split = tampered.url.len();
        tampered.url = String::from_utf8_lossy(&message[..split]).into_owned();
        tampered.body = message[split..].to_vec();
        prop_assert!(verify(&tampered).is_err(), "{}.{}: a changed byte went unnoticed", case.facade, case.endpoint);
    }

    /// Every model survives JSON serialisation and parsing unchanged.
    #[test]
    fn models_round_trip((model, value) in any_model()) {
        let again = bitpay::roundtrip(model, &value.to_string()).unwrap();
        prop_assert_eq!(again, value, "{}", model);
    }

    /// Amounts keep every digit whether BitPay sends an integer, a decimal or a string.
    #[test]
    fn amounts_are_exact(mantissa in any::<i64>(), scale in 0u32..=18, as_string in any::<bool>()) {
        let amount = paysmith_types::Decimal::new(mantissa, scale);
        let text = amount.to_string();
        let price = if as_string { format!("\"{text}\"") } else { text.clone() };
        let mut invoice = invoice_json();
        invoice["price"] = serde_json::from_str(&price).unwrap();
        let parsed: Invoice = serde_json::from_value(invoice).unwrap();
        prop_assert_eq!(parsed.price.to_string(), text);
    }

    /// Arbitrary bytes never panic a model parser or a notification parser.
    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        for model in bitpay::MODELS {
            let _ = bitpay::roundtrip(model, &text);
        }
        let _ = serde_json::from_slice::<InvoiceIpn>(&bytes);
    }
}
