package banger.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VmlinuxExtractorTest {

    private static final HostCommands HOST = new ProcessHostCommands();
    // a small complete ELF file stands in for a vmlinux in the synthetic images
    private static final Path ELF = Path.of("/bin/true");

    @TempDir
    Path tmp;

    /** Compresses {@code file} the way the kernel build would for {@code format}; the tools write stdout. */
    private static byte[] compress(Path file, String format) throws IOException, InterruptedException {
        List<String> argv = switch (format) {
            case "gzip" -> List.of("gzip", "-9", "-n", "-c");
            case "xz" -> List.of("xz", "--check=crc32", "-c");
            case "bzip2" -> List.of("bzip2", "-9", "-c");
            case "lzma" -> List.of("xz", "--format=lzma", "-9", "-c");
            case "lz4" -> List.of("lz4", "-l", "-9", "-c");
            case "zstd" -> List.of("zstd", "-19", "-q", "-c");
            default -> throw new IllegalArgumentException(format);
        };
        Process p = new ProcessBuilder(argv).redirectInput(file.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), String.join(" ", argv));
        return out;
    }

    /** A minimal bzImage: boot header (protocol 2.15) naming the payload, followed by the payload and its size. */
    private static byte[] bzImage(byte[] compressed, String format, long uncompressedSize) {
        int setupSects = 4;
        int payloadOffset = 100;
        boolean sizeAppended = !format.equals("gzip");
        int payloadLength = compressed.length + (sizeAppended ? 4 : 0);
        ByteBuffer b = ByteBuffer.allocate((setupSects + 1) * 512 + payloadOffset + payloadLength + 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) setupSects);
        b.put(0x202, (byte) 'H').put(0x203, (byte) 'd').put(0x204, (byte) 'r').put(0x205, (byte) 'S');
        b.putShort(0x206, (short) 0x020f);
        b.putInt(0x248, payloadOffset);
        b.putInt(0x24c, payloadLength);
        b.position((setupSects + 1) * 512 + payloadOffset);
        b.put(compressed);
        if (sizeAppended) {
            b.putInt((int) uncompressedSize);
        }
        return b.array();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "xz", "bzip2", "lzma", "lz4", "zstd"})
    void extractsThePayloadTheBootHeaderNames(String format) throws Exception {
        Path image = Files.write(tmp.resolve("bzImage"), bzImage(compress(ELF, format), format, Files.size(ELF)));

        Path out = new VmlinuxExtractor(HOST).extract(image, tmp.resolve("vmlinux"));

        assertArrayEquals(Files.readAllBytes(ELF), Files.readAllBytes(out));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of("bzImage", "vmlinux"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no work files are left behind");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "xz", "bzip2", "lzma", "lz4", "zstd"})
    void findsThePayloadByMagicWhenThereIsNoBootHeader(String format) throws Exception {
        ByteArrayOutputStream image = new ByteArrayOutputStream();
        image.write("x".repeat(1000).getBytes());
        image.write(compress(ELF, format));
        image.write("trailing junk after the stream ".repeat(10).getBytes());
        Path file = Files.write(tmp.resolve("kernel.bin"), image.toByteArray());

        Path out = new VmlinuxExtractor(HOST).extract(file, tmp.resolve("vmlinux"));

        assertArrayEquals(Files.readAllBytes(ELF), Files.readAllBytes(out));
    }

    @Test
    void truncatedPayloadIsRejectedNotReturnedAsAVmlinux() throws Exception {
        byte[] whole = compress(ELF, "gzip");
        byte[] half = Arrays.copyOf(whole, whole.length / 2);
        Path image = Files.write(tmp.resolve("bzImage"), bzImage(half, "gzip", Files.size(ELF)));

        IOException e = assertThrows(IOException.class, () -> new VmlinuxExtractor(HOST).extract(image, tmp.resolve("vmlinux")));

        assertTrue(e.getMessage().contains("no compressed vmlinux found"), e.getMessage());
        assertTrue(Files.notExists(tmp.resolve("vmlinux")));
    }

    @Test
    void fileWithoutAnyPayloadFailsClearly() throws IOException {
        Path junk = Files.write(tmp.resolve("junk"), "nothing compressed in here".repeat(100).getBytes());

        IOException e = assertThrows(IOException.class, () -> new VmlinuxExtractor(HOST).extract(junk, tmp.resolve("vmlinux")));

        assertTrue(e.getMessage().contains("no known compression magic"), e.getMessage());
    }

    @Test
    void anAlreadyUncompressedVmlinuxIsCopied() throws IOException {
        Path out = new VmlinuxExtractor(HOST).extract(ELF, tmp.resolve("vmlinux"));

        assertArrayEquals(Files.readAllBytes(ELF), Files.readAllBytes(out));
    }

    @Test
    void extractsTheDebianCloudKernel() throws IOException {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        Path bzImage = debianCloudKernel();

        Path out = new VmlinuxExtractor(HOST).extract(bzImage, tmp.resolve("vmlinux"));

        byte[] head = new byte[20];
        try (InputStream in = Files.newInputStream(out)) {
            assertEquals(head.length, in.readNBytes(head, 0, head.length));
        }
        assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, Arrays.copyOf(head, 4));
        assertEquals(2, head[4], "ELF64");
        assertEquals(0x3e, head[18], "x86-64");
        assertTrue(Files.size(out) > Files.size(bzImage), Files.size(out) + " <= " + Files.size(bzImage));
        assertEquals(null, VmlinuxExtractor.elfProblem(out));
        // an independent reader agrees it is a whole ELF executable
        String header = HOST.check(List.of("readelf", "-h", out.toString()), Duration.ofSeconds(30)).stdout();
        assertTrue(header.contains("EXEC (Executable file)") && header.contains("X86-64"), header);
    }

    /** Debian's current cloud kernel package, downloaded once into a cache dir and unpacked into tmp. */
    private Path debianCloudKernel() throws IOException {
        String depends = HOST.check(List.of("apt-cache", "depends", "linux-image-cloud-amd64"), Duration.ofSeconds(60)).stdout();
        Matcher m = Pattern.compile("Depends: (linux-image-[0-9][^\\s]*-cloud-amd64)").matcher(depends);
        assertTrue(m.find(), "no versioned kernel in: " + depends);
        String pkg = m.group(1);
        Path cache = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "banger-kernel-cache"));
        List<Path> debs = debs(cache, pkg);
        if (debs.isEmpty()) {
            HOST.check(List.of("env", "-C", cache.toString(), "apt-get", "download", pkg), Duration.ofMinutes(5));
            debs = debs(cache, pkg);
        }
        assertEquals(1, debs.size(), "downloaded " + debs);
        Path root = Files.createDirectories(tmp.resolve("deb"));
        HOST.check(List.of("dpkg-deb", "-x", debs.get(0).toString(), root.toString()), Duration.ofMinutes(2));
        try (Stream<Path> boot = Files.list(root.resolve("boot"))) {
            return boot.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no vmlinuz in " + pkg));
        }
    }

    private static List<Path> debs(Path cache, String pkg) throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return new ArrayList<>(files.filter(p -> p.getFileName().toString().startsWith(pkg + "_")
                    && p.getFileName().toString().endsWith(".deb")).toList());
        }
    }
}
