//! What happens to one request: read it, check the API's fixed headers, decode its
//! fields (choosing the endpoint when several share the route), take out its
//! capability token, verify its signature (and its body signature), let the provider
//! authorize and handle it, answer in the API's shape (signed when the scheme signs
//! answers), and log the outcome.

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
use crate::routes::{ApiPlan, Candidates, EndpointPlan};
use crate::shared::Shared;
use crate::verify::{Check, Received, Refusal, ResponseSigner, Verified};

/// Requests larger than this are refused before anything else.
const BODY_LIMIT: usize = 1 << 20;

pub(crate) async fn handle(
    api: Arc<ApiPlan>,
    candidates: Candidates,
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
            answer(&api, &candidates, provider.as_ref(), &shared, &received)
        }
        (Err(refusal), _) | (_, Err(refusal)) => Err(Failure::refused(refusal)),
    };
    let endpoint = match &outcome {
        Ok(answered) => Some(answered.endpoint.clone()),
        Err(failure) => failure.endpoint.clone(),
    }
    .unwrap_or_else(|| candidates[0].id.clone());
    let (response, outcome, facade) = match outcome {
        Ok(Answered {
            status,
            body,
            signer,
            facade,
            ..
        }) => (
            json_response(status, &body, signer.as_ref()),
            Outcome::Answered,
            facade,
        ),
        Err(failure) => {
            let Failure {
                error,
                outcome,
                signer,
                facade,
                ..
            } = *failure;
            let (status, body) = api.shape.error(&error);
            (
                json_response(status, &body, signer.as_deref()),
                outcome,
                facade,
            )
        }
    };
    shared.events.record(
        shared.clock.now_millis(),
        &api.id,
        EventKind::Request {
            endpoint: Some(endpoint),
            method,
            path: uri.path().to_owned(),
            facade,
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
    /// The endpoint, once chosen.
    endpoint: Option<String>,
    /// The caller's facade, once known.
    facade: Option<String>,
}

impl Failure {
    fn refused(refusal: Refusal) -> Box<Self> {
        let error = match (refusal.stage, &refusal.answer) {
            (Stage::Decode, None) => ProviderError::bad_request(refusal.reason.clone()),
            (Stage::Decode, Some(answer)) => ProviderError::bad_request(answer.clone()),
            (_, Some(answer)) => ProviderError::new(Rejection::Unauthorized, answer.clone()),
            (_, None) => ProviderError::new(
                Rejection::Unauthorized,
                format!("Unauthorized: {}", refusal.reason),
            ),
        };
        Box::new(Failure {
            error,
            outcome: Outcome::Refused {
                stage: refusal.stage,
                reason: refusal.reason,
            },
            signer: None,
            endpoint: None,
            facade: None,
        })
    }

    fn at(mut self: Box<Self>, endpoint: &EndpointPlan) -> Box<Self> {
        self.endpoint = Some(endpoint.id.clone());
        self
    }

    /// A provider's refusal or rejection of a verified request.
    fn provider(
        error: ProviderError,
        endpoint: &EndpointPlan,
        facade: Option<String>,
    ) -> Box<Self> {
        let outcome = match (&error.refusal, error.rejection) {
            (Some((stage, reason)), _) => Outcome::Refused {
                stage: *stage,
                reason: reason.clone(),
            },
            (None, Rejection::NotImplemented) => Outcome::Unhandled,
            (None, _) => Outcome::Rejected {
                message: error.message.clone(),
            },
        };
        Box::new(Failure {
            error,
            outcome,
            signer: None,
            endpoint: Some(endpoint.id.clone()),
            facade,
        })
    }
}

/// A request answered with success.
struct Answered {
    status: StatusCode,
    body: Value,
    signer: Option<ResponseSigner>,
    endpoint: String,
    facade: Option<String>,
}

/// The endpoint a request is for: the only one on its route, or the first whose
/// request model's required fields the request has (the one lacking fewest).
fn choose<'a>(candidates: &'a [Arc<EndpointPlan>], fields: &Value) -> &'a EndpointPlan {
    candidates
        .iter()
        .min_by_key(|plan| plan.missing_required(fields))
        .map(Arc::as_ref)
        .unwrap_or_else(|| &candidates[0])
}

fn answer(
    api: &ApiPlan,
    candidates: &[Arc<EndpointPlan>],
    provider: &dyn Provider,
    shared: &Shared,
    incoming: &Incoming<'_>,
) -> Result<Answered, Box<Failure>> {
    let first = &candidates[0];
    for (name, value) in &api.fixed_headers {
        let got = incoming
            .headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v);
        if got != Some(value.as_str()) {
            let reason = format!("header `{name}` must be `{value}`");
            return Err(Box::new(Failure {
                error: ProviderError::bad_request(reason.clone()),
                outcome: Outcome::Refused {
                    stage: Stage::Headers,
                    reason,
                },
                signer: None,
                endpoint: None,
                facade: None,
            }));
        }
    }
    let decoded = |plan: &EndpointPlan| {
        decode(plan.source, &plan.fields, incoming.body, incoming.query)
            .map_err(|reason| Failure::refused(Refusal::new(Stage::Decode, reason)).at(plan))
    };
    let mut fields = decoded(first)?;
    let endpoint = choose(candidates, &fields);
    if !std::ptr::eq(endpoint, first.as_ref()) {
        fields = decoded(endpoint)?;
    }
    let token = endpoint.capability.as_ref().and_then(|capability| {
        let from_query = endpoint.source == crate::decode::RequestSource::Query;
        capability.take_token(&mut fields, incoming.query, from_query)
    });
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
            .map_err(|refusal| Failure::refused(refusal).at(endpoint))?,
        None => Verified::default(),
    };
    if let Some(body_signature) = &endpoint.body_signature {
        body_signature
            .verify(&fields)
            .map_err(|refusal| Failure::refused(refusal).at(endpoint))?;
    }
    let mut request = ApiRequest {
        endpoint: &endpoint.id,
        method: incoming.method,
        path_params: incoming.path_params,
        body: fields,
        headers: incoming.headers,
        capability: endpoint.capability.as_ref(),
        token,
        identity: verified.identity.as_deref(),
        caller: None,
    };
    let release = || {
        if let Some((scope, mark)) = &verified.spent_if_carried_out {
            shared.replay.release(scope, mark);
        }
    };
    let caller = provider.authorize(&request).map_err(|error| {
        release();
        Failure::provider(error, endpoint, None)
    })?;
    let facade = caller.as_ref().map(|c| c.facade.clone());
    request.caller = caller;
    let handled = if provider.endpoints().contains(&endpoint.id.as_str()) {
        provider.handle(request)
    } else {
        Err(crate::providers::unhandled(&endpoint.id))
    };
    match handled {
        Ok(data) => {
            let (status, body) = api.shape.success(data);
            Ok(Answered {
                status,
                body,
                signer: verified.response_signer,
                endpoint: endpoint.id.clone(),
                facade,
            })
        }
        Err(error) => {
            release();
            let mut failure = Failure::provider(error, endpoint, facade);
            failure.signer = verified.response_signer.map(Box::new);
            Err(failure)
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
