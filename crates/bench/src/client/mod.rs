//! Client overhead: a generated client's call against the sandbox over loopback, next
//! to a hand-written reqwest call that sends the byte-identical signed request.
//!
//! Per call the generated side does what a user's call does: build the request from
//! the model, sign it, send it, read the answer and parse it into the model (checking
//! the response signature where the API signs answers). The hand-written side is the
//! least any caller can do: everything that does not change between calls (URL,
//! body bytes, static headers, decoded keys) is prepared once; what must be fresh per
//! call (the time, the nonce, the signature over them, or BitPay's signature that a
//! new invoice needs) is computed per call with the same `paysmith-sign` functions;
//! the answer is parsed as a `serde_json::Value` and checked as the generated client
//! checks it. Both sides send through one `reqwest::Client`, so only the client's own
//! work differs.
//!
//! Set-up proves the comparison is of the same work: with a fixed clock and nonce both
//! sides produce the same method, URL, headers (in order) and body bytes, and one call
//! of each is verified and answered by the sandbox.

mod bitpay;
mod bitpro;
mod bitpro_mapi;
mod harness;
mod onebitpay;

use std::future::Future;
use std::time::Duration;

pub use harness::Harness;

/// The measured function for the generated client.
pub const GENERATED: &str = "generated";
/// The measured function for the hand-written reqwest call.
pub const HANDWRITTEN: &str = "handwritten";
/// Criterion group of every client case.
pub const GROUP: &str = "client";
/// Smallest accepted ratio of the generated client's requests per second to the
/// hand-written call's.
pub const TARGET: f64 = 0.9;

/// A request both sides make; the criterion id is `client/<id>/<side>`.
pub struct ClientCase {
    pub id: &'static str,
    pub title: &'static str,
}

pub const CLIENT_CASES: &[ClientCase] = &[
    ClientCase {
        id: onebitpay::ID,
        title: onebitpay::TITLE,
    },
    ClientCase {
        id: bitpro::ID,
        title: bitpro::TITLE,
    },
    ClientCase {
        id: bitpro_mapi::ID,
        title: bitpro_mapi::TITLE,
    },
    ClientCase {
        id: bitpay::ID,
        title: bitpay::TITLE,
    },
];

/// The two ways of making one case's call. Each returns a size read from the parsed
/// answer (for `black_box`), or what went wrong.
pub trait Exchange {
    fn generated(&self) -> impl Future<Output = Result<usize, String>>;
    fn handwritten(&self) -> impl Future<Output = Result<usize, String>>;
    /// How long the sandbox remembers a nonce of this call (zero: no nonce).
    fn replay_window(&self) -> Duration;
}

/// What is done with each case once it is set up and checked (the bench measures it).
pub trait Visitor {
    fn visit<E: Exchange>(&mut self, case: &ClientCase, harness: &Harness, exchange: &E);
}

/// Sets up every case in turn (one sandbox each, stopped before the next starts) and
/// passes it to `visitor`. Panics with the reason when a set-up check fails.
pub fn for_each_case(visitor: &mut impl Visitor) {
    fn run<E: Exchange>(
        visitor: &mut impl Visitor,
        case: &ClientCase,
        provider: &str,
        setup: impl FnOnce(&Harness) -> Result<E, String>,
    ) {
        let harness = Harness::start(provider).unwrap_or_else(|e| panic!("{}: {e}", case.id));
        let exchange = setup(&harness).unwrap_or_else(|e| panic!("{}: {e}", case.id));
        visitor.visit(case, &harness, &exchange);
    }
    run(visitor, &CLIENT_CASES[0], "onebitpay", onebitpay::setup);
    run(visitor, &CLIENT_CASES[1], "bitpro", bitpro::setup);
    run(visitor, &CLIENT_CASES[2], "bitpro-mapi", bitpro_mapi::setup);
    run(visitor, &CLIENT_CASES[3], "bitpay", bitpay::setup);
}

