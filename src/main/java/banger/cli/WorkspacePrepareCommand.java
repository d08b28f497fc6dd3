package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `banger workspace prepare VM [DIR] [--path GUEST_DIR]`: sends the work tree as it is (tracked files with
 * their uncommitted changes, untracked files that are not ignored, and .git) as a tar stream; the guest's
 * copy replaces any earlier workspace, and HEAD is recorded as its base_commit.
 */
@Command(name = "prepare", description = "Import DIR's git work tree (default .) into the VM.")
final class WorkspacePrepareCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id.")
    private String vm;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR", description = "A git work tree (default: .).")
    private Path dir = Path.of(".");

    @Option(names = "--path", paramLabel = "GUEST_DIR",
            description = "Where the workspace goes in the guest (default: /root/<name of the work tree>).")
    private String guestPath;

    @Option(names = "--json", description = "Print the API's JSON.")
    private boolean json;

    @Override
    public Integer call() {
        JsonNode prepared = prepare(api(), err(), vm, dir, guestPath);
        if (json) {
            printJson(prepared);
        } else {
            out().printf("prepared %s:%s from %s (%d files, %d bytes)%n", vm, prepared.path("guest_path").asText(),
                    prepared.path("base_commit").asText(), prepared.path("files").asLong(),
                    prepared.path("bytes").asLong());
            out().flush();
        }
        return 0;
    }

    /**
     * Sends {@code dir}'s work tree to {@code vm} (at {@code guestPath}, or /root/NAME) with HEAD as base_commit,
     * showing progress on {@code err}; answers the API's prepared workspace. Shared with `vm run --workspace`.
     */
    static JsonNode prepare(ApiClient api, PrintWriter err, String vm, Path dir, String guestPath) {
        HostGit git = HostGit.workTree(dir);
        String base = git.check("reading HEAD (the repository needs a commit)", "rev-parse", "--verify", "HEAD")
                .strip();
        Path gitDir = git.dir().resolve(".git");
        if (!Files.isDirectory(gitDir)) {
            throw new CliError(git.dir() + "/.git is not a directory (linked work trees and submodules cannot be"
                    + " sent); use the main checkout");
        }
        List<String> paths = new ArrayList<>();
        for (String name : git.check("listing the work tree", "ls-files", "-co", "--exclude-standard", "-z")
                .split("\0")) {
            if (!name.isEmpty()) {
                paths.add(name);
            }
        }
        paths.add(".git");
        String target = guestPath != null ? guestPath : "/root/" + git.dir().getFileName();
        TransferProgress progress = new TransferProgress(err, "sending " + git.dir().getFileName() + " to "
                + vm + ":" + target);
        String path = ApiClient.withQuery(ApiPaths.vm(vm, "workspace"),
                List.of(Map.entry("path", target), Map.entry("base_commit", base)));
        try {
            return api.upload(path, "application/x-tar", () -> progress.counting(
                    TarStreams.of(git.dir(), paths, "")), ApiClient.TRANSFER_TIMEOUT);
        } finally {
            progress.finish();
        }
    }
}
