//! One router per API, derived from the spec: every endpoint's method and path
//! template, the scheme that signs it, where its fields travel and how the API
//! answers. Nothing here is a hand-written copy of an endpoint.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{OriginalUri, Request};
use axum::http::Method as HttpMethod;
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};
use paysmith_spec::model::Method;

use crate::api_spec::ApiSpec;
use crate::capability::Capability;
use crate::decode::{FieldTypes, RequestSource};
use crate::error::SandboxError;
use crate::events::{EventKind, Outcome};
use crate::pipeline;
use crate::providers::Provider;
use crate::respond::{ProviderError, Rejection, ResponseShape};
use crate::shared::Shared;
use crate::verify::{BodySignatureVerifier, Verifier};

/// What applies to every endpoint of an API.
pub(crate) struct ApiPlan {
    pub id: String,
    pub shape: ResponseShape,
    /// Headers the API sends with every request (a versioned `Accept`).
    pub fixed_headers: Vec<(String, String)>,
}

/// One endpoint, as the spec defines it.
pub(crate) struct EndpointPlan {
    pub id: String,
    pub source: RequestSource,
    pub fields: FieldTypes,
    /// The request model's required fields: which of several endpoints sharing a
    /// method and path a request is for.
    pub required: BTreeSet<String>,
    pub auth: Option<Arc<Verifier>>,
    pub body_signature: Option<BodySignatureVerifier>,
    pub money_moving: bool,
    /// Facades, signing and token placement, for APIs with capability tokens.
    pub capability: Option<Capability>,
}

impl EndpointPlan {
    /// How many of the request model's required fields `fields` lacks.
    pub fn missing_required(&self, fields: &serde_json::Value) -> usize {
        self.required
            .iter()
            .filter(|name| {
                fields
                    .get(name.as_str())
                    .is_none_or(serde_json::Value::is_null)
            })
            .count()
    }
}

/// One method and path, and the endpoints on it.
type Route = (Method, Vec<Arc<EndpointPlan>>);

/// The endpoints sharing one method and path, in spec order (BitPay's `POST /tokens`
/// both requests a token and claims a pairing code).
pub(crate) type Candidates = Arc<Vec<Arc<EndpointPlan>>>;

/// The router of `api`, served by `provider`.
pub(crate) fn api_router(
    api: &ApiSpec,
    provider: Arc<dyn Provider>,
    shared: Arc<Shared>,
    default_window: Duration,
) -> Result<Router, SandboxError> {
    let plan = Arc::new(ApiPlan {
        id: api.id().to_owned(),
        shape: ResponseShape::of(&api.api),
        fixed_headers: api
            .api
            .headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect(),
    });
    let mut verifiers: BTreeMap<String, Arc<Verifier>> = BTreeMap::new();
    let mut routes: BTreeMap<(String, &'static str), Route> = BTreeMap::new();
    for endpoint in &api.api.endpoints {
        let auth = match &endpoint.auth {
            None => None,
            Some(scheme) => Some(match verifiers.get(scheme) {
                Some(verifier) => verifier.clone(),
                None => {
                    let verifier = Arc::new(Verifier::build(
                        api,
                        scheme,
                        provider.credentials(),
                        default_window,
                    )?);
                    verifiers.insert(scheme.clone(), verifier.clone());
                    verifier
                }
            }),
        };
        let body_signature = endpoint
            .body_signature
            .as_ref()
            .map(|b| BodySignatureVerifier::build(api, b, provider.body_signature_key(&b.scheme)))
            .transpose()?;
        let endpoint_plan = Arc::new(EndpointPlan {
            id: endpoint.id.clone(),
            source: RequestSource::of(endpoint.method, api.api.encoding),
            fields: FieldTypes::of_model(api, endpoint.request.as_deref()),
            required: required_fields(api, endpoint.request.as_deref()),
            auth,
            body_signature,
            money_moving: endpoint.money_moving,
            capability: Capability::of(&api.api, endpoint),
        });
        routes
            .entry((endpoint.path.clone(), endpoint.method.as_str()))
            .or_insert_with(|| (endpoint.method, Vec::new()))
            .1
            .push(endpoint_plan);
    }
    let mut methods: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for ((path, _), (method, candidates)) in routes {
        if let [first, second, ..] = &candidates[..]
            && first.required == second.required
        {
            return Err(api.problem(format!(
                "`{}` and `{}` are both {} {path} and cannot be told apart by their required fields",
                first.id,
                second.id,
                method.as_str()
            )));
        }
        let candidates: Candidates = Arc::new(candidates);
        let handler = {
            let (plan, provider, shared) = (plan.clone(), provider.clone(), shared.clone());
            move |request: Request| pipeline::handle(plan, candidates, provider, shared, request)
        };
        let router = methods.remove(&path).unwrap_or_default();
        methods.insert(path, router.on(method_filter(method), handler));
    }
    let mut router = provider.pages();
    for (path, method_router) in methods {
        router = router.route(&path, method_router);
    }
    let not_found = {
        let (plan, shared) = (plan.clone(), shared.clone());
        move |request: Request| unmatched(plan, shared, request, Rejection::NotFound, "Not found")
    };
    let not_allowed = {
        let (plan, shared) = (plan, shared);
        move |request: Request| {
            unmatched(
                plan,
                shared,
                request,
                Rejection::MethodNotAllowed,
                "Method not allowed",
            )
        }
    };
    Ok(router
        .fallback(not_found)
        .method_not_allowed_fallback(not_allowed))
}

/// The required fields of request model `model`.
fn required_fields(api: &ApiSpec, model: Option<&str>) -> BTreeSet<String> {
    model
        .and_then(|name| api.model(name))
        .map(|model| {
            model
                .fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn method_filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Patch => MethodFilter::PATCH,
        Method::Delete => MethodFilter::DELETE,
    }
}

/// A request no endpoint matches, answered in the API's error shape.
async fn unmatched(
    plan: Arc<ApiPlan>,
    shared: Arc<Shared>,
    request: Request,
    rejection: Rejection,
    message: &'static str,
) -> Response {
    let path = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().path().to_owned(), |o| o.path().to_owned());
    let method: &HttpMethod = request.method();
    let error = ProviderError::new(rejection, message);
    shared.events.record(
        shared.clock.now_millis(),
        &plan.id,
        EventKind::Request {
            endpoint: None,
            method: method.to_string(),
            path,
            facade: None,
            outcome: Outcome::Rejected {
                message: message.to_owned(),
            },
        },
    );
    let (status, body) = plan.shape.error(&error);
    pipeline::json_response(status, &body, None)
}
