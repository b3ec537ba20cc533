//! Every signing and verification benchmark: the scheme as the generated clients and
//! callback verifiers run it, next to the raw primitive over the same bytes.
//!
//! A case's setup computes the exact bytes the primitive covers from the scheme's own
//! trace and checks that the primitive reproduces the scheme's signature, so both
//! sides provably do the same cryptographic work.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use paysmith_onebitpay_client::models::CreateOrderRequest;
use paysmith_onebitpay_client::models::schemes::{
    ONEBITPAY_MD5, ONEBITPAY_MD5_HTTP, ONEBITPAY_MPC_RSA,
};
use paysmith_sign::acquia_hmac::{
    AcquiaKey, AuthorizationParams, ReceivedRequest, RequestParts, split_url,
};
use paysmith_sign::binding::{ParamSource, apply_body_signature, covered_json, flatten_body};

use paysmith_sign::bitpay_ecdsa::secp256k1::{Message, SecretKey, ecdsa};
use paysmith_sign::bitpay_ecdsa::{BitpayEcdsaConfig, signature_hex};
use paysmith_sign::content_md5_hmac::SignedParts;
use paysmith_sign::json_fields;
use rand::rngs::OsRng;
use rsa::BigUint;
use rsa::traits::PublicKeyParts;
use sha2::Sha256;

use crate::fixtures;

/// One measured function; the result is passed to `black_box` by the caller.
pub type Run = Box<dyn Fn() -> usize>;

/// A way of doing the scheme's work, e.g. the signer call or the generated `build_*`.
pub struct Tier {
    pub name: &'static str,
    pub what: &'static str,
    pub run: Run,
}

/// What a case measures, built once per process.
pub struct Setup {
    /// The raw primitive over the same bytes: the limit.
    pub primitive: Run,
    pub tiers: Vec<Tier>,
}

impl Setup {
    /// The measured function called `name` (`primitive` or a tier's name).
    pub fn run(&self, name: &str) -> Option<&Run> {
        if name == PRIMITIVE {
            return Some(&self.primitive);
        }
        self.tiers.iter().find(|t| t.name == name).map(|t| &t.run)
    }
}

/// Name of the baseline in every case.
pub const PRIMITIVE: &str = "primitive";

/// A benchmark and its target.
pub struct Case {
    /// Criterion group id, also the file name criterion writes under.
    pub id: &'static str,
    pub title: &'static str,
    /// What the primitive computes.
    pub limit: &'static str,
    /// The tier the target applies to.
    pub target_tier: &'static str,
    /// Largest accepted ratio of `target_tier` to the primitive.
    pub target: f64,
    /// Iterations per callgrind run (the count is the difference of two runs).
    pub callgrind_iterations: u32,
    pub setup: fn() -> Setup,
}

