package org.prosodyfiler.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.prosodyfiler.testsupport.FilerProcess;

/** Starts the packaged jar as its own process with a chosen environment, as systemd would. */
final class OpsProcesses {
    static final String SECRET = "ops-test-secret";

    private OpsProcesses() {
    }

    /** A config for a fresh store under {@code dir} plus extra TOML lines. */
    static String config(Path dir, String... extra) {
        StringBuilder b = new StringBuilder()
                .append("listenport = \"127.0.0.1:0\"\n")
                .append("secret = \"").append(SECRET).append("\"\n")
                .append("storeDir = \"").append(dir.resolve("store")).append("\"\n")
                .append("fsync = false\n")
                .append("minFreeSpace = 0\n");
        for (String e : extra) {
            b.append(e).append('\n');
        }
        return b.toString();
    }

    /**
     * Runs {@code env [-u NAME | NAME=VALUE]... java -jar prosody-filer.jar -config dir/config.toml}:
     * env execs java, so the process we hold (and signal) is the server itself. A null value unsets.
     */
    static FilerProcess start(Path dir, String toml, Map<String, String> env) throws IOException {
        Path config = dir.resolve("config.toml");
        Files.writeString(config, toml);
        List<String> cmd = new ArrayList<>(List.of("env"));
        env.forEach((k, v) -> {
            if (v == null) {
                cmd.addAll(List.of("-u", k));
            } else {
                cmd.add(k + "=" + v);
            }
        });
        cmd.addAll(List.of(FilerProcess.javaBinary(), "-jar", FilerProcess.jar().toString(), "-config", config.toString()));
        return FilerProcess.startCommand(dir, cmd, Duration.ofSeconds(60));
    }
}
