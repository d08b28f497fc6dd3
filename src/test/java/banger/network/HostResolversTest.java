package banger.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostResolversTest {

    @TempDir
    Path dir;

    @Test
    void readsEveryNameserverLineAndIgnoresTheRest() throws Exception {
        Path conf = Files.writeString(dir.resolve("resolv.conf"), """
                # generated
                search example.org
                nameserver 127.0.0.53
                options edns0
                  nameserver   192.0.2.10
                nameserver fe80::1%eth0
                """);
        assertEquals(List.of(new InetSocketAddress("127.0.0.53", 53), new InetSocketAddress("192.0.2.10", 53),
                new InetSocketAddress("fe80::1", 53)), HostResolvers.from(conf));
    }

    @Test
    void aMissingFileMeansNoResolvers() {
        assertEquals(List.of(), HostResolvers.from(dir.resolve("absent")));
    }
}
