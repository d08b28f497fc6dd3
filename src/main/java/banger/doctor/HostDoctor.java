package banger.doctor;

import banger.host.CommandResult;
import banger.host.HostCommandException;
import banger.host.HostCommands;
import banger.doctor.DoctorCheck;
import banger.doctor.DoctorCheck.Status;
import banger.doctor.DoctorService;
import banger.wire.ImageView;
import banger.network.HostNetwork;
import banger.network.HostNetworkFinding;
import banger.vm.VmControl;
import banger.vmm.KvmProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** Host diagnostics for `banger doctor`: each check OK, WARN or FAIL with a one-line fix. */
public final class HostDoctor implements DoctorService {

    private static final Duration PROBE = Duration.ofSeconds(5);

    /** What the daemon is running with, to report beside the host facts. */
    public record Setup(Path stateDir, String vmmKind, String vmmReason, String qemuBinary, String firecrackerBinary,
                        Optional<HostNetwork> network, String defaultImage, FirecrackerJailing jailing) {
    }

    /** Whether Firecracker runs under its jailer: the binary configured, and whether the daemon uses it. */
    public record FirecrackerJailing(String jailerBinary, boolean used) {
    }

    private final HostCommands host;
    private final Setup setup;
    private final VmControl control;
    private final Executor blocking;

    public HostDoctor(HostCommands host, Setup setup, VmControl control, Executor blocking) {
        this.host = host;
        this.setup = setup;
        this.control = control;
        this.blocking = blocking;
    }

    @Override
    public CompletionStage<List<DoctorCheck>> checks() {
        CompletionStage<List<DoctorCheck>> hostChecks = CompletableFuture.supplyAsync(this::hostChecks, blocking);
        CompletionStage<DoctorCheck> image = control.images().thenApply(this::imageCheck)
                .exceptionally(e -> new DoctorCheck("default image", Status.WARN, "image registry: " + e.getMessage(),
                        "retry once the daemon has started"));
        return hostChecks.thenCombine(image, (list, img) -> {
            List<DoctorCheck> all = new ArrayList<>(list);
            all.add(img);
            return all;
        });
    }

    private DoctorCheck imageCheck(List<ImageView> images) {
        boolean present = images.stream().anyMatch(i -> i.name().equals(setup.defaultImage()));
        return present ? new DoctorCheck("default image", Status.OK, setup.defaultImage() + " is registered", "")
                : new DoctorCheck("default image", Status.WARN, "no image named " + setup.defaultImage(),
                "banger image bootstrap " + setup.defaultImage());
    }

    List<DoctorCheck> hostChecks() {
        List<DoctorCheck> out = new ArrayList<>();
        boolean root = "root".equals(System.getProperty("user.name"));
        out.add(root ? ok("root", "running as root") : new DoctorCheck("root", Status.FAIL,
                "running as " + System.getProperty("user.name") + "; TAPs, bridges and NAT need root",
                "run the daemon as root (sudo banger daemon)"));
        out.add(kvm());
        out.add(ok("vmm", setup.vmmKind() + " (" + setup.vmmReason() + ")"));
        out.add(version("qemu", setup.qemuBinary(), "--version", Status.FAIL, "apt-get install qemu-system-x86 qemu-utils"));
        out.add(version("firecracker", setup.firecrackerBinary(), "--version", Status.WARN,
                "optional: install a firecracker binary on PATH (needs hardware KVM)"));
        out.add(jailer());
        out.add(version("mke2fs", "mke2fs", "-V", Status.FAIL, "apt-get install e2fsprogs"));
        out.add(version("debugfs", "debugfs", "-V", Status.FAIL, "apt-get install e2fsprogs"));
        out.add(version("qemu-img", "qemu-img", "--version", Status.FAIL, "apt-get install qemu-utils"));
        if (setup.network().isPresent()) {
            for (HostNetworkFinding f : setup.network().get().check()) {
                out.add(f.ok() ? ok("network: " + f.check(), f.detail()) : new DoctorCheck("network: " + f.check(),
                        Status.FAIL, f.detail(), "restart the daemon as root; it creates the bridge and NAT at start"));
            }
        } else {
            out.add(new DoctorCheck("network", Status.WARN, "guest network disabled (banger.network.enabled = false)",
                    "set banger.network.enabled = true to give VMs addresses, DNS and SSH"));
        }
        out.add(freeDisk());
        return out;
    }

    /** Only a Firecracker daemon needs the jailer; without it Firecracker runs as root with no chroot. */
    DoctorCheck jailer() {
        FirecrackerJailing j = setup.jailing();
        if (j.used()) {
            return ok("firecracker jailer", "VMs run under " + j.jailerBinary() + " (chroot, unprivileged user)");
        }
        boolean firecracker = "firecracker".equals(setup.vmmKind());
        String why = host.available(j.jailerBinary()) ? "off (banger.firecracker.jailer = off)"
                : j.jailerBinary() + " not found";
        return new DoctorCheck("firecracker jailer", firecracker ? Status.WARN : Status.OK,
                why + (firecracker ? ": Firecracker runs as root without a chroot" : "; only Firecracker uses it"),
                firecracker ? "install Firecracker's jailer (same release) on PATH and set banger.firecracker.jailer"
                        + " = auto" : "");
    }

    private DoctorCheck kvm() {
        KvmProbe probe = new KvmProbe();
        return probe.kvmUsable() ? ok("kvm", "hardware virtualisation usable")
                : new DoctorCheck("kvm", Status.WARN, "not usable: " + probe.reason()
                + "; QEMU runs guests under TCG (slower)", "run on a host with vmx/svm and /dev/kvm for KVM");
    }

    private DoctorCheck version(String name, String binary, String flag, Status missing, String fix) {
        if (!host.available(binary)) {
            return new DoctorCheck(name, missing, binary + " not found", fix);
        }
        try {
            CommandResult r = host.run(List.of(binary, flag), PROBE);
            String text = (r.stdout() + r.stderr()).strip();
            String first = text.isEmpty() ? "present" : text.lines().findFirst().orElse("present");
            return ok(name, first);
        } catch (HostCommandException e) {
            return new DoctorCheck(name, Status.WARN, e.getMessage(), fix);
        }
    }

    private DoctorCheck freeDisk() {
        try {
            Path dir = setup.stateDir();
            long free = Files.getFileStore(Files.exists(dir) ? dir : dir.getParent()).getUsableSpace() >> 20;
            String detail = free + " MiB free in " + dir;
            return free >= 2048 ? ok("disk space", detail)
                    : new DoctorCheck("disk space", free >= 512 ? Status.WARN : Status.FAIL, detail,
                    "free space under " + dir + " (images and VM disks live there)");
        } catch (IOException e) {
            return new DoctorCheck("disk space", Status.WARN, e.getMessage(), "check " + setup.stateDir());
        }
    }

    private static DoctorCheck ok(String name, String detail) {
        return new DoctorCheck(name, Status.OK, detail, "");
    }
}
