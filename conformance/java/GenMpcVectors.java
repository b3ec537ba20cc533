import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;

/**
 * Writes vectors.json for the 1BitPay MPC signing scheme using only the JDK.
 *
 * <p>Usage: {@code java GenMpcVectors.java <fixture-dir> <pfx-password>}. The fixture directory
 * must already hold keytool.pfx, openssl-default.pfx and openssl-legacy.pfx (see regenerate.sh).
 *
 * <p>Each signature is what the provider's Java sample computes: the PKCS#12 key under alias
 * "1BitPay", {@code Cipher.getInstance("RSA")} in ENCRYPT_MODE with the private key over the UTF-8
 * bytes of the plaintext, then standard Base64.
 */
public final class GenMpcVectors {
    private static final String ALIAS = "1BitPay";

    private static final String SIGN_OBJECT =
            "{\"id\":1,\"from\":\"TGGh3cGp9P21Ebvg9JitjHoeJaKqrg3bRg\","
                    + "\"to\":\"TFMQrPdFWuPzFRXb42sxB22ABCVL6xSopV\","
                    + "\"value\":\"4.1\",\"chainId\":\"56\",\"status\":1}";
    private static final String FUND_COLLECTION = "{\"isMain\":1}";
    private static final String APPROVE =
            "{\"id\":1,\"from\":\"TGGh3cGp9P21Ebvg9JitjHoeJaKqrg3bRg\","
                    + "\"to\":\"TFMQrPdFWuPzFRXb42sxB22ABCVL6xSopV\","
                    + "\"value\":\"67.2\",\"chainId\":\"20\",\"status\":1}";
    private static final String NON_ASCII = "{\"note\":\"\u5efa\u8bbe\u94f6\u884c\"}";
    private static final String EMPTY = "";

    private record Vector(String id, String pfxFile, String plaintext) {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java GenMpcVectors.java <fixture-dir> <pfx-password>");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        String password = args[1];

        List<Vector> plan = new ArrayList<>();
        plan.add(new Vector("keytool-sign-object", "keytool.pfx", SIGN_OBJECT));
        plan.add(new Vector("keytool-fund-collection", "keytool.pfx", FUND_COLLECTION));
        plan.add(new Vector("keytool-approve", "keytool.pfx", APPROVE));
        plan.add(new Vector("keytool-non-ascii", "keytool.pfx", NON_ASCII));
        plan.add(new Vector("keytool-empty", "keytool.pfx", EMPTY));
        // 2048-bit modulus: 256 - 11 bytes is the largest block PKCS#1 v1.5 padding accepts.
        plan.add(new Vector("keytool-max-length", "keytool.pfx", "x".repeat(245)));
        plan.add(new Vector("openssl-default-sign-object", "openssl-default.pfx", SIGN_OBJECT));
        plan.add(new Vector("openssl-legacy-sign-object", "openssl-legacy.pfx", SIGN_OBJECT));

        StringBuilder out = new StringBuilder();
        out.append("{\n  \"scheme\": \"onebitpay-mpc-rsa\",\n");
        out.append("  \"generated_by\": \"conformance/java/GenMpcVectors.java (JDK Cipher")
                .append(" RSA/ECB/PKCS1Padding, ENCRYPT_MODE, private key)\",\n");
        out.append("  \"vectors\": [\n");
        for (int i = 0; i < plan.size(); i++) {
            Vector v = plan.get(i);
            byte[] pfx = Files.readAllBytes(dir.resolve(v.pfxFile()));
            String signature = sign(pfx, password, v.plaintext());
            String source =
                    "JDK " + System.getProperty("java.version") + " " + v.pfxFile()
                            + " alias " + ALIAS + ", Cipher.getInstance(\"RSA\") ENCRYPT_MODE"
                            + " private key, UTF-8, java.util.Base64";
            out.append("    {\"id\": ").append(quote(v.id()))
                    .append(", \"status\": \"external\"")
                    .append(", \"source\": ").append(quote(source))
                    .append(",\n     \"input\": {\"pfx_base64\": ")
                    .append(quote(Base64.getEncoder().encodeToString(pfx)))
                    .append(", \"password\": ").append(quote(password))
                    .append(", \"plaintext\": ").append(quote(v.plaintext()))
                    .append("},\n     \"expect\": {\"signature\": ").append(quote(signature))
                    .append("}}")
                    .append(i + 1 < plan.size() ? ",\n" : "\n");
        }
        out.append("  ]\n}\n");
        Files.writeString(dir.resolve("vectors.json"), out.toString(), StandardCharsets.UTF_8);
        System.err.println("wrote " + plan.size() + " vectors to " + dir.resolve("vectors.json"));
    }

    private static String sign(byte[] pfx, String password, String plaintext) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new java.io.ByteArrayInputStream(pfx)) {
            store.load(in, password.toCharArray());
        }
        Key key = store.getKey(ALIAS, password.toCharArray());
        if (!(key instanceof PrivateKey privateKey)) {
            throw new IllegalStateException("no private key under alias " + ALIAS);
        }
        Cipher cipher = Cipher.getInstance("RSA");
        cipher.init(Cipher.ENCRYPT_MODE, privateKey);
        byte[] message = plaintext.getBytes(StandardCharsets.UTF_8);
        byte[] signature = cipher.doFinal(message);

        // Self-check: the certificate's public key must recover the exact message.
        Certificate cert = store.getCertificate(ALIAS);
        Cipher check = Cipher.getInstance("RSA");
        check.init(Cipher.DECRYPT_MODE, cert.getPublicKey());
        if (!Arrays.equals(check.doFinal(signature), message)) {
            throw new IllegalStateException("public key did not recover the plaintext");
        }
        return Base64.getEncoder().encodeToString(signature);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
