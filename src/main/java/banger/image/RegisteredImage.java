package banger.image;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.ImageNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;

/**
 * An image made of host files banger does not own (POST /v1/images): checked before it is registered — absolute
 * paths to existing regular files, a root that is ext4 (its superblock magic) — and recorded with source
 * {@value #SOURCE}, so removing the image never deletes the files. Blocking (reads the files).
 */
public final class RegisteredImage {

    public static final String SOURCE = "registered";
    private static final Set<String> OSES = Set.of("tiny", "debian");
    private static final long EXT_MAGIC_OFFSET = 1024 + 56;
    private static final int EXT_MAGIC = 0xEF53;

    private RegisteredImage() {
    }

    /** @param os how guest configuration is written: "tiny" (kernel command line) or "debian" (default) */
    public static Image of(String name, String os, String kernel, String initrd, String rootfs) {
        if (!ImageNames.valid(name)) {
            throw invalid(ImageNames.invalid(name));
        }
        String kind = os == null ? "debian" : os;
        if (!OSES.contains(kind)) {
            throw invalid("os must be tiny or debian, not '" + os + "'");
        }
        Path k = file("kernel", kernel);
        Path i = initrd == null ? null : file("initrd", initrd);
        Path r = file("rootfs", rootfs);
        try {
            if (!isExt(r)) {
                throw invalid("rootfs " + rootfs + " is not an ext4 file system");
            }
            return new Image(name, kind, k.toString(), i == null ? null : i.toString(), null, r.toString(),
                    Files.size(r), Instant.now(), SOURCE, null);
        } catch (IOException e) {
            throw invalid("cannot read rootfs " + rootfs + ": " + e.getMessage());
        }
    }

    private static Path file(String what, String path) {
        if (path == null || path.isBlank()) {
            throw invalid(what + " is required");
        }
        Path p = Path.of(path);
        if (!p.isAbsolute()) {
            throw invalid(what + " must be an absolute host path, not '" + path + "'");
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw invalid(what + " " + path + " is not a readable regular file");
        }
        return p.normalize();
    }

    /** ext2/3/4 share the superblock magic; mke2fs -t ext4 is what banger makes and expects. */
    private static boolean isExt(Path rootfs) throws IOException {
        try (FileChannel channel = FileChannel.open(rootfs, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
            return channel.read(magic, EXT_MAGIC_OFFSET) == 2 && (magic.getShort(0) & 0xffff) == EXT_MAGIC;
        }
    }

    private static Rejected invalid(String message) {
        return new Rejected(Rejection.Reason.INVALID_REQUEST, message);
    }
}
