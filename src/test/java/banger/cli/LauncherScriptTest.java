package banger.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the real bin/banger. When target/ has no fresh jar the script builds one with Maven (~12 s here; export
 * BANGER_MVN_ARGS=-o to build offline); with a fresh jar it takes about a second.
 */
class LauncherScriptTest {

    @Test
    void helpPrintsTheUsage() throws Exception {
        Path script = Path.of("bin/banger").toAbsolutePath();
        assertTrue(Files.isExecutable(script), script + " is executable");
        Path output = Files.createTempFile("banger-help", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(script.toString(), "--help")
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            Process process = builder.start();
            boolean finished = process.waitFor(5, TimeUnit.MINUTES);
            if (!finished) {
                process.destroyForcibly();
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);

            assertTrue(finished, "bin/banger --help finished");
            assertEquals(0, process.exitValue(), text);
            assertTrue(text.contains("Usage: banger"), text);
            assertTrue(text.contains("daemon") && text.contains("vm") && text.contains("doctor"), text);
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
