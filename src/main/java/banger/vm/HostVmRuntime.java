package banger.vm;

import banger.fault.CrashPoints;
import banger.image.Image;
import banger.image.ImageRegistry;
import banger.storage.DiskClonerChoice;
import banger.storage.VmDisk;
import banger.vmm.Vmm;
import banger.vmm.VmmExitWatcher;
import banger.vmm.ProcessTable;
import banger.vmm.VmmHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@link VmRuntime}: a start runs the named steps of a {@link LaunchPlan} (disk, guest configuration,
 * TAP from the pool, VMM process, handles, guest readiness). Blocking steps run on the blocking executor; host state of a VM is only ever touched
 * by that VM's own actor's calls, so nothing here is shared between VMs but stateless drivers.
 */
public final class HostVmRuntime implements VmRuntime {

    private static final Logger log = LoggerFactory.getLogger(HostVmRuntime.class);

    /** Drivers and settings the runtime is made of. */
    public record Parts(Path stateDir, Vmm vmm, DiskClonerChoice cloners, NetworkPlumbing network,
                        GuestPreparation guest, ActorRef<ImageRegistry.Command> images, Scheduler scheduler,
                        Executor blocking, Duration askTimeout, Duration bootTimeout, Duration shutdownGrace) {
    }

    private final Parts p;
    /** One selector thread for every VMM this runtime watches. */
    private final VmmExitWatcher exits = new VmmExitWatcher();
    private final ProcessTable processes = new ProcessTable();
    /** Ids of VMs whose start in flight was aborted; the start checks it between its steps. */
    private final Set<String> aborted = ConcurrentHashMap.newKeySet();
    private final java.util.Map<String, CompletableFuture<Void>> egressChanges = new ConcurrentHashMap<>();

    private final LaunchPlan plan;

    public HostVmRuntime(Parts parts) {
        this.p = parts;
        this.plan = new LaunchPlan(parts);
    }

    private VmDirectory dir(VmSpec spec) {
        return VmDirectory.of(p.stateDir(), spec.id());
    }

    @Override
    public CompletionStage<Launched> start(VmSpec spec) {
        CompletionStage<Image> image = AskPattern.askWithStatus(p.images(),
                ref -> new ImageRegistry.GetImage(spec.image(), ref), p.askTimeout(), p.scheduler());
        aborted.remove(spec.id());
        return image.thenCompose(img -> {
            Launch launch = new Launch(spec, img, dir(spec), () -> aborted.contains(spec.id()), p.blocking());
            return launch.run(plan.stepsFor(img)).thenApply(done -> {
                log.info("VM {} is running (pid {})", spec.name(), launch.vmm.pid());
                return new Launched(launch.vmm.pid());
            });
        }).whenComplete((launched, err) -> aborted.remove(spec.id()));
    }

    @Override
    public CompletionStage<Launched> warmStart(VmSpec spec) {
        CompletionStage<Image> image = AskPattern.askWithStatus(p.images(),
                ref -> new ImageRegistry.GetImage(spec.image(), ref), p.askTimeout(), p.scheduler());
        aborted.remove(spec.id());
        SavedStates saved = new SavedStates(dir(spec));
        return image.thenCompose(img -> {
            Launch warm = new Launch(spec, img, dir(spec), () -> aborted.contains(spec.id()), p.blocking());
            return warm.run(plan.warmStepsFor()).thenApply(done -> {
                log.info("VM {} resumed from its saved state (pid {})", spec.name(), warm.vmm.pid());
                return new Launched(warm.vmm.pid(), true, null);
            }).exceptionallyCompose(failure -> {
                if (aborted.contains(spec.id())) {
                    return CompletableFuture.failedFuture(failure);
                }
                String reason = coldBootReason(failure);
                log.info("VM {}: its saved state is not used ({}); booting it cold", spec.name(), reason);
                return CompletableFuture.runAsync(saved::discard, p.blocking()).thenCompose(v -> {
                    Launch cold = new Launch(spec, img, dir(spec), () -> aborted.contains(spec.id()), p.blocking());
                    return cold.run(plan.stepsFor(img)).thenApply(done -> new Launched(cold.vmm.pid(), false, reason));
                });
            });
        }).whenCompleteAsync((launched, err) -> {
            aborted.remove(spec.id());
            try {
                saved.discard();
            } catch (RuntimeException e) {
                log.warn("VM {}: its used saved state could not be removed: {}", spec.name(), e.toString());
            }
        }, p.blocking());
    }

    private static String coldBootReason(Throwable failure) {
        Throwable c = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (c instanceof LaunchStepFailed f) {
            String cause = f.getCause() != null && f.getCause().getMessage() != null ? f.getCause().getMessage()
                    : String.valueOf(f.getCause());
            return LaunchPlan.CHECK_SAVED_STATE.equals(f.step()) ? cause : f.step() + " failed: " + cause;
        }
        return String.valueOf(c.getMessage());
    }

