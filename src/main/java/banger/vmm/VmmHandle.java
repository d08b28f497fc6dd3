package banger.vmm;

/**
 * Transient facts about a running VMM, kept in the VM's handles.json (never in the journal).
 *
 * @param vmm           which driver launched it ("qemu", "firecracker")
 * @param pid           the VMM process id
 * @param controlSocket QMP socket (QEMU) or API socket (Firecracker)
 * @param cmdlineMarker a string that must appear in /proc/PID/cmdline for the PID to still be this VM's VMM
 */
public record VmmHandle(String vmm, long pid, String controlSocket, String cmdlineMarker) {
}
