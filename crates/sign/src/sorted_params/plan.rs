//! Signing order worked out once, for requests whose keys are known in advance.

use super::{SecretPlacement, SortedParamsConfig, put};
use crate::encoding::{DigestBytes, Hasher};
use crate::error::SignError;
use crate::secret::Secret;

mod callback;

pub use callback::CallbackPlan;

/// Most keys a plan places; a request with more is sorted.
const MOST_KEYS: usize = 64;

/// The signing order of every key a request can have (its public parameters and its
/// model's fields), worked out once for one scheme. A request that gives its keys in
/// the order the plan lists them, each at most once and any of them absent, is signed
/// by placing each value in its slot; any other request is sorted as usual. The
/// signature is the same either way.
///
/// ```
/// use std::borrow::Cow;
/// use paysmith_sign::{DigestAlgorithm, OutputEncoding, Secret};
/// use paysmith_sign::sorted_params::{KeyOrder, KeyPlan, SecretPlacement, SortedParamsConfig};
///
/// let config = SortedParamsConfig {
///     key_order: KeyOrder::CaseInsensitive,
///     pair_separator: Cow::Borrowed("&"),
///     kv_separator: Cow::Borrowed("="),
///     exclude_keys: Cow::Borrowed(&[Cow::Borrowed("Sign")]),
///     skip_empty: true,
///     secret_placement: SecretPlacement::Append,
///     digest: DigestAlgorithm::Md5,
///     output: OutputEncoding::HexLower,
/// };
/// let secret = Secret::from("s3cret");
/// let plan = KeyPlan::new(&config, &["Nonce", "amount", "currency"]);
/// assert!(plan.places(["Nonce", "currency"]));
/// let placed = plan.signature([("Nonce", "n1"), ("currency", "USDT")], &secret);
/// let sorted = config.signature([("currency", "USDT"), ("Nonce", "n1")], &secret);
/// assert_eq!(placed.unwrap(), sorted.unwrap());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPlan {
    config: SortedParamsConfig,
    /// Every key, in the order a request gives them.
    keys: Vec<Box<str>>,
    fingerprints: Vec<Fingerprint>,
    /// Per key: the pair separator, the key and the key-value separator, which come
    /// before its value in the string to sign (the first pair without the separator).
    leads: Vec<Lead>,
    /// One bit per key the scheme never signs (its excluded keys).
    excluded: u64,
    /// Positions in `keys`, in signing order; `None` when no request can be placed
    /// (a key listed twice, or too many keys).
    signing_order: Option<Vec<u8>>,
}

impl KeyPlan {
    /// The plan of `keys`, listed in the order requests give them, for `config`.
    pub fn new(config: &SortedParamsConfig, keys: &[&str]) -> Self {
        let placeable = keys.len() <= MOST_KEYS;
        let mut order: Vec<u8> = (0..keys.len().min(MOST_KEYS) as u8).collect();
        order.sort_by(|&a, &b| config.compare_keys(keys[usize::from(a)], keys[usize::from(b)]));
        let repeats = order
            .windows(2)
            .any(|w| keys[usize::from(w[0])] == keys[usize::from(w[1])]);
        let leads = keys
            .iter()
            .map(|key| Lead::new([&config.pair_separator, *key, &config.kv_separator].concat()))
            .collect();
        let excluded = keys
            .iter()
            .take(MOST_KEYS)
            .enumerate()
            .filter(|(_, key)| config.exclude_keys.iter().any(|x| x == *key))
            .fold(0, |mask, (at, _)| mask | 1 << at);
        let placeable = placeable && !repeats;
        KeyPlan {
            config: config.clone(),
            keys: keys.iter().map(|&key| key.into()).collect(),
            // None for a plan that places nothing, so no key is ever found in it (its
            // positions could pass the slots).
            fingerprints: keys
                .iter()
                .filter(|_| placeable)
                .map(|key| Fingerprint::of(key))
                .collect(),
            leads,
            excluded,
            signing_order: placeable.then_some(order),
        }
    }

    /// The scheme the plan signs with.
    pub fn config(&self) -> &SortedParamsConfig {
        &self.config
    }

