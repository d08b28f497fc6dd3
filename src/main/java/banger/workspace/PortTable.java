package banger.workspace;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the output of {@link GuestScripts#PORTS}: the kernel's socket tables (/proc/net/tcp, tcp6, udp, udp6)
 * and which process holds which socket inode. Listening means TCP state LISTEN (0A) or an unconnected UDP
 * socket (07 with no remote port).
 */
final class PortTable {

    private static final String TCP_LISTEN = "0A";
    private static final String UDP_UNCONNECTED = "07";

    private PortTable() {
    }

    static List<GuestPort> parse(String output) {
        Map<String, String[]> owners = new HashMap<>();
        List<String[]> sockets = new ArrayList<>();
        String section = "";
        for (String line : output.split("\n")) {
            if (line.startsWith("## ")) {
                section = line.substring(3).strip();
                continue;
            }
            String[] f = line.strip().split("\\s+");
            if (section.equals("fd")) {
                // "<pid> socket:[<inode>] <comm>"; comm may hold spaces
                if (f.length >= 3 && f[1].startsWith("socket:[") && f[1].endsWith("]")) {
                    String inode = f[1].substring(8, f[1].length() - 1);
                    String comm = line.strip().split("\\s+", 3)[2];
                    owners.putIfAbsent(inode, new String[] {f[0], comm});
                }
            } else if (!section.isEmpty() && f.length >= 10 && f[0].endsWith(":") && !f[0].equals("sl")) {
                sockets.add(new String[] {section, f[1], f[2], f[3], f[9]});
            }
        }
        Set<GuestPort> ports = new LinkedHashSet<>();
        for (String[] s : sockets) {
            String table = s[0];
            boolean tcp = table.startsWith("tcp");
            boolean listening = tcp ? s[3].equals(TCP_LISTEN)
                    : s[3].equals(UDP_UNCONNECTED) && s[2].endsWith(":0000");
            if (!listening) {
                continue;
            }
            int colon = s[1].lastIndexOf(':');
            String address = address(s[1].substring(0, colon));
            int port = Integer.parseInt(s[1].substring(colon + 1), 16);
            String[] owner = owners.get(s[4]);
            ports.add(new GuestPort(tcp ? "tcp" : "udp", address, port,
                    owner == null ? null : Integer.valueOf(owner[0]), owner == null ? null : owner[1]));
        }
        List<GuestPort> sorted = new ArrayList<>(ports);
        sorted.sort(Comparator.comparing(GuestPort::protocol).thenComparingInt(GuestPort::port)
                .thenComparing(GuestPort::address));
        return sorted;
    }

    /** /proc/net prints addresses as 32-bit words in host (little-endian) order, hex. */
    static String address(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = (word * 4 + (3 - i)) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress().replaceFirst("(^|:)0(:0)+(:|$)", "::");
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + hex, e);
        }
    }
}
