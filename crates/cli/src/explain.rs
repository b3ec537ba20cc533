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