pub const CASES: &[Case] = &[
    Case {
        id: "onebitpay-create-order",
        title: "1BitPay create order (`onebitpay-md5`)",
        limit: "MD5 of the signed string",
        target_tier: "sign",
        target: 2.0,
        callgrind_iterations: 400,
        setup: onebitpay_create_order,
    },
    Case {
        id: "onebitpay-callback-verify",
        title: "1BitPay order callback verification (`onebitpay-md5`)",
        limit: "MD5 of the signed string",
        target_tier: "verify",
        target: 2.0,
        callgrind_iterations: 400,
        setup: onebitpay_callback,
    },
    Case {
        id: "onebitpay-approve-data",
        title: "1BitPay co-signer `data` of an approval (`onebitpay-mpc-rsa`)",
        limit: "RSA-2048 private-key operation on the padded block",
        target_tier: "sign",
        target: 1.1,
        callgrind_iterations: 4,
        setup: onebitpay_approve,
    },
    Case {
        id: "bitpro-withdrawal",
        title: "Bitpro v1 withdrawal (`bitpro-hmac-sha1`)",
        limit: "MD5 of the form body + HMAC-SHA1 of the string to sign",
        target_tier: "sign",
        target: 2.0,
        callgrind_iterations: 400,
        setup: bitpro_withdrawal,
    },
    Case {
        id: "bitpro-mapi-get",
        title: "Bitpro mapi GET `/mapi/charges?page=2` (`acquia-http-hmac-v2`)",
        limit: "HMAC-SHA256 of the string to sign",
        target_tier: "sign",
        target: 2.0,
        callgrind_iterations: 400,
        setup: mapi_get,
    },
    Case {
        id: "bitpro-mapi-post",
        title: "Bitpro mapi POST with a JSON body (`acquia-http-hmac-v2`)",
        limit: "HMAC-SHA256 of the string to sign + SHA-256 of the body",
        target_tier: "sign",
        target: 2.0,
        callgrind_iterations: 400,
        setup: mapi_post,
    },
    Case {
        id: "bitpro-mapi-server-verify",
        title: "Server verification of the mapi POST (`acquia-http-hmac-v2`)",
        limit: "HMAC-SHA256 of the string to sign + SHA-256 of the body",
        target_tier: "verify",
        target: 2.0,
        callgrind_iterations: 400,
        setup: mapi_server_verify,
    },
    Case {
        id: "bitpay-invoice-create",
        title: "BitPay invoice create (`bitpay-ecdsa`)",
        limit: "secp256k1 ECDSA sign of the same SHA-256 digest",
        target_tier: "sign",
        target: 1.1,
        callgrind_iterations: 40,
        setup: bitpay_invoice,
    },
];

/// The case with this id.
pub fn case(id: &str) -> Option<&'static Case> {
    CASES.iter().find(|c| c.id == id)
}

