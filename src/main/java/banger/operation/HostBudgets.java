package banger.operation;

import com.typesafe.config.Config;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * What all VMs together may ask of the host (config banger.quota.*). Budgets count every VM that exists,
 * running or not, since any of them may be started.
 *
 * @param maxVms          VMs that may exist at once
 * @param maxVcpus        vCPUs over all VMs: the host's CPUs times banger.quota.vcpu-overcommit
 * @param maxMemoryMib    memory over all VMs: the host's memory times banger.quota.memory-overcommit
 * @param diskReserveMib  free space a new VM's disk must leave on the state dir's filesystem
 * @param stateDir        where VM disks live, for the free-space check
 */
public record HostBudgets(int maxVms, int maxVcpus, long maxMemoryMib, long diskReserveMib, Path stateDir) {

    public static HostBudgets fromConfig(Config banger, Path stateDir) {
        Config q = banger.getConfig("quota");
        int cpus = Runtime.getRuntime().availableProcessors();
        long hostMemoryMib = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() >> 20;
        return new HostBudgets(q.getInt("max-vms"), (int) Math.floor(cpus * q.getDouble("vcpu-overcommit")),
                (long) Math.floor(hostMemoryMib * q.getDouble("memory-overcommit")), q.getLong("disk-reserve-mib"),
                stateDir);
    }
}
