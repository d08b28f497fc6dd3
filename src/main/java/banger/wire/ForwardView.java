package banger.wire;

import java.time.Instant;

/**
 * A port forward as the API shows it: connections to {@code hostAddress:hostPort} on the daemon's host reach
 * {@code guestPort} of VM {@code vm}. {@code error} says why the host port is not listening (it could not be bound
 * again after a daemon restart), null while it listens.
 */
public record ForwardView(String id, String vmId, String vm, int guestPort, String hostAddress, int hostPort,
                          Instant createdAt, String error) {
}
