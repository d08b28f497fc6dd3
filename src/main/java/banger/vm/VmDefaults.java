package banger.vm;

import com.typesafe.config.Config;

/** Sizes a new VM gets when its request leaves them out, and the bounds every request must respect. */
public record VmDefaults(String image, int vcpus, int memoryMib, int diskMib,
                         int maxVcpus, int maxMemoryMib, int maxDiskMib, VmExpiry expiry) {

    public VmDefaults(String image, int vcpus, int memoryMib, int diskMib, int maxVcpus, int maxMemoryMib,
                      int maxDiskMib) {
        this(image, vcpus, memoryMib, diskMib, maxVcpus, maxMemoryMib, maxDiskMib, VmExpiry.NONE);
    }

    /** Below these a guest cannot boot: the kernel and initramfs need memory, the root fs needs room. */
    public static final int MIN_MEMORY_MIB = 64;
    public static final int MIN_DISK_MIB = 16;

    public static VmDefaults fromConfig(Config banger) {
        return new VmDefaults(
                banger.getString("defaults.image"),
                banger.getInt("defaults.vcpus"),
                banger.getInt("defaults.memory-mib"),
                banger.getInt("defaults.disk-mib"),
                banger.getInt("limits.max-vcpus"),
                banger.getInt("limits.max-memory-mib"),
                banger.getInt("limits.max-disk-mib"),
                VmExpiry.defaultsFromConfig(banger));
    }
}
