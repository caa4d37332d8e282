package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify in-process against a real AF_UNIX datagram socket (the child-process case is SystemdNotifyIT). */
class SystemdNotifyTest {
    @TempDir
    Path dir;

    @Test
    void sendsStateDatagramsToAPathSocket() throws Exception {
        try (NotifySocket sock = NotifySocket.bind(dir.resolve("notify").toString())) {
            SystemdNotify n = new SystemdNotify(Optional.of(sock.address()));
            assertThat(n.enabled()).isTrue();
            assertThat(n.ready("listening on http://127.0.0.1:1/upload/")).isTrue();
            assertThat(sock.receive(5000)).isEqualTo("READY=1\nSTATUS=listening on http://127.0.0.1:1/upload/");
            assertThat(n.stopping("bye\nnow")).isTrue();
            assertThat(sock.receive(5000)).isEqualTo("STOPPING=1\nSTATUS=bye now");
        }
    }

    @Test
    void supportsAbstractNamespaceSockets() throws Exception {
        String name = "pf-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (NotifySocket sock = NotifySocket.bind("@" + name)) {
            SystemdNotify n = new SystemdNotify(Optional.of("@" + name));
            assertThat(n.status("hello")).isTrue();
            assertThat(sock.receive(5000)).isEqualTo("STATUS=hello");
        }
    }

    @Test
    void withoutNotifySocketNothingIsSent() {
        SystemdNotify n = new SystemdNotify(Optional.empty());
        assertThat(n.enabled()).isFalse();
        assertThat(n.ready("x")).isFalse();
    }

    @Test
    void aMissingSocketIsReportedNotThrown() {
        SystemdNotify n = new SystemdNotify(Optional.of(dir.resolve("nobody-listens").toString()));
        assertThat(n.ready("x")).isFalse();
    }

    @Test
    void abstractAddressesStartWithNul() {
        assertThat(SystemdNotify.addressBytes("@abc")).containsExactly(0, 'a', 'b', 'c');
        assertThat(SystemdNotify.addressBytes("/run/systemd/notify")).startsWith('/');
    }
}
