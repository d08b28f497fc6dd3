package banger.vm;

import com.typesafe.config.Config;

/** Sizes a new VM gets when its request leaves them out, and the bounds every request must respect. */
public record VmDefaults(String image, int vcpus, int memoryMib, int diskMib,
                         int maxVcpus, int maxMemoryMib, int maxDiskMib) {

    public static VmDefaults fromConfig(Config banger) {
        return new VmDefaults(
                banger.getString("defaults.image"),
                banger.getInt("defaults.vcpus"),
                banger.getInt("defaults.memory-mib"),
                banger.getInt("defaults.disk-mib"),
                banger.getInt("limits.max-vcpus"),
                banger.getInt("limits.max-memory-mib"),
                banger.getInt("limits.max-disk-mib"));
    }
}
