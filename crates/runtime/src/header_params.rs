//! Builds a JSON request signed by a header-params binding.

use paysmith_sign::Secret;
use paysmith_sign::binding::{HeaderParamsBinding, ParamSource};
use paysmith_sign::sorted_params::SortedParamsConfig;

use crate::error::{Error, ErrorKind};
use crate::request::SignedRequest;

/// Signs `body` with the binding's public parameters and serialises it once: the
/// bytes returned are the bytes the signature covers.
pub fn build_json_request(
    operation: &'static str,
    method: &'static str,
    url: String,
    binding: &HeaderParamsBinding,
    config: &SortedParamsConfig,
    secret: &Secret,
    source: &dyn ParamSource,
    body: &serde_json::Value,
) -> Result<SignedRequest, Error> {
    let signing = |e: paysmith_sign::binding::BindingError| {
        Error::new(operation, ErrorKind::Signing(e.to_string()))
    };
    let public = binding.public_values(source).map_err(signing)?;
    let signed = binding
        .sign(config, secret, public, body)
        .map_err(signing)?;
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Error::new(operation, ErrorKind::Build(e.to_string())))?;
    let mut headers = Vec::with_capacity(signed.headers.len() + 1);
    headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    headers.extend(
        signed
            .headers
            .into_iter()
            .map(|(name, value)| (name.into_owned(), value)),
    );
    Ok(SignedRequest {
        method,
        url,
        headers,
        body: bytes,
    })
}
