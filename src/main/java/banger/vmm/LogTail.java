package banger.vmm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The end of a VMM's output, to say in an error why the VMM failed. */
public final class LogTail {

    static final int MAX_BYTES = 2000;

    private LogTail() {
    }

    /** The last {@value #MAX_BYTES} bytes of {@code file}, stripped ("..." first if cut); {@code whenEmpty} if there are none. */
    public static String of(Path file, String whenEmpty) {
        if (!Files.exists(file)) {
            return whenEmpty;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, f.length() - MAX_BYTES);
            byte[] b = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(b);
            String text = new String(b, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? whenEmpty : start > 0 ? "..." + text : text;
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
