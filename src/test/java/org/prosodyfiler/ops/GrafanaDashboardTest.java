package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.testsupport.RawHttp;
import org.prosodyfiler.testsupport.TestFiler;

/** Every series the shipped Grafana dashboard queries exists in a real server's scrape. */
class GrafanaDashboardTest {
    private static final Pattern METRIC = Pattern.compile("\\b((?:prosody_filer|jvm|process|netty)_[a-z_]+)");
    private static final Pattern SERIES = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");

    @TempDir
    Path dir;

    @Test
    void theDashboardOnlyUsesMetricsTheServerExports() throws Exception {
        String dashboard = Files.readString(Path.of("grafana/prosody-filer.json"));
        Set<String> used = new TreeSet<>();
        Matcher m = METRIC.matcher(dashboard);
        while (m.find()) {
            used.add(m.group(1));
        }
        assertThat(used).contains("prosody_filer_uploads_total", "prosody_filer_request_duration_seconds_bucket");

        try (TestFiler filer = TestFiler.start(dir, "metricsListen = \"127.0.0.1:0\"")) {
            try (RawHttp c = filer.connect()) { // one request, so that the labelled series exist
                c.exchange("GET", "/upload/missing.txt", List.of(), null);
            }
            InetSocketAddress a = filer.app().monitoring().endpointAddress().orElseThrow();
            URI metrics = URI.create("http://127.0.0.1:" + a.getPort() + "/metrics");
            Set<String> exported = new TreeSet<>();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!exported.contains("prosody_filer_stored_files") && System.nanoTime() < deadline) {
                Matcher s = SERIES.matcher(OpsHttp.get(metrics).body());
                while (s.find()) {
                    exported.add(s.group(1));
                }
                Thread.sleep(50);
            }
            assertThat(exported).containsAll(used);
        }
    }
}
