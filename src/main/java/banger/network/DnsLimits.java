package banger.network;

import java.time.Duration;

/**
 * How much of the host the VM DNS server may take, so one guest cannot stop DNS for the others.
 *
 * @param udpWorkers         threads answering UDP queries (config banger.network.dns-udp-workers)
 * @param udpQueue           UDP queries waiting for a worker; beyond that they are dropped, as a busy server
 *                           would, and clients retry (config banger.network.dns-udp-queue)
 * @param tcpMaxConnections  TCP connections served at once, each on its own thread; more are closed at once
 *                           (config banger.network.dns-tcp-max-connections)
 * @param tcpDeadline        the longest a TCP connection lives, however it trickles its bytes
 *                           (config banger.network.dns-tcp-deadline)
 */
public record DnsLimits(int udpWorkers, int udpQueue, int tcpMaxConnections, Duration tcpDeadline) {

    public static final DnsLimits DEFAULT = new DnsLimits(4, 256, 16, Duration.ofSeconds(10));

    public DnsLimits {
        if (udpWorkers < 1 || udpQueue < 1 || tcpMaxConnections < 1) {
            throw new IllegalArgumentException("DNS workers, queue and TCP connections must be at least 1");
        }
        if (tcpDeadline.isNegative() || tcpDeadline.isZero()) {
            throw new IllegalArgumentException("DNS TCP deadline must be positive, got " + tcpDeadline);
        }
    }
}
