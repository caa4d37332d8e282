package org.prosodyfiler.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code [s3] redirectDownloads = true}: a download GET is answered with a 302 to a presigned
 * S3 URL, which a client then follows to S3Proxy itself. HEAD and conditional requests are still
 * answered by the node.
 */
class S3RedirectIT {
    private static final String REDIRECT = "redirectDownloads = true\npresignTtl = \"2m\"\n";

    @TempDir
    static Path dir;
    private static S3ProxyFixture s3;
    private static S3Node node;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyFixture.start(dir);
        // The [s3] table is the last one of the config, so the two keys land in it.
        node = S3Node.start(dir.resolve("node"), s3.toml(s3.createBucket(), "r/") + REDIRECT, Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {node, s3}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** Follows a Location as a browser would, straight to S3Proxy: no credentials, only the URL. */
    private static HttpResponse<byte[]> follow(URI location, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(location).timeout(Duration.ofSeconds(60)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return S3Node.HTTP.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static URI location(HttpResponse<?> r) {
        return URI.create(r.headers().firstValue("Location").orElseThrow(() -> new AssertionError("no Location: " + r.headers())));
    }

    private static Map<String, String> query(URI u) {
        Map<String, String> q = new HashMap<>();
        for (String kv : u.getRawQuery().split("&")) {
            int eq = kv.indexOf('=');
            q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    @Test
    void getIsRedirectedToAPresignedUrlThatServesTheBytesAsAnAttachment() throws Exception {
        byte[] html = "<html><script>alert(document.domain)</script></html>".getBytes(StandardCharsets.UTF_8);
        assertThat(node.put("7f3a/page.html", html, "text/html").statusCode()).isEqualTo(201);

        HttpResponse<byte[]> r = node.get("7f3a/page.html");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        URI location = location(r);
        assertThat(location.getHost()).isEqualTo("127.0.0.1");
        assertThat(location.getPort()).isEqualTo(s3.endpoint().getPort());
        assertThat(location.getPath()).endsWith("/r/7f3a/page.html");
        Map<String, String> q = query(location);
        assertThat(Long.parseLong(q.get("X-Amz-Expires"))).isPositive().isLessThanOrEqualTo(120);
        assertThat(q.get("response-content-disposition")).startsWith("attachment").contains("filename=\"page.html\"");
        assertThat(q.get("response-content-type")).startsWith("text/html");

        HttpResponse<byte[]> fromS3 = follow(location);
        assertThat(fromS3.statusCode()).as(new String(fromS3.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(fromS3.body()).isEqualTo(html);
        // S3Proxy honours both signed overrides, as AWS S3 does.
        assertThat(fromS3.headers().firstValue("Content-Type")).contains(q.get("response-content-type"));
        assertThat(fromS3.headers().firstValue("Content-Disposition")).contains(q.get("response-content-disposition"));
    }

    @Test
    void theOverridesAreSignedSoAClientCannotTurnAnAttachmentInline() throws Exception {
        assertThat(node.put("7f3b/x.html", "<b>hi</b>".getBytes(StandardCharsets.UTF_8), "text/html").statusCode()).isEqualTo(201);
        String signed = location(node.get("7f3b/x.html")).toString();
        String tampered = signed.replace("response-content-disposition=attachment", "response-content-disposition=inline");
        assertThat(tampered).isNotEqualTo(signed);
        HttpResponse<byte[]> refused = follow(URI.create(tampered));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("SignatureDoesNotMatch");
    }

    @Test
    void inertMediaIsSignedInlineAndRangesWorkOnTheRedirect() throws Exception {
        byte[] body = S3StoreIT.random(200_000, 51);
        assertThat(node.put("7f3c/clip.png", body, "image/png").statusCode()).isEqualTo(201);

        HttpResponse<byte[]> r = node.get("7f3c/clip.png", "Range", "bytes=1000-1999");
        assertThat(r.statusCode()).isEqualTo(302);
        URI location = location(r);
        assertThat(query(location).get("response-content-disposition")).startsWith("inline");
        HttpResponse<byte[]> part = follow(location, "Range", "bytes=1000-1999");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(body, 1000, 2000));
        assertThat(part.headers().firstValue("Content-Type")).contains("image/png");
    }

    @Test
    void headConditionalAndUnsatisfiableRequestsAreStillAnsweredByTheNode() throws Exception {
        byte[] body = S3StoreIT.random(5_000, 52);
        assertThat(node.put("7f3d/doc.pdf", body, "application/pdf").statusCode()).isEqualTo(201);

        HttpResponse<Void> head = S3Node.HTTP.send(HttpRequest.newBuilder(node.url("/upload/7f3d/doc.pdf"))
                .timeout(Duration.ofSeconds(60)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).contains("5000");
        assertThat(head.headers().firstValue("Location")).isEmpty();
        String etag = head.headers().firstValue("ETag").orElseThrow();

        assertThat(node.get("7f3d/doc.pdf", "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(node.get("7f3d/doc.pdf", "If-Match", "\"other\"").statusCode()).isEqualTo(412);
        assertThat(node.get("7f3d/doc.pdf", "Range", "bytes=9000-").statusCode()).isEqualTo(416);
        // An If-Range that does not hold means "send it all": from the node, not via a redirect
        // that would hand the Range on to S3 without our verdict.
        HttpResponse<byte[]> whole = node.get("7f3d/doc.pdf", "Range", "bytes=0-9", "If-Range", "\"stale\"");
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(body);
        assertThat(node.get("7f3d/missing.pdf").statusCode()).isEqualTo(404);
    }

    @Test
    void theUrlStopsWorkingAfterPresignTtl() throws Exception {
        try (S3Node shortLived = S3Node.start(dir.resolve("short"), s3.toml(s3.createBucket(), "")
                + "redirectDownloads = true\npresignTtl = \"1s\"\n", Clock.systemUTC())) {
            assertThat(shortLived.put("7f3e/a.txt", "abc".getBytes(StandardCharsets.UTF_8), "text/plain").statusCode()).isEqualTo(201);
            URI location = location(shortLived.get("7f3e/a.txt"));
            assertThat(query(location).get("X-Amz-Expires")).isEqualTo("1");
            Thread.sleep(2_500);
            HttpResponse<byte[]> refused = follow(location);
            assertThat(refused.statusCode()).isEqualTo(403);
            // refused for its age, not its signature
            assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("AccessDenied").doesNotContain("Signature");
        }
    }
}
