package banger.image.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/** Builds image layer tarballs in tests, entry by entry, as uncompressed, gzip or zstd blobs. */
public final class TestLayers {

    public enum Compression {
        NONE("application/vnd.oci.image.layer.v1.tar"),
        GZIP("application/vnd.oci.image.layer.v1.tar+gzip"),
        ZSTD("application/vnd.oci.image.layer.v1.tar+zstd");

        public final String mediaType;

        Compression(String mediaType) {
            this.mediaType = mediaType;
        }
    }

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    public TestLayers() {
        this.tar = new TarArchiveOutputStream(bytes);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    public TestLayers dir(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
        e.setMode(040000 | mode);
        return put(e, null);
    }

    public TestLayers file(String name, String content) {
        return file(name, content, 0644, 0, 0);
    }

    public TestLayers file(String name, String content, int mode, int uid, int gid) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), mode, uid, gid);
    }

    public TestLayers file(String name, byte[] data, int mode, int uid, int gid) {
        // preserveAbsolutePath: tests need layers with the absolute paths a hostile registry could serve
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(data.length);
        e.setMode(0100000 | mode);
        e.setUserId(uid);
        e.setGroupId(gid);
        return put(e, data);
    }

    public TestLayers symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        return put(e, null);
    }

    public TestLayers hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
        e.setLinkName(target);
        return put(e, null);
    }

    public TestLayers charDevice(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR);
        e.setDevMajor(1);
        e.setDevMinor(3);
        return put(e, null);
    }

    public TestLayers whiteout(String name) {
        int slash = name.lastIndexOf('/');
        return file(name.substring(0, slash + 1) + LayerFlattener.WHITEOUT + name.substring(slash + 1), "");
    }

    public TestLayers opaque(String dir) {
        return file(dir + "/" + LayerFlattener.OPAQUE, "");
    }

    private TestLayers put(TarArchiveEntry e, byte[] data) {
        try {
            tar.putArchiveEntry(e);
            if (data != null) {
                tar.write(data);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The finished, uncompressed tar; call once. */
    public byte[] tar() {
        try {
            tar.finish();
            tar.close();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] blob(Compression compression) {
        return compress(tar(), compression);
    }

    public static byte[] compress(byte[] plain, Compression compression) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream c = switch (compression) {
                case NONE -> out;
                case GZIP -> new GzipCompressorOutputStream(out);
                case ZSTD -> new ZstdCompressorOutputStream(out);
            }) {
                c.write(plain);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