    @Override
    public CompletionStage<Long> suspend(VmSpec spec, boolean paused) {
        return CompletableFuture.supplyAsync(() -> {
            VmDirectory dir = dir(spec);
            SavedStates states = new SavedStates(dir);
            Optional<VmHandles> handles = handles(spec);
            VmmHandle h = handles.map(VmHandles::vmm).filter(v -> p.vmm().alive(v)).orElse(null);
            if (h == null) {
                // a suspend the daemon's death interrupted once the state was complete and the VMM gone
                long kept = states.read().map(SavedState::bytes).orElseThrow(() -> new IllegalStateException(
                        "VM " + spec.name() + " has no running VMM and no complete saved state"));
                handles.map(VmHandles::tap).ifPresent(tap -> p.network().release(spec, tap));
                dir.clearHandles();
                return kept;
            }
            if (!p.vmm().savesState()) {
                throw new IllegalStateException(p.vmm().kind() + " cannot save a VM's state");
            }
            states.discard();
            long bytes;
            try {
                bytes = p.vmm().saveState(h, states.partial(), p.bootTimeout());
                CrashPoints.reached("suspend:saved");
                states.commitStream();
            } catch (RuntimeException e) {
                states.discard();
                if (!paused) {
                    try {
                        p.vmm().resume(h);
                    } catch (RuntimeException notResumed) {
                        e.addSuppressed(notResumed);
                    }
                }
                throw e;
            }
            // the VMM is stopped and its state kept: it goes, and after it nothing writes the disk until a start
            p.vmm().kill(h);
            if (handles.get().tap() != null) {
                p.network().release(spec, handles.get().tap());
            }
            dir.clearHandles();
            VmDisk disk = findDisk(dir).orElseThrow(() -> new IllegalStateException("VM " + spec.name()
                    + " has no disk"));
            CrashPoints.reached("suspend:stopped");
            states.describe(new SavedState(bytes, java.time.Instant.now(), spec.vcpus(), spec.memoryMib(),
                    p.vmm().kind(), SavedState.DiskFingerprint.of(disk)));
            log.info("VM {} suspended: {} bytes of state", spec.name(), bytes);
            return bytes;
        }, p.blocking());
    }

    @Override
    public CompletionStage<Void> abort(VmSpec spec) {
        aborted.add(spec.id());
        return CompletableFuture.runAsync(() -> {
            Optional<VmHandles> handles = handles(spec);
            handles.ifPresent(h -> {
                if (p.vmm().alive(h.vmm())) {
                    log.info("VM {}: killing VMM {} to abort its start", spec.name(), h.vmm().pid());
                    p.vmm().kill(h.vmm());
                }
            });
            unrecorded(spec, handles).forEach(h -> p.vmm().kill(h));
        }, p.blocking());
    }

    /** handles.json, or empty when it is missing or unreadable (a torn disk); the VMM is then found by its marker. */
    private Optional<VmHandles> handles(VmSpec spec) {
        try {
            return dir(spec).readHandles();
        } catch (java.io.UncheckedIOException e) {
            log.warn("VM {}: {}; its VMM is looked for by its marker", spec.name(), e.getMessage());
            return Optional.empty();
        }
    }

    /** This VM's running VMMs that handles.json does not name (none, normally). */
    private java.util.List<VmmHandle> unrecorded(VmSpec spec, Optional<VmHandles> handles) {
        long recorded = handles.map(h -> h.vmm().pid()).orElse(-1L);
        return p.vmm().find(spec.id(), dir(spec).root()).stream().filter(h -> h.pid() != recorded).toList();
    }

    static Optional<VmDisk> findDisk(VmDirectory dir) {
        for (String format : new String[] {VmDisk.QCOW2, VmDisk.RAW}) {
            Path f = dir.root().resolve("disk." + format);
            if (Files.exists(f)) {
                return Optional.of(new VmDisk(f, format));
            }
        }
        return Optional.empty();
    }

    @Override
    public CompletionStage<Void> pause(VmSpec spec) {
        return onRunningVmm(spec, p.vmm()::pause);
    }

    @Override
    public CompletionStage<Void> resume(VmSpec spec) {
        return onRunningVmm(spec, p.vmm()::resume);
    }

    private CompletionStage<Void> onRunningVmm(VmSpec spec, java.util.function.Consumer<VmmHandle> action) {
        return CompletableFuture.runAsync(() -> {
            VmmHandle h = dir(spec).readHandles()
                    .orElseThrow(() -> new IllegalStateException("VM " + spec.name() + " has no running VMM")).vmm();
            action.accept(h);
        }, p.blocking());
    }

