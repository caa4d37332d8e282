package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.testsupport.FilerProcess;

/**
 * The server as systemd runs it with Type=notify: NOTIFY_SOCKET in the environment, READY=1 only
 * once connections are accepted, STOPPING=1 when SIGTERM starts the shutdown.
 */
class SystemdNotifyIT {
    @TempDir
    Path dir;

    @Test
    void readyOnceListeningAndStoppingOnSigterm() throws Exception {
        try (NotifySocket sock = NotifySocket.bind(dir.resolve("notify.sock").toString());
             FilerProcess filer = OpsProcesses.start(dir, OpsProcesses.config(dir), Map.of("NOTIFY_SOCKET", sock.address()))) {
            String ready = sock.receive(30_000);
            assertThat(ready).as("log:\n%s", filer.logTail(20)).isNotNull().contains("READY=1");
            assertThat(ready).contains("STATUS=listening on " + filer.baseUri());
            // READY=1 means: connections are accepted now.
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", filer.port()), 5000);
            }
            assertThat(sock.receive(300)).as("nothing else before shutdown").isNull();

            filer.process().destroy(); // SIGTERM, as systemctl stop sends
            String stopping = sock.receive(30_000);
            assertThat(stopping).as("log:\n%s", filer.logTail(20)).isNotNull().startsWith("STOPPING=1");
            assertThat(filer.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            // The JVM's exit status after SIGTERM; the unit lists it in SuccessExitStatus.
            assertThat(filer.process().exitValue()).isIn(0, 143);
        }
    }

    @Test
    void abstractNotifySocket() throws Exception {
        String name = "@pf-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (NotifySocket sock = NotifySocket.bind(name);
             FilerProcess filer = OpsProcesses.start(dir, OpsProcesses.config(dir), Map.of("NOTIFY_SOCKET", name))) {
            assertThat(sock.receive(30_000)).as("log:\n%s", filer.logTail(20)).startsWith("READY=1");
        }
    }

    @Test
    void withoutNotifySocketItStartsAsUsual() throws Exception {
        java.util.Map<String, String> env = new java.util.HashMap<>();
        env.put("NOTIFY_SOCKET", null);
        try (FilerProcess filer = OpsProcesses.start(dir, OpsProcesses.config(dir), env)) {
            assertThat(filer.log()).doesNotContain("notify");
        }
    }
}