    /// Whether requests giving these keys, in this order, are placed rather than sorted.
    pub fn places<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> bool {
        let mut next = 0;
        self.signing_order.is_some()
            && keys
                .into_iter()
                .all(|key| self.find(&mut next, key).is_some())
    }

    /// [`SortedParamsConfig::signature`] of `params` under the plan's scheme: placed
    /// when they follow the plan, sorted otherwise (which is also where errors are
    /// found).
    pub fn signature<'p, I>(&self, params: I, secret: &Secret) -> Result<String, SignError>
    where
        I: IntoIterator<Item = (&'p str, &'p str)>,
        I::IntoIter: Clone,
    {
        let params = params.into_iter();
        // Values by key position; filled in place, as the array is large to move.
        let mut values = [""; MOST_KEYS];
        let (Some(order), Some((kept, len))) = (
            self.signing_order.as_deref(),
            self.place(params.clone(), &mut values),
        ) else {
            return self.config.signature(params, secret);
        };
        Ok(self.config.output.encode(
            self.digest_placed(order, |at| values[at].as_bytes(), kept, len, secret)
                .as_slice(),
        ))
    }

    /// The digest of the values in the `kept` slots (one bit per position), joined in
    /// signing `order`; `len` is their joined length at most.
    #[inline]
    fn digest_placed<'v>(
        &self,
        order: &[u8],
        value: impl Fn(usize) -> &'v [u8],
        kept: u64,
        len: usize,
        secret: &Secret,
    ) -> DigestBytes {
        let config = &self.config;
        let secret = secret.expose().as_bytes();
        // The secret is written into the buffer too, so the digest takes one pass over
        // one slice; it is overwritten once hashed.
        let (before, after) = match &config.secret_placement {
            SecretPlacement::Append => (0, secret.len()),
            SecretPlacement::Prepend => (secret.len(), 0),
            SecretPlacement::AppendParam { key } => (
                0,
                config.pair_separator.len() + key.len() + config.kv_separator.len() + secret.len(),
            ),
        };
        let total = before + len + after + ROOM;
        // On the stack unless long, in a buffer no larger than needed, as it is zeroed
        // first; not through `with_buffer`, whose closure is not inlined here (about
        // 400 instructions more per request).
        let (mut shortest, mut short, mut long, mut heap);
        let out = if total <= 128 {
            shortest = [0u8; 128];
            &mut shortest[..total]
        } else if total <= 256 {
            short = [0u8; 256];
            &mut short[..total]
        } else if total <= 1024 {
            long = [0u8; 1024];
            &mut long[..total]
        } else {
            heap = vec![0u8; total];
            &mut heap[..]
        };
        // The first pair has no separator before it.
        let mut skip = config.pair_separator.len();
        let mut end = before;
        for at in order.iter().map(|&at| usize::from(at)) {
            if kept & 1 << at != 0 {
                let lead = &self.leads[at];
                end = put_from(out, end, &lead.0[skip..], lead.len() - skip);
                end = put(out, end, value(at));
                skip = 0;
            }
        }
        let secret_at = match &config.secret_placement {
            SecretPlacement::Prepend => 0,
            SecretPlacement::Append => end,
            SecretPlacement::AppendParam { key } => {
                if kept != 0 {
                    end = put(out, end, config.pair_separator.as_bytes());
                }
                end = put(out, end, key.as_bytes());
                put(out, end, config.kv_separator.as_bytes())
            }
        };
        put(out, secret_at, secret);
        end = end.max(secret_at + secret.len());
        let digest = Hasher::digest(config.digest, &out[..end]);
        // Zeros over the copy: a word at a time for a short secret, not a `memset` call.
        let copy = &mut out[secret_at..secret_at + secret.len()];
        match copy.len() {
            ..=ROOM => {
                put(copy, 0, &[0; ROOM][..copy.len()]);
            }
            _ => copy.fill(0),
        }
        std::hint::black_box(copy);
        digest
    }

    /// Puts each value in its key's slot when `params` follow the plan, and returns
    /// which slots are signed (one bit per position) and the length of their joined
    /// pairs, at most.
    fn place<'p>(
        &self,
        params: impl Iterator<Item = (&'p str, &'p str)>,
        values: &mut [&'p str; MOST_KEYS],
    ) -> Option<(u64, usize)> {
        let mut kept = 0;
        let mut len = 0;
        let mut next = 0;
        for (key, value) in params {
            let at = self.find(&mut next, key)?;
            let dropped =
                self.excluded & 1 << at != 0 || self.config.skip_empty && value.is_empty();
            if !dropped {
                values[at] = value;
                kept |= 1 << at;
                len += self.leads[at].len() + value.len();
            }
        }
        Some((kept, len))
    }

    /// Position of `key` at or after `next`, which then moves past it.
    #[inline]
    fn find(&self, next: &mut usize, key: &str) -> Option<usize> {
        let print = Fingerprint::of(key);
        let at = (*next..self.fingerprints.len()).find(|&at| {
            self.fingerprints[at] == print && (print.len <= 16 || *self.keys[at] == *key)
        })?;
        *next = at + 1;
        Some(at)
    }
}

