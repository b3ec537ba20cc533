//! The generated Bitpro v1 client against the sandbox over loopback: every endpoint,
//! every documented error message on every endpoint that documents it, and every kind
//! of bad signature refused at its stage in the API's `{"errors": …}` shape.

use std::time::Duration;

use paysmith_bitpro_client::models::{
    BuyRequest, ProviderErrorKind, TransactionType, TransactionsQuery, WithdrawalRequest,
    WithdrawalState,
};
use paysmith_bitpro_client::{
    Client, Error, ErrorKind, FixedClock, Secret, SignedRequest, Transport, provider_error_kind,
};
use paysmith_conformance::bitpro::credentials;
use paysmith_conformance::e2e;
use paysmith_sandbox::{Bitpro, Sandbox, Stage};
use rust_decimal::Decimal;

/// The withdrawal address of the document's examples (TestNet).
const ADDRESS: &str = "2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUr";

fn client(sandbox: &Sandbox) -> Client {
    let transport = Transport::new(e2e::url(sandbox, "bitpro")).with_clock(sandbox.clock());
    Client::with_transport(transport, credentials())
}

fn bitpro(sandbox: &Sandbox) -> Bitpro {
    sandbox.bitpro().expect("Bitpro v1 is served")
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

fn withdrawal(address: &str, amount: &str) -> WithdrawalRequest {
    WithdrawalRequest {
        address: address.into(),
        amount: dec(amount),
    }
}

/// The status and documented kind of a provider error.
fn kind(error: &Error) -> (u16, Option<ProviderErrorKind>) {
    let status = match &error.kind {
        ErrorKind::Provider { status, .. } => *status,
        other => panic!("not a provider error: {other:?}"),
    };
    (status, provider_error_kind(error))
}

#[tokio::test]
async fn every_endpoint_answers_over_loopback() {
    let sandbox = e2e::start(&["bitpro"]).await;
    let client = client(&sandbox);

    let ping = client.ping().await.expect("ping");
    assert_eq!(
        (ping.status.as_str(), ping.environment.as_str()),
        ("ok", "sandbox")
    );

    let rate = client.rates().await.expect("rates");
    assert_eq!(rate.buy_price, dec("1225.10"));
    assert_eq!(rate.asset, "XBT");
    let expires = e2e::millis(sandbox.now()) + 60_000;
    assert_eq!(
        rate.time_expires,
        Decimal::new(i64::try_from(expires).unwrap(), 3)
    );

    let created = client.create_client().await.expect("create_client");
    assert_eq!(
        created.uid, "BT-C798980",
        "numbered from the document's example"
    );
    assert_eq!(
        (
            created.balance.to_string(),
            created.unconfirmed_balance.to_string()
        ),
        ("0.0".into(), "0.0".into())
    );
    assert!(created.bitcoin_address.starts_with('2'));
    let read = client.get_client(&created.uid).await.expect("get_client");
    assert_eq!(read, created);

    let deposit = bitpro(&sandbox)
        .credit_deposit(&created.uid, Decimal::ONE, 6)
        .expect("a confirmed deposit");
    let trade = client
        .buy(
            &created.uid,
            &BuyRequest {
                traded_fiat: dec("1000"),
            },
        )
        .await
        .expect("buy");
    // 1000 / 1225.10 = 0.8162598971…, rounded down to satoshis.
    assert_eq!(trade.amount.to_string(), "0.81625989");
    assert_eq!(trade.created_at, "2024-01-01T00:00:00Z");

    let sent = client
        .withdrawal(&created.uid, &withdrawal(ADDRESS, "0.12"))
        .await
        .expect("withdrawal");
    assert_eq!(sent.amount.to_string(), "0.12");
    assert_eq!(sent.address, ADDRESS);
    assert_eq!(sent.state, WithdrawalState::Processed);
    assert_eq!(sent.tx_id.len(), 64);
    let account = client.get_client(&created.uid).await.expect("get_client");
    assert_eq!(account.balance.to_string(), "1.69625989");

    let history = client
        .list_transactions(&created.uid, &TransactionsQuery { page: None })
        .await
        .expect("list_transactions");
    assert_eq!(
        history
            .iter()
            .map(|t| (t.tid.clone(), t.kind.clone()))
            .collect::<Vec<_>>(),
        vec![
            (sent.tid.clone(), TransactionType::BitcoinWithdrawal),
            (trade.tid.clone(), TransactionType::BitcoinBuy),
            (deposit.tid.clone(), TransactionType::BitcoinDeposit),
        ],
        "newest first"
    );
    assert_eq!(history[2].tx_confirmations, Some(6));
    let one = client
        .get_transaction(&created.uid, &sent.tid)
        .await
        .expect("get_transaction");
    assert_eq!(one, history[0]);
    assert_eq!(one.state, Some(WithdrawalState::Processed));

    let (_, never) = e2e::coverage(&sandbox, "bitpro");
    assert!(never.is_empty(), "endpoints never answered: {never:?}");
}

#[tokio::test]
async fn transactions_are_paged_by_25_newest_first() {
    let sandbox = e2e::start(&["bitpro"]).await;
    let client = client(&sandbox);
    let uid = client.create_client().await.expect("create_client").uid;
    let tids: Vec<String> = (1..=30)
        .map(|n| {
            bitpro(&sandbox)
                .credit_deposit(&uid, Decimal::new(n, 2), 6)
                .expect("deposit")
                .tid
        })
        .collect();
    let page = |page| {
        let client = client.clone();
        let uid = uid.clone();
        async move {
            client
                .list_transactions(&uid, &TransactionsQuery { page })
                .await
                .expect("list_transactions")
                .into_iter()
                .map(|t| t.tid)
                .collect::<Vec<_>>()
        }
    };
    let newest_first: Vec<String> = tids.iter().rev().cloned().collect();
    assert_eq!(page(None).await, newest_first[..25]);
    assert_eq!(page(Some(1)).await, newest_first[..25]);
    assert_eq!(page(Some(2)).await, newest_first[25..]);
    assert!(page(Some(3)).await.is_empty());
}

#[tokio::test]
async fn every_documented_error_is_answered_with_its_message() {
    let sandbox = e2e::start(&["bitpro"]).await;
    let client = client(&sandbox);
    let nobody = "BT-C1";
    let not_found = (404, Some(ProviderErrorKind::NotFound));
    let refused = |kind| (422, Some(kind));

    assert_eq!(
        kind(&client.get_client(nobody).await.unwrap_err()),
        not_found
    );
    let fiat = BuyRequest {
        traded_fiat: dec("10"),
    };
    assert_eq!(
        kind(&client.buy(nobody, &fiat).await.unwrap_err()),
        not_found
    );
    let error = client
        .withdrawal(nobody, &withdrawal(ADDRESS, "0.1"))
        .await
        .unwrap_err();
    assert_eq!(kind(&error), not_found);
    let error = client
        .list_transactions(nobody, &TransactionsQuery { page: None })
        .await
        .unwrap_err();
    assert_eq!(kind(&error), not_found);
    assert_eq!(error.provider_message(), Some("Not found"));

    let uid = client.create_client().await.expect("create_client").uid;
    let error = client.get_transaction(&uid, "1").await.unwrap_err();
    assert_eq!(kind(&error), not_found);

    for traded_fiat in ["0", "-5"] {
        let error = client
            .buy(
                &uid,
                &BuyRequest {
                    traded_fiat: dec(traded_fiat),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            kind(&error),
            refused(ProviderErrorKind::TradedFiatNotPositive)
        );
    }

    let cases = [
        ("", "0.1", ProviderErrorKind::AddressBlank),
        ("   ", "0.1", ProviderErrorKind::AddressBlank),
        // A MainNet address on the TestNet sandbox, and a mistyped one.
        (
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "0.1",
            ProviderErrorKind::AddressInvalid,
        ),
        (
            "2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUs",
            "0.1",
            ProviderErrorKind::AddressInvalid,
        ),
        (ADDRESS, "0.04999999", ProviderErrorKind::AmountTooSmall),
        (ADDRESS, "0.05", ProviderErrorKind::BalanceTooLow),
    ];
    for (address, amount, expected) in cases {
        let error = client
            .withdrawal(&uid, &withdrawal(address, amount))
            .await
            .unwrap_err();
        assert_eq!(kind(&error), refused(expected), "{address:?} {amount}");
    }

    // Only confirmed coins can leave.
    let deposit = bitpro(&sandbox)
        .credit_deposit(&uid, Decimal::ONE, 1)
        .expect("an unconfirmed deposit");
    let account = client.get_client(&uid).await.expect("get_client");
    assert_eq!(
        (
            account.balance.to_string(),
            account.unconfirmed_balance.to_string()
        ),
        ("0.0".into(), "1.0".into())
    );
    let error = client
        .withdrawal(&uid, &withdrawal(ADDRESS, "0.5"))
        .await
        .unwrap_err();
    assert_eq!(kind(&error), refused(ProviderErrorKind::BalanceTooLow));
    bitpro(&sandbox)
        .set_confirmations(&uid, &deposit.tid, 6)
        .expect("confirmed");
    client
        .withdrawal(&uid, &withdrawal(ADDRESS, "0.05"))
        .await
        .expect("the minimum, once confirmed");
    let error = client
        .withdrawal(&uid, &withdrawal(ADDRESS, "0.95000001"))
        .await
        .unwrap_err();
    assert_eq!(kind(&error), refused(ProviderErrorKind::BalanceTooLow));

    let never = e2e::documented_errors_never_seen(&sandbox, "bitpro");
    assert!(
        never.is_empty(),
        "documented errors never answered: {never:?}"
    );
}

/// Sends `request` as it is; returns the status and the `errors` message.
async fn send_raw(client: &Client, request: SignedRequest) -> (u16, String) {
    let response = client
        .transport()
        .send("raw", request)
        .await
        .expect("the sandbox answers");
    let body: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    let message = body["errors"].as_str().unwrap_or_default().to_owned();
    (response.status, message)
}

fn assert_refused(sandbox: &Sandbox, answer: &(u16, String), stage: Stage, reason_part: &str) {
    assert_eq!(answer.0, 401, "{answer:?}");
    assert!(answer.1.starts_with("Unauthorized: "), "{answer:?}");
    assert!(answer.1.contains(reason_part), "{answer:?}");
    let (logged, reason) = e2e::last_refusal(sandbox);
    assert_eq!(logged, stage, "{reason}");
    assert!(reason.contains(reason_part), "{reason}");
}

#[tokio::test]
async fn every_bad_signature_is_refused_at_its_stage() {
    let sandbox = e2e::start(&["bitpro"]).await;
    let client = client(&sandbox);
    let uid = client.create_client().await.expect("create_client").uid;
    bitpro(&sandbox)
        .credit_deposit(&uid, Decimal::ONE, 6)
        .expect("deposit");

    for header in ["Authorization", "Date", "Content-MD5"] {
        let mut request = client.build_ping().unwrap();
        request.headers.retain(|(name, _)| name != header);
        let answer = send_raw(&client, request).await;
        assert_refused(
            &sandbox,
            &answer,
            Stage::Headers,
            &format!("header `{header}` is missing"),
        );
    }

    let mut wrong = credentials();
    wrong.secret_key = Secret::new("bm90LXRoZS1zZWNyZXQ=");
    let impostor = Client::with_transport(
        Transport::new(e2e::url(&sandbox, "bitpro")).with_clock(sandbox.clock()),
        wrong,
    );
    let answer = send_raw(&client, impostor.build_get_client(&uid).unwrap()).await;
    assert_refused(&sandbox, &answer, Stage::Signature, "signature mismatch");
    assert!(answer.1.contains(&format!(
        "GET,1B2M2Y8AsgTpgAmY7PhCfg==,/bitpro/api/v1/clients/{uid},"
    )));

    let mut stranger = credentials();
    stranger.api_key = "M0000000".into();
    let stranger = Client::with_transport(
        Transport::new(e2e::url(&sandbox, "bitpro")).with_clock(sandbox.clock()),
        stranger,
    );
    let answer = send_raw(&client, stranger.build_ping().unwrap()).await;
    assert_refused(&sandbox, &answer, Stage::Credential, "M0000000");

    // The amount changed after signing: the body no longer has the signed digest.
    let mut request = client
        .build_withdrawal(&uid, &withdrawal(ADDRESS, "0.12"))
        .unwrap();
    request.body = format!("address={ADDRESS}&amount=0.99").into_bytes();
    let answer = send_raw(&client, request).await;
    assert_refused(&sandbox, &answer, Stage::ContentDigest, "Content-MD5");
    // Likewise the query of a GET.
    let mut request = client
        .build_list_transactions(&uid, &TransactionsQuery { page: Some(1) })
        .unwrap();
    request.url = request.url.replace("page=1", "page=2");
    let answer = send_raw(&client, request).await;
    assert_refused(&sandbox, &answer, Stage::ContentDigest, "Content-MD5");

    // Sixteen minutes behind the sandbox (fifteen are accepted).
    let behind = e2e::millis(sandbox.now()) - 16 * 60 * 1000;
    let late = Client::with_transport(
        Transport::new(e2e::url(&sandbox, "bitpro")).with_clock(FixedClock(behind)),
        credentials(),
    );
    let answer = send_raw(&client, late.build_ping().unwrap()).await;
    assert_refused(&sandbox, &answer, Stage::Freshness, "960 s away");

    // A buy replayed: carried out once. An identical read is just a read.
    let request = client
        .build_buy(
            &uid,
            &BuyRequest {
                traded_fiat: dec("100"),
            },
        )
        .unwrap();
    assert_eq!(send_raw(&client, request.clone()).await.0, 200);
    let answer = send_raw(&client, request.clone()).await;
    assert_refused(&sandbox, &answer, Stage::Replay, "already carried out");
    let history = bitpro(&sandbox).transactions(&uid).expect("the client");
    assert_eq!(
        history
            .iter()
            .filter(|t| t.kind == TransactionType::BitcoinBuy)
            .count(),
        1
    );
    let read = client.build_get_client(&uid).unwrap();
    assert_eq!(send_raw(&client, read.clone()).await.0, 200);
    assert_eq!(send_raw(&client, read).await.0, 200);
    // Once the window has passed, the same buy is stale; signed again, it is new.
    sandbox.advance(Duration::from_secs(901)).await;
    let answer = send_raw(&client, request).await;
    assert_refused(&sandbox, &answer, Stage::Freshness, "901 s away");
    let again = client
        .build_buy(
            &uid,
            &BuyRequest {
                traded_fiat: dec("100"),
            },
        )
        .unwrap();
    assert_eq!(send_raw(&client, again).await.0, 200);
}
