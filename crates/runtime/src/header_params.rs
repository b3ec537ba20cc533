//! Builds a JSON request signed by a header-params binding.

use paysmith_sign::Secret;
use paysmith_sign::binding::{HeaderParamsBinding, ParamSource, SignedHeaders};
use paysmith_sign::json_fields;
use paysmith_sign::sorted_params::{KeyPlan, SortedParamsConfig};

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
    /// Serialises `model` once and signs its fields read from those bytes; the bytes
    /// returned are the bytes the signature covers. `keys` is the binding's
    /// [`HeaderParamsBinding::key_plan`] for the model's fields, so they are placed in
    /// signing order rather than sorted. A body this reading does not take (not an
    /// object of scalars, or a key repeated) goes through
    /// [`HeaderParamsSigner::build_json_request`], which names the problem.
    pub fn build_model_request<T: serde::Serialize + ?Sized>(
        &self,
        operation: &'static str,
        method: &'static str,
        url: String,
        model: &T,
        keys: &KeyPlan,
    ) -> Result<SignedRequest, Error> {
        debug_assert_eq!(
            keys.config(),
            self.config,
            "a plan signs with its own scheme"
        );
        let build = |e: serde_json::Error| Error::new(operation, ErrorKind::Build(e.to_string()));
        // Room for a typical body, so serialising does not grow the buffer step by step.
        let mut bytes = Vec::with_capacity(512);
        serde_json::to_writer(&mut bytes, model).map_err(build)?;
        if let Some(fields) = json_fields::read_scalar_object(&bytes, None) {
            let public = self
                .binding
                .public_values(self.source)
                .map_err(|e| signing(operation, e))?;
            let params = fields.params.iter().map(|(k, v)| (k.as_ref(), v.as_ref()));
            if let Ok(signed) = self.binding.sign_fields(keys, self.secret, public, params) {
                drop(fields);
                return Ok(request(method, url, signed, bytes));
            }
        }
        let body = serde_json::to_value(model).map_err(build)?;
        self.build_json_request(operation, method, url, &body)
    }

    /// Signs `body` and serialises it once: the bytes returned are the bytes the
    /// signature covers.
    pub fn build_json_request(
        &self,
        operation: &'static str,
        method: &'static str,
        url: String,
        body: &serde_json::Value,
    ) -> Result<SignedRequest, Error> {
        let public = self
            .binding
            .public_values(self.source)
            .map_err(|e| signing(operation, e))?;
        let signed = self
            .binding
            .sign(self.config, self.secret, public, body)
            .map_err(|e| signing(operation, e))?;
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::new(operation, ErrorKind::Build(e.to_string())))?;
        Ok(request(method, url, signed, bytes))
    }
}

fn signing(operation: &'static str, e: paysmith_sign::binding::BindingError) -> Error {
    Error::new(operation, ErrorKind::Signing(e.to_string()))
}