fn md5_run(bytes: Vec<u8>) -> Run {
    Box::new(move || usize::from(Md5::digest(&bytes)[0]))
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The string 1BitPay's MD5 covers for these parameters (canonical string + secret).
fn onebitpay_signed_string(params: &[(&str, &str)]) -> Vec<u8> {
    let trace = ONEBITPAY_MD5
        .sign(params, &fixtures::onebitpay::secret())
        .expect("fixture params sign");
    trace
        .get("signed_string")
        .expect("stage recorded")
        .as_bytes()
        .to_vec()
}

fn onebitpay_create_order() -> Setup {
    let client = Arc::new(fixtures::onebitpay::client());
    let request = fixtures::onebitpay::create_order();
    let body = serde_json::to_value(&request).expect("model serialises");
    let written = serde_json::to_vec(&request).expect("model serialises");
    let secret = fixtures::onebitpay::secret();

    let source: &dyn ParamSource = &*client;
    let public = ONEBITPAY_MD5_HTTP
        .public_values(source)
        .expect("public values");
    let body_params = flatten_body(&body).expect("flat body");
    let params: Vec<(&str, &str)> = public
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_str()))
        .chain(body_params.iter().map(|(k, v)| (*k, v.as_str())))
        .collect();
    let signed = onebitpay_signed_string(&params);
    let built = client.build_create_order(&request).expect("builds");
    assert_eq!(
        built.header(&ONEBITPAY_MD5_HTTP.signature_header),
        Some(format!("{:x}", Md5::digest(&signed)).as_str()),
        "the primitive must hash exactly what the scheme signs"
    );

    // What the generated client signs: the fields read from the bytes it sends, in the
    // order the model's plan lists them.
    let plan = ONEBITPAY_MD5_HTTP.key_plan(&ONEBITPAY_MD5, CreateOrderRequest::FIELD_NAMES);
    let fields = json_fields::read_scalar_object(&written, None).expect("flat body");
    let field_pairs = || fields.params.iter().map(|(k, v)| (k.as_ref(), v.as_ref()));
    assert!(
        plan.places(
            public
                .iter()
                .map(|(k, _)| k.as_ref())
                .chain(field_pairs().map(|(k, _)| k))
        ),
        "the request is signed through its plan, not sorted"
    );
    let fields: Vec<(String, String)> = field_pairs()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();

    let sign_client = Arc::clone(&client);
    let sign_secret = fixtures::onebitpay::secret();
    let value_secret = fixtures::onebitpay::secret();
    let value_body = body.clone();
    let public = ONEBITPAY_MD5_HTTP
        .public_values(source)
        .expect("public values");
    let value_public = public.clone();
    Setup {
        primitive: md5_run(signed),
        tiers: vec![
            Tier {
                name: "sign",
                what: "`HeaderParamsBinding::fields_signature`, as the generated client signs: the public values and the body's fields placed in signing order by the model's plan, joined, MD5, hex",
                run: Box::new(move || {
                    let fields = fields.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                    ONEBITPAY_MD5_HTTP
                        .fields_signature(&plan, &sign_secret, &public, fields)
                        .expect("signs")
                        .len()
                }),
            },
            Tier {
                name: "sign_value",
                what: "`HeaderParamsBinding::signature` of a `serde_json::Value` body: the same parameters sorted, not planned",
                run: Box::new(move || {
                    ONEBITPAY_MD5_HTTP
                        .signature(&ONEBITPAY_MD5, &value_secret, &value_public, &value_body)
                        .expect("signs")
                        .len()
                }),
            },
            Tier {
                name: "request",
                what: "`public_values` + `HeaderParamsBinding::sign`: the `Value` signature plus the clock, nonce and credentials, as headers",
                run: Box::new(move || {
                    let source: &dyn ParamSource = &*sign_client;
                    let public = ONEBITPAY_MD5_HTTP.public_values(source).expect("public");
                    let signed = ONEBITPAY_MD5_HTTP
                        .sign(&ONEBITPAY_MD5, &secret, public, &body)
                        .expect("signs");
                    signed.headers.len()
                }),
            },
            Tier {
                name: "build",
                what: "generated `Client::build_create_order` (model to JSON bytes, fields read in place, public values, planned signature, headers)",
                run: Box::new(move || {
                    client
                        .build_create_order(&request)
                        .expect("builds")
                        .body
                        .len()
                }),
            },
        ],
    }
}

fn onebitpay_callback() -> Setup {
    use paysmith_onebitpay_client::models::OrderCallback;

    let body = fixtures::onebitpay::callback_body();
    let secret = fixtures::onebitpay::secret();
    let mut value: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    value
        .as_object_mut()
        .expect("object")
        .remove("signature")
        .expect("signed");
    let fields = flatten_body(&value).expect("flat");
    let params: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let signed = onebitpay_signed_string(&params);
    OrderCallback::verify_and_parse(&body, &secret).expect("the fixture verifies");

    let documented = Arc::new(fixtures::onebitpay::callback_body_as_documented());
    OrderCallback::verify(&documented, &secret).expect("the documented layout verifies");
    let body = Arc::new(body);
    let secret = Arc::new(secret);
    let (body2, secret2) = (Arc::clone(&body), Arc::clone(&secret));
    let secret3 = Arc::clone(&secret);
    Setup {
        primitive: md5_run(signed),
        tiers: vec![
            Tier {
                name: "verify",
                what: "generated `OrderCallback::verify` on the raw body (its plan reads the body in one pass)",
                run: Box::new(move || OrderCallback::verify(&body, &secret).map_or(0, |()| 1)),
            },
            Tier {
                name: "verify_documented",
                what: "generated `OrderCallback::verify` on the same callback laid out as the document's example (indented, `orderNo` before `merchantOrderNo`)",
                run: Box::new(move || {
                    OrderCallback::verify(&documented, &secret3).map_or(0, |()| 1)
                }),
            },
            Tier {
                name: "verify_and_parse",
                what: "generated `OrderCallback::verify_and_parse` (verify, then parse into the model)",
                run: Box::new(move || {
                    OrderCallback::verify_and_parse(&body2, &secret2)
                        .expect("verifies")
                        .order_no
                        .len()
                }),
            },
        ],
    }
}

