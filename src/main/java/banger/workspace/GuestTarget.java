package banger.workspace;

/** A running VM whose guest can be reached over SSH: the only kind guest I/O runs against. */
public record GuestTarget(String vmId, String name, String address) {
}
