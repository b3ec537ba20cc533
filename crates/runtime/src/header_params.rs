//! Builds a JSON request signed by a header-params binding.

use paysmith_sign::Secret;
use paysmith_sign::binding::{HeaderParamsBinding, ParamSource};
use paysmith_sign::sorted_params::SortedParamsConfig;

use crate::error::{Error, ErrorKind};
use crate::request::SignedRequest;

/// What signs a request: the scheme, its binding, the secret, and where the public
/// parameters (credentials, settings, clock, nonce) come from.
pub struct HeaderParamsSigner<'a> {
    pub binding: &'a HeaderParamsBinding,
    pub config: &'a SortedParamsConfig,
    pub secret: &'a Secret,
    pub source: &'a dyn ParamSource,
}

impl HeaderParamsSigner<'_> {
    /// Signs `body` and serialises it once: the bytes returned are the bytes the
    /// signature covers.
    pub fn build_json_request(
        &self,
        operation: &'static str,
        method: &'static str,
        url: String,
        body: &serde_json::Value,
    ) -> Result<SignedRequest, Error> {
        let signing = |e: paysmith_sign::binding::BindingError| {
            Error::new(operation, ErrorKind::Signing(e.to_string()))
        };
        let public = self.binding.public_values(self.source).map_err(signing)?;
        let signed = self
            .binding
            .sign(self.config, self.secret, public, body)
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
}
