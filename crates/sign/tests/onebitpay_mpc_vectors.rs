//! Reproduces the JDK-generated 1BitPay MPC vectors byte for byte and checks
//! the PKCS#12 loader against keytool, OpenSSL default and OpenSSL legacy
//! files. The fixtures come from `conformance/java/regenerate.sh`; no Java is
//! needed to run these tests.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use paysmith_sign::rsa::RsaPublicKey;
use paysmith_sign::rsa::pkcs8::DecodePublicKey;
use paysmith_sign::{
    OutputEncoding, PasswordEvidence, Pkcs12Error, RsaPrivateEncryptConfig, SchemeFamily, Secret,
    VerifyError, load_shard, load_shard_with_alias, sign_input, verify_input,
};
use serde_json::{Value, json};

const MERCHANT_NO: &str = "mer1c92b0319ef5b794";

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../conformance/fixtures/onebitpay-mpc-rsa")
}

fn read(name: &str) -> Vec<u8> {
    let path = fixture_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn config() -> RsaPrivateEncryptConfig {
    RsaPrivateEncryptConfig {
        output: OutputEncoding::Base64,
        password_template: "1bitpay{merchant_no}".into(),
    }
}

fn password() -> Secret {
    config()
        .password_for(&[("merchant_no", MERCHANT_NO)])
        .unwrap()
}

fn vectors() -> Vec<Value> {
    let doc: Value = serde_json::from_slice(&read("vectors.json")).unwrap();
    assert_eq!(doc["scheme"], "onebitpay-mpc-rsa");
    doc["vectors"].as_array().unwrap().clone()
}

fn public_pem() -> String {
    String::from_utf8(read("public.pem")).unwrap()
}

#[test]
fn every_vector_is_reproduced_and_verifies() {
    let family = SchemeFamily::RsaPkcs1v15PrivateEncrypt(config());
    let public = RsaPublicKey::from_public_key_pem(&public_pem()).unwrap();
    let vectors = vectors();
    assert!(vectors.len() >= 7, "expected the full vector set");
    for v in &vectors {
        let id = v["id"].as_str().unwrap();
        let input = &v["input"];
        let expected = v["expect"]["signature"].as_str().unwrap();
        assert_eq!(input["password"].as_str().unwrap(), password().expose());

        // Typed API.
        let der = STANDARD
            .decode(input["pfx_base64"].as_str().unwrap())
            .unwrap();
        let key = load_shard_with_alias(&der, &password(), "1BitPay").unwrap();
        let plaintext = input["plaintext"].as_str().unwrap();
        let trace = config().sign(&key, plaintext).unwrap();
        assert_eq!(trace.signature(), expected, "vector {id}");
        assert_eq!(
            trace.get("plaintext_bytes").unwrap(),
            plaintext.len().to_string()
        );
        config().verify(&public, plaintext, expected).unwrap();

        // Generic entry, exactly as the vector runner feeds it.
        let trace = sign_input(&family, input).unwrap();
        assert_eq!(trace.signature(), expected, "vector {id} via sign_input");

        let mut with_sig = input.clone();
        with_sig["signature"] = json!(expected);
        verify_input(&family, &with_sig).unwrap();
        let by_pem = json!({
            "public_key_pem": public_pem(),
            "plaintext": plaintext,
            "signature": expected,
        });
        verify_input(&family, &by_pem).unwrap();
    }
}

#[test]
fn three_writers_give_the_same_key_and_signature() {
    let by_id = |id: &str| {
        vectors()
            .into_iter()
            .find(|v| v["id"] == id)
            .unwrap_or_else(|| panic!("vector {id} missing"))["expect"]["signature"]
            .clone()
    };
    let reference = by_id("keytool-sign-object");
    assert_eq!(by_id("openssl-default-sign-object"), reference);
    assert_eq!(by_id("openssl-legacy-sign-object"), reference);

    let public = RsaPublicKey::from_public_key_pem(&public_pem()).unwrap();
    let mut fingerprints = Vec::new();
    for (file, alias) in [
        // keytool stores aliases lowercased.
        ("keytool.pfx", "1bitpay"),
        ("openssl-default.pfx", "1BitPay"),
        ("openssl-legacy.pfx", "1BitPay"),
    ] {
        let key = load_shard(&read(file), &password()).unwrap();
        assert_eq!(key.alias(), Some(alias), "{file}");
        assert_eq!(key.bits(), 2048, "{file}");
        assert_eq!(key.public_key(), public, "{file}");
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.fingerprint_sha256()), "{shown}");
        assert!(!shown.contains("RsaPrivateKey"), "{shown}");
        fingerprints.push(key.fingerprint_sha256());
    }
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 1);
}

#[test]
fn wrong_password_is_not_reported_as_corruption() {
    let wrong = Secret::from("1bitpaymer_wrong");
    for file in ["keytool.pfx", "openssl-default.pfx", "openssl-legacy.pfx"] {
        let err = load_shard(&read(file), &wrong).unwrap_err();
        assert_eq!(
            err,
            Pkcs12Error::WrongPassword {
                evidence: PasswordEvidence::MacMismatch
            },
            "{file}"
        );
        assert_eq!(
            err.to_string(),
            "wrong password for the PKCS#12 file (its integrity check (MAC) failed)"
        );
    }
}

