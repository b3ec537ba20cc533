use md5::Digest;
use paysmith_sign::sorted_params::*;
use paysmith_sign::*;
use std::borrow::Cow;
use std::time::Instant;
#[test]
fn perf() {
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
    let n = 2_000_000;
    let t = Instant::now();
    let mut x = 0u8;
    for _ in 0..n {
        x ^= md5::Md5::digest(std::hint::black_box(canon.as_bytes()))[0];
    }
    let raw = t.elapsed();
    let t = Instant::now();
    for _ in 0..n {
        x ^= cfg
            .signature(std::hint::black_box(&p), &s)
            .unwrap()
            .as_bytes()[0];
    }
    let ours = t.elapsed();
    let t = Instant::now();
    for _ in 0..n {
        x ^= cfg
            .sign(std::hint::black_box(&p), &s)
            .unwrap()
            .signature()
            .as_bytes()[0];
    }
    let full = t.elapsed();
    let t = Instant::now();
    for _ in 0..n {
        x ^= cfg.canonical(std::hint::black_box(&p)).unwrap().as_bytes()[0];
    }
    let canon_t = t.elapsed();
    let t = Instant::now();
    for _ in 0..n {
        let mut v: Vec<_> = std::hint::black_box(&p).iter().collect();
        v.sort_unstable_by(|a, b| a.0.cmp(b.0));
        x ^= v[0].0.as_bytes()[0];
    }
    let sort_t = t.elapsed();
    let t = Instant::now();
    for _ in 0..n {
        x ^= hex::encode(std::hint::black_box([1u8; 16])).as_bytes()[0];
    }
    let hex_t = t.elapsed();
    let t = Instant::now();
    for _ in 0..n {
        let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(150));
        x ^= std::hint::black_box(v).capacity() as u8;
    }
    let alloc_t = t.elapsed();
    let t = Instant::now();
    for _ in 0..n {
        let mut v = std::hint::black_box(p);
        v.sort_unstable_by(|a, b| a.0.cmp(b.0));
        x ^= v[0].0.as_bytes()[0];
    }
    let sort2_t = t.elapsed();
    let pieces: Vec<&str> = {
        let mut v = Vec::new();
        for (i, (k, val)) in p.iter().enumerate() {
            if i > 0 {
                v.push("&");
            }
            v.push(k);
            v.push("=");
            v.push(val);
        }
        v.push("merasdasd");
        v
    };
    let t = Instant::now();
    for _ in 0..n {
        let mut h = md5::Md5::new();
        for pc in std::hint::black_box(&pieces) {
            h.update(pc.as_bytes());
        }
        x ^= h.finalize()[0];
    }
    let pieces_t = t.elapsed();
    println!("md5 streamed pieces {:?}", pieces_t / n);
    println!("alloc {:?} sort-noalloc {:?}", alloc_t / n, sort2_t / n);
    println!(
        "canonical {:?} sort {:?} hex {:?}",
        canon_t / n,
        sort_t / n,
        hex_t / n
    );
    println!(
        "raw {:?}/op  signature {:?}/op  sign(trace) {:?}/op {x}",
        raw / n,
        ours / n,
        full / n
    );
}