/// The fields the approval's `data` signature covers (`spec/apis/onebitpay.yaml`).
const APPROVE_COVERS: &[&str] = &["id", "from", "to", "value", "chainId", "status"];

fn onebitpay_approve() -> Setup {
    let client = fixtures::onebitpay::client();
    let request = fixtures::onebitpay::approve();
    let key = fixtures::onebitpay::rsa_key();
    let shard = fixtures::onebitpay::shard_key();
    let body = serde_json::to_value(&request).expect("serialises");

    // PKCS#1 v1.5 type-1 block over the covered JSON, as the JDK builds it.
    let plaintext = covered_json(&body, APPROVE_COVERS);
    let k = key.size();
    let mut block = vec![0x00, 0x01];
    block.resize(k - plaintext.len() - 1, 0xFF);
    block.push(0x00);
    block.extend_from_slice(plaintext.as_bytes());
    let block = BigUint::from_bytes_be(&block);
    let raw = rsa::hazmat::rsa_decrypt_and_check(&key, Some(&mut OsRng), &block).expect("raw op");
    let mut signed = body.clone();
    let trace = apply_body_signature(
        &mut signed,
        &ONEBITPAY_MPC_RSA,
        &shard,
        "data",
        APPROVE_COVERS,
    )
    .expect("signs");
    let mut raw_bytes = raw.to_bytes_be();
    while raw_bytes.len() < k {
        raw_bytes.insert(0, 0);
    }
    assert_eq!(
        trace.signature(),
        STANDARD.encode(&raw_bytes),
        "the primitive must compute exactly the scheme's signature"
    );

    Setup {
        primitive: Box::new(move || {
            rsa::hazmat::rsa_decrypt_and_check(&key, Some(&mut OsRng), &block)
                .expect("raw op")
                .bits()
        }),
        tiers: vec![
            Tier {
                name: "sign",
                what: "`binding::apply_body_signature` (covered JSON, pad, RSA, base64, store in `data`)",
                run: Box::new(move || {
                    let mut body = body.clone();
                    apply_body_signature(
                        &mut body,
                        &ONEBITPAY_MPC_RSA,
                        &shard,
                        "data",
                        APPROVE_COVERS,
                    )
                    .expect("signs")
                    .stages
                    .len()
                }),
            },
            Tier {
                name: "build",
                what: "generated `Client::build_approve` (RSA `data` + the MD5 header signature)",
                run: Box::new(move || client.build_approve(&request).expect("builds").body.len()),
            },
        ],
    }
}

