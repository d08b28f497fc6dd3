package banger.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading the guest's socket tables: listening sockets only, addresses decoded, owners found by inode. */
class PortTableTest {

    private static final String OUTPUT = """
            ## tcp
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000 100 0 0 10 0
               1: 0100007F:10E1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5678 1 0000 100 0 0 10 0
               2: 0200A8C0:0016 0100A8C0:C350 01 00000000:00000000 02:0000 00000000     0        0 999 4 0000 20 4 30 10 -1
            ## tcp6
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4321 1 0000 100 0 0 10 0
               1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4322 1 0000 100 0 0 10 0
            ## udp
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
              10: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 777 2 0000 0
              11: 0F00A8C0:D431 08080808:0035 01 00000000:00000000 00:00000000 00000000     0        0 778 2 0000 0
            ## udp6
            ## fd
            120 socket:[1234] dropbear
            300 socket:[5678] my server
            300 socket:[5678] my server
            55 pipe:[42] nope
            """;

    @Test
    void listeningTcpAndUnconnectedUdpSocketsAreListedWithTheirProcesses() {
        assertEquals(List.of(
                new GuestPort("tcp", "0.0.0.0", 22, 120, "dropbear"),
                new GuestPort("tcp", "::1", 631, null, null),
                new GuestPort("tcp", "127.0.0.1", 4321, 300, "my server"),
                new GuestPort("tcp", "::", 8080, null, null),
                new GuestPort("udp", "0.0.0.0", 68, null, null)), PortTable.parse(OUTPUT));
    }

    @Test
    void addressesAreDecodedFromTheKernelsByteOrder() {
        assertEquals("192.168.0.2", PortTable.address("0200A8C0"));
        assertEquals("::", PortTable.address("00000000000000000000000000000000"));
        assertEquals("::1", PortTable.address("00000000000000000000000001000000"));
    }

    @Test
    void nothingListensInAnEmptyTable() {
        assertEquals(List.of(), PortTable.parse("## tcp\n## tcp6\n## udp\n## udp6\n## fd\n"));
    }
}
