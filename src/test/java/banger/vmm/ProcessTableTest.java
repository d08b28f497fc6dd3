package banger.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTableTest {

    @TempDir
    Path fakeProc;

    private void fakeProcess(long pid, String stat, String cmdline) throws IOException {
        Path dir = Files.createDirectories(fakeProc.resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("stat"), stat);
        Files.writeString(dir.resolve("cmdline"), cmdline);
    }

    @Test
    void thisJvmIsRunningAndItsCommandLineIsRead() {
        ProcessTable table = new ProcessTable();
        long self = ProcessHandle.current().pid();
        assertTrue(table.running(self));
        List<String> argv = table.commandLine(self);
        assertTrue(argv.get(0).endsWith("java"), argv.toString());
        assertTrue(table.runningWithArgument(self, argv.get(0)));
    }

    @Test
    void missingProcessIsNotRunning() throws IOException {
        ProcessTable table = new ProcessTable(fakeProc);
        assertEquals(Optional.empty(), table.state(4242));
        assertFalse(table.running(4242));
        assertEquals(List.of(), table.commandLine(4242));
    }

    @Test
    void anEntryThatCannotBeReadIsToldFromAMissingProcess() throws IOException {
        fakeProcess(12, "12 (qemu-system-x86) S 1 12 12", "qemu\0");
        // a stat that cannot be read as a file stands for one /proc refuses (as root a chmod would not refuse)
        Files.createDirectories(fakeProc.resolve("13").resolve("stat"));
        ProcessTable table = new ProcessTable(fakeProc);
        assertEquals(Optional.empty(), table.unreadable(12), "a process whose entry was read");
        assertEquals(Optional.empty(), table.unreadable(4242), "no such process");
        assertFalse(table.running(13));
        assertTrue(table.unreadable(13).orElseThrow().contains("/13/stat"), table.unreadable(13).toString());
    }

    @Test
    void zombieIsNotRunning() throws IOException {
        fakeProcess(10, "10 (qemu-system-x86) Z 1 10 10 0 -1", "");
        ProcessTable table = new ProcessTable(fakeProc);
        assertEquals(Optional.of('Z'), table.state(10));
        assertFalse(table.running(10));
    }

    @Test
    void stateIsReadAfterTheLastParenthesisOfAnOddCommandName() throws IOException {
        fakeProcess(11, "11 (a) Z (b) S 1 11 11", "qemu\0-name\0banger-vm1\0");
        ProcessTable table = new ProcessTable(fakeProc);
        assertEquals(Optional.of('S'), table.state(11));
        assertEquals(List.of("qemu", "-name", "banger-vm1"), table.commandLine(11));
    }

    @Test
    void markerMustBeAWholeArgument() throws IOException {
        fakeProcess(12, "12 (qemu) S 1", "qemu\0-name\0banger-vm10\0");
        ProcessTable table = new ProcessTable(fakeProc);
        assertTrue(table.runningWithArgument(12, "banger-vm10"));
        assertFalse(table.runningWithArgument(12, "banger-vm1"));
    }
}