fn bitpro_withdrawal() -> Setup {
    use paysmith_bitpro_client::models::schemes::BITPRO_HMAC_SHA1;
    use paysmith_runtime::content_md5::ContentMd5Signer;
    use paysmith_runtime::plain::{encode_path_segment, form_pairs};

    let client = Arc::new(fixtures::bitpro::client());
    let request = fixtures::bitpro::withdrawal();
    let secret = fixtures::bitpro::secret();
    let path = format!(
        "/api/v1/clients/{}/withdrawal",
        encode_path_segment(fixtures::bitpro::CLIENT_UID)
    );
    let params = form_pairs("withdrawal", &request).expect("form pairs");
    let built = client
        .build_withdrawal(fixtures::bitpro::CLIENT_UID, &request)
        .expect("builds");
    let content = built.body.clone();
    let date = built.header("Date").expect("date").to_owned();
    let trace = BITPRO_HMAC_SHA1.sign(
        &SignedParts {
            method: "POST",
            uri: &path,
            date: &date,
            content: &content,
            api_key: fixtures::bitpro::API_KEY,
        },
        &secret,
    );
    let string_to_sign = trace
        .get("string_to_sign")
        .expect("stage")
        .as_bytes()
        .to_vec();
    let key = fixtures::bitpro::SECRET_KEY.as_bytes().to_vec();
    assert_eq!(
        built.header("Authorization"),
        Some(
            format!(
                "Bitpro {}:{}",
                fixtures::bitpro::API_KEY,
                STANDARD.encode(hmac_sha1(&key, &string_to_sign))
            )
            .as_str()
        ),
        "the primitive must compute exactly the scheme's signature"
    );
    assert_eq!(
        built.header("Content-MD5"),
        Some(STANDARD.encode(Md5::digest(&content)).as_str())
    );

    let uid = fixtures::bitpro::CLIENT_UID;
    let sign_client = Arc::clone(&client);
    // The generated client keys its MAC on the first request and keeps it.
    let mac_key = BITPRO_HMAC_SHA1.mac_key(&secret);
    Setup {
        primitive: Box::new(move || {
            let digest = Md5::digest(&content);
            let mac = hmac_sha1(&key, &string_to_sign);
            usize::from(digest[0] ^ mac[0])
        }),
        tiers: vec![
            Tier {
                name: "sign",
                what: "`ContentMd5Signer::build_form_request` with the client's keyed MAC (form-encode, Date, Content-MD5, HMAC-SHA1, headers)",
                run: Box::new(move || {
                    let signer = ContentMd5Signer {
                        config: &BITPRO_HMAC_SHA1,
                        api_key: fixtures::bitpro::API_KEY,
                        key: &mac_key,
                        transport: sign_client.transport(),
                    };
                    signer.build_form_request("POST", &path, &params).body.len()
                }),
            },
            Tier {
                name: "build",
                what: "generated `Client::build_withdrawal` (model to form pairs, then sign)",
                run: Box::new(move || {
                    client
                        .build_withdrawal(uid, &request)
                        .expect("builds")
                        .body
                        .len()
                }),
            },
        ],
    }
}

/// The string an Acquia signature covers, traced from the request as sent; the
/// server-side verifier accepts the request, and the HMAC of that string under the
/// key is the signature the request carries.
fn acquia_string_to_sign(request: &paysmith_runtime::SignedRequest) -> Vec<u8> {
    use paysmith_bitpro_mapi_client::models::schemes::{
        ACQUIA_HTTP_HMAC_V2, ACQUIA_HTTP_HMAC_V2_HTTP,
    };

    let target = split_url(&request.url).expect("absolute URL");
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    let received = ReceivedRequest {
        method: request.method,
        host: &target.host,
        path: target.path,
        query: target.query,
        headers: &headers,
        body: &request.body,
    };
    let key = AcquiaKey::from_base64(&fixtures::bitpro_mapi::secret()).expect("base64");
    let timestamp = fixtures::bitpro_mapi::TIMESTAMP / 1000;
    ACQUIA_HTTP_HMAC_V2
        .verify_request(
            &received,
            &ACQUIA_HTTP_HMAC_V2_HTTP.realm,
            timestamp,
            &|_| Some(&key),
        )
        .expect("the fixture request verifies");
    let params = AuthorizationParams::parse(request.header("Authorization").expect("signed"))
        .expect("the client's Authorization parses");
    let parts = RequestParts {
        method: request.method,
        host: &target.host,
        path: target.path,
        query: target.query,
        signed_headers: &[],
        content_type: request.header("Content-Type"),
        body: &request.body,
        id: &params.id,
        nonce: &params.nonce,
        realm: &params.realm,
        timestamp,
    };
    let trace = ACQUIA_HTTP_HMAC_V2.sign(&parts, &key);
    let string_to_sign = trace.get("string_to_sign").expect("stage").as_bytes();
    assert_eq!(
        STANDARD.encode(hmac_sha256(&mapi_key_bytes(), string_to_sign)),
        params.signature,
        "the primitive reproduces the request's signature"
    );
    string_to_sign.to_vec()
}