/// Room copies may run into past a piece's end: pieces of up to this many bytes are
/// copied as whole words where both sides have it.
const ROOM: usize = 32;

/// What comes before a key's value in the string to sign, followed by [`ROOM`] zero
/// bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Lead(Box<[u8]>);

impl Lead {
    fn new(text: String) -> Self {
        let mut bytes = text.into_bytes();
        bytes.resize(bytes.len() + ROOM, 0);
        Lead(bytes.into_boxed_slice())
    }

    fn len(&self) -> usize {
        self.0.len() - ROOM
    }
}

/// Copies the first `n` bytes of `from` into `out` at `at` and returns where they
/// end: [`ROOM`] bytes at once when both sides have them (`out` is written past the
/// piece, where the next piece goes), through [`put`] otherwise.
#[inline(always)]
fn put_from(out: &mut [u8], at: usize, from: &[u8], n: usize) -> usize {
    match (out.get_mut(at..at + ROOM), from.first_chunk::<ROOM>()) {
        (Some(to), Some(words)) if n <= ROOM => {
            to.copy_from_slice(words);
            at + n
        }
        _ => put(out, at, &from[..n]),
    }
}

/// A key's length and its first and last eight bytes (fewer for shorter keys, as
/// many as they have): for keys of up to 16 bytes, equal exactly when the keys are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fingerprint {
    len: usize,
    head: u64,
    tail: u64,
}

