package banger.vm;

import banger.image.Image;
import banger.image.ImageRegistry;
import banger.storage.DiskClonerChoice;
import banger.storage.VmDisk;
import banger.vmm.LaunchSpec;
import banger.vmm.NetworkAttachment;
import banger.vmm.Vmm;
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
 * The real {@link VmRuntime}: per-VM directory, disk cloned from the image, TAP from the pool, VMM process,
 * guest readiness. Blocking steps run on the blocking executor; host state of a VM is only ever touched
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
    /** Ids of VMs whose start in flight was aborted; the start checks it between its steps. */
    private final Set<String> aborted = ConcurrentHashMap.newKeySet();

    public HostVmRuntime(Parts parts) {
        this.p = parts;
    }

    private VmDirectory dir(VmSpec spec) {
        return VmDirectory.of(p.stateDir(), spec.id());
    }

    @Override
    public CompletionStage<Launched> start(VmSpec spec) {
        CompletionStage<Image> image = AskPattern.askWithStatus(p.images(),
                ref -> new ImageRegistry.GetImage(spec.image(), ref), p.askTimeout(), p.scheduler());
        aborted.remove(spec.id());
        return image.thenCompose(img -> p.network().attach(spec).thenApplyAsync(nic -> {
            try {
                return launch(spec, img, nic);
            } catch (RuntimeException e) {
                nic.ifPresent(n -> p.network().release(spec, n.tapName()));
                throw e;
            }
        }, p.blocking())).whenComplete((launched, err) -> aborted.remove(spec.id()));
    }

    @Override
    public CompletionStage<Void> abort(VmSpec spec) {
        aborted.add(spec.id());
        return CompletableFuture.runAsync(() -> dir(spec).readHandles().ifPresent(h -> {
            if (p.vmm().alive(h.vmm())) {
                log.info("VM {}: killing VMM {} to abort its start", spec.name(), h.vmm().pid());
                p.vmm().kill(h.vmm());
            }
        }), p.blocking());
    }

    private void failIfAborted(VmSpec spec) {
        if (aborted.contains(spec.id())) {
            throw new IllegalStateException("start of VM " + spec.name() + " was aborted");
        }
    }

    private Launched launch(VmSpec spec, Image img, Optional<NetworkAttachment> nic) {
        failIfAborted(spec);
        VmDirectory dir = dir(spec);
        dir.create();
        Optional<VmmHandle> previous = dir.readHandles().map(VmHandles::vmm).filter(h -> p.vmm().alive(h));
        if (previous.isPresent()) {
            // never two VMMs on one disk
            throw new IllegalStateException("a VMM (pid " + previous.get().pid() + ") still runs for VM "
                    + spec.name() + "; kill it first");
        }
        VmDisk disk = prepareDisk(spec, img, dir);
        failIfAborted(spec);
        p.guest().configureDisk(spec, img, disk);
        // panic=-1 reboots at once, which ends the VMM process; reboot=k lets Firecracker's Ctrl+Alt+Del end it too
        String cmdline = "console=ttyS0 root=/dev/vda rw panic=-1 reboot=k "
                + p.guest().kernelParameters(spec, img, disk);
        LaunchSpec launch = new LaunchSpec(spec.id(), dir.root(), kernelFor(img),
                Optional.ofNullable(img.initrd()).map(Path::of), disk, spec.vcpus(), spec.memoryMib(),
                cmdline.strip(), dir.consoleLog(), nic);
        truncate(dir.consoleLog());
        VmmHandle handle = p.vmm().launch(launch);
        try {
            dir.writeHandles(new VmHandles(handle, disk.path().toString(), disk.format(),
                    nic.map(NetworkAttachment::tapName).orElse(null), dir.consoleLog().toString()));
            failIfAborted(spec);
            p.guest().awaitReady(spec, dir, () -> !aborted.contains(spec.id()) && p.vmm().alive(handle),
                    p.bootTimeout());
            failIfAborted(spec);
        } catch (RuntimeException e) {
            p.vmm().kill(handle);
            dir.clearHandles();
            throw e;
        }
        log.info("VM {} is running (pid {})", spec.name(), handle.pid());
        return new Launched(handle.pid());
    }

    private Path kernelFor(Image img) {
        return Path.of("firecracker".equals(p.vmm().kind()) && img.vmlinux() != null ? img.vmlinux() : img.kernel());
    }

    private VmDisk prepareDisk(VmSpec spec, Image img, VmDirectory dir) {
        Optional<VmDisk> existing = findDisk(dir);
        if (existing.isPresent()) {
            p.cloners().forFormat(existing.get().format()).resize(existing.get(), spec.diskMib());
            return existing.get();
        }
        boolean cmdlineConfig = "tiny".equals(img.os());
        return p.cloners().forVm(p.vmm().kind(), cmdlineConfig).clone(Path.of(img.rootfs()), dir.root(), spec.diskMib());
    }

    private static Optional<VmDisk> findDisk(VmDirectory dir) {
        for (String format : new String[] {VmDisk.QCOW2, VmDisk.RAW}) {
            Path f = dir.root().resolve("disk." + format);
            if (Files.exists(f)) {
                return Optional.of(new VmDisk(f, format));
            }
        }
        return Optional.empty();
    }

    @Override
    public CompletionStage<String> stop(VmSpec spec, boolean force) {
        return CompletableFuture.supplyAsync(() -> {
            VmDirectory dir = dir(spec);
            Optional<VmHandles> handles = dir.readHandles();
            if (handles.isEmpty()) {
                return "";
            }
            VmmHandle h = handles.get().vmm();
            String detail = "";
            if (p.vmm().alive(h)) {
                try {
                    if (force) {
                        p.vmm().kill(h);
                    } else {
                        p.vmm().shutdown(h, p.shutdownGrace());
                    }
                } catch (RuntimeException e) {
                    detail = "graceful stop failed (" + e.getMessage() + "), killed";
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
            Optional<VmHandles> handles = dir(spec).readHandles();
            if (handles.isEmpty()) {
                return new Probe(false, 0, "no handles.json for the VM");
            }
            VmmHandle h = handles.get().vmm();
            return p.vmm().alive(h) ? new Probe(true, h.pid(), "alive")
                    : new Probe(false, h.pid(), "VMM process " + h.pid() + " is gone");
        }, p.blocking());
    }

    @Override
    public CompletionStage<Void> destroy(VmSpec spec) {
        return stop(spec, true).thenAcceptAsync(r -> {
            VmDirectory dir = dir(spec);
            findDisk(dir).ifPresent(d -> p.cloners().forFormat(d.format()).remove(d));
            dir.removeAll();
        }, p.blocking());
    }

    private static void truncate(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
