package banger.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** A fresh state directory per test class, and the product's config pointed at it. */
final class TestDatabases {

    private TestDatabases() {
    }

    static Path newStateDir() {
        try {
            return Files.createTempDirectory("banger-persistence-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * reference.conf derives db-path from banger.state-dir by substitution, so the override goes in before
     * resolving (ConfigFactory.load() would already have resolved it to the default state dir).
     */
    static Config configFor(Path stateDir, String extra) {
        return ConfigFactory.parseString(extra)
                .withFallback(ConfigFactory.parseString("banger.state-dir = \"" + stateDir + "\""))
                .withFallback(ConfigFactory.defaultReferenceUnresolved())
                .resolve();
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
