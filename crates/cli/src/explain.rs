//! What each stage of a signing trace is, in words.

use paysmith_sign::Stage;

/// Printed instead of a stage that contains the secret.
pub const REDACTED: &str = "<redacted: contains the secret; pass --show-secrets>";

/// One sentence saying what the stage is.
pub fn describe(family: &str, stage: &str) -> &'static str {
    match (family, stage) {
        ("sorted-params-digest", "sorted_keys") => {
            "keys kept after dropping excluded and empty parameters, in signing order"
        }
        ("sorted-params-digest", "string_to_sign") => {
            "the ordered key=value pairs joined, before the secret is added"
        }
        ("sorted-params-digest", "signed_string") => "the string with the secret placed",
        ("sorted-params-digest", "digest_hex") => "the digest of the signed string, in hex",
        ("rsa-pkcs1v15-private-encrypt", "plaintext") => "the exact text that is encrypted",
        ("rsa-pkcs1v15-private-encrypt", "plaintext_bytes") => "its length in UTF-8 bytes",
        ("rsa-pkcs1v15-private-encrypt", "key_bits") => "size of the shard's RSA key",
        ("rsa-pkcs1v15-private-encrypt", "max_plaintext_bytes") => {
            "the longest plaintext one PKCS#1 v1.5 block holds (key bytes - 11)"
        }
        ("content-md5-hmac", "string_to_sign") => {
            "method, Content-MD5, uri and Date joined by the separator"
        }
        ("acquia-http-hmac", "content_sha256") => {
            "base64 SHA-256 of the body (X-Authorization-Content-SHA256)"
        }
        ("acquia-http-hmac", "auth_params") => {
            "id, nonce, realm and version, percent-encoded, as the string to sign holds them"
        }
        ("acquia-http-hmac", "string_to_sign") => {
            "method, host, path, query, auth params, signed headers, timestamp (and content type and body hash), one per line"
        }
        ("acquia-http-hmac", "response_string_to_sign") => {
            "nonce, timestamp and response body, one per line"
        }
        ("acquia-http-hmac", "response_signature") => {
            "the server's X-Server-Authorization-HMAC-SHA256 for this response"
        }
        ("ecdsa-secp256k1", "public_key") => {
            "the compressed public key of the private key, in hex (X-Identity)"
        }
        ("ecdsa-secp256k1", "sin") => {
            "the key's SIN: base58check of 0x0F 0x02 and RIPEMD-160(SHA-256(public key))"
        }
        ("ecdsa-secp256k1", "message") => {
            "the full URL (query included) followed by the exact body bytes: what is signed"
        }
        ("ecdsa-secp256k1", "message_sha256") => "SHA-256 of the message, the signed digest",
        ("ecdsa-secp256k1", "signature") => {
            "DER ECDSA signature (RFC 6979, low S) in hex, as sent in X-Signature"
        }
        ("ecdsa-secp256k1", "signature_low_s") => {
            "the signature with S normalised to the lower half, as checked"
        }
        (_, "signature") => "the signature, as sent",
        (_, "headers") => "the headers to attach",
        (_, "content_md5") => "base64 MD5 of the encoded parameters",
        (_, "authorization") => "the Authorization header value",
        _ => "intermediate value",
    }
}

/// The value to print for a stage.
pub fn shown(stage: &Stage, show_secrets: bool) -> &str {
    if stage.secret && !show_secrets {
        REDACTED
    } else {
        &stage.value
    }
}

/// Stages whose value is a JSON object (kept as text in the trace, so vectors compare
/// exact strings).
const OBJECT_STAGES: &[&str] = &["headers"];

/// The stage as a value of `paysmith sign`'s JSON output: a JSON object for the stages
/// that hold one (so `jq .headers.Authorization` works), else the text.
pub fn stage_json(stage: &Stage, show_secrets: bool) -> serde_json::Value {
    let text = shown(stage, show_secrets);
    if OBJECT_STAGES.contains(&stage.name)
        && let Ok(object @ serde_json::Value::Object(_)) = serde_json::from_str(text)
    {
        return object;
    }
    text.into()
}

/// `text` with every line after the first prefixed by `indent`, so a multi-line value
/// (an Acquia string to sign) stays inside its numbered step.
pub fn indent_continuation(text: &str, indent: &str) -> String {
    text.replace('\n', &format!("\n{indent}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(name: &'static str, value: &str, secret: bool) -> Stage {
        Stage {
            name,
            value: value.into(),
            secret,
        }
    }

    #[test]
    fn headers_become_an_object_and_other_stages_stay_text() {
        let headers = stage(
            "headers",
            r#"{"Authorization":"Bitpro k:s","Date":"d"}"#,
            false,
        );
        let json = stage_json(&headers, false);
        assert_eq!(json["Authorization"], "Bitpro k:s");
        let other = stage("string_to_sign", r#"{"a":1}"#, false);
        assert_eq!(stage_json(&other, false), r#"{"a":1}"#);
        let secret = stage("headers", r#"{"a":"b"}"#, true);
        assert_eq!(stage_json(&secret, false), REDACTED);
    }

    #[test]
    fn continuation_lines_are_indented() {
        assert_eq!(
            indent_continuation("GET\nhost\n/", "   "),
            "GET\n   host\n   /"
        );
        assert_eq!(indent_continuation("one line", "   "), "one line");
    }
}
