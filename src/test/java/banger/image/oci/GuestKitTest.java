package banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.ProcessHostCommands;
import banger.testsupport.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest kit taken from a real tiny image: its programs run through the kit's own loader and libraries. */
class GuestKitTest {

    @TempDir
    Path tmp;

    @Test
    void theKitHoldsBusyboxAndDropbearThatRunFromTheKitAlone() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("root"));
        ProcessHostCommands host = new ProcessHostCommands();
        new GuestKit(host).install(Path.of(TestImages.tiny().rootfs()), root, tmp);
        Path kit = root.resolve(".banger");
        assertTrue(Files.isExecutable(kit.resolve("init")));
        assertTrue(Files.isExecutable(kit.resolve("etc/acpi/PWRF/00000080")));
        assertEquals(Path.of("busybox"), Files.readSymbolicLink(kit.resolve("bin/sh")));
        // the loader wrapper resolves everything under /.banger, so run the real program the way it does
        var result = host.run(List.of(kit.resolve("lib/ld-linux-x86-64.so.2").toString(), "--library-path",
                kit.resolve("lib").toString(), kit.resolve("libexec/dropbearkey").toString(), "-h"), Duration.ofSeconds(20));
        String help = result.stdout() + result.stderr();
        assertTrue(help.contains("-t type"), help);
    }
}
