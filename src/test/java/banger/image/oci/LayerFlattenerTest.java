package banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LayerFlattenerTest {

    @TempDir
    Path tmp;
    Path root;
    Path outside;
    LayerFlattener flattener;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("a/b/root");
        outside = Files.createDirectories(tmp.resolve("outside"));
        flattener = new LayerFlattener(root);
    }

    private void apply(TestLayers layer) throws IOException {
        apply(layer, TestLayers.Compression.GZIP);
    }

    private void apply(TestLayers layer, TestLayers.Compression compression) throws IOException {
        flattener.apply(new ByteArrayInputStream(layer.blob(compression)), "sha256:test");
    }

    @ParameterizedTest
    @EnumSource(TestLayers.Compression.class)
    void layersAreReadUncompressedGzipOrZstd(TestLayers.Compression compression) throws IOException {
        apply(new TestLayers().dir("etc", 0755).file("etc/motd", "hello\n"), compression);
        assertEquals("hello\n", Files.readString(root.resolve("etc/motd")));
    }

    @Test
    void aWhiteoutDeletesTheLowerLayersFileAndAnOpaqueDirectoryLosesItsOldContents() throws IOException {
        apply(new TestLayers().dir("etc", 0755).file("etc/keep", "k").file("etc/gone", "g")
                .dir("data", 0755).file("data/old1", "1").dir("data/sub", 0755).file("data/sub/old2", "2"));
        apply(new TestLayers().whiteout("etc/gone").dir("data", 0755).opaque("data").file("data/new", "n"));
        assertTrue(Files.exists(root.resolve("etc/keep")));
        assertFalse(Files.exists(root.resolve("etc/gone")));
        assertFalse(Files.exists(root.resolve("etc/.wh.gone")));
        assertFalse(Files.exists(root.resolve("data/old1")));
        assertFalse(Files.exists(root.resolve("data/sub")));
        assertFalse(Files.exists(root.resolve("data/" + LayerFlattener.OPAQUE)));
        assertEquals("n", Files.readString(root.resolve("data/new")));
    }

    @Test
    void anOpaqueMarkerAfterItsDirectorysNewEntriesKeepsThem() throws IOException {
        apply(new TestLayers().dir("d", 0755).file("d/old", "o"));
        apply(new TestLayers().dir("d", 0755).file("d/new", "n").opaque("d"));
        assertFalse(Files.exists(root.resolve("d/old")));
        assertTrue(Files.exists(root.resolve("d/new")));
    }

    @Test
    void aLaterLayerReplacesAFileAndADirectoryByOtherKinds() throws IOException {
        apply(new TestLayers().file("x", "file").dir("y", 0755).file("y/inner", "i"));
        apply(new TestLayers().dir("x", 0700).file("y", "now a file"));
        assertTrue(Files.isDirectory(root.resolve("x")));
        assertEquals("now a file", Files.readString(root.resolve("y")));
    }

    @Test
    void symlinksHardLinksModesAndOwnersAreKept() throws IOException {
        apply(new TestLayers().dir("bin", 0755).file("bin/prog", "#!/bin/sh\n", 04755, 0, 0)
                .file("bin/mine", "m", 0640, 1000, 1001).symlink("bin/sh", "prog").hardlink("bin/prog2", "bin/prog")
                .dir("tmp", 01777));
        assertEquals(04755, mode(root.resolve("bin/prog")));
        assertEquals(01777, mode(root.resolve("tmp")));
        assertEquals(1000, Files.getAttribute(root.resolve("bin/mine"), "unix:uid"));
        assertEquals(1001, Files.getAttribute(root.resolve("bin/mine"), "unix:gid"));
        assertEquals(Path.of("prog"), Files.readSymbolicLink(root.resolve("bin/sh")));
        assertEquals(Files.getAttribute(root.resolve("bin/prog"), "unix:ino"),
                Files.getAttribute(root.resolve("bin/prog2"), "unix:ino"));
    }

    @Test
    void deviceNodesAreSkippedWithANote() throws IOException {
        apply(new TestLayers().dir("dev", 0755).charDevice("dev/null").file("dev/keep", "k"));
        assertFalse(Files.exists(root.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(root.resolve("dev/keep")));
        assertEquals(1, flattener.notes().size());
        assertTrue(flattener.notes().get(0).contains("device node /dev/null"), flattener.notes().toString());
    }

    @Test
    void anEntryWithDotDotIsRefusedAndNothingIsWrittenOutside() {
        assertRefused(new TestLayers().file("../../../outside/evil", "x"), "'..'");
    }

    @Test
    void anEntryWithAnAbsolutePathIsRefused() {
        assertRefused(new TestLayers().file("/etc/evil", "x"), "absolute path");
    }

    @Test
    void writingThroughASymlinkThatPointsOutsideIsRefused() throws IOException {
        apply(new TestLayers().symlink("escape", "../../../outside"));
        assertRefused(new TestLayers().file("escape/evil", "x"), "symlink pointing outside");
    }

    @Test
    void aWhiteoutThroughASymlinkThatPointsOutsideDeletesNothingOutside() throws IOException {
        Files.writeString(outside.resolve("victim"), "v");
        apply(new TestLayers().symlink("escape", "../../../outside"));
        assertRefused(new TestLayers().whiteout("escape/victim"), "symlink pointing outside");
        assertTrue(Files.exists(outside.resolve("victim")));
    }

    @Test
    void anAbsoluteSymlinkIsFollowedInsideTheImage() throws IOException {
        apply(new TestLayers().dir("usr", 0755).dir("usr/lib", 0755).symlink("lib", "/usr/lib"));
        apply(new TestLayers().file("lib/libx.so", "x"));
        assertEquals("x", Files.readString(root.resolve("usr/lib/libx.so")));
    }

    @Test
    void aSymlinkInTheFinalPositionIsReplacedNotFollowed() throws IOException {
        Files.writeString(outside.resolve("target"), "untouched");
        apply(new TestLayers().symlink("f", tmp.resolve("outside/target").toString()));
        apply(new TestLayers().file("f", "replaced"));
        assertFalse(Files.isSymbolicLink(root.resolve("f")));
        assertEquals("replaced", Files.readString(root.resolve("f")));
        assertEquals("untouched", Files.readString(outside.resolve("target")));
    }

    @Test
    void aHardLinkToAPathOutsideIsRefused() {
        assertRefused(new TestLayers().hardlink("h", "../../../outside/target"), "'..'");
    }

    private void assertRefused(TestLayers layer, String why) {
        Rejected e = assertThrows(Rejected.class, () -> apply(layer));
        assertEquals(Rejection.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertEquals(List.of(), listing(outside).stream().filter(p -> !p.getFileName().toString().equals("victim")
                && !p.getFileName().toString().equals("target")).toList());
    }

    private static List<Path> listing(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode") & 07777;
    }
}