    @Override
    public CompletionStage<String> stop(VmSpec spec, boolean force) {
        return CompletableFuture.supplyAsync(() -> {
            VmDirectory dir = dir(spec);
            Optional<VmHandles> handles = handles(spec);
            String detail = "";
            for (VmmHandle stray : unrecorded(spec, handles)) {
                // a VMM its handles do not name (the daemon died before writing them, or they are unreadable): it holds
                // the VM's disk, so it goes, or the stop (and a delete) fails; kill throws if it survives SIGKILL
                log.warn("VM {}: killing VMM pid {} found by its marker, not in handles.json", spec.name(), stray.pid());
                p.vmm().kill(stray);
                detail = "killed VMM pid " + stray.pid() + ", which handles.json did not name";
            }
            // a suspended VM's state goes with a stop, as does one a suspend or warm start left behind
            new SavedStates(dir).discard();
            dir.clearLoadingMarker();
            if (handles.isEmpty()) {
                dir.clearHandles();
                return detail;
            }
            VmmHandle h = handles.get().vmm();
            if (p.vmm().alive(h)) {
                try {
                    if (force) {
                        p.vmm().kill(h);
                    } else {
                        p.vmm().shutdown(h, p.shutdownGrace());
                    }
                } catch (RuntimeException e) {
                    detail = (detail.isEmpty() ? "" : detail + "; ") + "graceful stop failed (" + e.getMessage()
                            + "), killed";
                    p.vmm().kill(h);
                }
            }
            if (p.vmm().alive(h)) {
                // keep handles.json: it is how the VMM is found again (and why a start is refused meanwhile)
                throw new IllegalStateException("VMM pid " + h.pid() + " is still running after the stop");
            }
            if (handles.get().tap() != null) {
                p.network().release(spec, handles.get().tap());
            }
            dir.clearHandles();
            return detail;
        }, p.blocking());
    }

    @Override
    public CompletionStage<Probe> probe(VmSpec spec) {
        return CompletableFuture.supplyAsync(() -> {
            Optional<VmHandles> handles = handles(spec);
            if (handles.isEmpty()) {
                return unrecorded(spec, handles).stream().findFirst()
                        .map(h -> new Probe(false, h.pid(), "VMM pid " + h.pid() + " runs without handles.json"))
                        .orElse(new Probe(false, 0, "no handles.json for the VM"));
            }
            VmmHandle h = handles.get().vmm();
            if (!p.vmm().alive(h)) {
                // an entry that cannot be read is not a process that is gone
                return processes.unreadable(h.pid())
                        .map(why -> Probe.unknown(h.pid(), "cannot check VMM process " + h.pid() + ": " + why))
                        .orElse(new Probe(false, h.pid(), "VMM process " + h.pid() + " is gone"));
            }
            if (Files.exists(dir(spec).loadingMarker())) {
                // a warm start's VMM that never let its guest run (the daemon died mid-load): not a running VM
                return new Probe(false, h.pid(), "VMM pid " + h.pid() + " was still loading the saved state");
            }
            if (handles.get().tap() != null) {
                // after a daemon restart the first probe pins the TAP again; later ones find it pinned
                p.network().adopt(spec, handles.get().tap());
            }
            return new Probe(true, h.pid(), "alive");
        }, p.blocking());
    }

    @Override
    public void watchExit(VmSpec spec, Runnable onExit) {
        CompletableFuture.runAsync(() -> dir(spec).readHandles().ifPresent(handles ->
                p.vmm().exitSocket(handles.vmm()).ifPresent(socket -> {
                    try {
                        exits.watch(socket, onExit);
                    } catch (java.io.IOException e) {
                        // already gone, or a VMM from before exit sockets: the liveness probe notices it
                        log.debug("VM {}: no exit watch on {}: {}", spec.name(), socket, e.toString());
                    }
                })), p.blocking());
    }

    /** Each VM's egress changes are applied in the order they were journaled, never two at once. */
    @Override
    public CompletionStage<Void> applyEgress(VmSpec spec) {
        return egressChanges.compute(spec.id(), (id, previous) -> (previous == null
                ? CompletableFuture.<Void>completedFuture(null) : previous.exceptionally(e -> null))
                .thenRunAsync(() -> p.network().applyEgress(spec), p.blocking()));
    }

    @Override
    public CompletionStage<Void> destroy(VmSpec spec) {
        // a VMM that survives the stop fails the delete: the VM keeps its address and TAP while a guest may still use them
        return stop(spec, true).thenAcceptAsync(r -> {
            VmDirectory dir = dir(spec);
            egressChanges.remove(spec.id());
            try {
                findDisk(dir).ifPresent(d -> p.cloners().forFormat(d.format()).remove(d));
                dir.removeAll();
            } catch (RuntimeException e) {
                // nothing runs any more: what is left is a directory the reconciler removes as an orphan
                log.warn("VM {}: removing its files failed, the reconciler will: {}", spec.name(), e.toString());
            }
        }, p.blocking());
    }
}
