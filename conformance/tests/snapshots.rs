//! The signed HTTP request of every endpoint, built from the document's request example
//! with a fixed clock and nonce, as it goes on the wire.

use paysmith_conformance::generated::onebitpay;
use paysmith_conformance::onebitpay::{API_SECRET, fixed_client};
use paysmith_onebitpay_models::schemes::{ONEBITPAY_MD5, ONEBITPAY_MD5_HTTP};
use paysmith_sign::Secret;

#[test]
fn every_endpoint_has_a_signed_request_snapshot() {
    let spec = paysmith_conformance::spec();
    let api = &spec.api(onebitpay::API).unwrap().value;
    let client = fixed_client();
    for endpoint in &api.endpoints {
        // The printed example when it parses, else its corrected form.
        let mut candidates: Vec<_> = api
            .examples
            .iter()
            .filter(|e| Some(&e.model) == endpoint.request.as_ref() && !e.enveloped)
            .collect();
        candidates.sort_by_key(|e| e.erratum.is_some());
        let example = candidates
            .first()
            .unwrap_or_else(|| panic!("{}: no request example", endpoint.id));
        let json = example.corrected.as_deref().unwrap_or(&example.json);
        let case = paysmith_conformance::EndpointCase {
            endpoint: onebitpay::ENDPOINTS
                .iter()
                .find(|e| **e == endpoint.id)
                .unwrap(),
            path: Vec::new(),
            request: serde_json::from_str(json).unwrap(),
        };
        let signed = onebitpay::build(&client, &case).unwrap();

        // What a server would check: the Sign header over headers and body.
        let headers: Vec<(&str, &str)> = signed
            .headers
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        let body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
        ONEBITPAY_MD5_HTTP
            .verify(&ONEBITPAY_MD5, &Secret::new(API_SECRET), &headers, &body)
            .unwrap_or_else(|e| panic!("{}: {e}", endpoint.id));

        insta::assert_snapshot!(format!("onebitpay__{}", endpoint.id), signed.to_string());
    }
}

#[test]
fn body_signatures_open_under_the_shard_public_key() {
    use paysmith_onebitpay_models::schemes::ONEBITPAY_MPC_RSA;
    let client = fixed_client();
    let request = serde_json::json!({
        "id": 1, "from": "TGGh3cGp9P21Ebvg9JitjHoeJaKqrg3bRg", "to": "TFMQrPdFWuPzFRXb42sxB22ABCVL6xSopV",
        "value": "4.1", "chainId": "56", "status": 1, "data": ""
    });
    let case = paysmith_conformance::EndpointCase {
        endpoint: "approve",
        path: Vec::new(),
        request,
    };
    let signed = onebitpay::build(&client, &case).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
    let data = body["data"].as_str().unwrap();
    let shard = paysmith_sign::load_shard(
        &paysmith_conformance::onebitpay::shard_pfx(),
        &Secret::new("1bitpaymer1c92b0319ef5b794"),
    )
    .unwrap();
    // The document's signObject, compact, in its key order.
    let expected = r#"{"id":1,"from":"TGGh3cGp9P21Ebvg9JitjHoeJaKqrg3bRg","to":"TFMQrPdFWuPzFRXb42sxB22ABCVL6xSopV","value":"4.1","chainId":"56","status":1}"#;
    ONEBITPAY_MPC_RSA
        .verify(&shard.public_key(), expected, data)
        .unwrap();
    // And it is the signature Java computed for the same object (vectors.json).
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            paysmith_conformance::root()
                .join("conformance/fixtures/onebitpay-mpc-rsa/vectors.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let java = vectors["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["input"]["plaintext"] == expected)
        .expect("a Java vector over the signObject");
    assert_eq!(data, java["expect"]["signature"]);
}