/// The JSON request: its content type, then the signed headers.
fn request(
    method: &'static str,
    url: String,
    signed: SignedHeaders,
    body: Vec<u8>,
) -> SignedRequest {
    let mut headers = Vec::with_capacity(signed.headers.len() + 1);
    headers.push(("Content-Type".into(), "application/json".into()));
    headers.extend(
        signed
            .headers
            .into_iter()
            .map(|(name, value)| (name, value.into())),
    );
    SignedRequest {
        method,
        url,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use paysmith_sign::binding::{ParamValue, PublicParam};
    use paysmith_sign::sorted_params::{KeyOrder, SecretPlacement};
    use paysmith_sign::{DigestAlgorithm, OutputEncoding};
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use serde_json::{Map, Value, json};

    use super::*;

    const CONFIG: SortedParamsConfig = SortedParamsConfig {
        key_order: KeyOrder::CaseInsensitive,
        pair_separator: Cow::Borrowed("&"),
        kv_separator: Cow::Borrowed("="),
        exclude_keys: Cow::Borrowed(&[]),
        skip_empty: true,
        secret_placement: SecretPlacement::Append,
        digest: DigestAlgorithm::Md5,
        output: OutputEncoding::HexLower,
    };

    const BINDING: HeaderParamsBinding = HeaderParamsBinding {
        public_params: Cow::Borrowed(&[
            PublicParam {
                name: Cow::Borrowed("Nonce"),
                value: ParamValue::Nonce { length: 6 },
            },
            PublicParam {
                name: Cow::Borrowed("TimeStamp"),
                value: ParamValue::TimestampMillis,
            },
            PublicParam {
                name: Cow::Borrowed("MerchantNo"),
                value: ParamValue::Credential {
                    name: Cow::Borrowed("merchant_no"),
                },
            },
        ]),
        signature_header: Cow::Borrowed("Sign"),
        secret_credential: Cow::Borrowed("api_secret"),
    };

    /// A fixed clock and nonce, so both ways of building give the same request.
    struct Fixed;

    impl ParamSource for Fixed {
        fn credential(&self, name: &str) -> Option<&str> {
            (name == "merchant_no").then_some("M-1")
        }
        fn setting(&self, _: &str) -> Option<&str> {
            None
        }
        fn nonce(&self, length: usize) -> String {
            "n".repeat(length)
        }
        fn now_millis(&self) -> u64 {
            1_700_000_000_000
        }
    }

    fn signer(secret: &Secret) -> HeaderParamsSigner<'_> {
        HeaderParamsSigner {
            binding: &BINDING,
            config: &CONFIG,
            secret,
            source: &Fixed,
        }
    }

    /// Both ways of building a request from `model`: in place, with the plan of
    /// `fields` (checked against a plan of no fields), and through a `Value`.
    fn both<T: serde::Serialize>(
        model: &T,
        fields: &[&str],
    ) -> (Result<SignedRequest, String>, Result<SignedRequest, String>) {
        let secret = Secret::from("secret");
        let signer = signer(&secret);
        let url = || "https://pay.example/api".to_owned();
        let build = |plan: &KeyPlan| {
            signer
                .build_model_request("op", "POST", url(), model, plan)
                .map_err(|e| e.to_string())
        };
        let in_place = build(&BINDING.key_plan(&CONFIG, fields));
        assert_eq!(in_place, build(&BINDING.key_plan(&CONFIG, &[])));
        let through_value = serde_json::to_value(model)
            .map_err(|e| e.to_string())
            .and_then(|body| {
                signer
                    .build_json_request("op", "POST", url(), &body)
                    .map_err(|e| e.to_string())
            });
        (in_place, through_value)
    }

    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Order {
        merchant_order_no: String,
        amount: Decimal,
        #[serde(with = "rust_decimal::serde::arbitrary_precision")]
        fee: Decimal,
        rate: f64,
        count: u64,
        paid: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        remark: Option<String>,
        memo: Option<String>,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }

    const ORDER_FIELDS: &[&str] = &[
        "merchantOrderNo",
        "amount",
        "fee",
        "rate",
        "count",
        "paid",
        "remark",
        "memo",
    ];

    fn order(extra: Value) -> Order {
        Order {
            merchant_order_no: "A-\"1\"\\é".into(),
            amount: "10.500".parse().expect("decimal"),
            fee: "0.10".parse().expect("decimal"),
            rate: 7.1,
            count: 3,
            paid: false,
            remark: None,
            memo: None,
            extra: extra.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn a_model_signs_the_same_in_place_as_through_a_value() {
        let plan = BINDING.key_plan(&CONFIG, ORDER_FIELDS);
        // Without `remark` (skipped when unset) and `memo` (`null`, not signed).
        let written = ["Nonce", "TimeStamp", "MerchantNo"]
            .into_iter()
            .chain(ORDER_FIELDS[..6].iter().copied());
        assert!(plan.places(written), "the model's own fields are placed");
        let (in_place, through_value) = both(&order(json!({})), ORDER_FIELDS);
        assert_eq!(in_place, through_value);
        let (in_place, through_value) =
            both(&order(json!({"note": "x y", "empty": ""})), ORDER_FIELDS);
        let request = in_place.expect("builds");
        assert_eq!(Ok(&request), through_value.as_ref());
        // Exact amounts are signed and sent as written, trailing zeros included.
        let body = String::from_utf8(request.body).expect("UTF-8");
        assert!(body.contains(r#""amount":"10.500","fee":0.10,"#), "{body}");
    }

    #[test]
    fn bodies_the_in_place_reading_refuses_get_the_value_readings_answer() {
        for extra in [
            json!({"nested": {"a": 1}}),
            json!({"list": [1, 2]}),
            // Named like a public parameter, and repeated in the serialised bytes.
            json!({"Nonce": "mine"}),
            json!({"count": 4}),
        ] {
            let (in_place, through_value) = both(&order(extra.clone()), ORDER_FIELDS);
            assert_eq!(in_place, through_value, "{extra}");
        }
        let (in_place, _) = both(&order(json!({"nested": {"a": 1}})), ORDER_FIELDS);
        let error = in_place.expect_err("nested fields are not signed");
        assert!(error.contains("nested"), "{error}");
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::String),
        ]
    }

    proptest! {
        #[test]
        fn any_object_of_scalars_signs_the_same_both_ways(
            fields in proptest::collection::vec(("[A-Za-z][A-Za-z0-9_]{0,9}", scalar()), 0..16)
        ) {
            let object: Map<String, Value> = fields.into_iter().collect();
            let keys: Vec<&str> = object.keys().map(String::as_str).collect();
            let (in_place, through_value) = both(&Value::Object(object.clone()), &keys);
            prop_assert_eq!(in_place, through_value);
        }
    }
}
