package banger.vmm.firecracker;

import banger.storage.VmDisk;
import banger.vmm.LaunchSpec;
import banger.vmm.VmmException;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The JSON file Firecracker reads with {@code --config-file}; field names are exactly those of the API
 * spec's FullVmConfiguration (firecracker-api.yaml). Only what banger uses is modelled.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FirecrackerConfig(
        @JsonProperty("boot-source") BootSource bootSource,
        @JsonProperty("drives") List<Drive> drives,
        @JsonProperty("network-interfaces") List<NetworkInterface> networkInterfaces,
        @JsonProperty("machine-config") MachineConfig machineConfig,
        @JsonProperty("logger") Logger logger) {

    public static final String ROOT_DRIVE_ID = "rootfs";
    public static final String GUEST_IFACE_ID = "eth0";
    // Firecracker's own limit on vcpu_count (spec: minimum 1, maximum 32, "either 1 or an even number")
    static final int MAX_VCPUS = 32;
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BootSource(
            @JsonProperty("kernel_image_path") String kernelImagePath,
            @JsonProperty("boot_args") String bootArgs,
            @JsonProperty("initrd_path") String initrdPath) {
    }

    public record Drive(
            @JsonProperty("drive_id") String driveId,
            @JsonProperty("is_root_device") boolean isRootDevice,
            @JsonProperty("is_read_only") boolean isReadOnly,
            @JsonProperty("path_on_host") String pathOnHost) {
    }

    public record NetworkInterface(
            @JsonProperty("iface_id") String ifaceId,
            @JsonProperty("host_dev_name") String hostDevName,
            @JsonProperty("guest_mac") String guestMac) {
    }

    public record MachineConfig(
            @JsonProperty("vcpu_count") int vcpuCount,
            @JsonProperty("mem_size_mib") int memSizeMib,
            @JsonProperty("smt") boolean smt) {
    }

    public record Logger(
            @JsonProperty("log_path") String logPath,
            @JsonProperty("level") String level) {
    }

    /**
     * The configuration for one VM: its kernel (an ELF vmlinux), one writable raw root drive, an optional
     * NIC on the spec's TAP device, and Firecracker's own log written to {@code logPath}.
     */
    public static FirecrackerConfig from(LaunchSpec spec, Path logPath) {
        if (!VmDisk.RAW.equals(spec.disk().format())) {
            throw new VmmException("Firecracker needs a raw root disk, but " + spec.disk().path()
                    + " is " + spec.disk().format() + " (use a raw disk cloner when vmm = firecracker)");
        }
        int vcpus = spec.vcpus();
        if (vcpus < 1 || vcpus > MAX_VCPUS || (vcpus > 1 && vcpus % 2 != 0)) {
            throw new VmmException("Firecracker needs 1 or an even number of vCPUs up to " + MAX_VCPUS + ", not " + vcpus);
        }
        if (spec.memoryMib() < 1) {
            throw new VmmException("memory must be at least 1 MiB, not " + spec.memoryMib());
        }
        List<NetworkInterface> nics = spec.network().map(n -> {
            if (!MAC.matcher(n.macAddress()).matches()) {
                throw new VmmException("not a MAC address: '" + n.macAddress() + "'");
            }
            return List.of(new NetworkInterface(GUEST_IFACE_ID, n.tapName(), n.macAddress()));
        }).orElse(List.of());
        return new FirecrackerConfig(
                new BootSource(abs(spec.kernel()), spec.kernelCmdline(), spec.initrd().map(FirecrackerConfig::abs).orElse(null)),
                List.of(new Drive(ROOT_DRIVE_ID, true, false, abs(spec.disk().path()))),
                nics,
                new MachineConfig(vcpus, spec.memoryMib(), false),
                new Logger(abs(logPath), "Info"));
    }

    /** The config file's JSON text. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise Firecracker config", e);
        }
    }

    private static String abs(Path p) {
        return p.toAbsolutePath().toString();
    }
}
