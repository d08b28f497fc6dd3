package banger.vmm.qemu;

import banger.host.CommandResult;
import banger.host.HostCommands;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How QEMU is confined: always a seccomp filter ({@code -sandbox on}) that forbids obsolete system calls,
 * spawning processes and changing resource limits, and, with a user, {@code -runas} that user once QEMU has
 * opened its disk, TAP, console file and QMP socket (so none of them needs to be accessible to that user).
 *
 * <p>QEMU 7.2 installs the filter before it drops to the user, so {@code elevateprivileges=deny} (no set*uid
 * calls) would kill it at its own setuid; with a user it is {@code allow}, which grants nothing: the process
 * then has no privilege to regain, and {@code spawn=deny} rules out exec'ing a set-uid program.
 */
public record QemuSandbox(Optional<String> runAs) {

    /** QEMU keeps root's identity but gets the filter with every elevation denied. */
    public static final QemuSandbox ROOT = new QemuSandbox(Optional.empty());
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    public QemuSandbox {
        runAs.ifPresent(user -> {
            if (!USER.matcher(user).matches()) {
                throw new IllegalArgumentException("banger.qemu.run-as '" + user + "' is not a user name");
            }
        });
    }

    /** From config banger.qemu.run-as: empty keeps QEMU as root. */
    public static QemuSandbox of(String runAs) {
        return runAs == null || runAs.isBlank() ? ROOT : new QemuSandbox(Optional.of(runAs.strip()));
    }

    List<String> arguments() {
        String elevate = runAs.isPresent() ? "allow" : "deny";
        String filter = "on,obsolete=deny,elevateprivileges=" + elevate + ",spawn=deny,resourcecontrol=deny";
        return runAs.map(user -> List.of("-sandbox", filter, "-runas", user)).orElse(List.of("-sandbox", filter));
    }

    /** Creates the run-as user (a system user with no home and no shell) when the host lacks it. */
    public void ensureUser(HostCommands hosts) {
        if (runAs.isEmpty()) {
            return;
        }
        String user = runAs.get();
        CommandResult known = hosts.run(List.of("getent", "passwd", user), TIMEOUT);
        if (!known.ok()) {
            hosts.check(List.of("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", "--user-group", user), TIMEOUT);
        }
    }
}
