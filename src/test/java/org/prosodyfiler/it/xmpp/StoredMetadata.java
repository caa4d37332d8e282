package org.prosodyfiler.it.xmpp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What Prosody Filer recorded next to a stored file, read the way an admin would: the user
 * extended attribute "user.prosody-filer" with getfattr(1), whose value is "key=value" lines
 * (type, expires as epoch seconds, owner). On a file system without user xattrs the server keeps
 * the same text in storeDir/.prosody-filer/meta/&lt;path&gt;, which is read instead.
 */
final class StoredMetadata {
    private static final Path GETFATTR = Path.of("/usr/bin/getfattr");
    private static final String XATTR = "user.prosody-filer";

    private StoredMetadata() {
    }

    /**
     * storeDir/path as this JVM can name it. A JVM under a non-UTF-8 locale cannot name non-ASCII
     * files at all; then only the HTTP checks can be made from here.
     */
    static Optional<Path> onDisk(Path storeDir, String path) {
        Charset fileNames = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"), StandardCharsets.UTF_8);
        return fileNames.newEncoder().canEncode(path) ? Optional.of(storeDir.resolve(path)) : Optional.empty();
    }

    /** The metadata of storeDir/path as a key -> value map (in file order). */
    static Map<String, String> read(Path storeDir, String path) {
        Installed.require(Files.isExecutable(GETFATTR), "Debian package attr (" + GETFATTR + ")");
        Path file = storeDir.resolve(path);
        Result getfattr = run(List.of(GETFATTR.toString(), "--absolute-names", "--only-values", "-n", XATTR,
                file.toString()));
        if (getfattr.status() == 0) {
            return parse(getfattr.stdout());
        }
        if (getfattr.stderr().contains("Operation not supported")) {
            Path sidecar = storeDir.resolve(".prosody-filer/meta").resolve(path);
            try {
                return parse(Files.readString(sidecar, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new AssertionError("no user xattrs on " + storeDir + " and no sidecar " + sidecar, e);
            }
        }
        throw new AssertionError("getfattr -n " + XATTR + " " + file + " exited with " + getfattr.status()
                + ": " + getfattr.stderr());
    }

    private static Map<String, String> parse(String text) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                meta.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return meta;
    }

    private record Result(int status, String stdout, String stderr) {
    }

    private static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            // The value is a few dozen bytes, far below any pipe buffer: reading after exit cannot block it.
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within 30 s");
            }
            return new Result(p.exitValue(), drain(p.getInputStream()), drain(p.getErrorStream()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    private static String drain(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
