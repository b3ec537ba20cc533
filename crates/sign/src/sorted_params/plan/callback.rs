//! A signed JSON callback checked through a plan: its fields are read in one pass
//! straight into their slots, with no `serde_json::Value`, no sort and no allocation.
//! A compact body in the plan's order takes a reader that carries nothing else; any
//! other layout (indented, another order) takes the same reader built to allow it.

use super::{KeyPlan, MOST_KEYS};
use crate::encoding::Hasher;
use crate::json_fields::flat::{self, Kind};
use crate::secret::Secret;
use crate::sorted_params::SortedParamsConfig;
use crate::sorted_params::word;

/// Plans with up to this many keys keep their values in a smaller array, which is
/// cheaper to set up per body.
const FEW_KEYS: usize = 8;

/// How a callback body is signed, worked out once for one payload: a JSON object whose
/// top-level fields other than the signature field are the signed parameters (values
/// as their JSON text, `null` left out).
///
/// ```
/// use std::borrow::Cow;
/// use paysmith_sign::{DigestAlgorithm, OutputEncoding, Secret};
/// use paysmith_sign::sorted_params::{CallbackPlan, KeyOrder, SecretPlacement, SortedParamsConfig};
///
/// let config = SortedParamsConfig {
///     key_order: KeyOrder::Ascii,
///     pair_separator: Cow::Borrowed("&"),
///     kv_separator: Cow::Borrowed("="),
///     exclude_keys: Cow::Borrowed(&[]),
///     skip_empty: true,
///     secret_placement: SecretPlacement::AppendParam { key: Cow::Borrowed("key") },
///     digest: DigestAlgorithm::Md5,
///     output: OutputEncoding::HexLower,
/// };
/// let secret = Secret::from("s3cret");
/// let signature = config.signature([("amount", "1.50"), ("status", "PAID")], &secret).unwrap();
/// let body = format!(r#"{{"status":"PAID","amount":1.50,"sign":"{signature}"}}"#);
///
/// let plan = CallbackPlan::new(&config, &["status", "amount", "sign"], "sign");
/// assert_eq!(plan.check(body.as_bytes(), &secret), Some(true));
/// assert_eq!(plan.check(body.replace("1.50", "1.5").as_bytes(), &secret), Some(false));
/// // A field the plan does not list is left to the full reading.
/// assert_eq!(plan.check(br#"{"fee":"0","sign":"00"}"#, &secret), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackPlan {
    keys: KeyPlan,
    signature_field: &'static str,
    /// Length of every signature's text in the scheme's output encoding.
    signature_len: usize,
    /// Per key, what a body's field with that key is read as.
    fields: Vec<Field>,
}

/// One key of the plan, as a body's field.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Field {
    /// How a body writes the key, when it can be matched in place.
    written: Option<WrittenKey>,
    /// Length of what comes before the value in the string to sign.
    lead: usize,
    role: Role,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Signed,
    /// Never signed: one of the scheme's excluded keys.
    Excluded,
    Signature,
}

/// A key as a compact body writes it before its value: `"key":`. Held to be matched
/// with a few word compares.
#[derive(Clone, Debug, PartialEq, Eq)]
struct WrittenKey {
    bytes: Box<[u8]>,
    /// Its first, second and last eight bytes (zero-padded, overlapping when short).
    words: [u64; 3],
}