impl Fingerprint {
    #[inline]
    fn of(key: &str) -> Self {
        let b = key.as_bytes();
        let ends = |head: Option<u64>, tail: Option<u64>| (head.unwrap_or(0), tail.unwrap_or(0));
        let (head, tail) = match b.len() {
            8.. => ends(
                b.first_chunk().map(|w| u64::from_le_bytes(*w)),
                b.last_chunk().map(|w| u64::from_le_bytes(*w)),
            ),
            4..=7 => ends(
                b.first_chunk().map(|w| u32::from_le_bytes(*w).into()),
                b.last_chunk().map(|w| u32::from_le_bytes(*w).into()),
            ),
            2..=3 => ends(
                b.first_chunk().map(|w| u16::from_le_bytes(*w).into()),
                b.last_chunk().map(|w| u16::from_le_bytes(*w).into()),
            ),
            _ => ends(b.first().map(|&x| x.into()), None),
        };
        Fingerprint {
            len: b.len(),
            head,
            tail,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use proptest::prelude::*;

    use super::*;
    use crate::encoding::{DigestAlgorithm, OutputEncoding};
    use crate::sorted_params::{KeyOrder, SecretPlacement};

    fn config(key_order: KeyOrder, secret_placement: SecretPlacement) -> SortedParamsConfig {
        SortedParamsConfig {
            key_order,
            pair_separator: "&".into(),
            kv_separator: "==".into(),
            exclude_keys: Cow::Borrowed(&[Cow::Borrowed("Sign")]),
            skip_empty: true,
            secret_placement,
            digest: DigestAlgorithm::Md5,
            output: OutputEncoding::HexLower,
        }
    }

    #[test]
    fn fingerprints_are_equal_exactly_when_keys_of_up_to_16_bytes_are() {
        let keys = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "acb",
            "abcd",
            "abce",
            "abcdefg",
            "abcdefh",
            "abcdefgh",
            "abcdefgi",
            "abcdefghi",
            "bbcdefghi",
            "abcdefghijklmnop",
            "abcdefghijklmnoq",
            "abcdefghXjklmnop",
        ];
        for a in keys {
            for b in keys {
                assert_eq!(Fingerprint::of(a) == Fingerprint::of(b), a == b, "{a} {b}");
            }
        }
    }

    #[test]
    fn put_copies_every_length() {
        for n in 0..80 {
            let bytes: Vec<u8> = (1..=n as u8).collect();
            let mut out = vec![0u8; n + 3];
            assert_eq!(put(&mut out, 2, &bytes), 2 + n);
            assert_eq!(&out[2..2 + n], &bytes[..], "{n}");
            assert_eq!((out[0], out[1], out[2 + n]), (0, 0, 0), "{n}");
        }
    }

    #[test]
    fn a_plan_places_its_keys_in_order_and_nothing_else() {
        let plan = KeyPlan::new(
            &config(KeyOrder::CaseInsensitive, SecretPlacement::Append),
            &["Nonce", "amount", "Sign", "currency"],
        );
        assert!(plan.places(["Nonce", "amount", "Sign", "currency"]));
        assert!(plan.places(["amount", "currency"]));
        assert!(plan.places([]));
        assert!(!plan.places(["currency", "amount"]), "out of order");
        assert!(!plan.places(["amount", "amount"]), "repeated");
        assert!(!plan.places(["amount", "fee"]), "not in the plan");
        let repeats = KeyPlan::new(plan.config(), &["a", "b", "a"]);
        assert!(!repeats.places(["a", "b"]));
        let many: Vec<String> = (0..65).map(|i| format!("k{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let too_many = KeyPlan::new(plan.config(), &many);
        assert!(!too_many.places(["k0"]));
        assert!(KeyPlan::new(plan.config(), &many[..64]).places(["k0", "k63"]));
        // Keys past the 64th are signed by the sort, every key included.
        let all: Vec<(&str, &str)> = many.iter().map(|k| (*k, "v")).collect();
        let secret = Secret::from("s");
        assert_eq!(
            too_many.signature(all.iter().copied(), &secret).unwrap(),
            plan.config()
                .signature(all.iter().copied(), &secret)
                .unwrap()
        );
    }

    fn any_config() -> impl Strategy<Value = SortedParamsConfig> {
        let order = prop_oneof![Just(KeyOrder::Ascii), Just(KeyOrder::CaseInsensitive)];
        let placement = prop_oneof![
            Just(SecretPlacement::Append),
            Just(SecretPlacement::Prepend),
            Just(SecretPlacement::AppendParam { key: "key".into() }),
        ];
        (order, placement).prop_map(|(order, placement)| config(order, placement))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Keys from a small alphabet, so case-only differences, shared prefixes and
        /// the excluded key all come up; requests mostly follow the plan, and
        /// sometimes repeat a key, leave its order or bring one it does not list.
        #[test]
        fn a_planned_signature_is_the_sorted_signature(
            config in any_config(),
            plan_keys in prop::collection::vec("[aAbB]{1,3}|Sign|[a-z]{9,20}", 0..12),
            request in prop::collection::vec((0usize..13, "[a-z]{0,3}"), 0..14),
            shuffle in prop::bool::weighted(0.2),
            repeat in prop::bool::weighted(0.2),
            secret in "[a-z]{0,8}",
        ) {
            let mut plan_keys: Vec<&str> = plan_keys.iter().map(String::as_str).collect();
            let mut seen = std::collections::HashSet::new();
            plan_keys.retain(|k| seen.insert(*k));
            let plan = KeyPlan::new(&config, &plan_keys);
            let mut picks: Vec<usize> = request.iter().map(|(i, _)| *i).collect();
            if !shuffle {
                picks.sort_unstable();
            }
            if !repeat {
                picks.dedup();
            }
            let params: Vec<(&str, &str)> = picks
                .iter()
                .zip(&request)
                .map(|(&i, (_, value))| (plan_keys.get(i).copied().unwrap_or("zz"), value.as_str()))
                .collect();
            let secret = Secret::from(secret);
            let sorted = config.signature(params.iter().copied(), &secret);
            let placed = plan.signature(params.iter().copied(), &secret);
            prop_assert_eq!(placed.map_err(|e| e.to_string()), sorted.map_err(|e| e.to_string()));
        }
    }
}
