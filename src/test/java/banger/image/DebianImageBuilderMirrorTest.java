package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import banger.host.ProcessHostCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the builder picks the Debian mirror from the host's apt sources. */
class DebianImageBuilderMirrorTest {

    @TempDir
    Path apt;

    @Test
    void deb822SourceListingTheSuiteWinsOverThirdPartyAndSecurityEntries() throws IOException {
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list.d/a-nodesource.sources"), """
                Types: deb
                URIs: https://deb.nodesource.com/node_20.x
                Suites: nodistro
                Components: main
                """);
        Files.writeString(apt.resolve("sources.list.d/debian.sources"), """
                Types: deb
                # http://snapshot.debian.org/archive/debian-security/20250520T000000Z
                URIs: http://security.example/debian-security
                Suites: bookworm-security
                Components: main

                Types: deb
                URIs: http://mirror.example/debian/
                Suites: bookworm bookworm-updates
                Components: main
                Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
                """);
        assertEquals("http://mirror.example/debian", DebianMirror.forSuite(apt, "bookworm"));
    }

    @Test
    void oneLineSourcesWithOptionsAndCommentsAreRead() throws IOException {
        Files.writeString(apt.resolve("sources.list"), """
                # deb http://commented.example/debian bookworm main
                deb-src http://src.example/debian bookworm main
                deb [arch=amd64 signed-by=/k.gpg] http://local.example:3142/debian bookworm main contrib # cached
                """);
        assertEquals(List.of(new DebianMirror.Source("http://local.example:3142/debian", List.of("bookworm"))),
                DebianMirror.read(apt));
        assertEquals("http://local.example:3142/debian", DebianMirror.forSuite(apt, "bookworm"));
    }

    @Test
    void disabledStanzasAndFilesAptIgnoresAreSkipped() throws IOException {
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list.d/old.list.disabled"), "deb http://disabled.example/debian bookworm main\n");
        Files.writeString(apt.resolve("sources.list.d/off.sources"), """
                Types: deb
                URIs: http://off.example/debian
                Suites: bookworm
                Enabled: no
                """);
        assertEquals(List.of(), DebianMirror.read(apt));
    }

    @Test
    void aReleaseSuiteOfAnotherReleaseIsUsedWhenNoSourceListsTheSuite() throws IOException {
        Files.writeString(apt.resolve("sources.list"), """
                deb http://security.example/debian-security trixie-security main
                deb http://mirror.example/debian trixie main
                """);
        assertEquals("http://mirror.example/debian", DebianMirror.forSuite(apt, "bookworm"));
    }

    @Test
    void withoutAnyDebianSourceTheDefaultMirrorIsUsed() {
        assertEquals(DebianMirror.DEFAULT, DebianMirror.forSuite(apt, "bookworm"));
    }

    @Test
    void anExplicitMirrorMustBeAUrl() {
        ProcessHostCommands commands = new ProcessHostCommands();
        assertThrows(IllegalArgumentException.class, () -> new DebianImageBuilder(commands, "mirror.example/debian"));
        assertThrows(IllegalArgumentException.class, () -> new DebianImageBuilder(commands, "http://a.example/debian b"));
        assertEquals("file:///srv/debian", new DebianImageBuilder(commands, "file:///srv/debian").mirror());
    }
}