impl WrittenKey {
    /// `None` for a key JSON does not write as its bytes are (with a quote, a
    /// backslash or a control character).
    fn new(key: &str) -> Option<Self> {
        if key.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            return None;
        }
        let bytes: Box<[u8]> = [b"\"", key.as_bytes(), b"\":"].concat().into();
        let word = |from: usize, to: usize| word(&bytes[from.min(to)..to]);
        let n = bytes.len();
        Some(WrittenKey {
            words: [
                word(0, n.min(8)),
                word(8, n.min(16)),
                word(n.saturating_sub(8), n),
            ],
            bytes,
        })
    }

    /// Where the value starts when `body` has the key at `at`.
    #[inline(always)]
    fn value_at(&self, body: &[u8], at: usize) -> Option<usize> {
        let n = self.bytes.len();
        let word = |from: usize| {
            body.get(from..from + 8)
                .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()))
        };
        let head = word(at)?;
        let same = match n {
            ..=8 => (head ^ self.words[0]) & (u64::MAX >> (64 - 8 * n)) == 0,
            9..=24 => {
                let tail = word(at + n - 8)?;
                let middle = if n > 16 { word(at + 8)? } else { self.words[1] };
                head == self.words[0] && middle == self.words[1] && tail == self.words[2]
            }
            _ => body.get(at..at + n)? == &*self.bytes,
        };
        same.then_some(at + n)
    }
}

impl CallbackPlan {
    /// The plan of a payload with these fields (wire names, in the order the provider
    /// usually writes them; the signature field may be among them), signed with
    /// `config` into `signature_field`.
    pub fn new(
        config: &SortedParamsConfig,
        fields: &[&str],
        signature_field: &'static str,
    ) -> Self {
        let mut fields = fields.to_vec();
        if !fields.contains(&signature_field) {
            fields.push(signature_field);
        }
        let keys = KeyPlan::new(config, &fields);
        let fields = fields
            .iter()
            .enumerate()
            .map(|(at, key)| Field {
                written: WrittenKey::new(key),
                lead: keys.leads[at].len(),
                role: if *key == signature_field {
                    Role::Signature
                } else if keys.excluded & 1 << at.min(63) != 0 {
                    Role::Excluded
                } else {
                    Role::Signed
                },
            })
            .collect();
        let digest_len = Hasher::digest(config.digest, &[]).as_slice().len();
        CallbackPlan {
            keys,
            signature_field,
            signature_len: config.output.encode(&vec![0; digest_len]).len(),
            fields,
        }
    }

    /// The scheme the plan checks with.
    pub fn config(&self) -> &SortedParamsConfig {
        &self.keys.config
    }

