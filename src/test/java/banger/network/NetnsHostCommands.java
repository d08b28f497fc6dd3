package banger.network;

import banger.host.CommandResult;
import banger.host.HostCommands;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs every program inside a named network namespace (`ip netns exec NS ...`), so the daemon's host-side
 * networking (bridge, TAPs, NAT, VMMs) can live in a namespace: for tests, and for hosts that keep banger apart.
 */
public final class NetnsHostCommands implements HostCommands {

    private final HostCommands delegate;
    private final String namespace;

    public NetnsHostCommands(HostCommands delegate, String namespace) {
        if (namespace == null || !namespace.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("invalid network namespace name: " + namespace);
        }
        this.delegate = delegate;
        this.namespace = namespace;
    }

    public String namespace() {
        return namespace;
    }

    @Override
    public CommandResult run(List<String> argv, Duration timeout, byte[] stdin) {
        return delegate.run(inNamespace(argv), timeout, stdin);
    }

    @Override
    public long startDetached(List<String> argv, Path output) {
        // `ip netns exec` execs the program in place, so the PID returned is still the program's own
        return delegate.startDetached(inNamespace(argv), output);
    }

    @Override
    public boolean available(String program) {
        return delegate.available(program);
    }

    private List<String> inNamespace(List<String> argv) {
        List<String> full = new ArrayList<>(argv.size() + 4);
        full.addAll(List.of("ip", "netns", "exec", namespace));
        full.addAll(argv);
        return full;
    }
}
