package banger.network;

import banger.host.CommandResult;
import banger.host.HostCommands;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/** A fake {@link HostCommands} that models TAP links for `ip` and records every argv. Unit tests only. */
final class FakeLinks implements HostCommands {

    record Link(String master, boolean up) {
    }

    final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Link> links = new ConcurrentHashMap<>();
    volatile long createDelayMillis;
    volatile boolean failCreate;

    @Override
    public CommandResult run(List<String> argv, Duration timeout, byte[] stdin) {
        calls.add(List.copyOf(argv));
        String joined = String.join(" ", argv);
        if (joined.startsWith("ip tuntap add dev ")) {
            sleep(createDelayMillis);
            if (failCreate) {
                return result(argv, 1, "", "ioctl(TUNSETIFF): Operation not permitted");
            }
            links.put(argv.get(4), new Link(null, false));
            return result(argv, 0, "", "");
        }
        if (joined.startsWith("ip link set dev ") && argv.contains("master")) {
            String tap = argv.get(4);
            if (links.computeIfPresent(tap, (k, v) -> new Link(argv.get(argv.indexOf("master") + 1), true)) == null) {
                return result(argv, 1, "", "Cannot find device \"" + tap + "\"");
            }
            return result(argv, 0, "", "");
        }
        if (joined.startsWith("ip link del dev ")) {
            return links.remove(argv.get(4)) != null ? result(argv, 0, "", "")
                    : result(argv, 1, "", "Cannot find device \"" + argv.get(4) + "\"");
        }
        if (joined.equals("ip -o link show type tun")) {
            return result(argv, 0, links.keySet().stream().map(this::line).collect(Collectors.joining()), "");
        }
        if (joined.startsWith("ip -o link show dev ")) {
            String tap = argv.get(5);
            return links.containsKey(tap) ? result(argv, 0, line(tap), "")
                    : result(argv, 1, "", "Device \"" + tap + "\" does not exist.");
        }
        return result(argv, 0, "", "");
    }

    long count(String prefix) {
        synchronized (calls) {
            return calls.stream().filter(c -> String.join(" ", c).startsWith(prefix)).count();
        }
    }

    private String line(String name) {
        Link link = links.get(name);
        String flags = link != null && link.up() ? "NO-CARRIER,BROADCAST,MULTICAST,UP" : "BROADCAST,MULTICAST";
        String master = link != null && link.master() != null ? " master " + link.master() : "";
        return "7: " + name + ": <" + flags + "> mtu 1500 qdisc pfifo_fast" + master
                + " state DOWN mode DEFAULT group default qlen 1000\\    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n";
    }

    private static CommandResult result(List<String> argv, int exit, String out, String err) {
        return new CommandResult(List.copyOf(argv), exit, out, err);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public long startDetached(List<String> argv, Path output) {
        throw new UnsupportedOperationException("not used by the network tests");
    }

    @Override
    public boolean available(String program) {
        return true;
    }
}
