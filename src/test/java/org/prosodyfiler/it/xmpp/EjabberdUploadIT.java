package org.prosodyfiler.it.xmpp;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.testsupport.FilerProcess;

/**
 * Real ejabberd 23.01 mod_http_upload with external_secret + Smack + our server. ejabberd only
 * ever signs with ?v= (HMAC over "path size"), its paths carry the SHA-1 of the uploader's JID.
 */
@DisplayName("ejabberd mod_http_upload (external_secret) -> Prosody Filer")
class EjabberdUploadIT {
    static final String DOMAIN = "ejabberd.test";
    static final Account ALICE = new Account("alice", DOMAIN, "alice-pw");

    @TempDir
    static Path dir;
    static String secret;
    static FilerProcess filer;
    static EjabberdServer ejabberd;

    @BeforeAll
    static void startServers() throws Exception {
        Installed.erl();
        Installed.ejabberdLibs();
        secret = FilerUnderTest.newSecret();
        filer = FilerUnderTest.start(dir.resolve("filer"), dir.resolve("store"), secret);
        ejabberd = EjabberdServer.start(dir, DOMAIN, filer.baseUri(), secret, UploadScenarios.SIZE_LIMIT,
                List.of(ALICE));
    }

    @AfterAll
    static void stopServers() {
        if (ejabberd != null) {
            ejabberd.close();
        }
        if (filer != null) {
            filer.close();
        }
    }

    @Nested
    @DisplayName("external_secret (v)")
    class ExternalSecretV extends UploadScenarios {
        @Override
        UploadTarget target() {
            return new UploadTarget(ejabberd, ALICE, new SlotShape.Ejabberd(filer.baseUri(), ALICE.bareJid(), secret),
                    SIZE_LIMIT, filer, dir.resolve("store"));
        }
    }
}
