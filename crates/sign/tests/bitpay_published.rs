//! Checks every vector in `conformance/vectors/bitpay-published.json`, the
//! test vectors published in BitPay's own repositories, against the
//! `bitpay-ecdsa` family.
//!
//! Each vector is run by the handler of its `kind`, and every field of it must
//! be read by that handler: a new kind or a new field fails the run instead of
//! being skipped.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::OnceLock;

use aes::cipher::{BlockModeDecrypt as _, KeyIvInit as _, block_padding::Pkcs7};
use hmac::{Hmac, Mac as _};
use paysmith_sign::bitpay_ecdsa::secp256k1::ecdsa::Signature;
use paysmith_sign::bitpay_ecdsa::{
    BitpayEcdsaConfig, BitpayKey, EcdsaVerifyError, LineEnding, SinError, hash160, is_low_s,
    sign_request, signature_hex, validate_sin, verify,
};
use ripemd::Ripemd160;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256, Sha512};

type Check = Result<(), String>;
type Handler = fn(&Vector) -> Check;

/// Every kind the file may hold, with its handler.
const HANDLERS: &[(&str, Handler)] = &[
    ("key_derivation", key_derivation),
    ("sin_validate", sin_validate),
    ("sign_deterministic", sign_deterministic),
    ("verify_signature", verify_signature),
    ("base58", base58),
    ("hash", hash),
    ("pem_encode", pem_encode),
    ("bitauth_decrypt", bitauth_decrypt),
    ("pairing_response", pairing_response),
];

/// Fields that describe a vector rather than being checked.
const METADATA: &[&str] = &["id", "kind", "source"];

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../conformance/vectors/bitpay-published.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
    })
}

fn vectors() -> Vec<Vector> {
    document()["vectors"]
        .as_array()
        .expect("`vectors` is an array")
        .iter()
        .map(|v| {
            let map = v.as_object().expect("each vector is an object").clone();
            Vector {
                id: map["id"].as_str().expect("`id` is a string").to_owned(),
                kind: map["kind"].as_str().expect("`kind` is a string").to_owned(),
                map,
                read: RefCell::default(),
            }
        })
        .collect()
}

/// One vector; remembers which fields its handler read.
struct Vector {
    id: String,
    kind: String,
    map: Map<String, Value>,
    read: RefCell<BTreeSet<String>>,
}

impl Vector {
    fn get(&self, name: &str) -> Option<&Value> {
        self.read.borrow_mut().insert(name.to_owned());
        self.map.get(name)
    }

    fn value(&self, name: &str) -> Result<&Value, String> {
        self.get(name)
            .ok_or_else(|| format!("field `{name}` missing"))
    }

    fn str(&self, name: &str) -> Result<&str, String> {
        self.value(name)?
            .as_str()
            .ok_or_else(|| format!("field `{name}` is not a string"))
    }