fn mapi_key_bytes() -> Vec<u8> {
    STANDARD
        .decode(fixtures::bitpro_mapi::PRIVATE_KEY)
        .expect("base64 secret")
}

fn mapi_signer_run(method: &'static str, query: Vec<(String, String)>, body: &'static str) -> Run {
    use paysmith_bitpro_mapi_client::HEADERS;
    use paysmith_bitpro_mapi_client::models::schemes::{
        ACQUIA_HTTP_HMAC_V2, ACQUIA_HTTP_HMAC_V2_HTTP,
    };
    use paysmith_runtime::acquia::AcquiaSigner;

    let transport = fixtures::bitpro_mapi::transport();
    // The generated client decodes its key on the first request and keeps it.
    let key = AcquiaKey::from_base64(&fixtures::bitpro_mapi::secret()).expect("base64 secret");
    Box::new(move || {
        AcquiaSigner::new(
            &ACQUIA_HTTP_HMAC_V2,
            &ACQUIA_HTTP_HMAC_V2_HTTP,
            fixtures::bitpro_mapi::MERCHANT_ID,
            &key,
            &transport,
            HEADERS,
        )
        .build_request(
            "bench",
            method,
            "/mapi/charges",
            &query,
            body.as_bytes().to_vec(),
        )
        .expect("builds")
        .headers
        .len()
    })
}

fn mapi_get() -> Setup {
    use paysmith_bitpro_mapi_client::models::ChargesQuery;

    let client = fixtures::bitpro_mapi::client();
    let query = ChargesQuery { page: Some(2) };
    let built = client.build_list_charges(&query).expect("builds");
    let string_to_sign = acquia_string_to_sign(&built);
    let key = mapi_key_bytes();
    Setup {
        primitive: Box::new(move || usize::from(hmac_sha256(&key, &string_to_sign)[0])),
        tiers: vec![
            Tier {
                name: "sign",
                what: "`AcquiaSigner::new` + `build_request` with the client's decoded key (URL, nonce, string to sign, HMAC, headers)",
                run: mapi_signer_run("GET", vec![("page".into(), "2".into())], ""),
            },
            Tier {
                name: "build",
                what: "generated `Client::build_list_charges`",
                run: Box::new(move || {
                    client
                        .build_list_charges(&query)
                        .expect("builds")
                        .headers
                        .len()
                }),
            },
        ],
    }
}

/// The signed POST and what its signature covers.
fn mapi_post_request() -> paysmith_runtime::SignedRequest {
    use paysmith_bitpro_mapi_client::HEADERS;
    use paysmith_bitpro_mapi_client::models::schemes::{
        ACQUIA_HTTP_HMAC_V2, ACQUIA_HTTP_HMAC_V2_HTTP,
    };
    use paysmith_runtime::acquia::AcquiaSigner;

    let transport = fixtures::bitpro_mapi::transport();
    let key = AcquiaKey::from_base64(&fixtures::bitpro_mapi::secret()).expect("base64 secret");
    AcquiaSigner::new(
        &ACQUIA_HTTP_HMAC_V2,
        &ACQUIA_HTTP_HMAC_V2_HTTP,
        fixtures::bitpro_mapi::MERCHANT_ID,
        &key,
        &transport,
        HEADERS,
    )
    .build_request(
        "bench",
        "POST",
        "/mapi/charges",
        &[],
        fixtures::bitpro_mapi::CHARGE_BODY.as_bytes().to_vec(),
    )
    .expect("builds")
}

fn acquia_post_primitive(request: &paysmith_runtime::SignedRequest) -> Run {
    let string_to_sign = acquia_string_to_sign(request);
    let body = request.body.clone();
    let key = mapi_key_bytes();
    Box::new(move || {
        let body_hash = Sha256::digest(&body);
        let mac = hmac_sha256(&key, &string_to_sign);
        usize::from(body_hash[0] ^ mac[0])
    })
}

