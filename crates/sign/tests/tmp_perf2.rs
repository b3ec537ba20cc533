use md5::Digest;
use paysmith_sign::sorted_params::*;
use paysmith_sign::*;
use std::borrow::Cow;
#[test]
fn perf2() {
    let cfg = SortedParamsConfig {
        key_order: KeyOrder::CaseInsensitive,
        pair_separator: "&".into(),
        kv_separator: "=".into(),
        exclude_keys: Cow::Borrowed(&[Cow::Borrowed("Sign")]),
        skip_empty: true,
        secret_placement: SecretPlacement::Append,
        digest: DigestAlgorithm::Md5,
        output: OutputEncoding::HexLower,
    };
    let p = [
        ("orderNo", "Or12898771811"),
        ("name", "John Li"),
        ("TimeStamp", "1566781991111"),
        ("Nonce", "dnasja1N"),
        ("MerchantNo", "meraojiasdoa123"),
        ("Lang", "en"),
        ("SignType", "1"),
        ("ApiKey", "asdhuasdaosd"),
    ];
    let s = Secret::from("merasdasd");
    let canon = cfg.canonical(&p).unwrap() + "merasdasd";
    let mut x = 0u8;
    let which = std::env::var("WHICH").unwrap();
    let n: u32 = std::env::var("N")
        .map(|v| v.parse().unwrap())
        .unwrap_or(5_000_000);
    for _ in 0..n {
        if which == "raw" {
            x ^= md5::Md5::digest(std::hint::black_box(canon.as_bytes()))[0];
        } else if which == "sig" {
            x ^= cfg
                .signature(std::hint::black_box(&p), &s)
                .unwrap()
                .as_bytes()[0];
        } else {
            x ^= cfg
                .sign(std::hint::black_box(&p), &s)
                .unwrap()
                .signature()
                .as_bytes()[0];
        }
    }
    println!("{x}");
}
