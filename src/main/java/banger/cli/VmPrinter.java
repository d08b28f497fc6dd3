package banger.cli;

import banger.wire.VmView;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;

/** How VMs look on a terminal: one per table row (`vm ls`) or one field per line (`vm show`). */
final class VmPrinter {

    private VmPrinter() {
    }

    static void table(List<VmView> vms, Instant now, PrintWriter out) {
        // the EXPIRES column only when some VM has a deadline
        boolean expiring = vms.stream().anyMatch(vm -> expiresIn(vm, now) != null);
        TextTable table = expiring
                ? new TextTable("NAME", "ID", "STATE", "IMAGE", "VCPUS", "MEM", "DISK", "ADDRESS", "AGE", "EXPIRES")
                : new TextTable("NAME", "ID", "STATE", "IMAGE", "VCPUS", "MEM", "DISK", "ADDRESS", "AGE");
        for (VmView vm : vms) {
            Object[] row = {vm.name(), vm.id(), stateOf(vm), vm.image(), vm.vcpus(), Formats.mib(vm.memoryMib()),
                    Formats.mib(vm.diskMib()), vm.address(), Formats.age(vm.createdAt(), now), expiresIn(vm, now)};
            table.row(expiring ? row : java.util.Arrays.copyOf(row, row.length - 1));
        }
        table.print(out);
    }

    static void details(VmView vm, Instant now, PrintWriter out) {
        field(out, "name", vm.name());
        field(out, "id", vm.id());
        field(out, "state", stateOf(vm) + (isBlank(vm.stateReason()) ? "" : " (" + vm.stateReason() + ")"));
        field(out, "image", vm.image());
        field(out, "vcpus", vm.vcpus());
        field(out, "memory", vm.memoryMib() + " MiB");
        field(out, "disk", vm.diskMib() + " MiB");
        field(out, "address", vm.address());
        field(out, "pid", vm.pid());
        field(out, "labels", Formats.labels(vm.labels()));
        field(out, "egress", VmEgressOption.describe(vm.egress()));
        field(out, "created", vm.createdAt() == null ? null
                : vm.createdAt() + " (" + Formats.age(vm.createdAt(), now) + " ago)");
        field(out, "updated", vm.updatedAt());
        if (vm.onExpiry() != null) {
            field(out, "expiry", "ttl " + Formats.orDash(vm.ttlS()) + " s, idle " + Formats.orDash(vm.idleTimeoutS())
                    + " s, then " + vm.onExpiry());
            field(out, "expires", vm.expiresAt());
            field(out, "idle exp", vm.idleExpiresAt());
        }
        if (vm.savedState() != null) {
            field(out, "saved", Formats.bytes(vm.savedState().bytes()) + " of memory and device state, "
                    + vm.savedState().savedAt() + " (a start resumes it)");
        }
        if (vm.lastStart() != null) {
            field(out, "started", vm.lastStart().kind() + (isBlank(vm.lastStart().coldBootReason()) ? ""
                    : " (the saved state was not used: " + vm.lastStart().coldBootReason().strip() + ")"));
        }
        out.flush();
    }

    /** The state, and for a boot waiting for its slot its place in line ("starting (queued #2)"). */
    static String stateOf(VmView vm) {
        return vm.queuePosition() == null ? vm.state() : vm.state() + " (queued #" + vm.queuePosition() + ")";
    }

    /** Time to the nearer deadline, and what then happens ("in 5m: delete"), or null without one. */
    private static String expiresIn(VmView vm, Instant now) {
        Instant next = vm.expiresAt();
        if (vm.idleExpiresAt() != null && (next == null || vm.idleExpiresAt().isBefore(next))) {
            next = vm.idleExpiresAt();
        }
        if (next == null) {
            return null;
        }
        return (next.isAfter(now) ? "in " + Formats.age(now, next) : "now") + ": " + vm.onExpiry();
    }

    private static void field(PrintWriter out, String name, Object value) {
        out.printf("%-9s %s%n", name + ":", Formats.orDash(value));
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
