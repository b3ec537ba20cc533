//! What happens to one request: read it, check the API's fixed headers, decode its
//! fields, verify its signature (and its body signature), hand it to the provider,
//! answer in the API's shape (signed when the scheme signs answers), and log the
//! outcome.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, OriginalUri, Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::decode::decode;
use crate::events::{EventKind, Outcome, Stage};
use crate::providers::{ApiRequest, Provider};
use crate::respond::{ProviderError, Rejection};
use crate::routes::{ApiPlan, EndpointPlan};
use crate::shared::Shared;
use crate::verify::{Check, Received, Refusal, ResponseSigner, Verified};

/// Requests larger than this are refused before anything else.
const BODY_LIMIT: usize = 1 << 20;

pub(crate) async fn handle(
    api: Arc<ApiPlan>,
    endpoint: Arc<EndpointPlan>,
    provider: Arc<dyn Provider>,
    shared: Arc<Shared>,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
    let method = parts.method.as_str().to_owned();
    let path_params = Path::<BTreeMap<String, String>>::from_request_parts(&mut parts, &())
        .await
        .map(|Path(params)| params)
        .map_err(|e| Refusal::new(Stage::Decode, format!("path parameters: {e}")));
    let body = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|e| Refusal::new(Stage::Decode, format!("the body could not be read: {e}")));
    let headers: Vec<(&str, &str)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| value.to_str().ok().map(|v| (name.as_str(), v)))
        .collect();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or_default();

    let outcome = match (path_params, body) {
        (Ok(path_params), Ok(body)) => {
            let received = Incoming {
                method: &method,
                host,
                path: uri.path(),
                query: uri.query().unwrap_or_default(),
                headers: &headers,
                body: &body,
                path_params: &path_params,
            };
            answer(&api, &endpoint, provider.as_ref(), &shared, &received)
        }
        (Err(refusal), _) | (_, Err(refusal)) => Err(Failure::refused(refusal)),
    };
    let (response, outcome) = match outcome {
        Ok((status, body, signer)) => (
            json_response(status, &body, signer.as_ref()),
            Outcome::Answered,
        ),
        Err(Failure {
            error,
            outcome,
            signer,
        }) => {
            let (status, body) = api.shape.error(&error);
            (json_response(status, &body, signer.as_deref()), outcome)
        }
    };
    shared.events.record(
        shared.clock.now_millis(),
        &api.id,
        EventKind::Request {
            endpoint: Some(endpoint.id.clone()),
            method,
            path: uri.path().to_owned(),
            outcome,
        },
    );
    response
}

/// The parts of a request the pipeline reads.
struct Incoming<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    query: &'a str,
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
    path_params: &'a BTreeMap<String, String>,
}

/// A request that does not end in success: the answer, what is logged, and the
/// signer when the request itself verified.
struct Failure {
    error: ProviderError,
    outcome: Outcome,
    signer: Option<Box<ResponseSigner>>,
}

impl Failure {
    fn refused(refusal: Refusal) -> Self {
        let error = match refusal.stage {
            Stage::Decode => ProviderError::bad_request(refusal.reason.clone()),
            _ => ProviderError::new(
                Rejection::Unauthorized,
                format!("Unauthorized: {}", refusal.reason),
            ),
        };
        Failure {
            error,
            outcome: Outcome::Refused {
                stage: refusal.stage,
                reason: refusal.reason,
            },
            signer: None,
        }
    }
}

type Answer = (StatusCode, Value, Option<ResponseSigner>);

fn answer(
    api: &ApiPlan,
    endpoint: &EndpointPlan,
    provider: &dyn Provider,
    shared: &Shared,
    incoming: &Incoming<'_>,
) -> Result<Answer, Failure> {
    for (name, value) in &api.fixed_headers {
        let got = incoming
            .headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v);
        if got != Some(value.as_str()) {
            let reason = format!("header `{name}` must be `{value}`");
            return Err(Failure {
                error: ProviderError::bad_request(reason.clone()),
                outcome: Outcome::Refused {
                    stage: Stage::Headers,
                    reason,
                },
                signer: None,
            });
        }
    }
    let fields = decode(
        endpoint.source,
        &endpoint.fields,
        incoming.body,
        incoming.query,
    )
    .map_err(|reason| Failure::refused(Refusal::new(Stage::Decode, reason)))?;
    let received = Received {
        method: incoming.method,
        host: incoming.host,
        path: incoming.path,
        query: incoming.query,
        headers: incoming.headers,
        body: incoming.body,
        json: &fields,
    };
    let verified = match &endpoint.auth {
        Some(verifier) => verifier
            .verify(
                &received,
                Check {
                    api: &api.id,
                    now: shared.clock.now(),
                    replay: &shared.replay,
                    money_moving: endpoint.money_moving,
                },
            )
            .map_err(Failure::refused)?,
        None => Verified::default(),
    };
    if let Some(body_signature) = &endpoint.body_signature {
        body_signature.verify(&fields).map_err(Failure::refused)?;
    }
    let request = ApiRequest {
        endpoint: &endpoint.id,
        path_params: incoming.path_params,
        body: fields,
        headers: incoming.headers,
    };
    let handled = if provider.endpoints().contains(&endpoint.id.as_str()) {
        provider.handle(request)
    } else {
        Err(crate::providers::unhandled(&endpoint.id))
    };
    match handled {
        Ok(data) => {
            let (status, body) = api.shape.success(data);
            Ok((status, body, verified.response_signer))
        }
        Err(error) => {
            if let Some((scope, mark)) = &verified.spent_if_carried_out {
                shared.replay.release(scope, mark);
            }
            let outcome = match error.rejection {
                Rejection::NotImplemented => Outcome::Unhandled,
                _ => Outcome::Rejected {
                    message: error.message.clone(),
                },
            };
            Err(Failure {
                error,
                outcome,
                signer: verified.response_signer.map(Box::new),
            })
        }
    }
}

/// A JSON answer; when `signer` is given, signed over the exact bytes sent.
pub(crate) fn json_response(
    status: StatusCode,
    body: &Value,
    signer: Option<&ResponseSigner>,
) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(signer) = signer {
        let (name, value) = signer.header(&bytes);
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    *response.body_mut() = Body::from(bytes);
    response
}
