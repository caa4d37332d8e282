package org.prosodyfiler.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.testsupport.RawHttp;
import org.prosodyfiler.testsupport.RawHttp.Response;
import org.prosodyfiler.testsupport.TestFiler;

/** Metronome's dialect: PUT with ?token= (the v2 message) and DELETE with its own token. */
class MetronomeDeleteTest {
    @TempDir
    Path dir;

    @Test
    void uploadThenDeleteWithTheDeleteToken() throws Exception {
        try (TestFiler f = TestFiler.start(dir, "metronomeDeleteSecret = \"delsecret\"")) {
            String path = "abc/photo.jpg";
            byte[] body = new byte[12];
            String put = "/upload/" + path + "?token=" + f.signer().sign(Dialect.TOKEN, path, 12, "image/jpeg");
            String del = "/upload/" + path + "?token=" + f.signer().hex(MacSigner.deleteMessage(path, "delsecret"));
            try (RawHttp c = f.connect()) {
                assertThat(c.exchange("PUT", put, List.of("Content-Length: 12", "Content-Type: image/jpeg"), body).status()).isEqualTo(201);
                assertThat(c.exchange("OPTIONS", "/upload/" + path, List.of(), null).header("Allow")).contains("DELETE");
                assertThat(c.exchange("DELETE", "/upload/" + path + "?token=%zz", List.of(), null).status()).isEqualTo(403);
                Response wrong = c.exchange("DELETE", "/upload/" + path + "?token=" + "0".repeat(64), List.of(), null);
                assertThat(wrong.status()).isEqualTo(403);
                // the upload token is not a delete token
                assertThat(c.exchange("DELETE", put, List.of(), null).status()).isEqualTo(403);
                assertThat(c.exchange("DELETE", del, List.of(), null).status()).isEqualTo(204);
                assertThat(c.exchange("GET", "/upload/" + path, List.of(), null).status()).isEqualTo(404);
                assertThat(c.exchange("DELETE", del, List.of(), null).status()).isEqualTo(404);
            }
            assertThat(f.store().resolve(path)).doesNotExist();
        }
    }

    /** A DELETE's stray body is dropped while the deletion runs; an HTTP/1.0 client then sees the close at once. */
    @Test
    void http10DeleteWithABodyClosesRightAfterTheAnswer() throws Exception {
        try (TestFiler f = TestFiler.start(dir, "metronomeDeleteSecret = \"delsecret\"")) {
            String path = "abc/gone.jpg";
            java.nio.file.Files.createDirectories(f.store().resolve("abc"));
            java.nio.file.Files.write(f.store().resolve(path), new byte[3]);
            String del = "/upload/" + path + "?token=" + f.signer().hex(MacSigner.deleteMessage(path, "delsecret"));
            try (RawHttp c = f.connect()) {
                c.send("DELETE " + del + " HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello");
                assertThat(c.read(false).status()).isEqualTo(204);
                // Not after the 60 s read timeout: nothing of the body is left to wait for.
                assertThat(c.closedByServer(3000)).isTrue();
            }
            assertThat(f.store().resolve(path)).doesNotExist();
        }
    }

    @Test
    void deleteIsNotAllowedWithoutADeleteSecret() throws Exception {
        try (TestFiler f = TestFiler.start(dir)) {
            try (RawHttp c = f.connect()) {
                Response r = c.exchange("DELETE", "/upload/abc/x?token=" + "0".repeat(64), List.of(), null);
                assertThat(r.status()).isEqualTo(405);
                assertThat(r.header("Allow")).doesNotContain("DELETE");
            }
        }
    }
}
