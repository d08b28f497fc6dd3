package banger.wire;

/**
 * Body of POST /v1/vms/{ref}/forwards. {@code hostPort} 0 or null: the daemon picks a free port;
 * {@code hostAddress} null: 127.0.0.1.
 */
public record CreateForwardRequest(Integer guestPort, Integer hostPort, String hostAddress) {
}