/// One call from `side` ([`GENERATED`] or [`HANDWRITTEN`]).
pub async fn call_side<E: Exchange>(exchange: &E, side: &str) -> Result<usize, String> {
    if side == GENERATED {
        exchange.generated().await
    } else {
        exchange.handwritten().await
    }
}

/// Makes one case's call `calls` times from one side (`generated` or `handwritten`),
/// as the benchmark does; used under callgrind by `bench-report client-instructions`.
pub struct Repeat<'a> {
    pub case: &'a str,
    pub side: &'a str,
    pub calls: u32,
    /// Whether the case was found and run.
    pub ran: bool,
}

impl Visitor for Repeat<'_> {
    fn visit<E: Exchange>(&mut self, case: &ClientCase, harness: &Harness, exchange: &E) {
        if case.id != self.case {
            return;
        }
        harness.block_on(async {
            for _ in 0..self.calls {
                harness.forget_nonces(exchange.replay_window());
                let call = call_side(exchange, self.side).await;
                std::hint::black_box(
                    call.unwrap_or_else(|e| panic!("{} {}: {e}", case.id, self.side)),
                );
            }
        });
        self.ran = true;
    }
}

/// Runs each side once and checks that the sandbox verified and answered it.
fn check_accepted<E: Exchange>(
    harness: &Harness,
    exchange: &E,
    endpoint: &str,
) -> Result<(), String> {
    harness
        .block_on(exchange.generated())
        .map_err(|e| format!("generated call: {e}"))?;
    harness
        .last_answered(endpoint)
        .map_err(|e| format!("generated call: {e}"))?;
    harness
        .block_on(exchange.handwritten())
        .map_err(|e| format!("hand-written call: {e}"))?;
    harness
        .last_answered(endpoint)
        .map_err(|e| format!("hand-written call: {e}"))
}

/// A request as the hand-written side sends it.
pub struct Wire {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
}

impl Wire {
    /// Sends through `http`, the body always set, as the transport sends it.
    async fn send(self, http: &reqwest::Client) -> Result<reqwest::Response, String> {
        http.request(self.method, self.url)
            .headers(self.headers)
            .body(self.body)
            .send()
            .await
            .map_err(|e| e.to_string())
    }
}

/// The status and the whole body of an answer.
async fn status_and_body(response: reqwest::Response) -> Result<(u16, bytes::Bytes), String> {
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// Fails unless the hand-written request equals the generated one on the wire: method,
/// URL, header names (case-insensitively, as HTTP compares them) and values in order,
/// body bytes.
fn same_request(generated: &paysmith_runtime::SignedRequest, wire: &Wire) -> Result<(), String> {
    let differs = |what: &str, left: &dyn std::fmt::Debug, right: &dyn std::fmt::Debug| {
        Err(format!(
            "the hand-written request differs in its {what}: generated {left:?}, hand-written {right:?}"
        ))
    };
    if generated.method != wire.method.as_str() {
        return differs("method", &generated.method, &wire.method);
    }
    if generated.url != wire.url {
        return differs("URL", &generated.url, &wire.url);
    }
    let left: Vec<(String, &str)> = generated
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_ref()))
        .collect();
    let right: Vec<(String, &str)> = wire
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("<not text>")))
        .collect();
    if left != right {
        return differs("headers", &left, &right);
    }
    if generated.body != wire.body {
        return differs(
            "body",
            &String::from_utf8_lossy(&generated.body),
            &String::from_utf8_lossy(&wire.body),
        );
    }
    Ok(())
}

/// A header name and value as a hand-written call adds them.
fn header(headers: &mut reqwest::header::HeaderMap, name: &str, value: &str) -> Result<(), String> {
    let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|e| format!("header name `{name}`: {e}"))?;
    let value = reqwest::header::HeaderValue::from_str(value)
        .map_err(|e| format!("header `{name}`: {e}"))?;
    headers.append(name, value);
    Ok(())
}