fn mapi_post() -> Setup {
    let request = mapi_post_request();
    Setup {
        primitive: acquia_post_primitive(&request),
        tiers: vec![Tier {
            name: "sign",
            what: "`AcquiaSigner::new` + `build_request` with the JSON body",
            run: mapi_signer_run("POST", Vec::new(), fixtures::bitpro_mapi::CHARGE_BODY),
        }],
    }
}

fn mapi_server_verify() -> Setup {
    use paysmith_bitpro_mapi_client::models::schemes::{
        ACQUIA_HTTP_HMAC_V2, ACQUIA_HTTP_HMAC_V2_HTTP,
    };

    let request = mapi_post_request();
    let primitive = acquia_post_primitive(&request);
    let key = AcquiaKey::from_base64(&fixtures::bitpro_mapi::secret()).expect("base64");
    // A server's HTTP layer hands over the method, `Host`, path, query and header list
    // it has already parsed; the client's URL is split here once, not on every call.
    // Leaked once per process, so every call borrows the same received request.
    let request: &'static paysmith_runtime::SignedRequest = Box::leak(Box::new(request));
    let headers: &'static [(&'static str, &'static str)] = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect::<Vec<_>>()
        .leak();
    let target = split_url(&request.url).expect("absolute URL");
    let received = ReceivedRequest {
        method: request.method,
        host: target.host.into_owned().leak(),
        path: target.path,
        query: target.query,
        headers,
        body: &request.body,
    };
    Setup {
        primitive,
        tiers: vec![Tier {
            name: "verify",
            what: "`AcquiaHmacConfig::verify_request` on the request as a server receives it (parse Authorization, window, body hash, signature)",
            run: Box::new(move || {
                let key_for = |id: &str| (id == fixtures::bitpro_mapi::MERCHANT_ID).then_some(&key);
                ACQUIA_HTTP_HMAC_V2
                    .verify_request(
                        &received,
                        &ACQUIA_HTTP_HMAC_V2_HTTP.realm,
                        fixtures::bitpro_mapi::TIMESTAMP / 1000,
                        &key_for,
                    )
                    .expect("verifies")
                    .nonce
                    .len()
            }),
        }],
    }
}

fn bitpay_invoice() -> Setup {
    use fixtures::bitpay::{BODY, SIGNATURE, URL};

    let key = fixtures::bitpay::key();
    let secret: SecretKey = fixtures::bitpay::PRIVATE_KEY_HEX.parse().expect("key");
    let digest: [u8; 32] = Sha256::new()
        .chain_update(URL)
        .chain_update(BODY)
        .finalize()
        .into();
    let config = BitpayEcdsaConfig::default();
    assert_eq!(
        config.sign(&key, URL, BODY.as_bytes()).signature(),
        SIGNATURE
    );
    let der = ecdsa::sign(Message::from_digest(digest), &secret).serialize_der();
    assert_eq!(
        der.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        SIGNATURE,
        "the primitive must compute exactly the scheme's signature"
    );
    let lean_key = fixtures::bitpay::key();
    Setup {
        primitive: Box::new(move || {
            ecdsa::sign(Message::from_digest(digest), &secret)
                .serialize_der()
                .len()
        }),
        tiers: vec![
            Tier {
                name: "sign",
                what: "`BitpayEcdsaConfig::sign` (SHA-256 of URL and body, ECDSA, DER hex, headers, trace)",
                run: Box::new(move || config.sign(&key, URL, BODY.as_bytes()).stages.len()),
            },
            Tier {
                name: "signature_hex",
                what: "`bitpay_ecdsa::signature_hex` over URL and body joined by the caller",
                run: Box::new(move || {
                    let mut message = Vec::with_capacity(URL.len() + BODY.len());
                    message.extend_from_slice(URL.as_bytes());
                    message.extend_from_slice(BODY.as_bytes());
                    signature_hex(&lean_key, &message).len()
                }),
            },
        ],
    }
}
