package org.prosodyfiler.it.xmpp;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.testsupport.FilerProcess;

/**
 * Real Prosody 0.12 + prosody-modules' mod_http_upload_external + Smack + our server. One private
 * Prosody serves two VirtualHosts whose upload components sign differently: the module's default
 * protocol (?v=) and http_upload_external_protocol = "v2" (?v2=, content type signed too).
 */
@DisplayName("Prosody mod_http_upload_external -> Prosody Filer")
class ProsodyUploadIT {
    static final ProsodyServer.UploadHost V1 = new ProsodyServer.UploadHost("v1.prosody.test", "v1");
    static final ProsodyServer.UploadHost V2 = new ProsodyServer.UploadHost("v2.prosody.test", "v2");
    static final Account ALICE_V1 = new Account("alice", V1.domain(), "alice-pw-1");
    static final Account ALICE_V2 = new Account("alice", V2.domain(), "alice-pw-2");

    @TempDir
    static Path dir;
    static String secret;
    static FilerProcess filer;
    static ProsodyServer prosody;

    @BeforeAll
    static void startServers() throws Exception {
        Installed.prosody();
        Installed.prosodyUploadModuleDir();
        secret = FilerUnderTest.newSecret();
        filer = FilerUnderTest.start(dir.resolve("filer"), dir.resolve("store"), secret);
        prosody = ProsodyServer.start(dir, filer.baseUri(), secret, UploadScenarios.SIZE_LIMIT,
                List.of(V1, V2), List.of(ALICE_V1, ALICE_V2));
    }

    @AfterAll
    static void stopServers() {
        if (prosody != null) {
            prosody.close();
        }
        if (filer != null) {
            filer.close();
        }
    }

    static UploadTarget target(Account account, Dialect dialect) {
        return new UploadTarget(prosody, account, new SlotShape.Prosody(filer.baseUri(), dialect, secret),
                UploadScenarios.SIZE_LIMIT, filer, dir.resolve("store"));
    }

    @Nested
    @DisplayName("default protocol (v)")
    class DefaultProtocolV extends UploadScenarios {
        @Override
        UploadTarget target() {
            return ProsodyUploadIT.target(ALICE_V1, Dialect.V);
        }
    }

    @Nested
    @DisplayName("http_upload_external_protocol = \"v2\"")
    class ProtocolV2 extends UploadScenarios {
        @Override
        UploadTarget target() {
            return ProsodyUploadIT.target(ALICE_V2, Dialect.V2);
        }
    }
}
