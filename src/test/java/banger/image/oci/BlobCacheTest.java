package banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobCacheTest {

    private static final byte[] CONTENT = "layer bytes".getBytes(StandardCharsets.UTF_8);
    private static final String DIGEST = BlobCache.digestOf(CONTENT);

    @TempDir
    Path dir;

    @Test
    void aVerifiedBlobIsStoredUnderItsDigestAndServedFromThereAfterwards() throws IOException {
        AtomicInteger downloads = new AtomicInteger();
        BlobCache cache = new BlobCache(dir);
        Path first = cache.get(DIGEST, CONTENT.length, () -> {
            downloads.incrementAndGet();
            return new ByteArrayInputStream(CONTENT);
        }, bytes -> { });
        Path second = cache.get(DIGEST, CONTENT.length, () -> {
            throw new AssertionError("a cached blob is not downloaded again");
        }, bytes -> { });
        assertEquals(first, second);
        assertEquals(1, downloads.get());
        assertArrayEquals(CONTENT, Files.readAllBytes(first));
        assertEquals(dir.resolve("blobs/sha256/" + DIGEST.substring(7)), first);
    }

    @Test
    void contentThatDoesNotMatchItsDigestIsRefusedAndNothingIsKept() throws IOException {
        BlobCache cache = new BlobCache(dir);
        Rejected e = assertThrows(Rejected.class, () -> cache.get(DIGEST, CONTENT.length,
                () -> new ByteArrayInputStream("tampered!!!".getBytes(StandardCharsets.UTF_8)), bytes -> { }));
        assertTrue(e.getMessage().contains("failed verification"), e.getMessage());
        assertFalse(cache.contains(DIGEST));
        try (Stream<Path> files = Files.list(dir.resolve("blobs/sha256"))) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void aBlobLongerThanTheManifestSaysIsRefused() {
        BlobCache cache = new BlobCache(dir);
        Rejected e = assertThrows(Rejected.class, () -> cache.get(DIGEST, 3,
                () -> new ByteArrayInputStream(CONTENT), bytes -> { }));
        assertTrue(e.getMessage().contains("more than the 3 bytes"), e.getMessage());
        assertFalse(cache.contains(DIGEST));
    }

    @Test
    void concurrentRequestsForOneDigestShareOneDownload() throws Exception {
        AtomicInteger downloads = new AtomicInteger();
        BlobCache cache = new BlobCache(dir);
        int threads = 6;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return cache.get(DIGEST, CONTENT.length, () -> {
                        downloads.incrementAndGet();
                        return new ByteArrayInputStream(CONTENT);
                    }, bytes -> { });
                }));
            }
            for (Future<Path> r : results) {
                assertEquals(cache.pathOf(DIGEST), r.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, downloads.get());
    }

    @Test
    void aDownloadCutOffMidwayLeavesNothingALaterPullWouldTrust() throws IOException {
        BlobCache cache = new BlobCache(dir);
        assertThrows(java.io.UncheckedIOException.class, () -> cache.get(DIGEST, CONTENT.length, () -> new java.io.InputStream() {
            private int sent;

            @Override
            public int read() throws IOException {
                if (sent++ < 4) {
                    return CONTENT[sent - 1];
                }
                throw new IOException("connection reset");
            }
        }, bytes -> { }));
        assertFalse(cache.contains(DIGEST));
        try (Stream<Path> files = Files.list(dir.resolve("blobs/sha256"))) {
            assertEquals(List.of(), files.toList());
        }
        assertEquals(cache.pathOf(DIGEST), cache.get(DIGEST, CONTENT.length, () -> new ByteArrayInputStream(CONTENT), bytes -> { }));
    }

    @Test
    void digestsOtherThanSha256AreRefused() {
        BlobCache cache = new BlobCache(dir);
        assertThrows(Rejected.class, () -> cache.pathOf("sha512:abc"));
        assertThrows(Rejected.class, () -> cache.pathOf("sha256:../../etc"));
    }
}
