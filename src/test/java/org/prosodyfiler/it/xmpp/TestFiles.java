package org.prosodyfiler.it.xmpp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Files the upload scenarios send. */
final class TestFiles {
    private static final int MIB = 1 << 20;

    private TestFiles() {
    }

    /** {@code mebibytes} of random bytes from {@code seed}, written a MiB at a time. */
    static Path random(Path dir, int mebibytes, long seed) throws IOException {
        byte[] chunk = new byte[MIB];
        Random random = new Random(seed);
        Path file = dir.resolve("upload.bin");
        try (var out = Files.newOutputStream(file)) {
            for (int i = 0; i < mebibytes; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        return file;
    }
}
