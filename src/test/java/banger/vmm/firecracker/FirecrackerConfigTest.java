package banger.vmm.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.storage.VmDisk;
import banger.vmm.LaunchSpec;
import banger.vmm.NetworkAttachment;
import banger.vmm.VmmException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FirecrackerConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FirecrackerSpec SPEC = FirecrackerSpec.load();
    private static final Path LOG = Path.of("/var/lib/banger/vms/vm1/firecracker.log");

    static LaunchSpec spec(Optional<NetworkAttachment> network, Optional<Path> initrd, int vcpus, VmDisk disk) {
        return new LaunchSpec("vm1", Path.of("/var/lib/banger/vms/vm1"), Path.of("/var/lib/banger/images/tiny/vmlinux"),
                initrd, disk, vcpus, 256, "console=ttyS0 reboot=k panic=1 root=/dev/vda rw",
                Path.of("/var/lib/banger/vms/vm1/console.log"), network);
    }

    private static VmDisk raw() {
        return new VmDisk(Path.of("/var/lib/banger/vms/vm1/root.img"), VmDisk.RAW);
    }

    private static JsonNode generated(LaunchSpec spec) throws IOException {
        return JSON.readTree(FirecrackerConfig.from(spec, LOG).toJson());
    }

    @Test
    void configWithoutNetworkValidatesAgainstTheSpec() throws IOException {
        JsonNode cfg = generated(spec(Optional.empty(), Optional.empty(), 1, raw()));

        assertEquals(List.of(), SPEC.validate(cfg, "FullVmConfiguration"));
        assertEquals(List.of(), SPEC.validate(cfg.get("boot-source"), "BootSource"));
        assertEquals(List.of(), SPEC.validate(cfg.get("drives").get(0), "Drive"));
        assertEquals(List.of(), SPEC.validate(cfg.get("machine-config"), "MachineConfiguration"));
        assertEquals(List.of(), SPEC.validate(cfg.get("logger"), "Logger"));
        assertEquals(0, cfg.get("network-interfaces").size());
        assertFalse(cfg.get("boot-source").has("initrd_path"), "absent initrd is omitted, not null");
    }

    @Test
    void configCarriesTheLaunchSpecInTheSpecsFieldNames() throws IOException {
        JsonNode cfg = generated(spec(Optional.of(new NetworkAttachment("tap-bg3", "02:fc:00:00:00:07")),
                Optional.of(Path.of("/var/lib/banger/images/tiny/initrd.img")), 2, raw()));

        assertEquals(List.of(), SPEC.validate(cfg, "FullVmConfiguration"));
        JsonNode nic = cfg.get("network-interfaces").get(0);
        assertEquals(List.of(), SPEC.validate(nic, "NetworkInterface"));
        assertEquals("eth0", nic.get("iface_id").asText());
        assertEquals("tap-bg3", nic.get("host_dev_name").asText());
        assertEquals("02:fc:00:00:00:07", nic.get("guest_mac").asText());

        JsonNode boot = cfg.get("boot-source");
        assertEquals("/var/lib/banger/images/tiny/vmlinux", boot.get("kernel_image_path").asText());
        assertEquals("/var/lib/banger/images/tiny/initrd.img", boot.get("initrd_path").asText());
        assertEquals("console=ttyS0 reboot=k panic=1 root=/dev/vda rw", boot.get("boot_args").asText());

        JsonNode drive = cfg.get("drives").get(0);
        assertEquals("rootfs", drive.get("drive_id").asText());
        assertTrue(drive.get("is_root_device").asBoolean());
        assertFalse(drive.get("is_read_only").asBoolean());
        assertEquals("/var/lib/banger/vms/vm1/root.img", drive.get("path_on_host").asText());

        JsonNode machine = cfg.get("machine-config");
        assertEquals(2, machine.get("vcpu_count").asInt());
        assertEquals(256, machine.get("mem_size_mib").asInt());
        assertFalse(machine.get("smt").asBoolean());
        assertTrue(machine.get("smt").isBoolean());

        assertEquals(LOG.toString(), cfg.get("logger").get("log_path").asText());
        assertEquals("Info", cfg.get("logger").get("level").asText());
    }

    @Test
    void qcow2DiskIsRejectedWithAClearError() {
        VmmException e = assertThrows(VmmException.class, () -> FirecrackerConfig.from(
                spec(Optional.empty(), Optional.empty(), 1, new VmDisk(Path.of("/d/root.qcow2"), VmDisk.QCOW2)), LOG));
        assertTrue(e.getMessage().contains("raw") && e.getMessage().contains("qcow2"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 34})
    void vcpuCountsFirecrackerRefusesAreRejected(int vcpus) {
        assertThrows(VmmException.class, () -> FirecrackerConfig.from(spec(Optional.empty(), Optional.empty(), vcpus, raw()), LOG));
    }

    @Test
    void malformedMacIsRejected() {
        assertThrows(VmmException.class, () -> FirecrackerConfig.from(
                spec(Optional.of(new NetworkAttachment("tap0", "not-a-mac")), Optional.empty(), 1, raw()), LOG));
    }

    @ParameterizedTest
    @ValueSource(strings = {"vm_config.json", "vm_config_network.json", "vm_config_with_mmdsv2.json"})
    void upstreamExampleConfigsPassTheValidator(String example) throws IOException {
        try (InputStream in = FirecrackerSpec.resource(example)) {
            assertEquals(List.of(), SPEC.validate(JSON.readTree(in), "FullVmConfiguration"));
        }
    }

    @Test
    void specEnumsAreReadAsTheStringsTheyAreWritten() throws IOException {
        JsonNode logger = JSON.readTree("{\"level\":\"Off\",\"log_path\":\"/tmp/fc.log\"}");
        assertEquals(List.of(), SPEC.validate(logger, "Logger"), "YAML 1.1 would have read the enum value Off as false");
        assertEquals(List.of(), SPEC.validate(JSON.readTree("{\"vcpu_count\":1,\"mem_size_mib\":128,\"huge_pages\":\"2M\"}"),
                "MachineConfiguration"));
    }

    @Test
    void brokenConfigsFailTheValidatorNamingTheFault() throws IOException {
        assertInvalid(c -> ((ObjectNode) c.get("boot-source")).remove("kernel_image_path"),
                "$.boot-source: missing required property 'kernel_image_path'");
        assertInvalid(c -> ((ObjectNode) c.get("machine-config")).put("vcpu_count", "2"),
                "$.machine-config.vcpu_count: expected integer");
        assertInvalid(c -> ((ObjectNode) c.get("machine-config")).put("vcpu_count", 64),
                "$.machine-config.vcpu_count: 64 is above the maximum");
        assertInvalid(c -> ((ObjectNode) c.get("drives").get(0)).put("is_read_only", "false"),
                "$.drives[0].is_read_only: expected boolean");
        assertInvalid(c -> ((ObjectNode) c.get("drives").get(0)).put("cache_type", "Sometimes"),
                "$.drives[0].cache_type: 'Sometimes' is not one of");
        assertInvalid(c -> ((ObjectNode) c.get("drives").get(0)).putNull("is_root_device"),
                "$.drives[0]: missing required property 'is_root_device'");
        assertInvalid(c -> ((ObjectNode) c.get("network-interfaces").get(0)).put("tap_name", "tap0"),
                "$.network-interfaces[0].tap_name: unknown property");
        assertInvalid(c -> ((ObjectNode) c).put("machine_config", 1), "$.machine_config: unknown property");
        assertInvalid(c -> ((ObjectNode) c).put("drives", "rootfs"), "$.drives: expected array");
    }

    private static void assertInvalid(java.util.function.Consumer<JsonNode> breakIt, String expectedError) throws IOException {
        JsonNode cfg;
        try (InputStream in = FirecrackerSpec.resource("vm_config_network.json")) {
            cfg = JSON.readTree(in);
        }
        breakIt.accept(cfg);
        List<String> errors = SPEC.validate(cfg, "FullVmConfiguration");
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(expectedError)), "expected '" + expectedError + "' in " + errors);
    }
}
