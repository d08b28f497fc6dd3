package banger.image;

import banger.host.HostCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * debootstrap mounts /proc and /sys inside the tree it installs and unmounts them when it ends; killed at its
 * timeout it cannot, and deleting the build directory would then walk into the host's /proc and /sys. This
 * finds such leftovers under a directory and unmounts them, deepest first.
 */
final class DebianMounts {

    private static final Path MOUNTS = Path.of("/proc/self/mounts");
    private static final Duration UMOUNT_TIMEOUT = Duration.ofSeconds(30);

    private DebianMounts() {
    }

    static void unmountUnder(HostCommands commands, Path dir) {
        List<String> mountPoints;
        try {
            mountPoints = mountPointsUnder(Files.readString(MOUNTS), dir.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + MOUNTS, e);
        }
        for (String mountPoint : mountPoints) {
            commands.check(List.of("umount", "--lazy", mountPoint), UMOUNT_TIMEOUT);
        }
    }

    /** Mount points (second field of /proc/mounts, octal escapes decoded) under {@code dir}, deepest first. */
    static List<String> mountPointsUnder(String procMounts, String dir) {
        String prefix = dir.endsWith("/") ? dir : dir + "/";
        return procMounts.lines()
                .map(line -> line.split(" "))
                .filter(fields -> fields.length > 1)
                .map(fields -> unescape(fields[1]))
                .filter(mountPoint -> mountPoint.startsWith(prefix))
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