    /// The field carrying the signature.
    pub fn signature_field(&self) -> &'static str {
        self.signature_field
    }

    /// Checks the signature of `body`: `Some(true)` when it holds, `Some(false)` when
    /// it does not, `None` when the plan does not read the body: a field it does not
    /// list or given twice, whitespace between a key and its colon, a nested value, an
    /// escape, a number with an exponent or anything that is not JSON. Fields may come
    /// in any order, indented or not; a compact body in the plan's order is read
    /// fastest. The caller decides the rest through a full reading, which names the
    /// problem; where both decide, they agree.
    #[inline]
    pub fn check(&self, body: &[u8], secret: &Secret) -> Option<bool> {
        if self.fields.len() <= FEW_KEYS {
            self.check_with::<FEW_KEYS>(body, secret)
        } else {
            self.check_with::<MOST_KEYS>(body, secret)
        }
    }

    fn check_with<const N: usize>(&self, body: &[u8], secret: &Secret) -> Option<bool> {
        let order = self.keys.signing_order.as_deref()?;
        let mut values = [0; N];
        let read = match self.read::<N, false>(body, &mut values) {
            Some(read) => read,
            None => self.read_any_layout(body, &mut values)?,
        };
        let value = |at: usize| {
            let (start, len) = unpack(values[at]);
            &body[start..start + len]
        };
        let digest = self
            .keys
            .digest_placed(order, value, read.kept, read.len, secret);
        Some(self.keys.config.signs_as(&digest, read.signature))
    }

    /// The signature string at `at` when it is as long as the scheme's signatures:
    /// found by its closing quote, not scanned. Its text is not checked here: only a
    /// text equal to the signature computed (in the scheme's alphabet, which has no
    /// quote, backslash or control character) verifies.
    #[inline(always)]
    fn signature_in_place(
        &self,
        field: &Field,
        body: &[u8],
        at: usize,
    ) -> Option<(std::ops::Range<usize>, Kind, usize)> {
        if field.role != Role::Signature {
            return None;
        }
        let end = at + 1 + self.signature_len;
        let quoted = body.get(at) == Some(&b'"') && body.get(end) == Some(&b'"');
        quoted.then_some((at + 1..end, Kind::String, end + 1))
    }

    /// Reads `body` into `values`, by key position; `None` for a body the plan does not
    /// read. Each key is matched in place with its quotes and colon among the keys the
    /// plan lists after the last one read: a provider writes its fields in one order
    /// each time. Without `ANY_LAYOUT` the body must be compact JSON in the plan's
    /// order (any field left out); with it, whitespace may surround the fields and the
    /// values, and a key the plan lists before the last one read is looked for there.
    /// Nothing is looked up by name either way.
    #[inline(always)]
    fn read<'b, const N: usize, const ANY_LAYOUT: bool>(
        &self,
        body: &'b [u8],
        values: &mut [u64; N],
    ) -> Option<Reading<'b>> {
        // Values are kept as their place in the body, packed in a word (see `pack`).
        u32::try_from(body.len()).ok()?;
        // Bytes above ASCII in the strings scanned (see `flat::string_end`).
        let mut high = 0;
        let mut signature = None;
        let (mut kept, mut len) = (0u64, 0);
        // The keys after the last one read in the plan's order; every key read so far
        // is before them.
        let mut after_last = self.fields.iter().enumerate();
        let mut at = 0;
        let mut opening = b'{';
        loop {
            let byte = *body.get(at)?;
            if byte != opening {
                if !ANY_LAYOUT || !flat::is_whitespace(byte) {
                    break;
                }
                at = flat::skip_whitespace(body, at);
                continue;
            }
            opening = b',';
            let mut key_at = at + 1;
            if ANY_LAYOUT && body.get(key_at) != Some(&b'"') {
                key_at = flat::skip_whitespace(body, key_at);
            }
            let mut search = after_last.clone();
            let (position, field, value_at) = loop {
                let Some((position, field)) = search.next() else {
                    if !ANY_LAYOUT {
                        return None;
                    }
                    let until = self.fields.len() - after_last.len();
                    break self.find_before(until, body, key_at, values, signature.is_some())?;
                };
                if let Some(written) = &field.written {
                    if let Some(value_at) = written.value_at(body, key_at) {
                        after_last = search;
                        break (position, field, value_at);
                    }
                }
            };
            let (value, kind, after) = match self.value(field, body, value_at, &mut high) {
                Some(read) => read,
                None if ANY_LAYOUT => self.spaced_value(field, body, value_at, &mut high)?,
                None => return None,
            };
            let text = body.get(value.clone())?;
            at = after;
            match (field.role, kind) {
                (Role::Signed, Kind::String | Kind::Plain) => {
                    if !text.is_empty() || !self.keys.config.skip_empty {
                        // Within `N`: the plan has at most `N` keys.
                        values[position % N] = pack(value.start, text.len());
                        kept |= 1 << position;
                        len += field.lead + text.len();
                    } else if ANY_LAYOUT {
                        values[position % N] = READ_UNSIGNED;
                    }
                }
                (Role::Signed, Kind::Null) | (Role::Excluded, _) => {
                    if ANY_LAYOUT {
                        values[position % N] = READ_UNSIGNED;
                    }
                }
                (Role::Signature, Kind::String) => signature = Some(text),
                // A number whose `Value` text is not the body's, or a signature that
                // is not a string.
                (Role::Signed, Kind::Exponent) | (Role::Signature, _) => return None,
            }
        }
        if *body.get(at)? != b'}' || flat::skip_whitespace(body, at + 1) != body.len() {
            return None;
        }
        flat::utf8_checked(body, high)?;
        Some(Reading {
            kept,
            len,
            signature: signature?,
        })
    }

    /// [`Self::read`] of a body that is not compact or not in the plan's order, such
    /// as the provider's indented example. Out of line, so that the compact reader's
    /// hot path carries none of it.
    #[cold]
    #[inline(never)]
    fn read_any_layout<'b, const N: usize>(
        &self,
        body: &'b [u8],
        values: &mut [u64; N],
    ) -> Option<Reading<'b>> {
        *values = [0; N];
        self.read::<N, true>(body, values)
    }

    /// The value at `at` after whitespace, as `": "` writes it.
    #[cold]
    #[inline(never)]
    fn spaced_value(
        &self,
        field: &Field,
        body: &[u8],
        at: usize,
        high: &mut u64,
    ) -> Option<(std::ops::Range<usize>, Kind, usize)> {
        self.value(field, body, flat::skip_whitespace(body, at), high)
    }

    /// The value of `field` at `at`: where its text is, its kind, and where it ends.
    #[inline(always)]
    fn value(
        &self,
        field: &Field,
        body: &[u8],
        at: usize,
        high: &mut u64,
    ) -> Option<(std::ops::Range<usize>, Kind, usize)> {
        match self.signature_in_place(field, body, at) {
            Some(read) => Some(read),
            None => flat::scalar(body, at, high),
        }
    }

    /// The key before position `until` that `body` has at `key_at`, when it was not
    /// read yet: a body whose fields come in another order than the plan's. A key
    /// read twice is left to the full reading.
    #[cold]
    #[inline(never)]
    fn find_before(
        &self,
        until: usize,
        body: &[u8],
        key_at: usize,
        values: &[u64],
        signature_read: bool,
    ) -> Option<(usize, &Field, usize)> {
        let (position, field, value_at) =
            self.fields[..until]
                .iter()
                .enumerate()
                .find_map(|(position, field)| {
                    Some((
                        position,
                        field,
                        field.written.as_ref()?.value_at(body, key_at)?,
                    ))
                })?;
        let read = match field.role {
            Role::Signature => signature_read,
            Role::Signed | Role::Excluded => values[position % values.len()] != 0,
        };
        (!read).then_some((position, field, value_at))
    }
}

