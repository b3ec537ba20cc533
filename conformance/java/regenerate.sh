#!/usr/bin/env bash
# Regenerates conformance/fixtures/onebitpay-mpc-rsa/ with fresh test keys and
# JDK-computed vectors, then every copy and snapshot that depends on the key. Run
# from the repository root. Needs JDK 17+ (java, keytool), OpenSSL 3 (with the
# legacy provider for -legacy) and cargo.
set -euo pipefail

if [[ ! -f conformance/java/GenMpcVectors.java ]]; then
    echo "run this from the repository root" >&2
    exit 2
fi

OUT=conformance/fixtures/onebitpay-mpc-rsa
# "1bitpay" + merchant no from the provider's create-order example.
MERCHANT_NO=mer1c92b0319ef5b794
PW="1bitpay${MERCHANT_NO}"
ALIAS=1BitPay
DNAME="CN=paysmith conformance test key, O=paysmith"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$OUT"
rm -f "$OUT"/*.pfx "$OUT"/public.pem "$OUT"/vectors.json

keytool_rsa() {
    keytool -genkeypair -keyalg RSA -keysize 2048 -storetype PKCS12 \
        -alias "$ALIAS" -storepass "$PW" -keypass "$PW" \
        -dname "$DNAME" -validity 36500 -keystore "$1" >/dev/null 2>&1
}

# 1. The main key, as keytool writes it (JDK 17: PBES2/AES-256, HmacSHA256 MAC).
keytool_rsa "$OUT/keytool.pfx"

# 2. The same key and certificate re-wrapped by OpenSSL, modern and legacy.
openssl pkcs12 -in "$OUT/keytool.pfx" -passin "pass:$PW" -nocerts -nodes \
    -out "$WORK/key.pem" 2>/dev/null
openssl pkcs12 -in "$OUT/keytool.pfx" -passin "pass:$PW" -nokeys \
    -out "$WORK/cert.pem" 2>/dev/null
openssl pkcs12 -export -inkey "$WORK/key.pem" -in "$WORK/cert.pem" -name "$ALIAS" \
    -passout "pass:$PW" -out "$OUT/openssl-default.pfx"
openssl pkcs12 -export -legacy -inkey "$WORK/key.pem" -in "$WORK/cert.pem" -name "$ALIAS" \
    -passout "pass:$PW" -out "$OUT/openssl-legacy.pfx"
openssl pkey -in "$WORK/key.pem" -pubout -out "$OUT/public.pem"

# No MAC: a wrong password then only shows up as failed decryption.
openssl pkcs12 -export -nomac -inkey "$WORK/key.pem" -in "$WORK/cert.pem" -name "$ALIAS" \
    -passout "pass:$PW" -out "$OUT/openssl-nomac.pfx"

# A scheme the loader does not implement (RC4-128 key bag), to check the error names it.
openssl pkcs12 -export -legacy -keypbe PBE-SHA1-RC4-128 -certpbe PBE-SHA1-3DES \
    -inkey "$WORK/key.pem" -in "$WORK/cert.pem" -name "$ALIAS" \
    -passout "pass:$PW" -out "$OUT/unsupported-rc4.pfx"
# The same without a MAC: nothing can then tell whether the password is right.
openssl pkcs12 -export -legacy -nomac -keypbe PBE-SHA1-RC4-128 -certpbe PBE-SHA1-3DES \
    -inkey "$WORK/key.pem" -in "$WORK/cert.pem" -name "$ALIAS" \
    -passout "pass:$PW" -out "$OUT/unsupported-rc4-nomac.pfx"

# 3. A different RSA key (wrong-key checks) and an EC key (not-RSA checks).
keytool_rsa "$OUT/other-key.pfx"
keytool -genkeypair -keyalg EC -groupname secp256r1 -storetype PKCS12 \
    -alias "$ALIAS" -storepass "$PW" -keypass "$PW" \
    -dname "$DNAME" -validity 36500 -keystore "$OUT/ec-key.pfx" >/dev/null 2>&1

# 4. Vectors computed by the JDK alone.
java conformance/java/GenMpcVectors.java "$OUT" "$PW"

# OpenSSL writes 0600; these are throw-away test keys meant to be committed.
chmod 644 "$OUT"/*

# 5. What the new key decides outside the fixture folder: the sandbox's copy of the
#    public key (read at build time); the spec built into the paysmith command, which
#    holds vectors.json (and the spec hash the generated files carry); and the
#    signed-request snapshots of approve and collect_funds (their `data` is an RSA
#    signature, and `Sign` covers it).
cp "$OUT/public.pem" crates/sandbox/fixtures/onebitpay-shard-public.pem
cargo xtask codegen
INSTA_UPDATE=always INSTA_FORCE_PASS=1 \
    cargo test --quiet -p paysmith-conformance --test snapshots >/dev/null
# The rewritten snapshots hold as written, and the copies match the fixtures.
cargo test --quiet -p paysmith-conformance --test snapshots --test fixture_copies
echo "regenerated; review with: git diff --stat, then run the whole test suite"
