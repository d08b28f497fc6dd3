package banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void aBareNameIsADockerHubLibraryImageAtLatest() {
        assertEquals(new ImageReference("registry-1.docker.io", "library/busybox", "latest", null),
                ImageReference.parse("busybox"));
    }

    @Test
    void dockerHubUserRepositoriesKeepTheirNamespace() {
        assertEquals(new ImageReference("registry-1.docker.io", "bitnami/redis", "7.2", null),
                ImageReference.parse("docker.io/bitnami/redis:7.2"));
    }

    @Test
    void aRegistryWithAPortIsNotMistakenForATag() {
        ImageReference r = ImageReference.parse("127.0.0.1:5000/tests/busybox:1.36");
        assertEquals(new ImageReference("127.0.0.1:5000", "tests/busybox", "1.36", null), r);
        assertEquals("127.0.0.1", r.host());
        assertEquals("1.36", r.manifestReference());
    }

    @Test
    void aRegistryWithAPortAndNoTagDefaultsToLatest() {
        assertEquals(new ImageReference("localhost:5000", "busybox", "latest", null),
                ImageReference.parse("localhost:5000/busybox"));
    }

    @Test
    void aDigestIsWhatTheManifestIsFetchedBy() {
        ImageReference r = ImageReference.parse("ghcr.io/org/app@" + DIGEST);
        assertEquals(new ImageReference("ghcr.io", "org/app", null, DIGEST), r);
        assertEquals(DIGEST, r.manifestReference());
        ImageReference both = ImageReference.parse("ghcr.io/org/app:v1@" + DIGEST);
        assertEquals("v1", both.tag());
        assertEquals(DIGEST, both.manifestReference());
    }

    @Test
    void localhostIsARegistryEvenWithoutADot() {
        assertEquals("localhost", ImageReference.parse("localhost/app").registry());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " busybox", "Busybox", "busybox:", "busybox:bad tag", "busybox@sha256:123",
            "busybox@md5:" + "ab", "host:5000/", "a//b", "-lead/x", "reg.io/UPPER/x", "busybox:-x",
            "ex ample.com/x"})
    void malformedReferencesAreRefusedAsInvalid(String text) {
        Rejected e = assertThrows(Rejected.class, () -> ImageReference.parse(text));
        assertEquals(Rejection.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().startsWith("malformed image reference"), e.getMessage());
    }
}
