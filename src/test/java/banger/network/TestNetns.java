package banger.network;

import banger.host.HostCommands;
import banger.host.ProcessHostCommands;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A throw-away network namespace for tests; {@link #close()} deletes it with everything inside. */
final class TestNetns implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    final String name;
    final HostCommands hosts;
    private final HostCommands root = new ProcessHostCommands();

    TestNetns() {
        name = "bgtest-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
        root.check(List.of("ip", "netns", "add", name), TIMEOUT);
        hosts = new NetnsHostCommands(root, name);
    }

    @Override
    public void close() {
        root.run(List.of("ip", "netns", "delete", name), TIMEOUT);
    }
}