    fn opt_str(&self, name: &str) -> Result<Option<&str>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| format!("field `{name}` is not a string")),
        }
    }

    fn bool(&self, name: &str) -> Result<bool, String> {
        self.value(name)?
            .as_bool()
            .ok_or_else(|| format!("field `{name}` is not a boolean"))
    }

    fn note(&self) -> String {
        let source = self.map.get("source");
        let notes = match source {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
            None => vec![],
        };
        notes
            .iter()
            .filter_map(|s| s.get("note").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn unread(&self) -> Vec<&str> {
        let read = self.read.borrow();
        self.map
            .keys()
            .map(String::as_str)
            .filter(|k| !METADATA.contains(k) && !read.contains(*k))
            .collect()
    }

    /// Runs the handler of this vector's kind, then requires every field read.
    fn run(&self) -> Check {
        let (_, handler) = HANDLERS
            .iter()
            .find(|(kind, _)| *kind == self.kind)
            .ok_or_else(|| format!("no handler for kind `{}`", self.kind))?;
        handler(self)?;
        let unread = self.unread();
        if unread.is_empty() {
            Ok(())
        } else {
            Err(format!("fields not checked: {unread:?}"))
        }
    }
}

fn eq<T: PartialEq + Debug>(what: &str, got: T, want: T) -> Check {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

fn ensure(what: &str, ok: bool) -> Check {
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

fn key_from_hex(hex_text: &str) -> Result<BitpayKey, String> {
    BitpayKey::from_hex(hex_text).map_err(|e| format!("private_key_hex: {e}"))
}

fn key_from_pem(pem: &str) -> Result<BitpayKey, String> {
    BitpayKey::from_sec1_pem(pem).map_err(|e| format!("pem: {e}"))
}

fn line_ending(eol: &str) -> Result<LineEnding, String> {
    match eol {
        "\r\n" => Ok(LineEnding::CRLF),
        "\n" => Ok(LineEnding::LF),
        "\r" => Ok(LineEnding::CR),
        other => Err(format!("unknown line ending {other:?}")),
    }
}

/// Runs every vector of `kind`, failing with all failures listed.
fn run_kind(kind: &str) -> usize {
    let all = vectors();
    let of_kind: Vec<_> = all.iter().filter(|v| v.kind == kind).collect();
    assert!(!of_kind.is_empty(), "no `{kind}` vectors in the file");
    let failures: Vec<String> = of_kind
        .iter()
        .filter_map(|v| v.run().err().map(|e| format!("{}: {e}", v.id)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} `{kind}` vectors failed:\n{}",
        failures.len(),
        of_kind.len(),
        failures.join("\n")
    );
    of_kind.len()
}

// ---------------------------------------------------------------- handlers

fn key_derivation(v: &Vector) -> Check {
    let hex_text = v.opt_str("private_key_hex")?;
    let pem = v.opt_str("pem")?;
    let key = match (hex_text, pem) {
        (Some(h), Some(p)) => {
            let key = key_from_hex(h)?;
            eq(
                "private key read from the PEM",
                key_from_pem(p)?.to_hex().as_str(),
                h.to_ascii_lowercase().as_str(),
            )?;
            key
        }
        (Some(h), None) => key_from_hex(h)?,
        (None, Some(p)) => key_from_pem(p)?,
        (None, None) => return Err("neither `private_key_hex` nor `pem`".into()),
    };
    if let Some(p) = pem {
        // Written back in the PEM's own line ends; a PEM that stops right
        // after the END line (PHP's) lacks only the final line end.
        let eol = if p.contains("\r\n") { "\r\n" } else { "\n" };
        let ours = key.to_sec1_pem_with(line_ending(eol)?);
        eq(
            "PEM written back",
            ours.strip_suffix(eol),
            Some(p.strip_suffix(eol).unwrap_or(p)),
        )?;
    }

    let mut expectations = 0;
    if let Some(public) = v.opt_str("public_key_compressed_hex")? {
        expectations += 1;
        eq("compressed public key", key.public_key_hex(), public)?;
    }
    if let Some(uncompressed) = v.opt_str("public_key_uncompressed_hex")? {
        expectations += 1;
        eq(
            "uncompressed public key",
            key.public_key_uncompressed_hex().as_str(),
            uncompressed,
        )?;
    }
    match (
        v.opt_str("public_key_x_hex")?,
        v.opt_str("public_key_y_hex")?,
    ) {
        (Some(x), Some(y)) => {
            expectations += 1;
            eq(
                "public key x ‖ y",
                key.public_key_uncompressed_hex(),
                format!("04{x}{y}"),
            )?;
            let y_last = u8::from_str_radix(&y[y.len() - 1..], 16).map_err(|e| e.to_string())?;
            let prefix = if y_last % 2 == 0 { "02" } else { "03" };
            eq(
                "compressed form of x, y",
                key.public_key_hex(),
                &format!("{prefix}{x}"),
            )?;
        }
        (None, None) => {}
        _ => return Err("`public_key_x_hex` and `public_key_y_hex` come together".into()),
    }
    if let Some(sin) = v.opt_str("sin")? {
        expectations += 1;
        eq("SIN", key.sin(), sin)?;
        eq("published SIN validates", validate_sin(sin), Ok(()))?;
    }
    if v.get("expect_pubkey_x_leading_zero_byte").is_some() {
        expectations += 1;
        let expect = v.bool("expect_pubkey_x_leading_zero_byte")?;
        let public = key.public_key_hex();
        eq(
            "public key x starts with a 00 byte",
            &public[2..4] == "00",
            expect,
        )?;
        // The zero byte is kept: 33 bytes are hashed into the SIN.
        eq("compressed key length", public.len(), 66)?;
        eq("SIN of that key validates", validate_sin(key.sin()), Ok(()))?;
    }
    ensure("the vector states nothing to check", expectations > 0)
}

fn sin_validate(v: &Vector) -> Check {
    let sin = v.str("sin")?;
    let valid = v.bool("valid")?;
    let result = validate_sin(sin);
    if valid {
        return eq("validation", result, Ok(()));
    }
    let Err(error) = result else {
        return Err("an invalid SIN was accepted".into());
    };
    const ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    if sin.chars().any(|c| !ALPHABET.contains(c)) {
        ensure(
            &format!("expected a base58 error, got {error:?}"),
            matches!(error, SinError::NotBase58 { .. }),
        )
    } else if v.note().to_lowercase().contains("checksum") {
        eq("error", error, SinError::Checksum)
    } else {
        Ok(())
    }
}

fn sign_deterministic(v: &Vector) -> Check {
    let key = key_from_hex(v.str("private_key_hex")?)?;
    let message = v.str("message")?;
    let der = v.str("signature_der_hex")?;
    let compact = v.str("signature_compact_hex")?;

    eq(
        "DER signature",
        signature_hex(&key, message.as_bytes()),
        der.to_owned(),
    )?;
    eq(
        "signature stage",
        sign_request(&key, message, "").signature(),
        der,
    )?;
    // The message is url ‖ body: any split signs the same bytes.
    let middle = message
        .char_indices()
        .nth(message.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    let (url, body) = message.split_at(middle);
    eq(
        "signature of the message split into url and body",
        BitpayEcdsaConfig::default()
            .sign(&key, url, body.as_bytes())
            .signature(),
        der,
    )?;
    let parsed = Signature::from_der(&hex::decode(der).map_err(|e| e.to_string())?)
        .map_err(|e| format!("published DER does not parse: {e}"))?;
    eq(
        "compact r ‖ s",
        hex::encode(parsed.serialize_compact()),
        compact.to_owned(),
    )?;
    eq("low S", is_low_s(der), Ok(true))?;
    verify(&key, message.as_bytes(), der)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn verify_signature(v: &Vector) -> Check {
    let key = key_from_hex(v.str("private_key_hex")?)?;
    let message = v.str("message")?;
    let signature = v.str("signature_der_hex")?;
    let valid = v.bool("valid")?;
    let result = verify(key.public_key_hex(), message.as_bytes(), signature);
    if !valid {
        return ensure(
            &format!("an invalid signature was not rejected as such: {result:?}"),
            matches!(result, Err(EcdsaVerifyError::Invalid { .. })),
        );
    }
    let trace = result.map_err(|e| format!("published signature rejected: {e}"))?;
    let low = trace.get("signature_low_s").unwrap_or_default();
    eq("normalised S is low", is_low_s(low), Ok(true))?;
    verify(&key, message.as_bytes(), low).map_err(|e| format!("normalised form: {e}"))?;
    let tampered = format!("{message}.");
    ensure(
        "the signature also verified over another message",
        matches!(
            verify(&key, tampered.as_bytes(), signature),
            Err(EcdsaVerifyError::Invalid { .. })
        ),
    )?;

    let ours = signature_hex(&key, message.as_bytes());
    eq("own signature is low-S", is_low_s(&ours), Ok(true))?;
    eq(
        "own signature is deterministic",
        signature_hex(&key, message.as_bytes()),
        ours.clone(),
    )?;
    verify(key.public_key_hex(), message.as_bytes(), &ours)
        .map(drop)
        .map_err(|e| format!("own signature rejected: {e}"))
}

fn base58(v: &Vector) -> Check {
    let bytes = hex::decode(v.str("hex")?).map_err(|e| e.to_string())?;
    let text = v.str("base58")?;
    eq("encode", bs58::encode(&bytes).into_string().as_str(), text)?;
    eq(
        "decode",
        bs58::decode(text).into_vec().ok(),
        Some(bytes.clone()),
    )?;
    if let Some(checked) = v.opt_str("base58check")? {
        eq(
            "encode with check",
            bs58::encode(&bytes).with_check().into_string().as_str(),
            checked,
        )?;
        eq(
            "decode with check",
            bs58::decode(checked).with_check(None).into_vec().ok(),
            Some(bytes),
        )?;
    }
    Ok(())
}

fn hash(v: &Vector) -> Check {
    let input = v.str("input")?.as_bytes();
    let want = v.str("output_hex")?;
    let got = match v.str("function")? {
        "sha256" => hex::encode(Sha256::digest(input)),
        "ripemd160" => hex::encode(Ripemd160::digest(input)),
        "ripemd160(sha256(x))" => hex::encode(hash160(input)),
        // PHP's hex mode hashes the hex text of the first digest.
        "sha256(hex(sha256(x)))" => hex::encode(Sha256::digest(hex::encode(Sha256::digest(input)))),
        "sha512" => hex::encode(Sha512::digest(input)),
        "hmac_sha512(key)" => {
            let mut mac = Hmac::<Sha512>::new_from_slice(v.str("key")?.as_bytes())
                .map_err(|e| e.to_string())?;
            mac.update(input);
            hex::encode(mac.finalize().into_bytes())
        }
        other => return Err(format!("unknown hash function `{other}`")),
    };
    eq("digest", got.as_str(), want)
}

fn pem_encode(v: &Vector) -> Check {
    let hex_text = v.str("private_key_hex")?;
    let key = key_from_hex(hex_text)?;
    eq(
        "uncompressed public key",
        key.public_key_uncompressed_hex().as_str(),
        v.str("public_key_uncompressed_hex")?,
    )?;
    let pem = v.str("pem")?;
    let eol = v.str("eol")?;
    let ours = key.to_sec1_pem_with(line_ending(eol)?);
    // PHP's `chunk_split` ends each base64 line with the EOL but nothing
    // follows the END line; ours ends it too. Everything else is identical.
    eq("PEM", ours.strip_suffix(eol), Some(pem))?;
    eq(
        "private key read back",
        key_from_pem(pem)?.to_hex().as_str(),
        hex_text,
    )
}

/// BitAuth's local key-file encryption: Node's `crypto.createDecipher`
/// (AES-256-CBC, key and IV from `EVP_BytesToKey` with MD5, no salt, one round).
fn bitauth_decrypt(v: &Vector) -> Check {
    let password = v.str("password")?.as_bytes();
    let plaintext = v.str("plaintext")?;
    let ciphertext = bs58::decode(v.str("ciphertext_base58")?)
        .into_vec()
        .map_err(|e| format!("ciphertext is not base58: {e}"))?;
    let mut derived = Vec::new();
    let mut block: Vec<u8> = Vec::new();
    while derived.len() < 48 {
        let mut md5 = md5::Md5::new();
        md5.update(&block);
        md5.update(password);
        block = md5.finalize().to_vec();
        derived.extend_from_slice(&block);
    }
    let key: [u8; 32] = derived[..32].try_into().map_err(|_| "key length")?;
    let iv: [u8; 16] = derived[32..48].try_into().map_err(|_| "iv length")?;
    let mut buf = ciphertext.clone();
    let opened = cbc::Decryptor::<aes::Aes256>::new(&key.into(), &iv.into())
        .decrypt_padded::<Pkcs7>(&mut buf)
        .map_err(|e| format!("does not decrypt: {e}"))?;
    eq(
        "plaintext",
        String::from_utf8_lossy(opened).as_ref(),
        plaintext,
    )
}

/// BitPay's answer to a pairing request: the token, its facade and the SIN it
/// was issued to.
fn pairing_response(v: &Vector) -> Check {
    let window = v
        .value("expect_pairing_window_ms")?
        .as_u64()
        .ok_or("`expect_pairing_window_ms` is not a whole number")?;
    let response = v.value("response")?;
    let top: BTreeSet<_> = response
        .as_object()
        .ok_or("`response` is not an object")?
        .keys()
        .collect();
    eq("response fields", top, [&"data".to_owned()].into())?;
    let data = response["data"]
        .as_array()
        .filter(|d| !d.is_empty())
        .ok_or("`data` is not a non-empty array")?;
    let mut sins = 0;
    for entry in data {
        let entry = entry.as_object().ok_or("a `data` entry is not an object")?;
        const KNOWN: &[&str] = &[
            "policies",
            "token",
            "facade",
            "label",
            "dateCreated",
            "pairingExpiration",
            "pairingCode",
        ];
        if let Some(unknown) = entry.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!("unchecked field `{unknown}` in a `data` entry"));
        }
        for policy in entry["policies"]
            .as_array()
            .ok_or("`policies` is not an array")?
        {
            let params = policy["params"]
                .as_array()
                .ok_or("policy `params` is not an array")?;
            eq("policy method", policy["method"].as_str().is_some(), true)?;
            if policy["policy"] == json!("id") {
                for sin in params {
                    let sin = sin.as_str().ok_or("SIN is not a string")?;
                    eq(
                        &format!("SIN {sin} in the `id` policy"),
                        validate_sin(sin),
                        Ok(()),
                    )?;
                    sins += 1;
                }
            }
        }
        let token = entry["token"].as_str().ok_or("`token` is not a string")?;
        let token_bytes = bs58::decode(token)
            .into_vec()
            .map_err(|e| format!("token is not base58: {e}"))?;
        ensure("token decodes to nothing", !token_bytes.is_empty())?;
        let code = entry["pairingCode"]
            .as_str()
            .ok_or("`pairingCode` is not a string")?;
        ensure(
            &format!("pairing code `{code}` is not 7 letters and digits"),
            code.len() == 7 && code.chars().all(|c| c.is_ascii_alphanumeric()),
        )?;
        for optional in ["facade", "label"] {
            if let Some(value) = entry.get(optional) {
                ensure(
                    &format!("`{optional}` is not a non-empty string"),
                    value.as_str().is_some_and(|s| !s.is_empty()),
                )?;
            }
        }
        let created = entry["dateCreated"]
            .as_u64()
            .ok_or("`dateCreated` is not a whole number")?;
        let expires = entry["pairingExpiration"]
            .as_u64()
            .ok_or("`pairingExpiration` is not a whole number")?;
        eq("pairing window", expires.checked_sub(created), Some(window))?;
    }
    ensure("no SIN in an `id` policy", sins > 0)
}

// ------------------------------------------------------------------- tests

#[test]
fn conventions_are_the_implemented_ones() {
    assert_eq!(
        document()["conventions"],
        json!({
            "hex": "lowercase",
            "message_encoding": "UTF-8",
            "signature_hash": "single SHA-256 of the message bytes",
            "sin": "base58(0x0f 0x02 || RIPEMD160(SHA256(compressed pubkey)) || SHA256d(prefix||hash160)[0:4])"
        })
    );
}

#[test]
fn key_derivation_vectors() {
    run_kind("key_derivation");
}

#[test]
fn the_leading_zero_public_keys_are_covered() {
    let zero_x: Vec<_> = vectors()
        .into_iter()
        .filter(|v| v.kind == "key_derivation")
        .filter(|v| {
            v.map
                .get("public_key_compressed_hex")
                .and_then(Value::as_str)
                .is_some_and(|p| &p[2..4] == "00")
                || v.map.contains_key("expect_pubkey_x_leading_zero_byte")
        })
        .map(|v| v.id)
        .collect();
    // One with a published SIN, one from a key alone.
    assert!(zero_x.len() >= 2, "{zero_x:?}");
}

#[test]
fn sin_validate_vectors() {
    run_kind("sin_validate");
    let invalid = vectors()
        .iter()
        .filter(|v| v.kind == "sin_validate" && v.map["valid"] == json!(false))
        .count();
    assert!(invalid > 0, "no invalid SIN in the file");
}

#[test]
fn sign_deterministic_vectors() {
    run_kind("sign_deterministic");
}

#[test]
fn verify_signature_vectors() {
    run_kind("verify_signature");
}

#[test]
fn high_s_signatures_are_among_the_verified_ones() {
    let high: Vec<_> = vectors()
        .into_iter()
        .filter(|v| v.kind == "verify_signature")
        .filter(|v| is_low_s(v.map["signature_der_hex"].as_str().unwrap_or_default()) == Ok(false))
        .map(|v| v.id)
        .collect();
    assert!(!high.is_empty(), "no high-S signature in the file");
}

#[test]
fn base58_vectors() {
    run_kind("base58");
}

#[test]
fn hash_vectors() {
    run_kind("hash");
}

#[test]
fn pem_encode_vectors() {
    run_kind("pem_encode");
}

#[test]
fn bitauth_decrypt_vectors() {
    run_kind("bitauth_decrypt");
}

#[test]
fn pairing_response_vectors() {
    run_kind("pairing_response");
}

#[test]
fn no_vector_is_skipped() {
    let all = vectors();
    let ids: BTreeSet<_> = all.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "vector ids are not unique");

    let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for v in &all {
        *per_kind.entry(v.kind.as_str()).or_default() += 1;
        if let Err(e) = v.run() {
            failures.push(format!("{} ({}): {e}", v.id, v.kind));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let handled: BTreeSet<&str> = HANDLERS.iter().map(|(k, _)| *k).collect();
    let present: BTreeSet<&str> = per_kind.keys().copied().collect();
    assert_eq!(present, handled, "kinds in the file vs kinds handled");
    assert_eq!(per_kind.values().sum::<usize>(), all.len());
}

#[test]
fn an_unknown_kind_or_field_fails() {
    let stray = |extra: Value| {
        let Value::Object(map) = extra else {
            unreachable!()
        };
        Vector {
            id: "stray".into(),
            kind: map["kind"].as_str().unwrap_or_default().to_owned(),
            map,
            read: RefCell::default(),
        }
    };
    let unknown_kind = stray(json!({"id": "x", "kind": "ecdh"}));
    assert!(unknown_kind.run().unwrap_err().contains("no handler"));
    let extra_field = stray(json!({
        "id": "x", "kind": "base58", "hex": "00", "base58": "1", "base58_flickr": "1"
    }));
    assert!(
        extra_field
            .run()
            .unwrap_err()
            .contains("fields not checked: [\"base58_flickr\"]")
    );
}

/// A value one character off: hex stays hex, letters stay letters.
fn mutate_str(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let all_hex = chars.iter().all(char::is_ascii_hexdigit);
    let Some(at) = (chars.len() / 2..chars.len())
        .chain(0..chars.len() / 2)
        .find(|&i| chars[i].is_ascii_alphanumeric())
    else {
        return format!("{s}x");
    };
    let rotate =
        |c: char, first: char, len: u8| char::from(first as u8 + (c as u8 - first as u8 + 1) % len);
    let c = chars[at];
    let replacement = match c {
        '0'..='9' => rotate(c, '0', 10),
        'a'..='f' if all_hex => rotate(c, 'a', 6),
        'A'..='F' if all_hex => rotate(c, 'A', 6),
        'a'..='z' => rotate(c, 'a', 26),
        _ => rotate(c, 'A', 26),
    };
    let mut out = chars;
    out[at] = replacement;
    out.into_iter().collect()
}

/// Damaged copies of a pairing response, one defect each.
fn response_mutations(response: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut edit = |f: &dyn Fn(&mut Map<String, Value>)| {
        let mut copy = response.clone();
        if let Some(entry) = copy["data"][0].as_object_mut() {
            f(entry);
        }
        out.push(copy);
    };
    edit(&|e| {
        let sin = e["policies"][0]["params"][0].as_str().unwrap_or_default();
        e["policies"][0]["params"][0] = json!(mutate_str(sin));
    });
    edit(&|e| e["pairingExpiration"] = json!(e["pairingExpiration"].as_u64().unwrap_or(0) + 1));
    edit(&|e| {
        e["pairingCode"] = json!(format!(
            "{}x",
            e["pairingCode"].as_str().unwrap_or_default()
        ))
    });
    edit(&|e| e["token"] = json!("0OIl"));
    edit(&|e| {
        e.insert("expires".into(), json!(1));
    });
    out
}

/// Every checked field matters: a vector with any one field damaged fails.
#[test]
fn every_checked_field_can_fail() {
    let mut survivors = Vec::new();
    let mut mutants = 0;
    for v in vectors() {
        for (name, value) in v
            .map
            .iter()
            .filter(|(k, _)| !METADATA.contains(&k.as_str()))
        {
            // An invalid SIN stays invalid when damaged further.
            if v.kind == "sin_validate" && name == "sin" && v.map["valid"] == json!(false) {
                continue;
            }
            let damaged = match value {
                Value::String(s) => vec![json!(mutate_str(s))],
                Value::Bool(b) => vec![json!(!b)],
                Value::Number(n) => vec![json!(n.as_u64().unwrap_or(0) + 1)],
                Value::Object(_) if name == "response" => response_mutations(value),
                other => panic!("{}: no mutation for field `{name}`: {other}", v.id),
            };
            for bad in damaged {
                mutants += 1;
                let mut map = v.map.clone();
                map.insert(name.clone(), bad.clone());
                let mutant = Vector {
                    id: v.id.clone(),
                    kind: v.kind.clone(),
                    map,
                    read: RefCell::default(),
                };
                if mutant.run().is_ok() {
                    survivors.push(format!("{}: `{name}` = {bad}", v.id));
                }
            }
        }
    }
    assert!(mutants > 100, "only {mutants} mutants");
    assert!(
        survivors.is_empty(),
        "damaged vectors that still pass:\n{}",
        survivors.join("\n")
    );
}

#[test]
fn mutation_changes_exactly_one_character() {
    assert_eq!(mutate_str("0f"), "0a");
    assert_eq!(mutate_str("abz9"), "aba9");
    assert_eq!(mutate_str("Tz"), "Ta");
    assert_eq!(mutate_str("\r\n"), "\r\nx");
    assert_eq!(mutate_str("ripemd160"), "ripend160");
}
