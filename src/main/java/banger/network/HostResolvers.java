package banger.network;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's own DNS resolvers, read from resolv.conf, for names the VM DNS server does not own. */
public final class HostResolvers {

    private HostResolvers() {
    }

    /** The {@code nameserver} entries of {@code resolvConf}, port 53; empty when the file is missing. */
    public static List<InetSocketAddress> from(Path resolvConf) {
        if (!Files.isRegularFile(resolvConf)) {
            return List.of();
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(resolvConf)) {
                String[] words = line.strip().split("\\s+");
                if (words.length >= 2 && words[0].equals("nameserver")) {
                    servers.add(new InetSocketAddress(words[1].replaceFirst("%.*$", ""), 53));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return List.copyOf(servers);
    }
}
