package banger.cli;

import banger.vm.VmView;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;

/** How VMs look on a terminal: one per table row (`vm ls`) or one field per line (`vm show`). */
final class VmPrinter {

    private VmPrinter() {
    }

    static void table(List<VmView> vms, Instant now, PrintWriter out) {
        TextTable table = new TextTable("NAME", "ID", "STATE", "IMAGE", "VCPUS", "MEM", "DISK", "ADDRESS", "AGE");
        for (VmView vm : vms) {
            table.row(vm.name(), vm.id(), vm.state(), vm.image(), vm.vcpus(), Formats.mib(vm.memoryMib()),
                    Formats.mib(vm.diskMib()), vm.address(), Formats.age(vm.createdAt(), now));
        }
        table.print(out);
    }

    static void details(VmView vm, Instant now, PrintWriter out) {
        field(out, "name", vm.name());
        field(out, "id", vm.id());
        field(out, "state", vm.state() + (isBlank(vm.stateReason()) ? "" : " (" + vm.stateReason() + ")"));
        field(out, "image", vm.image());
        field(out, "vcpus", vm.vcpus());
        field(out, "memory", vm.memoryMib() + " MiB");
        field(out, "disk", vm.diskMib() + " MiB");
        field(out, "address", vm.address());
        field(out, "pid", vm.pid());
        field(out, "labels", Formats.labels(vm.labels()));
        field(out, "created", vm.createdAt() == null ? null
                : vm.createdAt() + " (" + Formats.age(vm.createdAt(), now) + " ago)");
        field(out, "updated", vm.updatedAt());
        out.flush();
    }

    private static void field(PrintWriter out, String name, Object value) {
        out.printf("%-9s %s%n", name + ":", Formats.orDash(value));
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
