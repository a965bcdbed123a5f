// A broker-side SASL/OAUTHBEARER validator for the integration tests: accepts a token only when it is an AWS MSK
// IAM token whose SigV4 query signature verifies against the key pair in the listener's JAAS options. An
// implementation of AWS's SigV4 (written from the specification, in Java, independent of the signer under test),
// so the Kafka scaler's aws_msk_iam tokens are checked by a real broker over a real SASL_SSL connection.
package dev.updraft;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.*;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;

public class MskIamValidator implements AuthenticateCallbackHandler {
  private String accessKeyId, secretAccessKey, region;

  @Override
  public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaas) {
    Map<String, ?> o = jaas.get(0).getOptions();
    accessKeyId = (String) o.get("accessKeyId");
    secretAccessKey = (String) o.get("secretAccessKey");
    region = (String) o.get("region");
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    for (Callback c : callbacks) {
      if (!(c instanceof OAuthBearerValidatorCallback)) throw new UnsupportedCallbackException(c);
      OAuthBearerValidatorCallback v = (OAuthBearerValidatorCallback) c;
      try {
        v.token(validate(v.tokenValue()));
      } catch (Exception e) {
        System.err.println("MskIamValidator: refused: " + e.getMessage());
        v.error("invalid_token", null, null);
      }
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
  }

  private static byte[] hmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) sb.append(String.format("%02x", x));
    return sb.toString();
  }

  OAuthBearerToken validate(String token) throws Exception {
    if (token.contains("=")) throw new Exception("token has base64 padding");
    String url = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    URI uri = new URI(url);
    String host = "kafka." + region + ".amazonaws.com";
    if (!"https".equals(uri.getScheme()) || !host.equals(uri.getHost()) || !"/".equals(uri.getRawPath())) throw new Exception("wrong endpoint " + uri.getScheme() + "://" + uri.getHost() + uri.getRawPath());
    Map<String, String> q = new TreeMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int i = pair.indexOf('=');
      q.put(URLDecoder.decode(pair.substring(0, i), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(i + 1), StandardCharsets.UTF_8));
    }
    if (!"kafka-cluster:Connect".equals(q.get("Action"))) throw new Exception("Action is not kafka-cluster:Connect");
    if (!"AWS4-HMAC-SHA256".equals(q.get("X-Amz-Algorithm"))) throw new Exception("wrong algorithm");
    if (!"host".equals(q.get("X-Amz-SignedHeaders"))) throw new Exception("signed headers must be host");
    if (q.get("User-Agent") == null) throw new Exception("no User-Agent");
    String date = q.get("X-Amz-Date");
    String day = date.substring(0, 8);
    String scope = day + "/" + region + "/kafka-cluster/aws4_request";
    if (!(accessKeyId + "/" + scope).equals(q.get("X-Amz-Credential"))) throw new Exception("wrong credential scope " + q.get("X-Amz-Credential"));
    Instant signedAt = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).parse(date, Instant::from);
    long expires = Long.parseLong(q.get("X-Amz-Expires"));
    if (expires != 900) throw new Exception("X-Amz-Expires is not 900");
    if (Instant.now().isAfter(signedAt.plusSeconds(expires))) throw new Exception("expired");
    // Canonical request: every query parameter but the signature and the unsigned User-Agent, sorted by name.
    TreeMap<String, String> canon = new TreeMap<>();
    for (Map.Entry<String, String> e : q.entrySet()) {
      if (e.getKey().equals("X-Amz-Signature") || e.getKey().equals("User-Agent")) continue;
      canon.put(enc(e.getKey()), enc(e.getValue()));
    }
    StringJoiner cq = new StringJoiner("&");
    for (Map.Entry<String, String> e : canon.entrySet()) cq.add(e.getKey() + "=" + e.getValue());
    String emptyHash = hex(MessageDigest.getInstance("SHA-256").digest(new byte[0]));
    String canonical = "GET\n/\n" + cq + "\nhost:" + host + "\n\nhost\n" + emptyHash;
    String toSign = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    byte[] k = hmac(("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8), day);
    k = hmac(k, region);
    k = hmac(k, "kafka-cluster");
    k = hmac(k, "aws4_request");
    String sig = hex(hmac(k, toSign));
    if (!sig.equals(q.get("X-Amz-Signature"))) throw new Exception("signature does not verify");
    final long start = signedAt.toEpochMilli();
    final long lifetime = signedAt.plusSeconds(expires).toEpochMilli();
    final String principal = accessKeyId;
    System.err.println("MskIamValidator: accepted a token for " + principal);
    return new OAuthBearerToken() {
      public String value() { return token; }
      public Set<String> scope() { return Collections.emptySet(); }
      public long lifetimeMs() { return lifetime; }
      public String principalName() { return principal; }
      public Long startTimeMs() { return start; }
    };
  }

  @Override
  public void close() {}
}
