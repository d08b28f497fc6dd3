package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Throughput of guest I/O into a real tiny guest (QEMU, TCG here): file upload and download through
 * /v1/vms/{ref}/files, and a workspace prepare (a tar of many small files plus a few large ones). Run by
 * bench/guest-io (-Dbench.guest-io=true); skipped otherwise. Bodies are generated as they are sent.
 */
class GuestIoBench {

    private static final long FILE_BYTES = Long.getLong("bench.guest-io.file-mib", 200) << 20;
    private static final int SMALL_FILES = Integer.getInteger("bench.guest-io.small-files", 2000);
    private static final int BLOB_MIB = Integer.getInteger("bench.guest-io.blob-mib", 16);

    @Test
    void printsFileAndWorkspaceThroughput() {
        assumeTrue(Boolean.getBoolean("bench.guest-io"), "run with -Dbench.guest-io=true (bench/guest-io)");
        try (DaemonHarness daemon = DaemonHarness.start("guest-io-bench")) {
            daemon.bootstrapTinyImage();
            daemon.expect(201, daemon.post("/v1/vms?wait=true", Map.of("name", "bench", "image", "tiny",
                    "start", true, "memory_mib", 1024)));
            StreamingHttp http = new StreamingHttp(daemon);

            double upload = timed(FILE_BYTES, () -> http.put("/v1/vms/bench/files?path=/tmp/blob",
                    "application/octet-stream", () -> pseudoRandom(FILE_BYTES)));
            long[] received = new long[1];
            double download = timed(FILE_BYTES, () -> http.get("/v1/vms/bench/files?path=/tmp/blob",
                    new OutputStream() {
                        @Override
                        public void write(int b) {
                            received[0]++;
                        }

                        @Override
                        public void write(byte[] b, int off, int len) {
                            received[0] += len;
                        }
                    }));
            assertEquals(FILE_BYTES, received[0]);
            daemon.exec("bench", "rm", "-f", "/tmp/blob");

            byte[] tree = workspaceTar();
            double prepare = timed(tree.length, () -> http.put("/v1/vms/bench/workspace?path=/tmp/work",
                    "application/x-tar", () -> new java.io.ByteArrayInputStream(tree)));

            System.out.println();
            System.out.println("| guest I/O into a tiny guest (QEMU TCG) | MB/s |");
            System.out.println("|---|---|");
            System.out.printf(Locale.ROOT, "| file upload, %d MiB (PUT /files) | %.1f |%n", FILE_BYTES >> 20, upload);
            System.out.printf(Locale.ROOT, "| file download, %d MiB (GET /files) | %.1f |%n", FILE_BYTES >> 20, download);
            System.out.printf(Locale.ROOT, "| workspace prepare, %.1f MB tar, %d files (PUT /workspace) | %.1f |%n",
                    tree.length / 1e6, SMALL_FILES + 4, prepare);
        }
    }

    /** MB/s of one request that moves {@code bytes}; it must answer 200. */
    private static double timed(long bytes, Supplier<StreamingHttp.Answer> request) {
        long start = System.nanoTime();
        StreamingHttp.Answer answer = request.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (answer.status() != 200) {
            throw new AssertionError(answer.toString());
        }
        return bytes / 1e6 / seconds;
    }

    /** A source tree: many small text files and four binaries of blob-mib MiB each. */
    private static byte[] workspaceTar() {
        Random random = new Random(1);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(buffer)) {
            for (int i = 0; i < SMALL_FILES; i++) {
                byte[] text = ("line " + i + "\n").repeat(40 + random.nextInt(200)).getBytes();
                add(tar, "src/pkg" + (i % 50) + "/File" + i + ".java", text);
            }
            for (int i = 0; i < 4; i++) {
                byte[] blob = new byte[BLOB_MIB << 20];
                random.nextBytes(blob);
                add(tar, "assets/blob" + i + ".bin", blob);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return buffer.toByteArray();
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    /** {@code size} bytes that do not compress, made as they are read. */
    private static InputStream pseudoRandom(long size) {
        return new InputStream() {
            private final Random random = new Random(7);
            private final byte[] block = new byte[64 * 1024];
            private long pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= size) {
                    return -1;
                }
                int n = (int) Math.min(Math.min(len, block.length), size - pos);
                random.nextBytes(block);
                System.arraycopy(block, 0, b, off, n);
                pos += n;
                return n;
            }
        };
    }
}
