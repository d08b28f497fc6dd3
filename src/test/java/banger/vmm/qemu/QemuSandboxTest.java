package banger.vmm.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import banger.host.CommandResult;
import banger.host.HostCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** QEMU's confinement options, and the run-as user made only when the host lacks it. */
class QemuSandboxTest {

    @Test
    void withoutAUserQemuKeepsRootButMayNotElevateSpawnOrChangeLimits() {
        assertEquals(List.of("-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"),
                QemuSandbox.of("").arguments());
    }

    @Test
    void withAUserQemuDropsToItAfterOpeningItsFiles() {
        assertEquals(List.of("-sandbox", "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny",
                "-runas", "banger-vmm"), QemuSandbox.of("banger-vmm").arguments());
    }

    @Test
    void aUserNameThatIsNotOneIsRefused() {
        for (String bad : List.of("root,evil", "-runas", "a b", "UPPER", "x".repeat(40))) {
            assertThrows(IllegalArgumentException.class, () -> QemuSandbox.of(bad), bad);
        }
    }

    @Test
    void theUserIsCreatedOnlyWhenMissing() {
        List<List<String>> calls = new ArrayList<>();
        boolean[] known = {false};
        HostCommands hosts = new HostCommands() {
            @Override
            public CommandResult run(List<String> argv, Duration timeout, byte[] stdin) {
                calls.add(argv);
                boolean ok = !argv.get(0).equals("getent") || known[0];
                return new CommandResult(argv, ok ? 0 : 2, "", "");
            }

            @Override
            public long startDetached(List<String> argv, Path output) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean available(String program) {
                return true;
            }
        };
        QemuSandbox sandbox = QemuSandbox.of("banger-vmm");
        sandbox.ensureUser(hosts);
        assertEquals(List.of(List.of("getent", "passwd", "banger-vmm"), List.of("useradd", "--system",
                "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--user-group",
                "banger-vmm")), calls);
        calls.clear();
        known[0] = true;
        sandbox.ensureUser(hosts);
        assertEquals(List.of(List.of("getent", "passwd", "banger-vmm")), calls);
        calls.clear();
        QemuSandbox.ROOT.ensureUser(hosts);
        assertEquals(List.of(), calls);
    }
}
