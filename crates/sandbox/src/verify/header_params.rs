//! `sorted-params-digest` over header parameters (1BitPay): every public parameter the
//! binding lists must arrive and hold the value its source says (the merchant's
//! credentials, the constant, a known setting value), the timestamp must be fresh,
//! the signature must match, and the nonce must be new.

use std::time::{Duration, SystemTime};

use paysmith_sign::Secret;
use paysmith_sign::VerifyError;
use paysmith_sign::binding::{HeaderParamsBinding, HeaderVerifyError, ParamValue};
use paysmith_sign::sorted_params::SortedParamsConfig;

use super::{Check, Received, Refusal, Verified};
use crate::api_spec::ApiSpec;
use crate::clock::unix_millis;
use crate::error::SandboxError;
use crate::events::Stage;

/// What a public parameter must hold.
#[derive(Debug)]
enum Expected {
    /// The merchant's credential: anything else names another merchant.
    Credential(String),
    /// A fixed value of the scheme.
    Constant(String),
    /// One of the setting's enum values.
    OneOf(Vec<String>),
    /// The nonce: any text, but only once.
    Nonce,
    /// Milliseconds since the epoch, inside the window.
    TimestampMillis,
}

#[derive(Debug)]
pub(crate) struct HeaderParamsVerifier {
    binding: HeaderParamsBinding,
    config: SortedParamsConfig,
    secret: Secret,
    params: Vec<(String, Expected)>,
    window: Duration,
}

impl HeaderParamsVerifier {
    pub fn build(
        api: &ApiSpec,
        config: &SortedParamsConfig,
        binding: &HeaderParamsBinding,
        credential: &dyn Fn(&str) -> Result<String, SandboxError>,
        window: Duration,
    ) -> Result<Self, SandboxError> {
        let mut params = Vec::with_capacity(binding.public_params.len());
        for param in binding.public_params.iter() {
            let expected = match &param.value {
                ParamValue::Nonce { .. } => Expected::Nonce,
                ParamValue::TimestampMillis => Expected::TimestampMillis,
                ParamValue::Credential { name } => Expected::Credential(credential(name)?),
                ParamValue::Constant { value } => Expected::Constant(value.to_string()),
                ParamValue::Setting { name } => Expected::OneOf(setting_values(api, name)?),
            };
            params.push((param.name.to_string(), expected));
        }
        Ok(HeaderParamsVerifier {
            binding: binding.clone(),
            config: config.clone(),
            secret: credential(&binding.secret_credential)?.into(),
            params,
            window,
        })
    }

    pub fn verify(&self, request: &Received<'_>, check: Check<'_>) -> Result<Verified, Refusal> {
        let now = check.now;
        let mut nonce = None;
        let mut timestamp = None;
        for (name, expected) in &self.params {
            let value = request.header(name).ok_or_else(|| {
                Refusal::new(Stage::Headers, format!("header `{name}` is missing"))
            })?;
            match expected {
                Expected::Credential(known) if value != known => {
                    return Err(Refusal::new(
                        Stage::Credential,
                        format!("{name} `{value}` is not this sandbox's merchant"),
                    ));
                }
                Expected::Constant(constant) if value != constant => {
                    return Err(Refusal::new(
                        Stage::Headers,
                        format!("{name} `{value}` is not supported (only `{constant}`)"),
                    ));
                }
                Expected::OneOf(values) if !values.iter().any(|v| v == value) => {
                    return Err(Refusal::new(
                        Stage::Headers,
                        format!("{name} `{value}` is not one of {}", values.join(", ")),
                    ));
                }
                Expected::Nonce => nonce = Some(value),
                Expected::TimestampMillis => {
                    let millis: u64 = value.trim().parse().map_err(|_| {
                        Refusal::new(
                            Stage::Headers,
                            format!("{name} `{value}` is not milliseconds since the epoch"),
                        )
                    })?;
                    timestamp = Some(millis);
                }
                _ => {}
            }
        }
        if let Some(millis) = timestamp {
            let skew = unix_millis(now).abs_diff(millis);
            if u128::from(skew) > self.window.as_millis() {
                return Err(Refusal::new(
                    Stage::Freshness,
                    format!(
                        "the timestamp is {} s away from the sandbox clock; at most {} s are accepted",
                        skew / 1000,
                        self.window.as_secs()
                    ),
                ));
            }
        }
        self.binding
            .verify(&self.config, &self.secret, request.headers, request.json)
            .map_err(refusal)?;
        if let Some(nonce) = nonce {
            let signed_at = timestamp
                .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms))
                .unwrap_or(now);
            let until = signed_at.max(now) + self.window;
            if !check.replay.first_use(check.api, nonce, now, until) {
                return Err(Refusal::new(
                    Stage::Replay,
                    format!("nonce `{nonce}` was already used inside the window"),
                ));
            }
        }
        Ok(Verified::default())
    }
}

/// The wire values of the enum a setting takes.
fn setting_values(api: &ApiSpec, name: &str) -> Result<Vec<String>, SandboxError> {
    let setting = api
        .api
        .settings
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| {
            api.problem(format!(
                "the binding names setting `{name}`, which the API lacks"
            ))
        })?;
    let values = api
        .enum_def(&setting.ty)
        .ok_or_else(|| {
            api.problem(format!(
                "setting `{name}` has type `{}`, not an enum",
                setting.ty
            ))
        })?
        .values
        .iter()
        .filter_map(|v| paysmith_sign::stringify_json_scalar(&v.value))
        .collect();
    Ok(values)
}

fn refusal(error: HeaderVerifyError) -> Refusal {
    match error {
        HeaderVerifyError::MissingHeader(name) => {
            Refusal::new(Stage::Headers, format!("header `{name}` is missing"))
        }
        HeaderVerifyError::Body(error) => Refusal::new(Stage::Decode, error.to_string()),
        // The recomputed signature is not echoed: only what was signed.
        HeaderVerifyError::Signature(VerifyError::Mismatch { trace, .. }) => Refusal::new(
            Stage::Signature,
            format!(
                "the signature does not match; the string signed here (secret not shown) was `{}`",
                trace.get("string_to_sign").unwrap_or_default()
            ),
        ),
        HeaderVerifyError::Signature(other) => Refusal::new(Stage::Signature, other.to_string()),
    }
}
