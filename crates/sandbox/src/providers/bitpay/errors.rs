//! BitPay's refusals in its two shapes: coded errors (`{"status": "error", "code",
//! "data": null, "error"}`) whose code is the HTTP method's two digits followed by
//! the kind's four (the spec's `code_suffix`), and plain `{"error": ...}` ones.
//!
//! The method digits are the official SDKs' error page's (docs/errors.md, "HTTP
//! Method - First two digits": 00 unmapped, 01 POST, 02 GET, 03 PUT, 04 DELETE). Each
//! message is the kind's name in the spec's description ("xx0101: Invoice not
//! found." → "Invoice not found").

use std::collections::BTreeMap;

use crate::api_spec::ApiSpec;
use crate::error::SandboxError;
use crate::respond::{ProviderError, Rejection};

/// Every kind the sandbox answers with; each must be in the spec.
const USED: &[&str] = &[
    "ResourceNotFound",
    "InvalidParameters",
    "MissingParameters",
    "InvoiceNotFound",
    "InvalidInvoiceParameters",
    "MissingInvoiceParameters",
    "InvalidInvoiceStateForCancel",
    "InvoiceMissingEmailOrSms",
    "SmsNotVerified",
    "InvoicePriceBelowMinimum",
    "InvoicePriceAboveMaximum",
    "InvalidSmsNumber",
    "SmsVerificationFailed",
    "HighValueContactLocked",
    "EmailAlreadySet",
    "InvalidInvoiceState",
    "MisconfiguredAccount",
    "RefundNotFound",
    "InvalidRefundParameters",
    "MissingRefundParameters",
    "ActiveRefundExists",
    "InvalidInvoiceStateForRefund",
    "RefundFeesExceedAmount",
    "AccountNotSetUp",
];

/// Which resource's parameter kinds a refusal of bad input uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Generic,
    Invoice,
    Refund,
}

#[derive(Clone, Debug)]
struct Kind {
    code_suffix: Option<String>,
    message: String,
}

/// The spec's error kinds, by name.
#[derive(Clone, Debug)]
pub(crate) struct Errors(BTreeMap<String, Kind>);

impl Errors {
    pub fn from_spec(api: &ApiSpec) -> Result<Self, SandboxError> {
        let kinds: BTreeMap<String, Kind> = api
            .api
            .error_body
            .iter()
            .flat_map(|body| &body.kinds)
            .map(|kind| {
                let message = kind
                    .message
                    .clone()
                    .unwrap_or_else(|| message_of(&kind.description));
                (
                    kind.name.clone(),
                    Kind {
                        code_suffix: kind.code_suffix.clone(),
                        message,
                    },
                )
            })
            .collect();
        if let Some(missing) = USED.iter().find(|name| !kinds.contains_key(**name)) {
            return Err(api.problem(format!(
                "the sandbox refuses with error kind `{missing}`, which the spec does not document"
            )));
        }
        Ok(Errors(kinds))
    }

    /// Refusal `kind` of a `method` request, coded when the kind has a code.
    pub fn kind(&self, method: &str, kind: &str, rejection: Rejection) -> ProviderError {
        let Some(known) = self.0.get(kind) else {
            return ProviderError::new(rejection, kind);
        };
        let error = ProviderError::new(rejection, known.message.clone());
        match &known.code_suffix {
            Some(suffix) => {
                let code = format!("{}{suffix}", method_digits(method));
                error.with_code(serde_json::Value::String(code).to_string())
            }
            None => error,
        }
    }

    /// `kind` with a detail after its message (`Invalid parameters: …`).
    pub fn detailed(
        &self,
        method: &str,
        kind: &str,
        rejection: Rejection,
        detail: impl AsRef<str>,
    ) -> ProviderError {
        let mut error = self.kind(method, kind, rejection);
        error.message = format!("{}: {}", error.message, detail.as_ref());
        error
    }

    /// A request body or query that does not fit its model: missing or invalid
    /// parameters of the family's resource.
    pub fn bad_input(&self, method: &str, family: Family, problem: String) -> ProviderError {
        let missing = problem.contains("missing field");
        let kind = match (family, missing) {
            (Family::Generic, true) => "MissingParameters",
            (Family::Generic, false) => "InvalidParameters",
            (Family::Invoice, true) => "MissingInvoiceParameters",
            (Family::Invoice, false) => "InvalidInvoiceParameters",
            (Family::Refund, true) => "MissingRefundParameters",
            (Family::Refund, false) => "InvalidRefundParameters",
        };
        self.detailed(method, kind, Rejection::BadRequest, problem)
    }

    /// Invalid parameters of the family's resource, with what is wrong.
    pub fn invalid(&self, method: &str, family: Family, problem: impl AsRef<str>) -> ProviderError {
        let kind = match family {
            Family::Generic => "InvalidParameters",
            Family::Invoice => "InvalidInvoiceParameters",
            Family::Refund => "InvalidRefundParameters",
        };
        self.detailed(method, kind, Rejection::BadRequest, problem)
    }

    /// The family's "not found".
    pub fn not_found(&self, method: &str, family: Family) -> ProviderError {
        let kind = match family {
            Family::Generic => "ResourceNotFound",
            Family::Invoice => "InvoiceNotFound",
            Family::Refund => "RefundNotFound",
        };
        self.kind(method, kind, Rejection::NotFound)
    }
}

/// The first two digits of a code.
fn method_digits(method: &str) -> &'static str {
    match method {
        "POST" => "01",
        "GET" => "02",
        "PUT" => "03",
        "DELETE" => "04",
        _ => "00",
    }
}

/// "xx0101: Invoice not found." → "Invoice not found"; "xx0107: Invalid invoice state
/// for cancel (listed in …)." → "Invalid invoice state for cancel".
fn message_of(description: &str) -> String {
    let text = description
        .split_once(": ")
        .filter(|(code, _)| code.starts_with("xx"))
        .map_or(description, |(_, rest)| rest);
    let text = text.split(" (").next().unwrap_or(text);
    text.trim().trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_kind_names_of_the_descriptions() {
        assert_eq!(
            message_of("xx0101: Invoice not found."),
            "Invoice not found"
        );
        assert_eq!(
            message_of(
                "xx0107: Invalid invoice state for cancel (listed in the official SDKs' error page, docs/errors.md, not in the reference table)."
            ),
            "Invalid invoice state for cancel"
        );
        assert_eq!(message_of("Something else."), "Something else");
    }

    #[test]
    fn codes_start_with_the_method_digits() {
        let errors = Errors(BTreeMap::from([(
            "InvoiceNotFound".to_owned(),
            Kind {
                code_suffix: Some("0101".into()),
                message: "Invoice not found".into(),
            },
        )]));
        let error = errors.kind("GET", "InvoiceNotFound", Rejection::NotFound);
        assert_eq!(error.code.as_deref(), Some("\"020101\""));
        assert_eq!(error.message, "Invoice not found");
        let error = errors.kind("DELETE", "InvoiceNotFound", Rejection::NotFound);
        assert_eq!(error.code.as_deref(), Some("\"040101\""));
    }
}
