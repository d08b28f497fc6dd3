package banger.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import org.junit.jupiter.api.Test;

/** Guest paths from requests are absolute and plain, or refused as INVALID naming the field. */
class GuestPathsTest {

    @Test
    void absolutePlainPathsPassWithoutATrailingSlash() {
        assertEquals("/root/work", GuestPaths.absolute("path", "/root/work/"));
        assertEquals("/", GuestPaths.absolute("path", "/"));
        assertEquals("/a b/ünï", GuestPaths.absolute("path", "/a b/ünï"));
    }

    @Test
    void relativeDottedEmptyAndRootPathsAreRefused() {
        for (String bad : new String[] {"", "root/work", "/root/../etc", "/root/./x", "//x", "/a//b", "/a\0b"}) {
            Rejected e = assertThrows(Rejected.class, () -> GuestPaths.absolute("path", bad), bad);
            assertEquals(Rejection.Reason.INVALID_REQUEST, e.reason());
            assertTrue(e.getMessage().startsWith("path "), e.getMessage());
        }
        assertThrows(Rejected.class, () -> GuestPaths.belowRoot("path", "/"));
    }

    @Test
    void stagingIsAHiddenSiblingOfTheTarget() {
        String staging = GuestPaths.staging("/root/work", "import");
        assertTrue(staging.matches("/root/\\.work\\.banger-import-[0-9a-f]+"), staging);
        assertTrue(GuestPaths.staging("/top", "upload").matches("/\\.top\\.banger-upload-[0-9a-f]+"));
    }
}
