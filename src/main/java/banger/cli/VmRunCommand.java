package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `banger vm run [-- CMD...]`: create and boot a VM, run CMD in it as a session, show its output (attached to
 * this terminal when there is one) and exit with its exit code; --rm deletes the VM afterwards.
 */
@Command(name = "run", description = {"Create and boot a VM, run CMD in it as a session and exit with its exit code.",
        "Without CMD, a login shell on a terminal. Ctrl-] detaches and leaves the VM and session running."})
final class VmRunCommand extends SessionCommands.SessionCommand {

    /** Exit code when the session was lost (its VM stopped under it), as a shell reports a killed command. */
    static final int LOST_EXIT = 255;
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @Parameters(arity = "0..*", paramLabel = "CMD", description = "Command and its arguments (after --).")
    private List<String> argv = List.of();

    @Option(names = "--name", paramLabel = "NAME", description = "VM name (default: a generated two-word name).")
    private String name;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Image to boot (daemon default: tiny).")
    private String image;

    @Mixin
    private VmSizeOptions sizes;

    @Option(names = "--rm", description = "Delete the VM when the command ends.")
    private boolean remove;

    @Option(names = {"-d", "--detach"}, description = "Print the VM and session and return at once.")
    private boolean detach;

    @Option(names = "--workspace", paramLabel = "DIR", arity = "0..1", fallbackValue = ".",
            description = "Import DIR's git work tree (default .) before the command, which then runs in it.")
    private Path workspace;

    @Option(names = "--env", paramLabel = "K=V", description = "Environment of the command; repeatable.")
    private List<String> env = List.of();

    @Override
    public Integer call() throws IOException {
        boolean interactive = SessionAttacher.interactive();
        Map<String, Object> create = new LinkedHashMap<>();
        if (name != null) {
            create.put("name", name);
        }
        if (image != null) {
            create.put("image", image);
        }
        create.put("vcpus", sizes.vcpus);
        create.put("memory_mib", sizes.memoryMib);
        create.put("disk_mib", sizes.diskMib);
        create.put("labels", sizes.labels);
        create.put("start", true);
        JsonNode vm = withProgress("booting " + (name == null ? "a new VM" : name),
                () -> api().send("POST", ApiPaths.VMS + "?wait=true", create, ApiClient.LIFECYCLE_TIMEOUT));
        String vmName = vm.path("name").asText();
        boolean keepVm = false;
        try {
            Map<String, Object> start = new LinkedHashMap<>();
            boolean shell = argv.isEmpty();
            start.put("argv", shell ? List.of("sh", "-l") : argv);
            start.put("env", SessionCommands.env(env));
            if (workspace != null) {
                JsonNode prepared = WorkspacePrepareCommand.prepare(api(), err(), vmName, workspace, null);
                start.put("cwd", prepared.path("guest_path").asText());
            }
            boolean tty = shell && interactive;
            start.put("tty", tty);
            JsonNode session = sessions().start(vmName, start);
            String id = session.path("id").asText();
            if (detach) {
                out().println(vmName + " " + id);
                out().flush();
                keepVm = true;
                return 0;
            }
            if (interactive) {
                if (SessionAttacher.attach(sessions(), vmName, id, 0L, tty) == SessionAttacher.Outcome.DETACHED) {
                    err().println("\r\nbanger: detached; session " + id + " keeps running on VM " + vmName);
                    err().flush();
                    keepVm = true;
                    return 0;
                }
            } else {
                copy(sessions().output(vmName, id, 0, true).bytes());
            }
            return exitCode(vmName, id);
        } finally {
            if (remove && !keepVm) {
                withProgress("deleting " + vmName,
                        () -> api().send("DELETE", ApiPaths.vm(vmName) + "?wait=true", null,
                                ApiClient.LIFECYCLE_TIMEOUT));
            }
        }
    }

    /** The session's exit code once the guest reports it ended (the stream closing may come first). */
    private int exitCode(String vm, String id) {
        Instant deadline = Instant.now().plus(SETTLE);
        while (true) {
            JsonNode s = sessions().get(vm, id);
            switch (s.path("state").asText()) {
                case "exited" -> {
                    return s.path("exit_code").asInt();
                }
                case "lost" -> {
                    err().println("banger: session " + id + " was lost: " + s.path("reason").asText());
                    err().flush();
                    return LOST_EXIT;
                }
                default -> {
                    if (Instant.now().isAfter(deadline)) {
                        throw new CliError("session " + id + " still runs after its output ended");
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CliError("interrupted");
                    }
                }
            }
        }
    }
}
