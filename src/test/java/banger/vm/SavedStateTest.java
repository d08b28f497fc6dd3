package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.storage.VmDisk;
import banger.wire.EgressPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A saved state counts only when complete, and is refused for another VMM, other sizes or a changed disk. */
class SavedStateTest {

    @TempDir
    Path dir;

    private final VmSpec spec = new VmSpec("vm1", "sleeper", "tiny", 1, 256, 512, "172.30.0.9", Map.of(),
            EgressPolicy.ALLOW);

    private VmDisk disk() throws IOException {
        Path f = dir.resolve("disk.raw");
        if (!Files.exists(f)) {
            Files.write(f, new byte[4096]);
        }
        return new VmDisk(f, VmDisk.RAW);
    }

    private SavedState saved(int vcpus, int memoryMib) throws IOException {
        return new SavedState(10, Instant.now(), vcpus, memoryMib, "qemu", SavedState.DiskFingerprint.of(disk()));
    }

    @Test
    void aStateIsUsableOnlyWithTheSameVmmSizesAndUntouchedDisk() throws IOException {
        SavedState state = saved(1, 256);
        assertNull(state.unusableFor(spec, disk(), "qemu"));
        assertTrue(state.unusableFor(spec, disk(), "firecracker").contains("saved by qemu"));
        assertTrue(saved(2, 256).unusableFor(spec, disk(), "qemu").contains("size changed"));
        assertTrue(saved(1, 512).unusableFor(spec, disk(), "qemu").contains("size changed"));

        Files.setLastModifiedTime(disk().path(), FileTime.from(Instant.now().plusSeconds(5)));
        assertEquals("the disk changed since the suspend", state.unusableFor(spec, disk(), "qemu"));
    }

    @Test
    void onlyAStreamWithItsDescriptionOfTheSameSizeCounts() throws IOException {
        SavedStates states = new SavedStates(new VmDirectory(dir));
        assertTrue(states.read().isEmpty());
        assertEquals("the saved state file is missing", states.whyMissing());

        Files.write(states.partial(), new byte[10]);
        assertTrue(states.read().isEmpty(), "a stream still being written does not count");
        states.commitStream();
        assertTrue(states.read().isEmpty(), "nor one without its description");
        assertEquals("the saved state's description is missing", states.whyMissing());

        states.describe(saved(1, 256));
        assertEquals(10, states.read().orElseThrow().bytes());

        Files.write(states.stream(), new byte[7]);
        assertTrue(states.read().isEmpty(), "a truncated stream does not count");
        assertEquals("the saved state is incomplete or unreadable", states.whyMissing());

        states.discard();
        assertFalse(Files.exists(states.stream()));
        assertFalse(Files.exists(states.description()));
    }
}
