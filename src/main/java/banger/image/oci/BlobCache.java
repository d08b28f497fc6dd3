package banger.image.oci;

import banger.core.Rejected;
import banger.core.Rejection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A content-addressed store of blobs, {@code <dir>/blobs/sha256/<hex>}, shared by every state dir on the host.
 * A blob is streamed into a temporary file beside its final place, hashed on the way, and renamed into place
 * only once its digest and size match: a file at a digest's path is always that digest's content, so an
 * interrupted download leaves nothing a later pull would trust. Concurrent requests for one digest share one
 * download: in this process through a shared future, across processes through a file lock per digest.
 */
public final class BlobCache {

    private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final int BUFFER = 1 << 16;

    private final Path dir;
    private final Map<String, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();
    private final LongConsumer downloaded;

    /** @param downloaded told the byte count of every blob actually downloaded (not served from the cache) */
    public BlobCache(Path dir, LongConsumer downloaded) {
        this.dir = dir.toAbsolutePath();
        this.downloaded = downloaded;
    }

    public BlobCache(Path dir) {
        this(dir, bytes -> { });
    }

    /** Where the blob of {@code digest} lives once cached. */
    public Path pathOf(String digest) {
        return dir.resolve("blobs").resolve("sha256").resolve(hexOf(digest));
    }

    public boolean contains(String digest) {
        return Files.isRegularFile(pathOf(digest));
    }

    /**
     * The cached blob of {@code digest}, downloading it from {@code source} first if absent.
     *
     * @param size     the size the manifest gives, or -1 if unknown
     * @param progress told the bytes read so far while this call downloads
     * @throws Rejected OPERATION_FAILED if the content does not match the digest (nothing is kept)
     */
    public Path get(String digest, long size, Supplier<InputStream> source, LongConsumer progress) {
        Path target = pathOf(digest);
        boolean waitedOnce = false;
        while (true) {
            if (Files.isRegularFile(target)) {
                return target;
            }
            CompletableFuture<Path> mine = new CompletableFuture<>();
            CompletableFuture<Path> shared = inFlight.putIfAbsent(digest, mine);
            if (shared != null) {
                try {
                    return shared.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Rejected(Rejection.Reason.OPERATION_FAILED, "download of " + digest + " cancelled");
                } catch (ExecutionException e) {
                    // the download we shared may have been cancelled by its own pull: try once ourselves
                    if (waitedOnce) {
                        throw e.getCause() instanceof RuntimeException r ? r : new CompletionException(e.getCause());
                    }
                    waitedOnce = true;
                    continue;
                }
            }
            try {
                Path result = downloadLocked(digest, size, source, progress, target);
                mine.complete(result);
                return result;
            } catch (RuntimeException | Error e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                inFlight.remove(digest, mine);
            }
        }
    }

    private Path downloadLocked(String digest, long size, Supplier<InputStream> source, LongConsumer progress,
                                Path target) {
        try {
            Files.createDirectories(target.getParent());
            Path locks = Files.createDirectories(dir.resolve("locks"));
            try (FileChannel lockFile = FileChannel.open(locks.resolve(hexOf(digest) + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                if (Files.isRegularFile(target)) {
                    return target;
                }
                Path partial = Files.createTempFile(target.getParent(), "." + hexOf(digest) + ".", ".partial");
                try {
                    long bytes = copyVerified(digest, size, source, progress, partial);
                    Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
                    downloaded.accept(bytes);
                    return target;
                } finally {
                    Files.deleteIfExists(partial);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store blob " + digest + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long copyVerified(String digest, long size, Supplier<InputStream> source, LongConsumer progress,
                                     Path partial) throws IOException {
        MessageDigest sha = sha256();
        long total = 0;
        try (InputStream in = source.get(); OutputStream out = Files.newOutputStream(partial)) {
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (size >= 0 && total > size) {
                    throw mismatch(digest, "more than the " + size + " bytes the manifest gives");
                }
                sha.update(buffer, 0, n);
                out.write(buffer, 0, n);
                progress.accept(total);
                if (Thread.currentThread().isInterrupted()) {
                    throw new Rejected(Rejection.Reason.OPERATION_FAILED, "download of " + digest + " cancelled");
                }
            }
        }
        if (size >= 0 && total != size) {
            throw mismatch(digest, total + " bytes where the manifest gives " + size);
        }
        String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(digest)) {
            throw mismatch(digest, "content hashes to " + actual);
        }
        return total;
    }

    /** The sha256 digest of {@code bytes}, as {@code sha256:<hex>}. */
    public static String digestOf(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
    }

    static String hexOf(String digest) {
        if (digest == null || !SHA256.matcher(digest).matches()) {
            throw new Rejected(Rejection.Reason.OPERATION_FAILED,
                    "unsupported or malformed digest '" + digest + "' (banger verifies sha256 only)");
        }
        return digest.substring("sha256:".length());
    }

    private static Rejected mismatch(String digest, String what) {
        return new Rejected(Rejection.Reason.OPERATION_FAILED,
                "blob " + digest + " failed verification: " + what + "; nothing was kept");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
