//! Capability tokens as the spec describes them, for APIs with facades (BitPay): which
//! facades may call an endpoint, which of their calls are signed, and where the token
//! travels. The pipeline takes the token out of the request; the provider decides
//! whether it grants the call.

use paysmith_spec::model::{ApiFile, Endpoint, TokenLocation, TokenPlacement};
use serde_json::Value;

/// The facade of calls made without a token.
pub(crate) const PUBLIC_FACADE: &str = "public";

/// What the spec says about the capability an endpoint needs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Capability {
    /// Facades whose tokens may call the endpoint (`public` for calls without one).
    pub facades: Vec<String>,
    /// Facades whose calls the spec signs (`signed_for`, or every facade but `public`
    /// when the endpoint is signed and names none).
    pub signed: Vec<String>,
    /// Facades whose calls are signed when their token is bound to a key.
    pub optionally_signed: Vec<String>,
    /// Where the token travels; `None` for public calls.
    pub token: Option<TokenPlacement>,
}

impl Capability {
    /// The capability of `endpoint`, when its API has facades.
    pub fn of(api: &ApiFile, endpoint: &Endpoint) -> Option<Self> {
        if api.facades.is_empty() {
            return None;
        }
        let signed = match (&endpoint.auth, &endpoint.signed_for) {
            (None, _) => Vec::new(),
            (Some(_), Some(facades)) => facades.clone(),
            (Some(_), None) => endpoint
                .facades
                .iter()
                .filter(|f| *f != PUBLIC_FACADE)
                .cloned()
                .collect(),
        };
        let optionally_signed = api
            .facades
            .iter()
            .filter(|f| f.optional_signing && endpoint.facades.contains(&f.name))
            .map(|f| f.name.clone())
            .collect();
        Some(Capability {
            facades: endpoint.facades.clone(),
            signed,
            optionally_signed,
            token: endpoint.token.clone(),
        })
    }

    /// Whether a token of `facade` may call the endpoint.
    pub fn grants(&self, facade: &str) -> bool {
        self.facades.iter().any(|f| f == facade)
    }

    /// Whether the call is public: no token, no signature.
    pub fn is_public(&self) -> bool {
        self.facades.iter().all(|f| f == PUBLIC_FACADE)
    }

    /// Whether `facade`'s call must be signed whatever its token.
    pub fn signs(&self, facade: &str) -> bool {
        self.signed.iter().any(|f| f == facade)
    }

    /// Whether `facade`'s call is signed when its token is bound to a key.
    pub fn signs_when_bound(&self, facade: &str) -> bool {
        self.signs(facade) || self.optionally_signed.iter().any(|f| f == facade)
    }

    /// Takes the token out of the request where the spec puts it: out of the decoded
    /// fields (so they parse as the request model) or the query. `None` when the call
    /// carries none or it is missing.
    pub fn take_token(
        &self,
        fields: &mut Value,
        query: &str,
        fields_from_query: bool,
    ) -> Option<String> {
        let (name, in_body) = match self.token.as_ref()? {
            TokenPlacement::Body { field } => (field.as_str(), true),
            TokenPlacement::Query { param } => (param.as_str(), false),
            TokenPlacement::Resource {
                param, location, ..
            } => (param.as_str(), *location == TokenLocation::Body),
            TokenPlacement::None => return None,
        };
        let from_fields = (in_body || fields_from_query)
            .then(|| {
                fields
                    .as_object_mut()
                    .and_then(|object| object.remove(name))
            })
            .flatten();
        match from_fields {
            Some(Value::String(token)) => Some(token),
            Some(_) => None,
            None if !in_body => form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned()),
            None => None,
        }
    }
}

/// Who made a call, once the provider accepted its capability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Caller {
    /// The facade the call was made with (`public` without a token).
    pub facade: String,
    /// The token, when the call carried one.
    pub token: Option<String>,
    /// The SIN of the key that signed the call, when it was signed.
    pub sin: Option<String>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn capability(token: TokenPlacement) -> Capability {
        Capability {
            facades: vec!["pos".into(), "merchant".into()],
            signed: vec!["merchant".into()],
            optionally_signed: vec!["pos".into()],
            token: Some(token),
        }
    }

    #[test]
    fn the_token_is_taken_from_where_the_spec_puts_it() {
        let body = capability(TokenPlacement::Body {
            field: "token".into(),
        });
        let mut fields = serde_json::json!({"price": 1, "token": "T1"});
        assert_eq!(
            body.take_token(&mut fields, "token=other", false),
            Some("T1".into())
        );
        assert_eq!(fields, serde_json::json!({"price": 1}));

        let query = capability(TokenPlacement::Query {
            param: "token".into(),
        });
        let mut fields = serde_json::json!({"token": "T2", "limit": 5});
        assert_eq!(
            query.take_token(&mut fields, "token=T2&limit=5", true),
            Some("T2".into())
        );
        assert_eq!(fields, serde_json::json!({"limit": 5}));
        let mut json_body = serde_json::json!({"a": 1});
        assert_eq!(
            query.take_token(&mut json_body, "x=1&token=a%2Bb", false),
            Some("a+b".into())
        );

        let resource = capability(TokenPlacement::Resource {
            model: "Invoice".into(),
            field: "token".into(),
            param: "token".into(),
            path_params: BTreeMap::new(),
            location: TokenLocation::Body,
        });
        let mut fields = serde_json::json!({"token": "R1"});
        assert_eq!(
            resource.take_token(&mut fields, "", false),
            Some("R1".into())
        );
        let mut none = serde_json::json!(null);
        assert_eq!(resource.take_token(&mut none, "token=R1", false), None);
    }

    #[test]
    fn signing_follows_signed_for_and_optional_signing() {
        let c = capability(TokenPlacement::None);
        assert!(c.grants("pos") && !c.grants("payout"));
        assert!(c.signs("merchant") && !c.signs("pos"));
        assert!(c.signs_when_bound("pos"));
        assert!(!c.is_public());
    }
}
