//! The parts of `conformance/vectors/acquia-http-hmac-2.0.json` that are not request or
//! response fixtures (those run as vectors of the `acquia-http-hmac-v2` scheme): the
//! primitive vectors of the PHP library's `DigestTest`, and the errata of the
//! published material, each shown to fail as printed and to hold as corrected.
//!
//! Every entry is run by the handler of its `kind` (or erratum `name`), and every
//! field must be read by that handler: a new kind, erratum or field fails the run.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use paysmith_sign::Secret;
use paysmith_sign::acquia_hmac::{
    AcquiaHmacConfig, AcquiaKey, AuthorizationFormat, RequestParts, content_sha256,
};
use serde_json::{Map, Value};

type Check = Result<(), String>;

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../conformance/vectors/acquia-http-hmac-2.0.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
    })
}

/// One entry; remembers which fields its handler read.
struct Entry {
    name: String,
    map: Map<String, Value>,
    read: RefCell<BTreeSet<String>>,
}

/// Fields that describe an entry rather than being checked.
const METADATA: &[&str] = &["name", "kind", "origin", "problem"];

impl Entry {
    fn all(list: &str) -> Vec<Entry> {
        document()[list]
            .as_array()
            .unwrap_or_else(|| panic!("`{list}` is an array"))
            .iter()
            .map(|v| {
                let map = v.as_object().expect("each entry is an object").clone();
                Entry {
                    name: map["name"].as_str().expect("`name` is a string").to_owned(),
                    map,
                    read: RefCell::default(),
                }
            })
            .collect()
    }

    fn str(&self, field: &str) -> Result<&str, String> {
        self.read.borrow_mut().insert(field.to_owned());
        self.map
            .get(field)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("field `{field}` is missing or not a string"))
    }

    fn key(&self) -> Result<AcquiaKey, String> {
        AcquiaKey::from_base64(&Secret::new(self.str("secret_key_b64")?)).map_err(|e| e.to_string())
    }

    /// Runs `handler`, then requires every field read.
    fn run(&self, handler: fn(&Entry) -> Check) -> Check {
        handler(self)?;
        let read = self.read.borrow();
        let unread: Vec<&String> = self
            .map
            .keys()
            .filter(|k| !METADATA.contains(&k.as_str()) && !read.contains(*k))
            .collect();
        if unread.is_empty() {
            Ok(())
        } else {
            Err(format!("fields not checked: {unread:?}"))
        }
    }
}

fn same(what: &str, got: &str, expected: &str) -> Check {
    if got == expected {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected}, got {got}"))
    }
}

fn hmac_sha256_b64(entry: &Entry) -> Check {
    let got = entry.key()?.sign(entry.str("message")?.as_bytes());
    same("HMAC-SHA256", &got, entry.str("expect")?)
}

fn sha256_b64(entry: &Entry) -> Check {
    let got = content_sha256(entry.str("message")?.as_bytes());
    same("SHA-256", &got, entry.str("expect")?)
}

fn primitive_handler(kind: &str) -> Option<fn(&Entry) -> Check> {
    match kind {
        "hmac_sha256_b64" => Some(hmac_sha256_b64),
        "sha256_b64" => Some(sha256_b64),
        _ => None,
    }
}

fn run_primitives() -> Vec<String> {
    let mut failures = Vec::new();
    for entry in Entry::all("primitive_vectors") {
        let kind = entry.map["kind"].as_str().unwrap_or_default();
        let outcome = match primitive_handler(kind) {
            Some(handler) => entry.run(handler),
            None => Err(format!("no handler for kind `{kind}`")),
        };
        if let Err(why) = outcome {
            failures.push(format!("{}: {why}", entry.name));
        }
    }
    failures
}

#[test]
fn every_primitive_vector_holds() {
    assert_eq!(Entry::all("primitive_vectors").len(), 2);
    let failures = run_primitives();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The fixture of the specification that the README's POST example prints.
fn spec_post_fixture() -> &'static Value {
    document()["fixtures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "spec/POST 1")
        .expect("fixture spec/POST 1")
}

/// README POST example: its string to sign carries a wrong body hash, so the printed
/// string does not give the printed signature; with the body's real hash it does, and
/// that corrected string is what the family builds for the same request.
fn readme_post_example(entry: &Entry) -> Check {
    let key = entry.key()?;
    let printed = entry.str("string_to_sign_as_published")?;
    let signature = entry.str("signature_as_published")?;
    if key.sign(printed.as_bytes()) == signature {
        return Err("the printed string gives the printed signature: no erratum".into());
    }
    let input = &spec_post_fixture()["input"];
    let text = |name: &str| input[name].as_str().unwrap_or_default();
    let body = text("body").as_bytes();
    let (printed_rest, printed_hash) = printed
        .rsplit_once('\n')
        .ok_or("the printed string has no body hash line")?;
    let real_hash = content_sha256(body);
    if printed_hash == real_hash {
        return Err("the printed hash is the body's: no erratum".into());
    }
    let corrected = format!("{printed_rest}\n{real_hash}");
    same(
        "corrected signature",
        &key.sign(corrected.as_bytes()),
        signature,
    )?;

    let config = AcquiaHmacConfig {
        version: "2.0".into(),
        max_skew_seconds: 900,
        authorization_format: AuthorizationFormat::SortedOmitEmptyHeaders,
    };
    let parts = RequestParts {
        method: text("method"),
        host: text("host"),
        path: text("path"),
        query: text("query"),
        signed_headers: &[],
        content_type: Some(text("content_type")),
        body,
        id: text("id"),
        nonce: text("nonce"),
        realm: text("realm"),
        timestamp: input["timestamp"].as_u64().ok_or("timestamp")?,
    };
    let (built, _) = config.string_to_sign(&parts);
    same("string to sign of spec/POST 1", &built, &corrected)
}

fn erratum_handler(name: &str) -> Option<fn(&Entry) -> Check> {
    match name {
        "spec-readme/POST example" => Some(readme_post_example),
        _ => None,
    }
}

#[test]
fn every_erratum_fails_as_printed_and_holds_as_corrected() {
    let errata = Entry::all("errata");
    assert_eq!(errata.len(), 1);
    for entry in errata {
        let handler = erratum_handler(&entry.name)
            .unwrap_or_else(|| panic!("no handler for erratum `{}`", entry.name));
        entry
            .run(handler)
            .unwrap_or_else(|why| panic!("{}: {why}", entry.name));
    }
}

#[test]
fn a_changed_expected_value_fails() {
    // The checks can fail: a primitive vector with one character changed does not hold.
    let mut entry = Entry::all("primitive_vectors").remove(0);
    let expect = entry.map["expect"].as_str().unwrap().to_owned();
    let changed = format!(
        "{}{}",
        if expect.starts_with('A') { 'B' } else { 'A' },
        &expect[1..]
    );
    entry.map.insert("expect".into(), changed.into());
    let kind = entry.map["kind"].as_str().unwrap().to_owned();
    assert!(entry.run(primitive_handler(&kind).unwrap()).is_err());
}
