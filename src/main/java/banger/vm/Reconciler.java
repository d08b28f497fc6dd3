package banger.vm;

import banger.vmm.ProcessTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Singleton that periodically compares the host with the fleet's registered VMs (not only those whose actor has
 * recovered): a VMM process of this state dir, started before the fleet was asked, whose VM is not registered, or
 * whose VM's handles.json does not name it, is killed, and a VM directory nobody owns (older than a grace age, so a create in flight
 * is never touched) is removed. Each sweep's findings go to the log and to whoever asked.
 */
public final class Reconciler {

    public sealed interface Command {
    }

    /** Sweep now; the report goes to {@code replyTo} (the periodic timer passes none). */
    public record Sweep(ActorRef<Report> replyTo) implements Command {
    }

    /** The fleet's registered VMs as of {@code asOf}: anything newer than that is not judged. */
    record Known(Set<String> vmIds, Instant asOf, ActorRef<Report> replyTo) implements Command {
    }

    record Swept(Report report, ActorRef<Report> replyTo) implements Command {
    }

    /** What one sweep did. */
    public record Report(List<String> removedDirectories, List<Long> killedProcesses, Instant at) {
    }

    @SuppressWarnings("unchecked")
    private static final Class<Set<String>> IDS = (Class<Set<String>>) (Class<?>) Set.class;

    private Reconciler() {
    }

    public static Behavior<Command> create(ActorRef<VmFleet.Command> fleet, Path stateDir, ProcessTable processes,
                                           Executor blocking, Duration interval, Duration minAge,
                                           Duration processGrace, Duration askTimeout) {
        return Behaviors.withTimers(timers -> Behaviors.setup(ctx -> {
            timers.startTimerWithFixedDelay(new Sweep(null), interval, interval);
            return idle(ctx, fleet, stateDir, processes, blocking, minAge, processGrace, askTimeout);
        }));
    }

    private static Behavior<Command> idle(ActorContext<Command> ctx, ActorRef<VmFleet.Command> fleet, Path stateDir,
                                          ProcessTable processes, Executor blocking, Duration minAge,
                                          Duration processGrace, Duration askTimeout) {
        return Behaviors.receive(Command.class)
                .onMessage(Sweep.class, s -> {
                    Instant asked = Instant.now().minus(processGrace);
                    ctx.ask(IDS, fleet, askTimeout, VmFleet.ListRegistered::new, (ids, err) -> err != null
                            ? new Swept(new Report(List.of(), List.of(), Instant.now()), s.replyTo())
                            : new Known(ids, asked, s.replyTo()));
                    return Behaviors.same();
                })
                .onMessage(Known.class, k -> {
                    ctx.pipeToSelf(CompletableFuture.supplyAsync(
                                    () -> sweep(stateDir, processes, k.vmIds(), k.asOf(), minAge), blocking),
                            (report, err) -> new Swept(report != null ? report
                                    : new Report(List.of(), List.of(), Instant.now()), k.replyTo()));
                    return Behaviors.same();
                })
                .onMessage(Swept.class, s -> {
                    Report r = s.report();
                    if (!r.removedDirectories().isEmpty() || !r.killedProcesses().isEmpty()) {
                        ctx.getLog().warn("reconciler: killed orphan VMMs {}, removed orphan VM directories {}",
                                r.killedProcesses(), r.removedDirectories());
                    }
                    if (s.replyTo() != null) {
                        s.replyTo().tell(r);
                    }
                    return Behaviors.same();
                })
                .build();
    }

    /** Blocking: reads /proc and the state dir. */
    static Report sweep(Path stateDir, ProcessTable processes, Set<String> known, Instant asOf, Duration minAge) {
        Path vms = stateDir.resolve("vms");
        List<Long> killed = new ArrayList<>();
        String ownDirs = vms.toAbsolutePath() + "/";
        for (long pid : processes.pids()) {
            List<String> argv = processes.commandLine(pid);
            String id = vmIdOf(argv);
            boolean ours = id != null && argv.stream().anyMatch(a -> a.contains(ownDirs + id + "/"));
            // a registered VM's VMM that its handles.json does not name (the daemon died before writing it) is as
            // unknown as an unregistered VM's: nothing would ever stop it, and it holds the VM's disk
            boolean owned = ours && known.contains(id) && recordedPid(vms.resolve(id)) == pid;
            if (ours && !owned && startedBefore(pid, asOf)) {
                if (processes.killMarked(pid, "banger-" + id, Duration.ofSeconds(10))) {
                    killed.add(pid);
                }
            }
        }
        List<String> removed = new ArrayList<>();
        if (Files.isDirectory(vms)) {
            try (Stream<Path> dirs = Files.list(vms)) {
                for (Path dir : dirs.toList()) {
                    String id = dir.getFileName().toString();
                    if (!known.contains(id) && olderThan(dir, minAge)) {
                        new VmDirectory(dir).removeAll();
                        removed.add(id);
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return new Report(removed, killed, Instant.now());
    }

    /** The VMM pid the VM directory's handles.json names, or -1 when it has none (or cannot be read). */
    private static long recordedPid(Path vmDir) {
        try {
            return new VmDirectory(vmDir).readHandles().map(h -> h.vmm().pid()).orElse(-1L);
        } catch (java.io.UncheckedIOException e) {
            return -1;
        }
    }

    private static String vmIdOf(List<String> argv) {
        return argv.stream().filter(a -> a.startsWith("banger-") && a.length() > 7).map(a -> a.substring(7))
                .findFirst().orElse(null);
    }

    private static boolean startedBefore(long pid, Instant instant) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(t -> t.isBefore(instant))
                .orElse(false);
    }

    private static boolean olderThan(Path dir, Duration age) {
        try {
            return Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(age));
        } catch (IOException e) {
            return false;
        }
    }
}
