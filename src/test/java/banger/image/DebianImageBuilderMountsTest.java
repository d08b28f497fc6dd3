package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Finding the mounts a killed debootstrap leaves inside a build directory. */
class DebianImageBuilderMountsTest {

    private static final String MOUNTS = """
            /dev/vda / ext4 rw,relatime 0 0
            proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
            proc /tmp/images/.debian.build-1/root/proc proc rw,relatime 0 0
            sysfs /tmp/images/.debian.build-1/root/sys sysfs rw,relatime 0 0
            devpts /tmp/images/.debian.build-1/root/dev/pts devpts rw 0 0
            tmpfs /tmp/images/.debian.build-1/root/run/with\\040space tmpfs rw 0 0
            proc /tmp/images/.debian.build-10/root/proc proc rw,relatime 0 0
            """;

    @Test
    void mountsUnderTheBuildDirectoryAreFoundDeepestFirstAndOthersLeftAlone() {
        List<String> found = DebianMounts.mountPointsUnder(MOUNTS, "/tmp/images/.debian.build-1");
        assertEquals(List.of(
                "/tmp/images/.debian.build-1/root/run/with space",
                "/tmp/images/.debian.build-1/root/dev/pts",
                "/tmp/images/.debian.build-1/root/proc",
                "/tmp/images/.debian.build-1/root/sys"), found);
    }

    @Test
    void noLeftoversMeansNothingToUnmount() {
        assertEquals(List.of(), DebianMounts.mountPointsUnder(MOUNTS, "/tmp/images/.debian.build-2"));
    }
}
