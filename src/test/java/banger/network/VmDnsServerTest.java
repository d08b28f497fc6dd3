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

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmDnsServerTest {

    static final Subnet LOOPBACK_CLIENTS = Subnet.parse("127.0.0.0/8");

    private static VmDnsServer server;
    private static VmDnsServer upstream;
    private static VmDnsServer forwarding;

    @BeforeAll
    static void startServers() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        server = new VmDnsServer(loopback, 0, "vm", List.of(), LOOPBACK_CLIENTS, DnsLimits.DEFAULT);
        server.start();
        upstream = new VmDnsServer(loopback, 0, "elsewhere", List.of(), LOOPBACK_CLIENTS, DnsLimits.DEFAULT);
        upstream.start();
        upstream.register("db", "10.1.2.3");
        forwarding = new VmDnsServer(loopback, 0, "vm", List.of(new InetSocketAddress(loopback, upstream.port())),
                LOOPBACK_CLIENTS, DnsLimits.DEFAULT);
        forwarding.start();
    }

    @AfterAll
    static void stopServers() {
        server.close();
        upstream.close();
        forwarding.close();
    }

    @Test
    void registeredNameResolvesToItsAddressAuthoritatively() throws Exception {
        server.register("web-1", "172.30.0.7");
        Message reply = query(server, "web-1.vm.", Type.A, false);
        assertEquals(Rcode.NOERROR, reply.getRcode());
        assertTrue(reply.getHeader().getFlag(Flags.AA));
        List<Record> answers = reply.getSection(Section.ANSWER);
        assertEquals(1, answers.size());
        assertEquals("172.30.0.7", ((ARecord) answers.get(0)).getAddress().getHostAddress());
    }

    @Test
    void lookupIgnoresCase() throws Exception {
        server.register("Mixed", "172.30.0.8");
        Message reply = query(server, "MIXED.VM.", Type.A, false);
        assertEquals("172.30.0.8", ((ARecord) reply.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress());
    }

    @Test
    void unknownNameInDomainIsNxdomain() throws Exception {
        assertEquals(Rcode.NXDOMAIN, query(server, "nobody.vm.", Type.A, false).getRcode());
        assertEquals(Rcode.NXDOMAIN, query(server, "deeper.web-1.vm.", Type.A, false).getRcode());
    }

    @Test
    void unregisteredNameStopsResolving() throws Exception {
        server.register("gone", "172.30.0.9");
        assertEquals(Rcode.NOERROR, query(server, "gone.vm.", Type.A, false).getRcode());
        server.unregister("gone");
        assertEquals(Rcode.NXDOMAIN, query(server, "gone.vm.", Type.A, false).getRcode());
    }

    @Test
    void otherTypeForKnownNameIsEmptyNoError() throws Exception {
        server.register("six", "172.30.0.10");
        Message reply = query(server, "six.vm.", Type.AAAA, false);
        assertEquals(Rcode.NOERROR, reply.getRcode());
        assertTrue(reply.getSection(Section.ANSWER).isEmpty());
    }

    @Test
    void namesOutsideDomainAreRefusedWithoutUpstream() throws Exception {
        assertEquals(Rcode.REFUSED, query(server, "example.com.", Type.A, false).getRcode());
    }

    @Test
    void tcpQueriesAreAnswered() throws Exception {
        server.register("tcp-vm", "172.30.0.11");
        Message reply = query(server, "tcp-vm.vm.", Type.A, true);
        assertEquals("172.30.0.11", ((ARecord) reply.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress());
    }

    @Test
    void namesOutsideDomainGoToUpstream() throws Exception {
        Message reply = query(forwarding, "db.elsewhere.", Type.A, false);
        assertEquals(Rcode.NOERROR, reply.getRcode());
        assertEquals("10.1.2.3", ((ARecord) reply.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress());
        assertEquals(Rcode.NXDOMAIN, query(forwarding, "missing.elsewhere.", Type.A, false).getRcode());
    }

    @Test
    void invalidNamesAndAddressesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> server.register("bad_name", "172.30.0.2"));
        assertThrows(IllegalArgumentException.class, () -> server.register("-lead", "172.30.0.2"));
        assertThrows(IllegalArgumentException.class, () -> server.register("ok", "300.1.1.1"));
    }

    private static Message query(VmDnsServer target, String name, int type, boolean tcp) throws Exception {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.0.1", target.port()));
        resolver.setTCP(tcp);
        resolver.setTimeout(Duration.ofSeconds(3));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }
}