#[test]
fn wrong_password_without_mac_is_still_a_wrong_password_and_says_there_is_no_mac() {
    let der = read("openssl-nomac.pfx");
    let key = load_shard(&der, &password()).unwrap();
    let public = RsaPublicKey::from_public_key_pem(&public_pem()).unwrap();
    assert_eq!(key.public_key(), public);
    let err = load_shard(&der, &Secret::from("1bitpaymer_wrong")).unwrap_err();
    assert_eq!(
        err,
        Pkcs12Error::WrongPassword {
            evidence: PasswordEvidence::DecryptionFailed
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("no integrity check (MAC)") && !message.contains("failed"),
        "{message}"
    );
}

#[test]
fn a_wrong_password_is_reported_before_an_unsupported_cipher_when_a_mac_checks_it() {
    // The MAC (SHA-1) is verified before the RC4 key bag would be decrypted.
    let err = load_shard(
        &read("unsupported-rc4.pfx"),
        &Secret::from("1bitpaymer_wrong"),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Pkcs12Error::WrongPassword {
            evidence: PasswordEvidence::MacMismatch
        }
    );
}

#[test]
fn without_a_mac_an_unsupported_cipher_says_the_password_could_not_be_checked() {
    let der = read("unsupported-rc4-nomac.pfx");
    for password in [password(), Secret::from("1bitpaymer_wrong")] {
        match load_shard(&der, &password).unwrap_err() {
            Pkcs12Error::Unsupported(what) => {
                assert!(what.contains("pbeWithSHAAnd128BitRC4"), "{what}");
                assert!(what.contains("password could not be checked"), "{what}");
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }
}

#[test]
fn damaged_files_are_reported_as_corrupt() {
    let der = read("keytool.pfx");
    for cut in [der.len() - 1, der.len() / 2, 10, 0] {
        let err = load_shard(&der[..cut], &password()).unwrap_err();
        assert!(
            matches!(err, Pkcs12Error::Corrupt(_)),
            "truncated to {cut}: {err:?}"
        );
    }
    let err = load_shard(b"-----BEGIN CERTIFICATE-----", &password()).unwrap_err();
    assert!(matches!(err, Pkcs12Error::Corrupt(_)), "{err:?}");
}

#[test]
fn ec_key_is_not_rsa() {
    let err = load_shard(&read("ec-key.pfx"), &password()).unwrap_err();
    match &err {
        Pkcs12Error::NotRsa { algorithm } => {
            assert!(algorithm.contains("EC") && algorithm.contains("1.2.840.10045.2.1"))
        }
        other => panic!("expected NotRsa, got {other:?}"),
    }
    assert!(err.to_string().contains("not RSA"));
}

#[test]
fn unsupported_scheme_is_named() {
    let err = load_shard(&read("unsupported-rc4.pfx"), &password()).unwrap_err();
    match err {
        Pkcs12Error::Unsupported(what) => {
            assert!(what.contains("pbeWithSHAAnd128BitRC4"), "{what}");
            assert!(what.contains("1.2.840.113549.1.12.1.1"), "{what}");
            assert!(what.contains("the password is right"), "{what}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn other_key_does_not_verify_and_signs_differently() {
    let v = &vectors()[0];
    let plaintext = v["input"]["plaintext"].as_str().unwrap();
    let expected = v["expect"]["signature"].as_str().unwrap();
    let other = load_shard(&read("other-key.pfx"), &password()).unwrap();
    assert!(matches!(
        config().verify(&other.public_key(), plaintext, expected),
        Err(VerifyError::WrongKeyOrCorrupt)
    ));
    let theirs = config().sign(&other, plaintext).unwrap();
    assert_ne!(theirs.signature(), expected);
}

#[test]
fn tampered_plaintext_reveals_what_was_signed() {
    let public = RsaPublicKey::from_public_key_pem(&public_pem()).unwrap();
    let v = vectors()
        .into_iter()
        .find(|v| v["id"] == "keytool-sign-object")
        .unwrap();
    let signed = v["input"]["plaintext"].as_str().unwrap();
    let signature = v["expect"]["signature"].as_str().unwrap();
    // A pretty-printed body is a different string from the compact one signed.
    let pretty = signed.replace(",", ", ");
    match config().verify(&public, &pretty, signature) {
        Err(VerifyError::PlaintextMismatch {
            signed: got,
            expected,
        }) => {
            assert_eq!(got, signed);
            assert_eq!(expected, pretty);
        }
        other => panic!("expected PlaintextMismatch, got {other:?}"),
    }
}

#[test]
fn oversized_plaintext_is_an_input_error() {
    let family = SchemeFamily::RsaPkcs1v15PrivateEncrypt(config());
    let input = json!({
        "pfx_base64": STANDARD.encode(read("keytool.pfx")),
        "password": password().expose(),
        "plaintext": "x".repeat(246),
    });
    let err = sign_input(&family, &input).unwrap_err();
    assert_eq!(err.field, "plaintext");
    assert!(
        err.problem.contains("246") && err.problem.contains("245"),
        "{err}"
    );

    let mut wrong = input.clone();
    wrong["password"] = json!("nope");
    wrong["plaintext"] = json!("x");
    assert_eq!(sign_input(&family, &wrong).unwrap_err().field, "password");
}
