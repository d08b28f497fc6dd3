package banger.cli;

import banger.wire.VmView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * `banger vm ssh NAME [-- CMD...]`: the system ssh client, logged in as root with the daemon's key; the session
 * counts as activity on the VM for its idle timeout.
 */
@Command(name = "ssh",
        description = {"Open an SSH session to a VM (or run CMD there) with the daemon's key.",
                "The key is <state-dir>/ssh/id_ed25519, so this usually needs root."})
final class VmSshCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "VM name or id.")
    private String ref;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "CMD", description = "Remote command (after --).")
    private List<String> command = List.of();

    @Override
    public Integer call() throws IOException, InterruptedException {
        VmView vm = api().convert(api().get(ApiPaths.vm(ref)), VmView.class);
        if (vm.address() == null || vm.address().isBlank()) {
            throw new CliError("VM " + vm.name() + " has no address (state: " + vm.state() + ")");
        }
        Path key = root().stateDir().resolve("ssh").resolve("id_ed25519");
        if (!Files.isReadable(key)) {
            throw new CliError("cannot read the SSH key " + key + " (run as root, or give --state-dir)");
        }
        List<String> argv = new ArrayList<>(List.of("ssh", "-i", key.toString(),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "root@" + hostOf(vm.address())));
        argv.addAll(command);
        out().flush();
        err().flush();
        try (SshKeepAlive keepAlive = SshKeepAlive.start(api(), vm.id(), vm.idleTimeoutS())) {
            return root().environment().terminal().run(argv);
        } catch (IOException e) {
            throw new CliError("cannot run ssh (is openssh-client installed?): " + e.getMessage(), e);
        }
    }

    /** The address may come as CIDR ("172.30.0.5/24"); ssh wants the host alone. */
    private static String hostOf(String address) {
        int slash = address.indexOf('/');
        return slash < 0 ? address : address.substring(0, slash);
    }
}
