package banger.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * Writes a gzip-compressed newc cpio archive, the format the Linux kernel unpacks as an initramfs.
 * Entries are owned by root; paths are relative ("bin/busybox"), parents must be written first.
 */
final class InitramfsWriter implements Closeable {

    private final CpioArchiveOutputStream cpio;
    private final long mtime = System.currentTimeMillis() / 1000;
    private long nextInode = 1;

    InitramfsWriter(OutputStream out) throws IOException {
        this.cpio = new CpioArchiveOutputStream(new GZIPOutputStream(out), CpioConstants.FORMAT_NEW);
    }

    void directory(String path, int permissions) throws IOException {
        CpioArchiveEntry entry = entry(path, CpioConstants.C_ISDIR | permissions);
        entry.setNumberOfLinks(2);
        cpio.putArchiveEntry(entry);
        cpio.closeArchiveEntry();
    }

    void file(String path, int permissions, byte[] content) throws IOException {
        CpioArchiveEntry entry = entry(path, CpioConstants.C_ISREG | permissions);
        entry.setSize(content.length);
        cpio.putArchiveEntry(entry);
        cpio.write(content);
        cpio.closeArchiveEntry();
    }

    void file(String path, int permissions, Path source) throws IOException {
        file(path, permissions, Files.readAllBytes(source));
    }

    void symlink(String path, String target) throws IOException {
        byte[] content = target.getBytes(StandardCharsets.UTF_8);
        CpioArchiveEntry entry = entry(path, CpioConstants.C_ISLNK | 0777);
        entry.setSize(content.length);
        cpio.putArchiveEntry(entry);
        cpio.write(content);
        cpio.closeArchiveEntry();
    }

    void characterDevice(String path, int permissions, int major, int minor) throws IOException {
        CpioArchiveEntry entry = entry(path, CpioConstants.C_ISCHR | permissions);
        entry.setRemoteDeviceMaj(major);
        entry.setRemoteDeviceMin(minor);
        cpio.putArchiveEntry(entry);
        cpio.closeArchiveEntry();
    }

    private CpioArchiveEntry entry(String path, int mode) {
        if (path.startsWith("/") || path.isEmpty()) {
            throw new IllegalArgumentException("initramfs paths are relative and non-empty: " + path);
        }
        CpioArchiveEntry entry = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, path);
        entry.setMode(mode);
        entry.setInode(nextInode++);
        entry.setNumberOfLinks(1);
        entry.setUID(0);
        entry.setGID(0);
        entry.setTime(mtime);
        return entry;
    }

    @Override
    public void close() throws IOException {
        // finish() writes the TRAILER!!! entry; close() then flushes and ends the gzip stream
        cpio.finish();
        cpio.close();
    }
}
