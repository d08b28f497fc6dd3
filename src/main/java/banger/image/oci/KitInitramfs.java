package banger.image.oci;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * The initramfs of a pulled image: the tiny image's, with a second gzip'd cpio archive appended that replaces
 * its {@code /init} by one that switches to the root's {@code init=} (the kernel unpacks concatenated archives
 * in order, later entries replacing earlier ones), so the tiny preset's boot files stay as they are.
 */
final class KitInitramfs {

    private KitInitramfs() {
    }

    static void write(Path tinyInitrd, Path target) throws IOException {
        Files.copy(tinyInitrd, target);
        byte[] init = GuestKit.resource("initramfs-init");
        try (OutputStream file = Files.newOutputStream(target, StandardOpenOption.APPEND);
             CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(new GZIPOutputStream(file), CpioConstants.FORMAT_NEW)) {
            CpioArchiveEntry entry = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, "init");
            entry.setMode(CpioConstants.C_ISREG | 0755);
            entry.setInode(1_000_000);
            entry.setNumberOfLinks(1);
            entry.setTime(System.currentTimeMillis() / 1000);
            entry.setSize(init.length);
            cpio.putArchiveEntry(entry);
            cpio.write(init);
            cpio.closeArchiveEntry();
            cpio.finish();
        }
    }
}
