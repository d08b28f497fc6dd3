package banger.vm;

import banger.image.Image;
import banger.storage.DiskCloner;
import banger.storage.VmDisk;
import banger.vmm.LaunchSpec;
import banger.vmm.NetworkAttachment;
import banger.vmm.VmmCapabilities;
import banger.vmm.VmmHandle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The steps of a VM's start, in order, like flintlock's steps or firecracker-go-sdk's handler list. The plan is
 * chosen from what the image and the VMM declare (configuration channels, kernel and disk formats), never from
 * their names.
 */
final class LaunchPlan {

    static final String PREPARE_DISK = "prepare-disk";
    static final String CONFIGURE_GUEST = "configure-guest";
    static final String ATTACH_NETWORK = "attach-network";
    static final String LAUNCH_VMM = "launch-vmm";
    static final String AWAIT_READINESS = "await-readiness";
    static final String CHECK_SAVED_STATE = "check-saved-state";
    static final String LAUNCH_VMM_INCOMING = "launch-vmm-incoming";
    static final String LOAD_STATE = "load-state";
    static final String RESUME_GUEST = "resume-guest";

    private final HostVmRuntime.Parts p;

    LaunchPlan(HostVmRuntime.Parts parts) {
        this.p = parts;
    }

    List<LaunchStep> stepsFor(Image image) {
        VmmCapabilities vmm = p.vmm().capabilities();
        // a guest that reads the kernel command line needs no edit of its disk, so a VMM taking qcow2 boots an overlay
        DiskCloner cloner = p.cloners().forVm(vmm.takes(VmDisk.QCOW2), image.readsKernelCmdline());
        return List.of(
                LaunchStep.blocking(PREPARE_DISK, p.blocking(), l -> prepareDisk(l, cloner)),
                LaunchStep.blocking(CONFIGURE_GUEST, p.blocking(), this::configureGuest),
                LaunchStep.of(ATTACH_NETWORK, this::attachNetwork),
                LaunchStep.blocking(LAUNCH_VMM, p.blocking(), l -> launchVmm(l, vmm.kernelFormat())),
                LaunchStep.blocking(AWAIT_READINESS, p.blocking(), this::awaitReadiness));
    }

    /**
     * A warm start: the saved state is checked against the VM (sizes, VMM, disk fingerprint), a TAP is lent, the VMM
     * is launched waiting for the state, loads it, and the guest's vCPUs run on; no kernel boots, nothing is written
     * to the disk, and the guest keeps its MAC and address (its configuration does not name the TAP). Until the guest
     * runs, {@link VmDirectory#loadingMarker()} says so: a daemon killed mid-load leaves a VMM its restart kills
     * rather than adopts.
     */
    List<LaunchStep> warmStepsFor() {
        VmmCapabilities vmm = p.vmm().capabilities();
        return List.of(
                LaunchStep.blocking(CHECK_SAVED_STATE, p.blocking(), this::checkSavedState),
                LaunchStep.of(ATTACH_NETWORK, this::attachNetwork),
                LaunchStep.blocking(LAUNCH_VMM_INCOMING, p.blocking(), l -> launchIncoming(l, vmm.kernelFormat())),
                LaunchStep.blocking(LOAD_STATE, p.blocking(), this::loadState),
                LaunchStep.blocking(RESUME_GUEST, p.blocking(), this::resumeGuest));
    }

    private void checkSavedState(Launch l) {
        if (!p.vmm().savesState()) {
            throw new IllegalStateException(p.vmm().kind() + " cannot load a saved state");
        }
        refuseSecondVmm(l);
        SavedStates states = new SavedStates(l.dir);
        SavedState saved = states.read().orElseThrow(() -> new IllegalStateException(states.whyMissing()));
        VmDisk disk = HostVmRuntime.findDisk(l.dir).orElseThrow(() ->
                new IllegalStateException("the VM's disk is missing"));
        String unusable = saved.unusableFor(l.spec, disk, p.vmm().kind());
        if (unusable != null) {
            throw new IllegalStateException(unusable);
        }
        l.disk = disk;
    }

    private void launchIncoming(Launch l, VmmCapabilities.KernelFormat format) {
        // the same machine as the cold boot; the kernel is not booted, but its option ROM must be the same size
        l.kernelCmdline = ("console=ttyS0 root=/dev/vda rw panic=-1 reboot=k "
                + p.guest().kernelParameters(l.spec, l.image, l.disk)).strip();
        LaunchSpec launch = new LaunchSpec(l.spec.id(), l.dir.root(), kernelFor(l.image, format),
                Optional.ofNullable(l.image.initrd()).map(Path::of), l.disk, l.spec.vcpus(), l.spec.memoryMib(),
                l.kernelCmdline, l.dir.consoleLog(), l.nic, true);
        touch(l.dir.loadingMarker());
        l.onFailure(l.dir::clearLoadingMarker);
        // recorded at once, as for a cold boot: an unrecorded VMM is the reconciler's to kill
        VmmHandle handle = p.vmm().launch(launch, spawned -> recordHandles(l, spawned));
        l.vmm = handle;
        l.onFailure(() -> p.vmm().kill(handle));
    }

