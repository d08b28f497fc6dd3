package banger.cli;

import java.util.Map;
import picocli.CommandLine.Option;

/** The sizes and labels `vm create` and `vm set` both take (a picocli mixin). */
final class VmSizeOptions {

    @Option(names = "--vcpus", paramLabel = "N", description = "Virtual CPUs.")
    Integer vcpus;

    @Option(names = "--memory", paramLabel = "MIB", description = "Memory in MiB.")
    Integer memoryMib;

    @Option(names = "--disk", paramLabel = "MIB", description = "Disk size in MiB (a change can only grow it).")
    Integer diskMib;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label; repeatable.")
    Map<String, String> labels;

    boolean none() {
        return vcpus == null && memoryMib == null && diskMib == null && labels == null;
    }
}
