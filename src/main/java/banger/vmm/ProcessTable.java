package banger.vmm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Facts about host processes read from /proc, so a VMM PID recorded before a daemon restart can be checked
 * without trusting that the PID was not reused.
 */
public final class ProcessTable {

    private final Path proc;

    public ProcessTable() {
        this(Path.of("/proc"));
    }

    public ProcessTable(Path proc) {
        this.proc = proc;
    }

    /** The ids of every process in the table. */
    public List<Long> pids() {
        try (var entries = Files.list(proc)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The one-letter state from /proc/PID/stat (R, S, D, Z, ...), empty if there is no such process. */
    public Optional<Character> state(long pid) {
        try {
            String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
            // the command name in parentheses may itself contain ") ", so the state follows the LAST ')'
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length()) {
                return Optional.empty();
            }
            return Optional.of(stat.charAt(close + 2));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Why the process's /proc entry exists but cannot be read (a permission or I/O error); empty when it was read
     * or there is no such process. The other methods read such an entry as "no such process": this tells "cannot
     * tell" from "gone".
     */
    public Optional<String> unreadable(long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        for (String entry : List.of("stat", "cmdline")) {
            try {
                Files.readAllBytes(dir.resolve(entry));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException e) {
                return Optional.of("cannot read " + dir.resolve(entry) + ": " + e);
            }
        }
        return Optional.empty();
    }

    /** True if the process exists and is not a zombie (or dead). */
    public boolean running(long pid) {
        return state(pid).filter(s -> s != 'Z' && s != 'X' && s != 'x').isPresent();
    }

    /** The process's argv from /proc/PID/cmdline; empty if it is gone (or a kernel thread). */
    public List<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(proc.resolve(Long.toString(pid)).resolve("cmdline"));
            if (raw.length == 0) {
                return List.of();
            }
            String all = new String(raw, StandardCharsets.UTF_8);
            if (all.endsWith("\0")) {
                all = all.substring(0, all.length() - 1);
            }
            return List.of(all.split("\0", -1));
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The running processes with an argument exactly {@code marker} and one naming a path under {@code dir}: how a
     * VM's VMM is found when its handles.json is missing or unreadable (a kill before it was written, a torn disk).
     */
    public List<Long> findMarked(String marker, Path dir) {
        String under = dir.toAbsolutePath() + "/";
        return pids().stream().filter(pid -> {
            List<String> argv = commandLine(pid);
            return argv.contains(marker) && argv.stream().anyMatch(a -> a.contains(under)) && running(pid);
        }).toList();
    }

    /** True if the process is running and one of its arguments is exactly {@code marker}. */
    public boolean runningWithArgument(long pid, String marker) {
        return running(pid) && commandLine(pid).contains(marker);
    }

    /**
     * True once the process has wholly exited: gone, or a zombie whose other threads have finished too (until
     * then they may still hold its files, a TAP device among them).
     */
    public boolean exited(long pid) {
        if (running(pid)) {
            return false;
        }
        try (var tasks = Files.list(proc.resolve(Long.toString(pid)).resolve("task"))) {
            return tasks.count() <= 1;
        } catch (IOException e) {
            return true;
        }
    }

    /** Waits until the process has wholly exited; false if it has not after {@code wait}. */
    public boolean awaitGone(long pid, java.time.Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!exited(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmmException("interrupted while waiting for pid " + pid + " to exit");
            }
        }
        return true;
    }

    /**
     * SIGKILLs the process if it still carries {@code marker} (so a recycled PID is never killed) and waits
     * until it is gone. True when it killed it.
     */
    public boolean killMarked(long pid, String marker, java.time.Duration wait) {
        if (running(pid) && settledCommandLine(pid).contains(marker)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            if (!awaitGone(pid, wait)) {
                throw new VmmException("pid " + pid + " (" + marker + ") survived SIGKILL for " + wait.toSeconds() + "s");
            }
            return true;
        }
        if (!running(pid)) {
            // already dying (killed by someone else): wait until its threads have let go of its files
            awaitGone(pid, wait);
        }
        return false;
    }

    /** The command line, read again for up to a second while it is empty: a process in the middle of an exec shows none. */
    private List<String> settledCommandLine(long pid) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(1).toNanos();
        List<String> argv = commandLine(pid);
        while (argv.isEmpty() && running(pid) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmmException("interrupted while reading pid " + pid + "'s command line");
            }
            argv = commandLine(pid);
        }
        return argv;
    }
}
