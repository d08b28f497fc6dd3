package banger.cli;

import picocli.CommandLine.Option;

/** The expiry rules `vm create` and `vm set` both take (a picocli mixin); 0 removes a rule on `vm set`. */
final class VmExpiryOptions {

    @Option(names = "--ttl", paramLabel = "SECONDS",
            description = "Seconds the VM may run from its start (on `vm set`: from now); 0: no limit.")
    Integer ttlS;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "Seconds the running VM may go without API activity (exec, sessions, files, console).")
    Integer idleTimeoutS;

    @Option(names = "--on-expiry", paramLabel = "ACTION", description = "stop (default), delete or suspend.")
    String onExpiry;

    boolean none() {
        return ttlS == null && idleTimeoutS == null && onExpiry == null;
    }
}
