package banger.vmm;

/** A guest NIC backed by a host TAP device. */
public record NetworkAttachment(String tapName, String macAddress) {
}
