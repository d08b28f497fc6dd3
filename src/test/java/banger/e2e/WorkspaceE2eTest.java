package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.CommandResult;
import banger.host.ProcessHostCommands;
import banger.image.Image;
import banger.testsupport.TestImages;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git round trip on a real debian guest (it has git), through the CLI: a host checkout with a commit, a
 * modified tracked file, an untracked file and an ignored file is prepared; the guest commits and edits; the
 * export brings back a branch whose parent is base_commit and a patch that applies on it.
 */
class WorkspaceE2eTest {

    private static final Duration GIT = Duration.ofSeconds(30);
    private static final ProcessHostCommands HOST = new ProcessHostCommands();

    private static DaemonHarness daemon;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void bootDebianGuest() throws IOException {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        Image debian = TestImages.debian();
        daemon = DaemonHarness.start("workspace");
        // the cached test image, linked where the daemon builds presets: its bootstrap finds it complete
        Path images = Files.createDirectories(daemon.stateDir().resolve("images").resolve("debian"));
        Path source = Path.of(debian.rootfs()).getParent();
        for (String file : List.of("vmlinuz", "initrd.img", "rootfs.ext4", ".complete")) {
            Files.createLink(images.resolve(file), source.resolve(file));
        }
        daemon.expect(201, daemon.post("/v1/images/bootstrap?wait=true", Map.of("preset", "debian", "name", "debian")));
        daemon.expect(201, daemon.post("/v1/vms?wait=true", Map.of("name", "ws", "image", "debian", "start", true,
                "memory_mib", 512, "disk_mib", 2048)));
    }

    @AfterAll
    static void tearDown() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aCheckoutGoesInAsItIsAndTheGuestsCommitAndEditComeBackAsABranchOnBaseCommitAndAPatch() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("project"));
        git(repo, "init", "-q", "-b", "main");
        Files.writeString(repo.resolve("tracked.txt"), "one\n");
        Files.writeString(repo.resolve(".gitignore"), "*.log\n");
        git(repo, "add", "-A");
        git(repo, "-c", "user.name=host", "-c", "user.email=host@example.org", "commit", "-q", "-m", "first");
        String base = git(repo, "rev-parse", "HEAD").strip();
        Files.writeString(repo.resolve("tracked.txt"), "one\ntwo (uncommitted on the host)\n");
        Files.writeString(repo.resolve("untracked.txt"), "new on the host\n");
        Files.writeString(repo.resolve("build.log"), "ignored\n");

        BangerCliRun.Result prepare = BangerCliRun.run(daemon, "workspace", "prepare", "ws", repo.toString(),
                "--path", "/root/work");
        assertEquals(0, prepare.exit(), prepare.toString());
        assertTrue(prepare.out().contains(base), prepare.toString());
        assertTrue(prepare.err().contains("MB"), "progress in bytes on stderr: " + prepare.err());

        assertEquals("one\ntwo (uncommitted on the host)\n", guest("cat", "/root/work/tracked.txt"));
        assertEquals("new on the host\n", guest("cat", "/root/work/untracked.txt"));
        assertFalse(exec("test", "-e", "/root/work/build.log").path("exit_code").asInt() == 0,
                "the ignored file stays behind");
        assertEquals(base, guest("git", "-C", "/root/work", "rev-parse", "HEAD").strip());

        guest("sh", "-c", "cd /root/work && echo guest > guest-commit.txt && git add guest-commit.txt"
                + " && git -c user.name=guest -c user.email=guest@example.org commit -q -m 'from the guest'");
        guest("sh", "-c", "cd /root/work && echo 'three (uncommitted in the guest)' >> tracked.txt"
                + " && echo fresh > guest-untracked.txt");

        JsonNode shown = daemon.expect(200, daemon.get("/v1/vms/ws/workspace")).json();
        assertEquals(base, shown.path("base_commit").asText());
        assertTrue(shown.path("dirty").asBoolean(), shown.toString());

        BangerCliRun.Result export = BangerCliRun.run(daemon, "workspace", "export", "ws", repo.toString());
        assertEquals(0, export.exit(), export.toString());
        assertTrue(export.out().contains("base commit:  " + base), export.toString());
        assertTrue(export.out().contains("commits:      1"), export.toString());
        assertTrue(export.out().contains("guest-commit.txt") && export.out().contains("guest-untracked.txt"),
                export.toString());

        String branchHead = git(repo, "rev-parse", "banger/ws").strip();
        assertEquals(base, git(repo, "rev-parse", "banger/ws^").strip(), "the guest's commit sits on base_commit");
        assertEquals(guest("git", "-C", "/root/work", "rev-parse", "HEAD").strip(), branchHead);
        assertEquals("main", git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip(), "still on the user's branch");
        assertEquals("one\ntwo (uncommitted on the host)\n", Files.readString(repo.resolve("tracked.txt")),
                "the user's work tree is untouched");

        Path patch = repo.resolve(".git/banger/ws.patch");
        assertTrue(export.out().contains(patch.toString()), export.toString());
        Path check = tmp.resolve("check");
        git(repo, "worktree", "add", "-q", check.toString(), "banger/ws");
        git(check, "apply", "--check", patch.toString());
        git(check, "apply", patch.toString());
        assertEquals("fresh\n", Files.readString(check.resolve("guest-untracked.txt")));
        assertTrue(Files.readString(check.resolve("tracked.txt")).endsWith("three (uncommitted in the guest)\n"));

        assertEquals("?? guest-untracked.txt", guest("sh", "-c",
                "cd /root/work && git status --porcelain | grep guest-untracked").strip(),
                "the guest's index is untouched by the diff");
        List<String> history = daemon.historyTypes("ws");
        assertTrue(history.contains("WorkspacePrepared") && history.contains("WorkspaceExported"), history.toString());
        JsonNode after = daemon.expect(200, daemon.get("/v1/vms/ws/workspace")).json();
        assertEquals(1, after.path("last_export").path("commits").asInt(), after.toString());
    }

    private static JsonNode exec(String... argv) {
        return daemon.expect(200, daemon.post("/v1/vms/ws/exec", Map.of("argv", List.of(argv), "timeout_s", 60)))
                .json();
    }

    private static String guest(String... argv) {
        JsonNode r = exec(argv);
        assertEquals(0, r.path("exit_code").asInt(), String.join(" ", argv) + ": " + r);
        return r.path("stdout").asText();
    }

    private static String git(Path dir, String... args) {
        List<String> argv = new ArrayList<>(List.of("git", "-C", dir.toString()));
        argv.addAll(List.of(args));
        CommandResult r = HOST.run(argv, GIT);
        assertTrue(r.ok(), String.join(" ", argv) + ": " + r);
        return r.stdout();
    }
}
