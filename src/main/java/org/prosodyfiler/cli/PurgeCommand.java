package org.prosodyfiler.cli;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.Sizes;
import org.prosodyfiler.ops.Lifecycle;
import org.prosodyfiler.ops.Quotas;
import org.prosodyfiler.storage.Store;
import org.prosodyfiler.storage.StoredFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Deletes old files, the job the Go original's README gives to cron. Dry run unless --delete:
 * it prints what it would delete and how many bytes that frees.
 */
@Command(name = "purge", mixinStandardHelpOptions = true,
        description = "Delete expired files (expireAfter, JWT expires) or files older than --older-than. Dry run unless --delete.")
final class PurgeCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--older-than", description = "Age such as 28d or 12h (default: the config's expireAfter).")
    String olderThan;

    @Option(names = "--owner", description = "Only files of this uploader (JWT sub or ejabberd's SHA-1 user directory): \"delete everything of this account\".")
    String owner;

    @Option(names = "--delete", description = "Really delete (default: only show what would be deleted).")
    boolean delete;

    @Option(names = "--quiet", description = "Do not list each file, only the totals.")
    boolean quiet;

    @Override
    public Integer call() {
        return AdminContext.run(() -> {
            Config config = AdminContext.config(main.config);
            Optional<Duration> age = olderThan != null ? Optional.of(Sizes.duration("--older-than", olderThan)) : config.expireAfter();
            Lifecycle rules = new Lifecycle(age, Quotas.NONE);
            Instant now = Instant.now();
            final class Tally {
                long scanned;
                long done;
                long bytes;
                long failed;
            }
            Tally t = new Tally();
            try (Store store = AdminContext.store(config)) {
                // Each file is decided and deleted as the walk passes it: a list of victims would
                // not fit the heap for a store of a few hundred thousand files.
                store.forEach(f -> {
                    if (++t.scanned % 10_000 == 0) {
                        System.err.printf("... %d files scanned, %d %s%n", t.scanned, t.done, delete ? "deleted" : "selected");
                    }
                    boolean selected = owner != null
                            ? f.meta().owner().filter(owner::equals).isPresent() || f.path().firstSegment().equals(owner)
                            : rules.isExpired(f, now);
                    if (!selected) {
                        return;
                    }
                    if (!quiet) {
                        System.out.printf("%s %s (%d bytes, %s)%n", delete ? "delete" : "would delete", f.path(), f.size(), f.lastModified());
                    }
                    if (delete) {
                        try {
                            if (!store.delete(f.path())) {
                                return; // deleted by someone else meanwhile
                            }
                        } catch (IOException e) {
                            System.err.printf("cannot delete %s: %s%n", f.path(), e.getMessage());
                            t.failed++;
                            return;
                        }
                    }
                    t.bytes += f.size();
                    t.done++;
                });
                if (delete) {
                    store.pruneEmptyDirectories();
                }
                System.out.printf("%s %d of %d files, %d bytes (%s)%s%n", delete ? "deleted" : "would delete", t.done, t.scanned,
                        t.bytes, StatsCommand.human(t.bytes), delete ? "" : "; run again with --delete to delete them");
                if (t.failed > 0) {
                    System.err.printf("%d file(s) could not be deleted (see above)%n", t.failed);
                    return 1;
                }
            }
            return 0;
        });
    }
}
