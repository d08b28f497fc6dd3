package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `banger workspace export VM [DIR] [--branch NAME]`: the guest's commits since base_commit are fetched (from a
 * git bundle) into DIR's repository as branch banger/VM (or NAME), and its uncommitted changes are written as a
 * patch under .git/banger/. The checked-out branch, the index and the work tree are not touched.
 */
@Command(name = "export", description = "Bring the VM's commits (as a branch) and uncommitted changes (as a patch) back.")
final class WorkspaceExportCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id.")
    private String vm;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR", description = "The git work tree (default: .).")
    private Path dir = Path.of(".");

    @Option(names = "--branch", paramLabel = "NAME", description = "Branch for the guest's commits (default: banger/VM).")
    private String branch;

    @Override
    public Integer call() {
        HostGit git = HostGit.workTree(dir);
        String name = branch != null ? branch : "banger/" + vm;
        if (!git.run("check-ref-format", "--branch", name).ok()) {
            throw new CliError("\"" + name + "\" is not a valid branch name");
        }
        JsonNode workspace = api().get(ApiPaths.vm(vm, "workspace"));
        String base = workspace.path("base_commit").asText(null);
        if (base == null) {
            throw new CliError("the workspace in " + vm + " has no base_commit; nothing to export against");
        }
        Path exportDir = git.dir().resolve(".git").resolve("banger");
        TreeSet<String> changed = new TreeSet<>();
        int commits = 0;
        String head = base;
        Optional<InputStream> bundle = api().download(ApiPaths.vm(vm, "workspace/bundle"));
        if (bundle.isPresent()) {
            Path file = save(bundle.get(), exportDir, vm + ".bundle");
            try {
                git.check("fetching the guest's commits", "fetch", "--quiet", "--no-tags", file.toString(),
                        "+HEAD:refs/heads/" + name);
            } finally {
                deleteQuietly(file);
            }
            head = git.check("reading the fetched branch", "rev-parse", "refs/heads/" + name).strip();
            commits = Integer.parseInt(git.check("counting commits", "rev-list", "--count", base + ".." + head).strip());
            for (String f : git.check("listing changed files", "diff", "--name-only", base, head).split("\n")) {
                if (!f.isBlank()) {
                    changed.add(f);
                }
            }
        }
        Path patch = save(api().download(ApiPaths.vm(vm, "workspace/diff")).orElse(InputStream.nullInputStream()),
                exportDir, vm + ".patch");
        boolean uncommitted = size(patch) > 0;
        if (uncommitted) {
            for (String line : git.check("reading the patch", "apply", "--numstat", patch.toString()).split("\n")) {
                String[] f = line.split("\t", 3);
                if (f.length == 3) {
                    changed.add(f[2]);
                }
            }
        } else {
            deleteQuietly(patch);
        }
        out().printf("base commit:  %s%n", base);
        out().printf("guest head:   %s%n", head);
        out().printf("commits:      %d%s%n", commits, commits > 0 ? " (branch " + name + ")" : "");
        out().printf("uncommitted:  %s%n", uncommitted ? "patch " + patch : "none");
        out().printf("changed files (%d):%n", changed.size());
        changed.forEach(f -> out().println("  " + f));
        out().flush();
        return 0;
    }

    private static Path save(InputStream body, Path dir, String fileName) {
        try (InputStream in = body) {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + fileName, ".part");
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            Path file = dir.resolve(fileName);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + fileName + " in " + dir, e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover under .git/banger is harmless
        }
    }
}
