package banger.image;

import banger.host.CommandResult;
import banger.host.HostCommandException;
import banger.host.HostCommands;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * Produces the uncompressed ELF {@code vmlinux} Firecracker boots from an x86 bzImage, as the kernel's
 * scripts/extract-vmlinux does: find the compressed payload, decompress it with the host tool for its
 * format (gzip, xz, bzip2, lzma, lz4, zstd), and keep the result only if it is a complete ELF file.
 * The payload is located exactly through the bzImage boot header (protocol 2.08+: payload_offset,
 * payload_length) and, failing that, by scanning for each format's magic.
 */
public final class VmlinuxExtractor {

    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(5);
    // extract-vmlinux tries every occurrence; a few per format is plenty and bounds the work on junk input
    private static final int MAX_SCAN_CANDIDATES_PER_FORMAT = 8;
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

    // No -f: with it bzip2 and gzip pass undecodable trailing data through into the output.
    private enum Compression {
        GZIP(bytes(0x1f, 0x8b, 0x08), ".gz", (in, out) -> List.of("gzip", "-d", in.toString())),
        XZ(bytes(0xfd, '7', 'z', 'X', 'Z', 0x00), ".xz",
                (in, out) -> List.of("xz", "-d", "--single-stream", in.toString())),
        BZIP2(bytes('B', 'Z', 'h'), ".bz2", (in, out) -> List.of("bzip2", "-d", in.toString())),
        LZMA(bytes(0x5d, 0x00, 0x00, 0x00), ".lzma",
                (in, out) -> List.of("xz", "--format=lzma", "-d", "--single-stream", in.toString())),
        LZ4(bytes(0x02, 0x21, 0x4c, 0x18), ".lz4", (in, out) -> List.of("lz4", "-d", "-q", in.toString(), out.toString())),
        ZSTD(bytes(0x28, 0xb5, 0x2f, 0xfd), ".zst",
                (in, out) -> List.of("zstd", "-d", "-q", in.toString(), "-o", out.toString()));

        final byte[] magic;
        final String suffix;
        /** argv decompressing file {@code in} (named with the suffix) into {@code out} (the name without it) */
        final BiFunction<Path, Path, List<String>> argv;

        Compression(byte[] magic, String suffix, BiFunction<Path, Path, List<String>> argv) {
            this.magic = magic;
            this.suffix = suffix;
            this.argv = argv;
        }
    }

    /**
     * A compressed stream inside the image.
     *
     * @param expectedSize the uncompressed size the kernel build recorded, or -1 when unknown
     */
    private record Payload(Compression compression, int offset, int length, long expectedSize) {
    }

    private final HostCommands host;

    public VmlinuxExtractor(HostCommands host) {
        this.host = host;
    }

