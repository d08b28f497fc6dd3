package banger.network;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DNS server's bounds: what one guest (or a stranger) can do to it. */
class VmDnsServerBoundsTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final DnsLimits LIMITS = new DnsLimits(2, 16, 4, Duration.ofSeconds(2));

    private static VmDnsServer server;
    private static VmDnsServer strangersServer;
    private static VmDnsServer forwarding;
    private static DatagramSocket bigUpstream;

    @BeforeAll
    static void start() throws Exception {
        server = new VmDnsServer(LOOPBACK, 0, "vm", List.of(), VmDnsServerTest.LOOPBACK_CLIENTS, LIMITS);
        server.start();
        server.register("web", "172.30.0.7");
        // serves only the VM subnet, so queries from loopback come from outside it
        strangersServer = new VmDnsServer(LOOPBACK, 0, "vm", List.of(), Subnet.parse("172.30.0.0/24"), LIMITS);
        strangersServer.start();
        strangersServer.register("web", "172.30.0.7");
        bigUpstream = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        Thread upstreamThread = new Thread(VmDnsServerBoundsTest::answerWithManyRecords, "big-upstream");
        upstreamThread.setDaemon(true);
        upstreamThread.start();
        forwarding = new VmDnsServer(LOOPBACK, 0, "vm", List.of(new InetSocketAddress(LOOPBACK, bigUpstream.getLocalPort())),
                VmDnsServerTest.LOOPBACK_CLIENTS, LIMITS);
        forwarding.start();
    }

    @AfterAll
    static void stop() {
        server.close();
        strangersServer.close();
        forwarding.close();
        bigUpstream.close();
    }

    @Test
    void idleTcpClientsBeyondTheCapDoNotDelayUdpAnswers() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < LIMITS.tcpMaxConnections() * 2; i++) {
                idle.add(new Socket(LOOPBACK, server.port()));
            }
            long startNanos = System.nanoTime();
            Message reply = query(server, "web.vm.", false);
            long millis = Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
            assertEquals(Rcode.NOERROR, reply.getRcode());
            assertTrue(millis < 1000, "UDP answer took " + millis + " ms behind idle TCP clients");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void anIdleTcpConnectionIsClosedAtItsDeadline() throws Exception {
        try (Socket idle = new Socket(LOOPBACK, server.port())) {
            idle.setSoTimeout((int) LIMITS.tcpDeadline().multipliedBy(5).toMillis());
            long startNanos = System.nanoTime();
            InputStream in = idle.getInputStream();
            assertEquals(-1, in.read(), "the server closes the connection");
            long millis = Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
            assertTrue(millis < LIMITS.tcpDeadline().toMillis() + 2000, "closed after " + millis + " ms");
        }
        assertEquals(Rcode.NOERROR, query(server, "web.vm.", true).getRcode(), "TCP still answers afterwards");
    }

    @Test
    void queriesFromOutsideTheClientSubnetAreRefused() throws Exception {
        Message udp = query(strangersServer, "web.vm.", false);
        assertEquals(Rcode.REFUSED, udp.getRcode());
        assertTrue(udp.getSection(Section.ANSWER).isEmpty());
        assertEquals(Rcode.REFUSED, query(strangersServer, "web.vm.", true).getRcode());
    }

    @Test
    void udpRepliesAreCappedAt1232BytesAndMarkedTruncated() throws Exception {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(LOOPBACK, forwarding.port()));
        resolver.setTimeout(Duration.ofSeconds(5));
        resolver.setEDNS(0, 4096, 0, List.of());
        resolver.setIgnoreTruncation(true);
        Message reply = resolver.send(Message.newQuery(Record.newRecord(Name.fromString("many.example."), Type.A, DClass.IN)));
        assertTrue(reply.getHeader().getFlag(Flags.TC), "truncated");
        assertTrue(reply.toWire().length <= VmDnsServer.UDP_MAX_PAYLOAD, "reply of " + reply.toWire().length + " bytes");
    }

    /** A resolver upstream that answers every query with 150 A records (about 2.4 kB), as big answers look. */
    private static void answerWithManyRecords() {
        byte[] buffer = new byte[65535];
        while (!bigUpstream.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                bigUpstream.receive(packet);
                Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                Message reply = new Message(query.getHeader().getID());
                reply.getHeader().setFlag(Flags.QR);
                reply.addRecord(query.getQuestion(), Section.QUESTION);
                for (int i = 0; i < 150; i++) {
                    reply.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, 60,
                            InetAddress.getByAddress(new byte[] {10, 0, (byte) (i / 250), (byte) (i % 250 + 1)})), Section.ANSWER);
                }
                if (query.getOPT() != null) {
                    reply.addRecord(query.getOPT(), Section.ADDITIONAL);
                }
                byte[] wire = reply.toWire();
                bigUpstream.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
            } catch (Exception e) {
                // closed at the end of the test, or a broken query: keep serving until then
            }
        }
    }

    private static Message query(VmDnsServer target, String name, boolean tcp) throws Exception {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(LOOPBACK, target.port()));
        resolver.setTCP(tcp);
        resolver.setTimeout(Duration.ofSeconds(3));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
    }
}
