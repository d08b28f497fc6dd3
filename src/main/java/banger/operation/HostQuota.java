package banger.operation;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmControl;
import banger.vm.VmDefaults;
import banger.wire.CreateVmRequest;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The host budgets ({@link HostBudgets}) as one gate that creates and resizes pass through: a request that
 * would pass a budget is refused with 409 naming it. Requests are checked one after another (each until the
 * fleet has taken it), so two of them cannot both take the last of a budget. Budget limits and refusals by
 * budget are in /metrics ({@code banger.quota.limit}, {@code banger.quota.refusals}).
 */
public final class HostQuota {

    private final VmControl vms;
    private final HostBudgets budgets;
    private final VmDefaults defaults;
    private final MeterRegistry registry;
    private CompletableFuture<?> previous = CompletableFuture.completedFuture(null);

    /** What a request would hold once done, and what of it is already held (the resized VM's own sizes). */
    private record Demand(int vcpus, long memoryMib, long diskMib, VmView resized) {
    }

    public HostQuota(VmControl vms, HostBudgets budgets, VmDefaults defaults, MeterRegistry registry) {
        this.vms = vms;
        this.budgets = budgets;
        this.defaults = defaults;
        this.registry = registry;
        limitGauge("vms", budgets.maxVms());
        limitGauge("vcpus", budgets.maxVcpus());
        limitGauge("memory_mib", budgets.maxMemoryMib());
    }

    /** Runs {@code create} once the new VM fits every budget. */
    public <T> CompletionStage<T> admitCreate(CreateVmRequest r, Supplier<CompletionStage<T>> create) {
        Demand demand = new Demand(r.vcpus() != null ? r.vcpus() : defaults.vcpus(),
                r.memoryMib() != null ? r.memoryMib() : defaults.memoryMib(),
                r.diskMib() != null ? r.diskMib() : defaults.diskMib(), null);
        return inTurn(() -> vms.list().thenCompose(existing -> {
            check(demand, existing);
            return create.get();
        }));
    }

    /**
     * Runs {@code resize} once the VM's new sizes fit every budget; a PATCH that changes no size passes at
     * once. Only growth is checked, so shrinking a VM is never refused.
     */
    public <T> CompletionStage<T> admitResize(String ref, PatchVmRequest p, Supplier<CompletionStage<T>> resize) {
        if (p.vcpus() == null && p.memoryMib() == null && p.diskMib() == null) {
            return resize.get();
        }
        return inTurn(() -> vms.get(ref).thenCompose(vm -> vms.list().thenCompose(existing -> {
            check(new Demand(p.vcpus() != null ? p.vcpus() : vm.vcpus(),
                    p.memoryMib() != null ? p.memoryMib() : vm.memoryMib(),
                    p.diskMib() != null ? p.diskMib() : vm.diskMib(), vm), existing);
            return resize.get();
        })));
    }

    private <T> CompletionStage<T> inTurn(Supplier<CompletionStage<T>> work) {
        CompletableFuture<T> done;
        synchronized (this) {
            done = previous.handle((ignored, failure) -> null).thenCompose(ready -> work.get()).toCompletableFuture();
            previous = done;
        }
        return done;
    }

    private void check(Demand d, List<VmView> existing) {
        VmView resized = d.resized();
        List<VmView> counted = existing.stream()
                .filter(vm -> !"deleted".equals(vm.state()))
                .filter(vm -> resized == null || !vm.id().equals(resized.id()))
                .toList();
        if (resized == null && counted.size() + 1 > budgets.maxVms()) {
            refuse("vms", counted.size() + " VMs exist and banger.quota.max-vms is " + budgets.maxVms());
        }
        int vcpusInUse = counted.stream().mapToInt(VmView::vcpus).sum();
        if (grows(d.vcpus(), resized, VmView::vcpus) && vcpusInUse + d.vcpus() > budgets.maxVcpus()) {
            refuse("vcpus", "other VMs hold " + vcpusInUse + " vCPUs; " + d.vcpus() + " more would pass the budget"
                    + " of " + budgets.maxVcpus() + " (host CPUs x banger.quota.vcpu-overcommit)");
        }
        long memoryInUse = counted.stream().mapToLong(VmView::memoryMib).sum();
        if (grows(d.memoryMib(), resized, VmView::memoryMib) && memoryInUse + d.memoryMib() > budgets.maxMemoryMib()) {
            refuse("memory_mib", "other VMs hold " + memoryInUse + " MiB; " + d.memoryMib() + " MiB more would pass"
                    + " the budget of " + budgets.maxMemoryMib() + " MiB (host memory x banger.quota.memory-overcommit)");
        }
        long newDisk = d.diskMib() - (resized == null ? 0 : resized.diskMib());
        if (newDisk > 0) {
            long freeMib = freeMib();
            if (newDisk + budgets.diskReserveMib() > freeMib) {
                refuse("disk_mib", newDisk + " MiB more disk would leave less than banger.quota.disk-reserve-mib ("
                        + budgets.diskReserveMib() + " MiB) free on the state dir's filesystem (" + freeMib
                        + " MiB free)");
            }
        }
    }

    private static boolean grows(long wanted, VmView resized, java.util.function.ToLongFunction<VmView> size) {
        return resized == null || wanted > size.applyAsLong(resized);
    }

    private long freeMib() {
        try {
            return Files.getFileStore(budgets.stateDir()).getUsableSpace() >> 20;
        } catch (IOException e) {
            throw new Rejected(Rejection.Reason.UNAVAILABLE,
                    "cannot read the free space of the state dir: " + e.getMessage());
        }
    }

    private void refuse(String budget, String why) {
        Counter.builder("banger.quota.refusals").tag("budget", budget)
                .description("Creates and resizes refused because they would pass a host budget")
                .register(registry).increment();
        throw new Rejected(Rejection.Reason.CONFLICT, "host budget '" + budget + "' exhausted: " + why);
    }

    private void limitGauge(String budget, long limit) {
        Gauge.builder("banger.quota.limit", () -> limit).tag("budget", budget)
                .description("Host budgets over all VMs (banger.quota.*)").register(registry);
    }
}
