package banger.daemon;

import banger.host.CommandResult;
import banger.host.HostCommands;
import banger.vmm.firecracker.FirecrackerJail;
import banger.vmm.qemu.QemuSandbox;
import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Decides from config banger.firecracker.jailer* whether and how Firecracker runs under its jailer. */
final class FirecrackerJailing {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private FirecrackerJailing() {
    }

    /**
     * The jail, if {@code jailer} is {@code on}, or {@code auto} and both binaries are found; the jail's user is
     * created when the host lacks it. Refuses to start ({@code on}) without the binaries.
     */
    static Optional<FirecrackerJail> fromConfig(Config b, HostCommands host) {
        String mode = b.getString("firecracker.jailer");
        if (!List.of("auto", "on", "off").contains(mode)) {
            throw new IllegalArgumentException("banger.firecracker.jailer must be auto, on or off, not '" + mode + "'");
        }
        if (mode.equals("off")) {
            return Optional.empty();
        }
        Optional<Path> jailer = onPath(b.getString("firecracker.jailer-binary"));
        Optional<Path> firecracker = onPath(b.getString("firecracker.binary"));
        if (jailer.isEmpty() || firecracker.isEmpty()) {
            if (mode.equals("on")) {
                throw new IllegalStateException("banger.firecracker.jailer = on, but " + (jailer.isEmpty()
                        ? b.getString("firecracker.jailer-binary") : b.getString("firecracker.binary")) + " is not found");
            }
            return Optional.empty();
        }
        String user = b.getString("firecracker.jailer-user");
        QemuSandbox.of(user).ensureUser(host);
        CommandResult entry = host.run(List.of("getent", "passwd", user), TIMEOUT);
        String[] fields = entry.stdout().strip().split(":");
        if (!entry.ok() || fields.length < 4) {
            throw new IllegalStateException("cannot read the uid and gid of " + user + ": " + entry.stderr());
        }
        return Optional.of(new FirecrackerJail(jailer.get(), firecracker.get(), Integer.parseInt(fields[2]),
                Integer.parseInt(fields[3])));
    }

    /** An absolute path as given, else the first executable of that name on PATH. */
    static Optional<Path> onPath(String program) {
        if (program.contains("/")) {
            Path p = Path.of(program).toAbsolutePath();
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Optional.of(Path.of(dir, program).toAbsolutePath());
            }
        }
        return Optional.empty();
    }
}
