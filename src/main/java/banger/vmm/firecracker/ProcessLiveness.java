package banger.vmm.firecracker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a PID is still a given VMM, read from /proc: the process exists, is not a zombie, and one of
 * its argv elements equals the marker (so a recycled PID is never mistaken for the VMM).
 */
final class ProcessLiveness {

    private ProcessLiveness() {
    }

    static boolean alive(long pid, String marker) {
        if (pid <= 0) {
            return false;
        }
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            String stat = Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8);
            // the state letter follows the ")" closing the command name, which may itself contain ") "
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length()) {
                return false;
            }
            char state = stat.charAt(close + 2);
            if (state == 'Z' || state == 'X' || state == 'x') {
                return false;
            }
            byte[] cmdline = Files.readAllBytes(proc.resolve("cmdline"));
            for (String arg : new String(cmdline, StandardCharsets.UTF_8).split("\0")) {
                if (arg.equals(marker)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            // /proc/PID vanished between reads: the process is gone
            return false;
        }
    }
}
