package org.prosodyfiler.it.xmpp;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the Debian-packaged XMPP servers the end-to-end tests drive. A developer box without
 * them skips the tests; CI (env CI=true) installs them with scripts/install-test-deps.sh, so
 * there a missing package is a broken pipeline and must fail loudly instead of skipping.
 */
final class Installed {
    static final String HINT = "install with scripts/install-test-deps.sh (as root)";

    /** Where Debian and source installs put Prosody's community modules. */
    private static final List<Path> PROSODY_MODULE_DIRS = List.of(
            Path.of("/usr/lib/prosody/modules"),
            Path.of("/usr/share/prosody-modules"),
            Path.of("/usr/lib/prosody-modules"),
            Path.of("/usr/local/lib/prosody/modules"));

    private Installed() {
    }

    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (developer box) or fails (CI) when {@code present} is false. */
    static void require(boolean present, String what) {
        if (present) {
            return;
        }
        String message = what + " is not installed; " + HINT;
        if (inCi()) {
            fail("CI=true but " + message);
        }
        Assumptions.abort(message);
    }

    static Path prosody() {
        Path bin = Path.of("/usr/bin/prosody");
        require(Files.isExecutable(bin), "Debian package prosody (" + bin + ")");
        return bin;
    }

    static Path prosodyctl() {
        Path bin = Path.of("/usr/bin/prosodyctl");
        require(Files.isExecutable(bin), "Debian package prosody (" + bin + ")");
        return bin;
    }

    /**
     * The directory to put in Prosody's plugin_paths so that "http_upload_external" loads.
     * Debian's prosody-modules installs mod_http_upload_external/mod_http_upload_external.lua
     * under /usr/lib/prosody/modules (see dpkg -L prosody-modules).
     */
    static Path prosodyUploadModuleDir() {
        for (Path dir : PROSODY_MODULE_DIRS) {
            if (Files.isRegularFile(dir.resolve("mod_http_upload_external/mod_http_upload_external.lua"))
                    || Files.isRegularFile(dir.resolve("mod_http_upload_external.lua"))) {
                return dir;
            }
        }
        require(false, "Debian package prosody-modules (mod_http_upload_external in " + PROSODY_MODULE_DIRS + ")");
        throw new AssertionError("unreachable");
    }

    static Path erl() {
        Path bin = Path.of("/usr/bin/erl");
        require(Files.isExecutable(bin), "Debian package ejabberd (Erlang runtime " + bin + ")");
        return bin;
    }

    /**
     * The value for ERL_LIBS: the directory holding ejabberd-&lt;version&gt;/ebin. Debian puts it
     * under the multiarch lib dir (/usr/lib/x86_64-linux-gnu/ejabberd-23.01), which is what the
     * packaged ejabberdctl exports as ERL_LIBS too.
     */
    static Path ejabberdLibs() {
        for (Path root : List.of(Path.of("/usr/lib"), Path.of("/usr/lib64"), Path.of("/usr/local/lib"))) {
            Optional<Path> found = ejabberdUnder(root);
            if (found.isPresent()) {
                return found.get();
            }
            Optional<Path> multiarch = subdirs(root).stream()
                    .map(Installed::ejabberdUnder).flatMap(Optional::stream).findFirst();
            if (multiarch.isPresent()) {
                return multiarch.get();
            }
        }
        require(false, "Debian package ejabberd (ejabberd-*/ebin/ejabberd.beam under /usr/lib)");
        throw new AssertionError("unreachable");
    }

    private static Optional<Path> ejabberdUnder(Path libDir) {
        return subdirs(libDir).stream()
                .filter(d -> d.getFileName().toString().startsWith("ejabberd-"))
                .filter(d -> Files.isRegularFile(d.resolve("ebin/ejabberd.beam")))
                .map(d -> libDir)
                .findFirst();
    }

    private static List<Path> subdirs(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            List<Path> result = new java.util.ArrayList<>();
            entries.forEach(result::add);
            result.sort(null);
            return result;
        } catch (IOException e) {
            return List.of();
        }
    }
}
