package org.prosodyfiler.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.StorePath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads as plain files at {@code storeDir/<path>}, the Go original's layout, so nginx
 * {@code try_files} in front keeps working.
 *
 * <p>Bytes go to a temp file under {@code storeDir/.prosody-filer/tmp/} (same file system), and
 * are published with a hard link: link(2) fails if the target exists, so publishing is atomic and
 * never overwrites, and exactly one of several concurrent uploads to a path wins. The temp name is
 * then unlinked. Metadata (the uploaded Content-Type) is a user extended attribute set on the temp
 * file before linking, so the file appears together with its type. On file systems without user
 * xattrs it goes to a sidecar under {@code .prosody-filer/meta/}.
 */
public final class FileStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);
    static final String XATTR = "prosody-filer";
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private final Path root;
    private final Path tmpRoot;
    private final Path tmpDir;
    private final Path metaDir;
    private final boolean fsync;
    private final long minFreeSpace;
    private final boolean xattrs;
    private final FreeSpace freeSpace;
    /** Recently served files (their stat, metadata and, if small, bytes): see {@link HotFiles}. */
    private final HotFiles hotFiles = new HotFiles(4096, 8 << 20);
    private final AtomicLong tempNames = new AtomicLong();
    /**
     * Temp files are spread over this many subdirectories of the process's temp dir. Creating and
     * unlinking a name locks its directory: with every upload's temp file in one directory, the
     * disk threads spun on that lock (a quarter of the server's CPU under 64 concurrent small
     * uploads, profiled), and put-small ran at 1,240 req/s; with 16, 2,004 req/s.
     */
    static final int TEMP_BUCKETS = 16;
    private final Path[] tempBuckets = new Path[TEMP_BUCKETS];
    private final java.nio.file.FileStore fileSystem;

    /**
     * Opens (creating if needed) the store. Fails with an IOException the caller reports as a
     * config problem when the directory cannot be created or written.
     */
    public FileStore(Path storeDir, boolean fsync, long minFreeSpace) throws IOException {
        this(storeDir, fsync, minFreeSpace, true);
    }

    /** {@code tryXattrs} false forces the sidecar metadata (file systems without user xattrs). */
    FileStore(Path storeDir, boolean fsync, long minFreeSpace, boolean tryXattrs) throws IOException {
        Files.createDirectories(storeDir);
        this.root = storeDir.toRealPath();
        Path internal = root.resolve(PathDecoder.RESERVED);
        this.tmpRoot = internal.resolve("tmp");
        this.metaDir = internal.resolve("meta");
        Files.createDirectories(tmpRoot);
        // Each process works in its own temp dir named after its pid and start time: recover() at
        // startup then knows which temp dirs belong to dead processes, even if two servers share a
        // store by mistake. (No lock file: an open file would keep a read-only remount from working.)
        this.tmpDir = Files.createDirectories(tmpRoot.resolve(ProcessTag.current() + "-" + UUID.randomUUID()));
        for (int i = 0; i < TEMP_BUCKETS; i++) {
            tempBuckets[i] = Files.createDirectories(tmpDir.resolve(Integer.toString(i)));
        }
        this.fsync = fsync;
        this.minFreeSpace = minFreeSpace;
        this.fileSystem = Files.getFileStore(root);
        this.freeSpace = new FreeSpace(fileSystem);
        this.xattrs = tryXattrs && probeXattrs();
        if (!xattrs) {
            log.info("{}: no user extended attributes on this file system, keeping metadata in {}", root, metaDir);
        }
    }

    public Path root() {
        return root;
    }

    Path tmpDir() {
        return tmpDir;
    }

    Path fileFor(StorePath path) throws IOException {
        // StorePath segments are validated (no "..", "/", "\\", NUL): resolve cannot leave root.
        Path p = root;
        try {
            for (String s : path.segments()) {
                p = p.resolve(s);
            }
        } catch (java.nio.file.InvalidPathException e) {
            // Java encodes file names with the locale's charset: under LANG=C, "é" has no bytes.
            throw new IOException("file name not representable in the file system's encoding ("
                    + System.getProperty("sun.jnu.encoding") + "): run the server with a UTF-8 locale, e.g. LC_ALL=C.UTF-8");
        }
        return p;
    }

    @Override
    public PendingUpload begin(StorePath path, long size, FileMeta meta) throws StoreException {
        return begin(path, size, meta, true);
    }

    /** Skips the early check: publishing with link(2) refuses an existing path anyway. */
    @Override
    public PendingUpload beginWithBodyInHand(StorePath path, long size, FileMeta meta) throws StoreException {
        return begin(path, size, meta, false);
    }

    private PendingUpload begin(StorePath path, long size, FileMeta meta, boolean refuseExistingNow) throws StoreException {
        Path target;
        try {
            target = fileFor(path);
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, e.getMessage(), e);
        }
        // java.io.File: Files.exists builds a NoSuchFileException with a stack trace for the usual
        // answer (a tenth of a small upload's CPU). It follows links, so a dangling link counts as
        // free here; link(2) at commit still refuses it (409 then).
        if (refuseExistingNow && target.toFile().exists()) {
            throw new StoreException(StoreException.Kind.EXISTS, "already exists");
        }
        try {
            if (!freeSpace.fits(size, minFreeSpace)) {
                throw new StoreException(StoreException.Kind.NO_SPACE,
                        "not enough space: " + freeSpace.lastKnown() + " bytes free, " + size + " needed plus a reserve of " + minFreeSpace);
            }
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "cannot read free space: " + e.getMessage(), e);
        }
        long n = tempNames.incrementAndGet();
        Path temp = tempBuckets[(int) (n % TEMP_BUCKETS)].resolve(n + ".part"); // the dirs are this process's own
        try {
            FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new FilePendingUpload(path, target, temp, ch, size, meta);
        } catch (IOException e) {
            throw classify("cannot create temp file", e);
        }
    }

    private final class FilePendingUpload implements PendingUpload {
        private final StorePath path;
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final long size;
        private final FileMeta meta;
        private long written;
        private boolean done;

        FilePendingUpload(StorePath path, Path target, Path temp, FileChannel channel, long size, FileMeta meta) {
            this.path = path;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.size = size;
            this.meta = meta;
        }

        @Override
        public void write(ByteBuffer[] buffers) throws StoreException {
            long n = 0;
            for (ByteBuffer b : buffers) {
                n += b.remaining();
            }
            if (written + n > size) {
                throw new StoreException(StoreException.Kind.INCOMPLETE, "body longer than the signed size " + size);
            }
            try {
                long left = n;
                while (left > 0) {
                    left -= channel.write(buffers);
                }
            } catch (IOException e) {
                throw classify("write failed", e);
            }
            written += n;
        }

        @Override
        public StoredFile commit() throws StoreException {
            try {
                if (written != size) {
                    throw new StoreException(StoreException.Kind.INCOMPLETE, "got " + written + " of " + size + " bytes");
                }
                if (fsync) {
                    channel.force(true);
                }
                channel.close();
                if (xattrs && !meta.isEmpty()) {
                    writeXattr(temp, meta);
                }
                publish();
                if (!xattrs && !meta.isEmpty()) {
                    writeSidecar(path, meta);
                }
                if (fsync) {
                    syncDirectory(target.getParent());
                }
                BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class, NOFOLLOW);
                // Not remembered for downloads: with every upload entering the cache, each entry
                // lived ~14 young collections and was promoted, and under 17,000 uploads/s the old
                // generation grew to -Xmx (peak RSS 173 MiB in bench/ put-small; 87 MiB without).
                // Forgotten instead, in case a file of this name was removed behind our back.
                hotFiles.forget(path.value());
                return new StoredFile(path, a.size(), a.lastModifiedTime().toInstant(), etag(a), meta);
            } catch (IOException e) {
                throw classify("publish failed", e);
            } finally {
                abort();
            }
        }

        /** link(2) then unlink(2): atomic, and it never replaces an existing file. */
        private void publish() throws IOException, StoreException {
            for (int attempt = 0; ; attempt++) {
                try {
                    Files.createDirectories(target.getParent());
                    Files.createLink(target, temp);
                    return;
                } catch (FileAlreadyExistsException e) {
                    throw new StoreException(StoreException.Kind.EXISTS, "already exists");
                } catch (NoSuchFileException e) {
                    // The expiry sweeper removed the (empty) parent between the two calls: retry.
                    if (attempt >= 3) {
                        throw e;
                    }
                }
            }
        }

        @Override
        public void abort() {
            if (done) {
                return;
            }
            done = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do: the temp file is deleted next
            }
            // java.io.File#delete is a bare unlink(2); Files.delete stats the path first, one
            // more system call on every upload. Only a failure is asked again, for its reason.
            if (!temp.toFile().delete() && Files.exists(temp, NOFOLLOW)) {
                try {
                    Files.delete(temp);
                } catch (IOException e) {
                    log.warn("could not delete temp file {}: {}", temp, e.getMessage());
                }
            }
        }
    }

    @Override
    public boolean servedFromMemory(StorePath path) {
        return hotFiles.hot(path.value());
    }

    @Override
    public Lookup stat(StorePath path) throws IOException {
        StoredFile trusted = hotFiles.trusted(path.value());
        if (trusted != null) {
            return new Lookup.Found(trusted);
        }
        Path file = fileFor(path);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            hotFiles.forget(path.value());
            return Lookup.MISSING;
        }
        if (!a.isRegularFile()) {
            // Directories, and symlinks: uploads never create links, and following one could leave the store.
            hotFiles.forget(path.value());
            return Lookup.NOT_A_FILE;
        }
        StoredFile known = hotFiles.get(path.value(), a);
        if (known != null) {
            return new Lookup.Found(known);
        }
        StoredFile found = new StoredFile(path, a.size(), a.lastModifiedTime().toInstant(), etag(a), readMeta(path, file));
        hotFiles.put(path.value(), a, found);
        return new Lookup.Found(found);
    }

    @Override
    public Body open(StoredFile file, long offset, long length) throws IOException {
        if (file.size() <= HotFiles.SMALL_FILE) {
            ByteBuffer content = smallFile(file);
            return new Body.InMemoryBody(content.position((int) offset).limit((int) (offset + length)).slice());
        }
        FileChannel ch = FileChannel.open(fileFor(file.path()), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        return new Body.FileRegionBody(ch, offset, length);
    }

    /** The whole of a small file (a read-only view of its own), from memory when it was served before. */
    private ByteBuffer smallFile(StoredFile file) throws IOException {
        ByteBuffer cached = hotFiles.content(file.path().value(), file.etag());
        if (cached != null) {
            return cached;
        }
        ByteBuffer content = ByteBuffer.allocateDirect((int) file.size());
        try (FileChannel ch = FileChannel.open(fileFor(file.path()), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (content.hasRemaining()) {
                if (ch.read(content) < 0) {
                    // Published files never shrink: this one was deleted and uploaded again since the stat.
                    throw new IOException("file changed while being read: " + file.path().value());
                }
            }
        }
        ByteBuffer readOnly = content.flip().asReadOnlyBuffer();
        hotFiles.putContent(file.path().value(), file.etag(), readOnly);
        return readOnly.duplicate();
    }

    @Override
    public boolean delete(StorePath path) throws IOException {
        boolean deleted = Files.deleteIfExists(fileFor(path));
        hotFiles.forget(path.value());
        if (!xattrs) {
            Files.deleteIfExists(sidecarFor(path));
        }
        return deleted;
    }

    @Override
    public void forEach(Consumer<StoredFile> visitor) throws IOException {
        Files.walkFileTree(root, new UploadsVisitor() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                if (!a.isRegularFile()) {
                    return FileVisitResult.CONTINUE;
                }
                PathDecoder.Result r = PathDecoder.decode(encodeRelative(root.relativize(file)));
                if (r instanceof PathDecoder.Ok ok) {
                    visitor.accept(new StoredFile(ok.path(), a.size(), a.lastModifiedTime().toInstant(), etag(a), readMeta(ok.path(), file)));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Walks the uploads: skips our internal directory; files vanishing meanwhile are no error. */
    private class UploadsVisitor extends SimpleFileVisitor<Path> {
        private final Path internal = root.resolve(PathDecoder.RESERVED);

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return dir.equals(internal) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE; // deleted while we walk (expiry, DELETE)
        }
    }

    @Override
    public void pruneEmptyDirectories() throws IOException {
        Files.walkFileTree(root, new UploadsVisitor() {
            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                if (!dir.equals(root)) {
                    try {
                        Files.delete(dir); // only succeeds when empty
                    } catch (DirectoryNotEmptyException | NoSuchFileException ignored) {
                        // in use or already gone
                    } catch (IOException ex) {
                        log.debug("cannot prune {}: {}", dir, ex.getMessage());
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes the temp dirs of processes that are gone (pid and start time no longer running). */
    @Override
    public void recover() throws IOException {
        try (var dirs = Files.list(tmpRoot)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                if (dir.equals(tmpDir) || !Files.isDirectory(dir, NOFOLLOW)) {
                    continue;
                }
                if (ownerIsGone(dir)) {
                    int n = deleteTree(dir);
                    if (n > 0) {
                        log.info("removed {} temp file(s) of unfinished uploads from an earlier run", n);
                    }
                }
            }
        }
    }

    private static boolean ownerIsGone(Path dir) {
        return !ProcessTag.isAlive(dir.getFileName().toString());
    }

    private static int deleteTree(Path dir) throws IOException {
        int[] parts = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (file.getFileName().toString().endsWith(".part")) {
                    parts[0]++;
                }
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
        return parts[0];
    }

    @Override
    public Readiness readiness() {
        try {
            Path probe = tmpDir.resolve("ready-" + UUID.randomUUID());
            Files.writeString(probe, "ok");
            Files.delete(probe);
            long usable = fileSystem.getUsableSpace();
            if (usable < minFreeSpace) {
                return new Readiness(false, "free space " + usable + " bytes is below minFreeSpace " + minFreeSpace);
            }
            return new Readiness(true, "writable, " + usable + " bytes free");
        } catch (IOException e) {
            return new Readiness(false, "store not writable: " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        deleteTree(tmpDir);
    }

    // --- metadata -------------------------------------------------------------------------

    private boolean probeXattrs() throws IOException {
        Path probe = tmpDir.resolve("xattr-probe");
        Files.writeString(probe, "");
        try {
            writeXattr(probe, new FileMeta(java.util.Optional.of("x/y"), java.util.Optional.empty(), java.util.Optional.empty()));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    private static void writeXattr(Path file, FileMeta meta) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        if (view == null) {
            throw new UnsupportedOperationException("no user xattrs");
        }
        view.write(XATTR, StandardCharsets.UTF_8.encode(meta.encode()));
    }

    private FileMeta readMeta(StorePath path, Path file) {
        try {
            if (xattrs) {
                UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class, NOFOLLOW);
                ByteBuffer buf = ByteBuffer.allocate(1024);
                int n = view.read(XATTR, buf);
                return FileMeta.decode(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
            }
            return FileMeta.decode(Files.readString(sidecarFor(path), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException noMeta) {
            // Placed by hand or by the Go original: no metadata, the type comes from the extension.
            return FileMeta.NONE;
        }
    }

    private Path sidecarFor(StorePath path) throws IOException {
        Path p = metaDir;
        for (String s : path.segments()) {
            p = p.resolve(s);
        }
        return p;
    }

    private void writeSidecar(StorePath path, FileMeta meta) throws IOException {
        Path side = sidecarFor(path);
        Files.createDirectories(side.getParent());
        Path tmp = tmpDir.resolve(UUID.randomUUID() + ".meta");
        Files.writeString(tmp, meta.encode());
        Files.move(tmp, side, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    // --- helpers --------------------------------------------------------------------------

    /** Strong validator: files never change after publishing, so size + mtime + inode identify the bytes. */
    static String etag(BasicFileAttributes a) {
        long mtime = a.lastModifiedTime().to(java.util.concurrent.TimeUnit.MICROSECONDS);
        Object key = a.fileKey();
        int k = key == null ? 0 : key.hashCode();
        return "\"" + Long.toHexString(a.size()) + "-" + Long.toHexString(mtime) + "-" + Integer.toHexString(k) + "\"";
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            log.debug("cannot fsync directory {}: {}", dir, e.getMessage());
        }
    }

    static StoreException classify(String what, IOException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (msg.contains("No space left on device") || msg.contains("Disk quota exceeded")) {
            return new StoreException(StoreException.Kind.NO_SPACE, what + ": disk full", e);
        }
        if (e instanceof AccessDeniedException || msg.contains("Read-only file system")) {
            return new StoreException(StoreException.Kind.IO, what + ": " + msg + " (is the store writable?)", e);
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return new StoreException(StoreException.Kind.IO, what + ": " + fse.getReason(), e);
        }
        return new StoreException(StoreException.Kind.IO, what + ": " + msg, e);
    }

    /** Re-encodes a relative file path so PathDecoder sees what a URL would carry. */
    private static String encodeRelative(Path rel) {
        StringBuilder b = new StringBuilder();
        for (Path part : rel) {
            if (!b.isEmpty()) {
                b.append('/');
            }
            for (byte x : part.toString().getBytes(StandardCharsets.UTF_8)) {
                int c = x & 0xff;
                if (c == '%' || c == '/' || c < 0x21 || c >= 0x7f) {
                    b.append('%').append(String.format("%02X", c));
                } else {
                    b.append((char) c);
                }
            }
        }
        return b.toString();
    }
}
