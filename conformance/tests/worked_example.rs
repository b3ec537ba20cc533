//! The 1BitPay "Authentication example", stage by stage, in the document's order.

use paysmith_onebitpay_models::schemes::ONEBITPAY_MD5;
use paysmith_sign::Secret;

const PARAMS: [(&str, &str); 8] = [
    ("orderNo", "Or12898771811"),
    ("name", "John Li"),
    ("TimeStamp", "1566781991111"),
    ("Nonce", "dnasja1N"),
    ("MerchantNo", "meraojiasdoa123"),
    ("Lang", "en"),
    ("SignType", "1"),
    ("ApiKey", "asdhuasdaosd"),
];

#[test]
fn authentication_example_reproduces_every_stage_in_order() {
    let trace = ONEBITPAY_MD5
        .sign(PARAMS, &Secret::new("merasdasd"))
        .expect("signs");
    let stages: Vec<&str> = trace.iter().map(|s| s.name).collect();
    assert_eq!(
        stages,
        [
            "sorted_keys",
            "string_to_sign",
            "signed_string",
            "digest_hex",
            "signature"
        ]
    );
    // Stage 1, printed in the document: parameters ordered and joined.
    assert_eq!(
        trace.get("string_to_sign"),
        Some(
            "ApiKey=asdhuasdaosd&Lang=en&MerchantNo=meraojiasdoa123&name=John Li&Nonce=dnasja1N&orderNo=Or12898771811&SignType=1&TimeStamp=1566781991111"
        )
    );
    // Stage 2, printed in the document: the secret appended.
    assert_eq!(
        trace.get("signed_string"),
        Some(
            "ApiKey=asdhuasdaosd&Lang=en&MerchantNo=meraojiasdoa123&name=John Li&Nonce=dnasja1N&orderNo=Or12898771811&SignType=1&TimeStamp=1566781991111merasdasd"
        )
    );
    // Stage 3, derived (the document prints only `md5(...)`): Python hashlib.md5 and
    // coreutils md5sum of the stage-2 string both give this value.
    assert_eq!(trace.signature(), "d826a31317bb52a1832cf023bc7b3a07");
}

#[test]
fn plain_ascii_order_would_not_reproduce_the_example() {
    let mut ascii = ONEBITPAY_MD5.clone();
    ascii.key_order = paysmith_sign::sorted_params::KeyOrder::Ascii;
    let canonical = ascii.canonical(PARAMS).unwrap();
    assert_ne!(
        canonical,
        "ApiKey=asdhuasdaosd&Lang=en&MerchantNo=meraojiasdoa123&name=John Li&Nonce=dnasja1N&orderNo=Or12898771811&SignType=1&TimeStamp=1566781991111",
        "erratum sort-order-ascii-vs-example: the text's ASCII order disagrees with the example"
    );
    assert!(canonical.starts_with("ApiKey=asdhuasdaosd&Lang=en&MerchantNo=meraojiasdoa123&Nonce="));
}