    /**
     * Writes the vmlinux inside {@code bzImage} to {@code vmlinux} (replacing it atomically) and returns
     * {@code vmlinux}. An image that already is ELF is copied as it is.
     *
     * @throws IOException if no payload decompresses to a complete ELF file
     */
    public Path extract(Path bzImage, Path vmlinux) throws IOException {
        byte[] image = Files.readAllBytes(bzImage);
        Path target = vmlinux.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path work = Files.createTempDirectory(target.getParent(), ".vmlinux-");
        try {
            if (startsWith(image, 0, ELF_MAGIC)) {
                Path copy = Files.copy(bzImage, work.resolve("vmlinux"));
                String problem = elfProblem(copy);
                if (problem != null) {
                    throw new IOException(bzImage + " is ELF but " + problem);
                }
                return Files.move(copy, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            List<String> failures = new ArrayList<>();
            Path out = work.resolve("payload");
            // the scan is only needed (and only paid for) when the boot header does not lead to a vmlinux
            for (List<Payload> candidates : List.of(bootHeaderPayload(image), scannedPayloads(image))) {
                for (Payload payload : candidates) {
                    String problem = decompress(image, payload, work, out);
                    if (problem == null) {
                        return Files.move(out, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    }
                    failures.add(payload.compression() + " at " + payload.offset() + ": " + problem);
                    Files.deleteIfExists(out);
                }
            }
            throw new IOException("no compressed vmlinux found in " + bzImage
                    + (failures.isEmpty() ? " (no known compression magic)" : ": " + String.join("; ", failures)));
        } finally {
            deleteTree(work);
        }
    }

    private static List<Payload> scannedPayloads(byte[] image) {
        List<Payload> out = new ArrayList<>();
        for (Compression c : Compression.values()) {
            int found = 0;
            for (int off = indexOf(image, c.magic, 0); off >= 0 && found < MAX_SCAN_CANDIDATES_PER_FORMAT;
                 off = indexOf(image, c.magic, off + 1)) {
                if (c == Compression.BZIP2 && !bzip2Header(image, off)) {
                    continue;
                }
                int length = c == Compression.ZSTD ? zstdFrameLength(image, off) : image.length - off;
                if (length > 0) {
                    out.add(new Payload(c, off, length, -1));
                    found++;
                }
            }
        }
        return out;
    }

    /**
     * The payload named by the x86 boot header ("HdrS" at 0x202, protocol 2.08+). The kernel build appends
     * the uncompressed size as 4 little-endian bytes to every format (for gzip it is the trailer's ISIZE);
     * for all but gzip those bytes are not part of the stream, so they are cut off for the tool.
     */
    private static List<Payload> bootHeaderPayload(byte[] image) {
        if (image.length < 0x250 || !startsWith(image, 0x202, bytes('H', 'd', 'r', 'S'))) {
            return List.of();
        }
        ByteBuffer le = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if ((le.getShort(0x206) & 0xffff) < 0x0208) {
            return List.of();
        }
        int setupSects = image[0x1f1] == 0 ? 4 : image[0x1f1] & 0xff;
        long start = (long) (setupSects + 1) * 512 + (le.getInt(0x248) & 0xffffffffL);
        long length = le.getInt(0x24c) & 0xffffffffL;
        if (length < 8 || start + length > image.length) {
            return List.of();
        }
        int s = (int) start;
        int len = (int) length;
        long expected = le.getInt(s + len - 4) & 0xffffffffL;
        for (Compression c : Compression.values()) {
            if (startsWith(image, s, c.magic)) {
                return List.of(new Payload(c, s, c == Compression.GZIP ? len : len - 4, expected));
            }
        }
        return List.of();
    }

    /** Null on success, else why this payload did not give a vmlinux. */
    private String decompress(byte[] image, Payload payload, Path work, Path out) throws IOException {
        Path in = work.resolve("payload" + payload.compression().suffix);
        try (FileChannel ch = FileChannel.open(in, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(image, payload.offset(), payload.length());
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
        CommandResult result;
        try {
            // the exit code is not trusted either way (trailing data makes some tools fail after a complete
            // stream); the output's own structure decides
            result = host.run(payload.compression().argv.apply(in, out), TOOL_TIMEOUT);
        } catch (HostCommandException e) {
            return e.getMessage();
        } finally {
            Files.deleteIfExists(in);
        }
        if (!Files.exists(out)) {
            return result.argv().get(0) + " produced nothing (exit " + result.exitCode() + ": "
                    + result.stderr().strip() + ")";
        }
        String problem = elfProblem(out);
        if (problem != null) {
            return "output " + problem;
        }
        if (payload.expectedSize() >= 0 && Files.size(out) != payload.expectedSize()) {
            return "output is " + Files.size(out) + " bytes, the image records " + payload.expectedSize();
        }
        return null;
    }

    /**
     * Null if {@code file} is a complete ELF file: its program headers, every segment's file bytes and its
     * section header table lie inside the file (a truncated decompression fails this), else the problem.
     */
    static String elfProblem(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long size = f.length();
            byte[] ident = new byte[64];
            if (size < 52 || f.read(ident) < 52 || !startsWith(ident, 0, ELF_MAGIC)) {
                return "is not ELF";
            }
            boolean is64 = ident[4] == 2;
            ByteBuffer h = ByteBuffer.wrap(ident).order(ident[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            long phoff = is64 ? h.getLong(0x20) : h.getInt(0x1c) & 0xffffffffL;
            long shoff = is64 ? h.getLong(0x28) : h.getInt(0x20) & 0xffffffffL;
            int phentsize = h.getShort(is64 ? 0x36 : 0x2a) & 0xffff;
            int phnum = h.getShort(is64 ? 0x38 : 0x2c) & 0xffff;
            int shentsize = h.getShort(is64 ? 0x3a : 0x2e) & 0xffff;
            int shnum = h.getShort(is64 ? 0x3c : 0x30) & 0xffff;
            if (phnum == 0 || phoff + (long) phnum * phentsize > size) {
                return "has no program headers inside its " + size + " bytes";
            }
            if (shoff + (long) shnum * shentsize > size) {
                return "is truncated: section headers end at " + (shoff + (long) shnum * shentsize) + ", file has " + size;
            }
            byte[] ph = new byte[phentsize];
            for (int i = 0; i < phnum; i++) {
                f.seek(phoff + (long) i * phentsize);
                f.readFully(ph);
                ByteBuffer p = ByteBuffer.wrap(ph).order(h.order());
                long offset = is64 ? p.getLong(0x08) : p.getInt(0x04) & 0xffffffffL;
                long filesz = is64 ? p.getLong(0x20) : p.getInt(0x10) & 0xffffffffL;
                if (offset + filesz > size) {
                    return "is truncated: segment " + i + " ends at " + (offset + filesz) + ", file has " + size;
                }
            }
            return null;
        }
    }

    /** A bzip2 stream header: "BZh", a block size digit, then the block magic 0x314159265359. */
    private static boolean bzip2Header(byte[] b, int off) {
        return off + 10 <= b.length && b[off + 3] >= '1' && b[off + 3] <= '9'
                && startsWith(b, off + 4, bytes(0x31, 0x41, 0x59, 0x26, 0x53, 0x59));
    }

    /**
     * The length of the zstd frame at {@code off} (RFC 8878 section 3.1.1), or -1 if it is not a whole frame.
     * zstd deletes its output when input trails the frame, so the scan must hand it the frame alone.
     */
    private static int zstdFrameLength(byte[] b, int off) {
        int p = off + 4;
        if (p >= b.length) {
            return -1;
        }
        int fhd = b[p++] & 0xff;
        int fcsFlag = fhd >>> 6;
        boolean singleSegment = (fhd & 0x20) != 0;
        boolean checksum = (fhd & 0x04) != 0;
        int dictIdSize = new int[] {0, 1, 2, 4}[fhd & 0x03];
        int fcsSize = new int[] {singleSegment ? 1 : 0, 2, 4, 8}[fcsFlag];
        p += (singleSegment ? 0 : 1) + dictIdSize + fcsSize;
        while (true) {
            if (p + 3 > b.length) {
                return -1;
            }
            int header = (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16;
            p += 3;
            int type = (header >>> 1) & 0x3;
            int size = header >>> 3;
            if (type == 3) {
                return -1;
            }
            p += type == 1 ? 1 : size;
            if ((header & 1) != 0) {
                break;
            }
        }
        p += checksum ? 4 : 0;
        return p <= b.length ? p - off : -1;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        for (int i = from; i + needle.length <= haystack.length; i++) {
            if (startsWith(haystack, i, needle)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] b, int off, byte[] prefix) {
        return off >= 0 && off + prefix.length <= b.length
                && Arrays.equals(b, off, off + prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
