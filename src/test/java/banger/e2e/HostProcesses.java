package banger.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Processes on this host found by their command line in /proc. Network namespaces do not hide processes, so
 * this sees the daemon's VMMs wherever they run.
 */
final class HostProcesses {

    private HostProcesses() {
    }

    /** PIDs of live processes whose command line (arguments joined by spaces) contains {@code needle}. */
    static List<Long> matching(String needle) {
        List<Long> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
                    continue;
                }
                String cmdline = commandLine(entry);
                if (cmdline.contains(needle) && !isZombie(entry)) {
                    pids.add(Long.parseLong(name));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return pids;
    }

    /**
     * Waits for a live process whose command line contains {@code needle} and answers its PID. A match counts only
     * when a second read of its command line still names the needle: mid-exec (setsid becoming QEMU) or a short-lived
     * helper, a first sighting can be gone by the next look.
     */
    static long awaitOne(String needle, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            for (Long pid : matching(needle)) {
                if (commandLine(pid).contains(needle)) {
                    return pid;
                }
            }
            sleep(50);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for a process carrying " + needle);
    }

    /** The command line of a process, arguments joined by spaces; empty when it is gone. */
    static String commandLine(long pid) {
        return commandLine(Path.of("/proc", Long.toString(pid)));
    }

    static boolean alive(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        return Files.exists(proc) && !isZombie(proc);
    }

    /** SIGKILLs every process whose command line contains {@code needle} and waits until they are gone. */
    static void killAll(String needle, Duration wait) {
        for (Long pid : matching(needle)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        Instant deadline = Instant.now().plus(wait);
        while (!matching(needle).isEmpty() && Instant.now().isBefore(deadline)) {
            sleep(100);
        }
    }

    private static String commandLine(Path proc) {
        try {
            byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** A zombie still has a /proc entry until reaped, but its cmdline is empty and its state is Z. */
    private static boolean isZombie(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && stat.length() > close + 2 && stat.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return true;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