/// What a key read but not signed leaves in its value slot, so that a second field
/// with that key is seen (a signed value's slot is never zero: no value starts at 0).
const READ_UNSIGNED: u64 = u64::MAX;

/// A value's start and length in a body of at most `u32::MAX` bytes, as one word:
/// a plan's values are then set up per body with a few wide stores.
fn pack(start: usize, len: usize) -> u64 {
    (start as u64) << 32 | len as u64
}

fn unpack(value: u64) -> (usize, usize) {
    ((value >> 32) as usize, (value & 0xffff_ffff) as usize)
}

/// What a body's reading leaves for its signature check.
struct Reading<'b> {
    /// One bit per position whose value is signed.
    kept: u64,
    /// Length of the kept values with what comes before each in the string to sign.
    len: usize,
    signature: &'b [u8],
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use proptest::prelude::*;

    use super::*;
    use crate::binding::scalar_text;
    use crate::encoding::{DigestAlgorithm, OutputEncoding};
    use crate::sorted_params::{KeyOrder, SecretPlacement};

    const KEYS: &[&str] = &[
        "status",
        "dealAmount",
        "merchantOrderNo",
        "orderNo",
        "orderType",
        "Sign",
        "signature",
    ];

    fn config(secret_placement: SecretPlacement, output: OutputEncoding) -> SortedParamsConfig {
        SortedParamsConfig {
            key_order: KeyOrder::CaseInsensitive,
            pair_separator: "&".into(),
            kv_separator: "=".into(),
            exclude_keys: Cow::Borrowed(&[Cow::Borrowed("Sign")]),
            skip_empty: true,
            secret_placement,
            digest: DigestAlgorithm::Md5,
            output,
        }
    }

    fn md5_hex() -> SortedParamsConfig {
        config(SecretPlacement::Append, OutputEncoding::HexLower)
    }

    fn secret() -> Secret {
        Secret::from("merasdasd")
    }

    /// Whether `body` verifies as the `Value` reading has it: a JSON object whose
    /// `signature` is a string and whose other fields are scalars (`null` left out),
    /// the last of a repeated key counting.
    fn verifies(config: &SortedParamsConfig, body: &[u8]) -> bool {
        let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(body) else {
            return false;
        };
        let Some(serde_json::Value::String(signature)) = object.get("signature") else {
            return false;
        };
        let mut pairs = Vec::new();
        for (key, value) in object.iter().filter(|(key, _)| *key != "signature") {
            match value {
                serde_json::Value::Array(_) | serde_json::Value::Object(_) => return false,
                scalar => pairs.extend(scalar_text(scalar).map(|text| (key.as_str(), text))),
            }
        }
        config.check(pairs, &secret(), signature).is_ok()
    }

    /// `template` with `SIG` replaced by the signature the `Value` reading expects.
    fn signed(config: &SortedParamsConfig, template: &str) -> String {
        let with = |signature: &str| template.replace("SIG", signature);
        let Ok(serde_json::Value::Object(object)) = serde_json::from_str(&with("x")) else {
            return with("00");
        };
        let pairs: Vec<(&str, &str)> = object
            .iter()
            .filter(|(key, _)| *key != "signature")
            .filter_map(|(key, value)| Some((key.as_str(), scalar_text(value)?)))
            .collect();
        with(&config.signature(pairs, &secret()).unwrap_or_default())
    }

    #[test]
    fn a_compact_body_in_the_plans_order_is_read_in_place() {
        let config = md5_hex();
        let plan = CallbackPlan::new(&config, KEYS, "signature");
        let template = r#"{"status":1,"dealAmount":10.11,"merchantOrderNo":"A-1001","orderNo":"Or1","signature":"SIG"}"#;
        let body = signed(&config, template);
        assert_eq!(plan.check(body.as_bytes(), &secret()), Some(true));
        // Uppercase hex verifies too; a changed value does not.
        let upper = body.replace(
            &body[body.len() - 34..body.len() - 2],
            &body[body.len() - 34..body.len() - 2].to_uppercase(),
        );
        assert_eq!(plan.check(upper.as_bytes(), &secret()), Some(true));
        let changed = body.replace("10.11", "10.12");
        assert_eq!(plan.check(changed.as_bytes(), &secret()), Some(false));
        // Fields the body leaves out, empty values, nulls and the excluded key are not signed.
        let sparse = signed(
            &config,
            r#"{"status":null,"merchantOrderNo":"","Sign":"x","signature":"SIG"}"#,
        );
        assert_eq!(plan.check(sparse.as_bytes(), &secret()), Some(true));
        assert!(verifies(&config, sparse.as_bytes()));
    }

    #[test]
    fn bodies_off_the_plan_are_left_to_the_full_reading() {
        let config = md5_hex();
        let plan = CallbackPlan::new(&config, KEYS, "signature");
        let templates = [
            // A key the plan does not list, whitespace before a colon.
            r#"{"status":1,"fee":"0","signature":"SIG"}"#,
            r#"{"status" :1,"signature":"SIG"}"#,
            // A key given twice (in order or not), an escape, an exponent, a nested value.
            r#"{"status":1,"status":2,"signature":"SIG"}"#,
            r#"{"orderNo":"a","status":1,"orderNo":"a","signature":"SIG"}"#,
            r#"{"signature":"SIG","status":1,"signature":"SIG"}"#,
            r#"{"Sign":"x","status":1,"Sign":"x","signature":"SIG"}"#,
            r#"{"status":null,"orderNo":"a","status":null,"signature":"SIG"}"#,
            r#"{"orderNo":"a\"b","signature":"SIG"}"#,
            r#"{"dealAmount":1e5,"signature":"SIG"}"#,
            r#"{"orderNo":{"a":1},"signature":"SIG"}"#,
            // No signature, or one that is not a string.
            r#"{"status":1}"#,
            r#"{"status":1,"signature":5}"#,
            // Not JSON.
            r#"{"status":1,"signature":"SIG""#,
            r#"{"status":01,"signature":"SIG"}"#,
            "",
        ];
        for template in templates {
            let body = signed(&config, template);
            assert_eq!(plan.check(body.as_bytes(), &secret()), None, "{body}");
        }
        // A trailing line feed is still the compact body.
        let body = signed(&config, "{\"status\":1,\"signature\":\"SIG\"}\n");
        assert_eq!(plan.check(body.as_bytes(), &secret()), Some(true));
    }

    #[test]
    fn fields_in_any_order_and_whitespace_between_them_are_read_in_place() {
        let config = md5_hex();
        let plan = CallbackPlan::new(&config, KEYS, "signature");
        // The provider's own example callback is indented, with `orderNo` first.
        let documented = "{\n  \"status\":1,\n  \"dealAmount\":10.11,\n  \"orderNo\":\"Or1\",\n  \"merchantOrderNo\":\"A-1001\",\n  \"orderType\":1,\n  \"signature\":\"SIG\"\n}";
        for template in [
            documented,
            r#"{"dealAmount":10.11,"status":1,"signature":"SIG"}"#,
            r#"{"signature":"SIG","orderNo":"Or1","status":1}"#,
            r#"{"status": 1, "orderNo": "Or1", "signature": "SIG"}"#,
            "\r\n\t{ \"status\":1 ,\"signature\":\"SIG\" }\n",
        ] {
            let body = signed(&config, template);
            assert!(verifies(&config, body.as_bytes()), "{body}");
            assert_eq!(plan.check(body.as_bytes(), &secret()), Some(true), "{body}");
            let changed = body
                .replace("\"status\":", "\"status\":2")
                .replacen("2 1", "2", 1);
            assert_eq!(
                plan.check(changed.as_bytes(), &secret()),
                Some(false),
                "{changed}"
            );
        }
    }

    #[test]
    fn bytes_json_does_not_allow_are_never_verified() {
        // In the excluded key's value, which the signature does not cover.
        let config = md5_hex();
        let plan = CallbackPlan::new(&config, KEYS, "signature");
        let body = signed(&config, r#"{"status":1,"Sign":"ab","signature":"SIG"}"#);
        assert_eq!(plan.check(body.as_bytes(), &secret()), Some(true));
        for (bad, what) in [
            (b"\xff\xfe" as &[u8], "invalid UTF-8"),
            (b"\x01b", "a control character"),
        ] {
            let body = body.replace("\"ab\"", "\"__\"").into_bytes();
            let at = body.windows(2).position(|w| w == b"__").unwrap();
            let mut changed = body.clone();
            changed[at..at + 2].copy_from_slice(bad);
            assert!(!verifies(&config, &changed), "{what}");
            assert_ne!(plan.check(&changed, &secret()), Some(true), "{what}");
        }
    }

    #[test]
    fn plans_of_many_keys_read_into_the_larger_array() {
        let config = md5_hex();
        let keys: Vec<String> = (0..40).map(|i| format!("k{i:02}")).collect();
        let mut listed: Vec<&str> = keys.iter().map(String::as_str).collect();
        listed.reverse();
        let plan = CallbackPlan::new(&config, &listed, "signature");
        let fields: Vec<String> = listed
            .iter()
            .step_by(3)
            .map(|k| format!(r#""{k}":"v{k}""#))
            .collect();
        let body = signed(
            &config,
            &format!(r#"{{{},"signature":"SIG"}}"#, fields.join(",")),
        );
        assert_eq!(plan.check(body.as_bytes(), &secret()), Some(true));
        assert!(verifies(&config, body.as_bytes()));
        assert_eq!(
            plan.check(body.replace("vk39", "vk38").as_bytes(), &secret()),
            Some(false)
        );
        // More keys than a plan places: every body is left to the full reading.
        let too_many: Vec<String> = (0..70).map(|i| format!("k{i}")).collect();
        let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
        let plan = CallbackPlan::new(&config, &too_many, "signature");
        let body = signed(&config, r#"{"k0":"a","signature":"SIG"}"#);
        assert_eq!(plan.check(body.as_bytes(), &secret()), None);
    }

    #[test]
    fn a_signature_field_the_keys_do_not_list_is_added() {
        let config = md5_hex();
        let plan = CallbackPlan::new(&config, &["b", "a"], "sig");
        let signature = config
            .signature([("a", "2"), ("b", "1")], &secret())
            .unwrap();
        let body = format!(r#"{{"b":"1","a":2,"sig":"{signature}"}}"#);
        assert_eq!(plan.check(body.as_bytes(), &secret()), Some(true));
        assert_eq!(plan.signature_field(), "sig");
    }

    #[test]
    fn every_secret_placement_digest_and_encoding_checks_as_the_scheme_signs() {
        let placements = [
            SecretPlacement::Append,
            SecretPlacement::Prepend,
            SecretPlacement::AppendParam { key: "key".into() },
        ];
        let outputs = [
            OutputEncoding::HexLower,
            OutputEncoding::HexUpper,
            OutputEncoding::Base64,
        ];
        for placement in placements {
            for output in outputs {
                for digest in [
                    DigestAlgorithm::Md5,
                    DigestAlgorithm::Sha1,
                    DigestAlgorithm::Sha256,
                ] {
                    let config = SortedParamsConfig {
                        digest,
                        ..config(placement.clone(), output)
                    };
                    let plan = CallbackPlan::new(&config, KEYS, "signature");
                    for template in [
                        r#"{"status":1,"orderNo":"Or1","signature":"SIG"}"#,
                        r#"{"Sign":"x","signature":"SIG"}"#,
                    ] {
                        let body = signed(&config, template);
                        assert_eq!(plan.check(body.as_bytes(), &secret()), Some(true), "{body}");
                        let other = Secret::from("other");
                        assert_eq!(plan.check(body.as_bytes(), &other), Some(false), "{body}");
                    }
                }
            }
        }
    }

    #[test]
    fn long_keys_and_values_are_matched_and_copied_whole() {
        let keys = [
            "k",
            "abcdefghijklmnopqrstu",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "signature",
        ];
        let config = md5_hex();
        let plan = CallbackPlan::new(&config, &keys, "signature");
        let long = "v".repeat(300);
        let template = format!(
            r#"{{"k":"é{long}","abcdefghijklmnopqrstu":"x","abcdefghijklmnopqrstuvwxyz0123456789":12345678901234567890123456789012345,"signature":"SIG"}}"#
        );
        let body = signed(&config, &template);
        assert_eq!(plan.check(body.as_bytes(), &secret()), Some(true));
        // One byte off in a long key, at either end or in the middle.
        for at in [1, 20, 37] {
            let mut changed = body.clone().into_bytes();
            let key_at = body.find("abcdefghijklmnopqrstuvwxyz0123456789").unwrap();
            changed[key_at + at - 1] = b'_';
            assert_eq!(plan.check(&changed, &secret()), None);
        }
    }

    /// One field of a generated body: a key, the JSON text of its value, and whether
    /// that text is one the plan reads (a string without escapes, a number without an
    /// exponent, a literal).
    fn field() -> impl Strategy<Value = (String, String, bool)> {
        let key = prop_oneof![
            4 => prop::sample::select(KEYS).prop_map(str::to_owned),
            1 => Just("fee".to_owned()),
        ];
        let value = prop_oneof![
            4 => "[a-zA-Z0-9 _./-]{0,12}".prop_map(|s| (format!("\"{s}\""), true)),
            // Escapes (valid JSON whose text differs from the body's), control
            // characters and text above ASCII.
            2 => prop::collection::vec(
                prop::sample::select(vec!["a", "\\\"", "\\\\", "\\n", "\\u0041", "\u{1}", "é"]),
                1..4,
            )
            .prop_map(|pieces| (format!("\"{}\"", pieces.concat()), false)),
            2 => "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?".prop_map(|s| (s, true)),
            1 => "-?[1-9][eE][+-]?[0-9]{1,2}".prop_map(|s| (s, false)),
            1 => prop::sample::select(vec!["true", "false", "null"]).prop_map(|s| (s.to_owned(), true)),
            1 => prop::sample::select(vec!["[1]", "{}", "01", "1."]).prop_map(|s| (s.to_owned(), false)),
        ];
        (key, value).prop_map(|(key, (value, plain))| (key, value, plain))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Where the plan decides, it decides as the `Value` reading does. Bodies are
        /// mostly compact and in the plan's order, else in any order or indented,
        /// with signatures good, bad, in either case or not strings, and sometimes a
        /// stray byte; the plan decides every body whose keys it lists once and whose
        /// values it reads.
        #[test]
        fn the_plans_check_is_the_value_readings(
            mut fields in prop::collection::vec(field(), 0..6),
            in_order in prop::bool::weighted(0.8),
            signature in prop_oneof![Just("SIG"), Just("SIG"), Just("UPPER"), Just("00"), Just("null")],
            layout in prop_oneof![
                6 => Just(("{", ",", ":", "}")),
                1 => Just(("{", ", ", ": ", "}")),
                1 => Just(("{\n  ", ",\n  ", ":", "\n}")),
            ],
            noise in prop::option::weighted(0.1, (0usize..120, any::<u8>())),
            placement in prop_oneof![
                Just(SecretPlacement::Append),
                Just(SecretPlacement::AppendParam { key: "key".into() }),
            ],
        ) {
            let config = config(placement, OutputEncoding::HexLower);
            let plan = CallbackPlan::new(&config, KEYS, "signature");
            fields.retain(|(key, _, _)| key != "signature");
            if in_order {
                fields.sort_by_key(|(key, _, _)| KEYS.iter().position(|k| k == key).unwrap_or(KEYS.len()));
            }
            let quoted = match signature {
                "null" => "null",
                "00" => "\"00\"",
                _ => "\"SIG\"",
            };
            let (open, separator, colon, close) = layout;
            let template = fields
                .iter()
                .map(|(key, value, _)| format!("\"{key}\"{colon}{value}"))
                .chain([format!("\"signature\"{colon}{quoted}")])
                .collect::<Vec<_>>()
                .join(separator);
            let mut body = signed(&config, &format!("{open}{template}{close}"));
            if signature == "UPPER" {
                let quoted_key = format!("\"signature\"{colon}\"");
                let at = body.rfind(&quoted_key).map_or(0, |at| at + quoted_key.len());
                body = format!("{}{}", &body[..at], body[at..].to_uppercase());
            }
            let mut body = body.into_bytes();
            let noisy = noise.filter(|(at, _)| *at < body.len());
            if let Some((at, byte)) = noisy {
                body[at] = byte;
            }
            let checked = plan.check(&body, &secret());
            if let Some(checked) = checked {
                prop_assert_eq!(checked, verifies(&config, &body), "{}", String::from_utf8_lossy(&body));
            }
            let mut keys: Vec<&str> = fields.iter().map(|(key, _, _)| key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            let readable = noisy.is_none()
                && keys.len() == fields.len()
                && fields.iter().all(|(key, _, plain)| *plain && key != "fee");
            if readable && signature != "null" {
                prop_assert!(checked.is_some(), "{}", String::from_utf8_lossy(&body));
            }
        }
    }
}
