package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.testsupport.FilerProcess;

/** What the server writes to stdout, as journald or a log shipper receives it. */
class LoggingIT {
    private static final Pattern ISO_TIME = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}.*");
    private static final Pattern JSON_LINE = Pattern.compile(
            "^\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT[^\"]+Z\",\"level\":\"[A-Z]+\",\"logger\":\"[^\"]+\",\"msg\":\"(?:[^\"\\\\]|\\\\.)*\"(?:,\"error\":\"(?:[^\"\\\\]|\\\\.)*\")?}$");

    @TempDir
    Path dir;

    private static Map<String, String> env(String journalStream) {
        Map<String, String> env = new HashMap<>();
        env.put("JOURNAL_STREAM", journalStream); // null = unset, in case the test runs under systemd
        return env;
    }

    private static void get(FilerProcess filer, String path) throws Exception {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(filer.baseUri() + path)).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    private static List<String> lines(FilerProcess filer) {
        return filer.log().lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void textLinesCarryATimestampOutsideSystemd() throws Exception {
        try (FilerProcess filer = OpsProcesses.start(dir, OpsProcesses.config(dir), env(null))) {
            assertThat(lines(filer)).isNotEmpty().allMatch(l -> ISO_TIME.matcher(l).matches(), "starts with a timestamp");
        }
    }

    @Test
    void underJournaldTheTimestampIsLeftToTheJournal() throws Exception {
        // systemd sets JOURNAL_STREAM=<device>:<inode> when stdout goes to the journal.
        try (FilerProcess filer = OpsProcesses.start(dir, OpsProcesses.config(dir), env("8:12345"))) {
            get(filer, "missing.txt");
            waitForLine(filer, "GET /upload/missing.txt 404");
            List<String> lines = lines(filer);
            assertThat(lines).isNotEmpty().noneMatch(l -> ISO_TIME.matcher(l).matches());
            assertThat(lines).anyMatch(l -> l.startsWith("INFO ") && l.contains("listening on"));
        }
    }

    @Test
    void jsonLinesAreOneObjectPerLine() throws Exception {
        try (FilerProcess filer = OpsProcesses.start(dir, OpsProcesses.config(dir, "logFormat = \"json\""), env("8:12345"))) {
            get(filer, "a%22quote.txt");
            waitForLine(filer, "org.prosodyfiler.access");
            List<String> lines = lines(filer);
            assertThat(lines).hasSizeGreaterThanOrEqualTo(2)
                    .allMatch(l -> JSON_LINE.matcher(l).matches(), "is one JSON object with time, level, logger, msg");
            assertThat(lines).anyMatch(l -> l.contains("\"logger\":\"org.prosodyfiler.access\"") && l.contains("404"));
        }
    }

    @Test
    void accessLogCanBeTurnedOff() throws Exception {
        Path onDir = Files.createDirectories(dir.resolve("on"));
        try (FilerProcess on = OpsProcesses.start(onDir, OpsProcesses.config(onDir, "accessLog = true"), env(null))) {
            get(on, "x.txt");
            waitForLine(on, " access - GET /upload/x.txt 404");
        }
        Path offDir = Files.createDirectories(dir.resolve("off"));
        try (FilerProcess off = OpsProcesses.start(offDir, OpsProcesses.config(offDir, "accessLog = false"), env(null))) {
            get(off, "x.txt");
            get(off, "y.txt");
            Thread.sleep(500); // an access line is written before the response completes; this is slack
            assertThat(off.log()).doesNotContain(" access - ");
        }
    }

    private static void waitForLine(FilerProcess filer, String text) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (filer.log().contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + text + "' in:\n" + filer.logTail(20));
    }
}
