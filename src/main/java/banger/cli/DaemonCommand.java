package banger.cli;

import banger.wire.DaemonOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/** `banger daemon`: runs the daemon in this process until it is stopped (SIGTERM / Ctrl-C). */
@Command(name = "daemon",
        description = {"Run the banger daemon in the foreground.",
                "Options given here override the config file; --state-dir (or $BANGER_STATE_DIR) too."})
final class DaemonCommand implements Callable<Integer> {

    private static final Pattern HOST_PORT = Pattern.compile("^(\\[[0-9a-fA-F:.]+]|[^:\\s]+):(\\d{1,5})$");

    /** Lower-case constants because picocli matches and lists them as typed: --vmm qemu. */
    enum VmmChoice { auto, qemu, firecracker }

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Address of the HTTP API (config default: 127.0.0.1:7070).")
    private String listen;

    @Option(names = "--vmm", paramLabel = "VMM", description = "VM monitor: ${COMPLETION-CANDIDATES}.")
    private VmmChoice vmm;

    @Option(names = "--config", paramLabel = "FILE", description = "Config file layered over the built-in one.")
    private Path configFile;

    @Override
    public Integer call() {
        if (listen != null && (!HOST_PORT.matcher(listen).matches()
                || Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1)) > 65535)) {
            throw new ParameterException(spec.commandLine(), "--listen wants HOST:PORT, got '" + listen + "'");
        }
        BangerCli root = BangerCli.of(spec);
        DaemonOptions options = new DaemonOptions(root.explicitStateDir(), Optional.ofNullable(listen),
                Optional.ofNullable(vmm).map(Enum::name), Optional.ofNullable(configFile));
        try {
            root.environment().daemon().accept(options);
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("banger: the daemon could not start: " + e.getMessage());
            return 1;
        }
        return 0;
    }
}
