package org.prosodyfiler.storage;

import java.time.Instant;
import java.util.Optional;

/**
 * Names a process as "pid-startMillis" so that a later process can tell whether it still runs:
 * the pid alone could have been reused since.
 */
final class ProcessTag {
    private ProcessTag() {
    }

    static String current() {
        ProcessHandle self = ProcessHandle.current();
        return self.pid() + "-" + startMillis(self).orElse(0L);
    }

    /** True if the process named by a tag (a temp dir name starting "pid-start-") is running. */
    static boolean isAlive(String name) {
        String[] parts = name.split("-", 3);
        if (parts.length < 2) {
            return false;
        }
        try {
            long pid = Long.parseLong(parts[0]);
            long start = Long.parseLong(parts[1]);
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .map(p -> startMillis(p).orElse(0L) == start)
                    .orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Optional<Long> startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli);
    }
}
