package banger.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the end of a console log, for failure reasons and readiness checks. */
public final class ConsoleTail {

    private ConsoleTail() {
    }

    /** The last {@code maxBytes} of the file as text; empty if it does not exist. */
    public static String of(Path file, int maxBytes) {
        if (!Files.exists(file)) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - maxBytes);
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8).replace("\r", "");
        } catch (IOException e) {
            return "";
        }
    }
}