    private void loadState(Launch l) {
        p.vmm().loadState(l.vmm, new SavedStates(l.dir).stream(), p.bootTimeout());
    }

    private void resumeGuest(Launch l) {
        if (l.aborted()) {
            throw new IllegalStateException("start of VM " + l.spec.name() + " was aborted");
        }
        p.vmm().resume(l.vmm);
        // the guest runs on and leaves the state behind: gone before the marker, so that a VMM recovery adopts
        // never has a saved state beside it
        new SavedStates(l.dir).discard();
        l.dir.clearLoadingMarker();
    }

    private void refuseSecondVmm(Launch l) {
        l.dir.create();
        Optional<VmmHandle> previous = l.dir.readHandles().map(VmHandles::vmm).filter(h -> p.vmm().alive(h));
        if (previous.isPresent()) {
            // never two VMMs on one disk
            throw new IllegalStateException("a VMM (pid " + previous.get().pid() + ") still runs for VM "
                    + l.spec.name() + "; kill it first");
        }
    }

    private void prepareDisk(Launch l, DiskCloner cloner) {
        refuseSecondVmm(l);
        Optional<VmDisk> existing = HostVmRuntime.findDisk(l.dir);
        if (existing.isPresent()) {
            p.cloners().forFormat(existing.get().format()).resize(existing.get(), l.spec.diskMib());
            l.disk = existing.get();
        } else {
            l.disk = cloner.clone(Path.of(l.image.rootfs()), l.dir.root(), l.spec.diskMib());
        }
    }

    private void configureGuest(Launch l) {
        p.guest().configureDisk(l.spec, l.image, l.disk);
        // panic=-1 reboots at once, which ends the VMM process; reboot=k lets Firecracker's Ctrl+Alt+Del end it too
        l.kernelCmdline = ("console=ttyS0 root=/dev/vda rw panic=-1 reboot=k "
                + p.guest().kernelParameters(l.spec, l.image, l.disk)).strip();
    }

    /** Asks the TAP pool without holding a blocking thread: its answer may itself need one (nft admission). */
    private CompletionStage<Void> attachNetwork(Launch l) {
        return p.network().attach(l.spec).thenAccept(nic -> {
            l.nic = nic;
            nic.ifPresent(n -> l.onFailure(() -> p.network().release(l.spec, n.tapName())));
        });
    }

    private void launchVmm(Launch l, VmmCapabilities.KernelFormat format) {
        Path kernel = kernelFor(l.image, format);
        LaunchSpec launch = new LaunchSpec(l.spec.id(), l.dir.root(), kernel,
                Optional.ofNullable(l.image.initrd()).map(Path::of), l.disk, l.spec.vcpus(), l.spec.memoryMib(),
                l.kernelCmdline, l.dir.consoleLog(), l.nic);
        truncate(l.dir.consoleLog());
        // handles.json is written the moment the process exists, not after the VMM's sockets appear (which may take
        // many seconds): a daemon killed during that wait leaves a VMM its restart finds
        VmmHandle handle = p.vmm().launch(launch, spawned -> recordHandles(l, spawned));
        l.vmm = handle;
        l.onFailure(() -> p.vmm().kill(handle));
    }

    static Path kernelFor(Image image, VmmCapabilities.KernelFormat format) {
        if (format == VmmCapabilities.KernelFormat.VMLINUX) {
            if (image.vmlinux() == null) {
                throw new IllegalStateException("image " + image.name() + " has no vmlinux, which this VMM boots");
            }
            return Path.of(image.vmlinux());
        }
        return Path.of(image.kernel());
    }

    private void recordHandles(Launch l, VmmHandle vmm) {
        l.dir.writeHandles(new VmHandles(vmm, l.disk.path().toString(), l.disk.format(),
                l.nic.map(NetworkAttachment::tapName).orElse(null), l.dir.consoleLog().toString()));
        l.onFailure(l.dir::clearHandles);
    }

    private void awaitReadiness(Launch l) {
        VmmHandle handle = l.vmm;
        p.guest().awaitReady(l.spec, l.dir, () -> !l.aborted() && p.vmm().alive(handle), p.bootTimeout());
        if (l.aborted()) {
            throw new IllegalStateException("start of VM " + l.spec.name() + " was aborted");
        }
    }

    private static void touch(Path file) {
        try {
            Files.writeString(file, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void truncate(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
