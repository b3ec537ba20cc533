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
    pub auth: Option<Arc<Verifier>>,
    pub body_signature: Option<BodySignatureVerifier>,
    pub money_moving: bool,
}

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
    let mut methods: BTreeMap<String, MethodRouter> = BTreeMap::new();
    let mut seen: BTreeSet<(String, &'static str)> = BTreeSet::new();
    for endpoint in &api.api.endpoints {
        if !seen.insert((endpoint.path.clone(), endpoint.method.as_str())) {
            return Err(api.problem(format!(
                "two endpoints are {} {}",
                endpoint.method.as_str(),
                endpoint.path
            )));
        }
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
            auth,
            body_signature,
            money_moving: endpoint.money_moving,
        });
        let handler = {
            let (plan, provider, shared) = (plan.clone(), provider.clone(), shared.clone());
            move |request: Request| pipeline::handle(plan, endpoint_plan, provider, shared, request)
        };
        let router = methods.remove(&endpoint.path).unwrap_or_default();
        methods.insert(
            endpoint.path.clone(),
            router.on(method_filter(endpoint.method), handler),
        );
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
            outcome: Outcome::Rejected {
                message: message.to_owned(),
            },
        },
    );
    let (status, body) = plan.shape.error(&error);
    pipeline::json_response(status, &body, None)
}
