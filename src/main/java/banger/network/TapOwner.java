package banger.network;

/**
 * The user and group a TAP device is created for, so a VMM that dropped root (a jailed Firecracker) may still
 * attach to it; without one, only a process with CAP_NET_ADMIN can.
 */
public record TapOwner(int uid, int gid) {
}
