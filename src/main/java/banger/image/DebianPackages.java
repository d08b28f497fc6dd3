package banger.image;

import banger.host.CommandResult;
import banger.host.HostCommandException;
import banger.host.HostCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Fetches Debian packages as .deb files into a cache directory (apt-get download, no install) and unpacks
 * them (dpkg-deb -x). A package already in the cache is not downloaded again.
 */
final class DebianPackages {

    private static final Duration APT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(60);

    private final HostCommands commands;
    private final Path cacheDir;

    DebianPackages(HostCommands commands, Path cacheDir) {
        this.commands = commands;
        this.cacheDir = cacheDir;
    }

    /** The concrete package a metapackage depends on first, e.g. linux-image-cloud-amd64 → linux-image-6.1.0-56-cloud-amd64. */
    String resolveDependency(String metaPackage) {
        CommandResult result = commands.run(List.of("apt-cache", "depends", metaPackage), QUERY_TIMEOUT);
        Optional<String> dependency = firstDependency(result);
        if (dependency.isEmpty()) {
            // an empty package list (fresh container, cleaned lists) is the usual cause
            commands.check(List.of("apt-get", "update"), APT_TIMEOUT);
            dependency = firstDependency(commands.run(List.of("apt-cache", "depends", metaPackage), QUERY_TIMEOUT));
        }
        return dependency.orElseThrow(() -> new HostCommandException("apt-cache knows no dependency of " + metaPackage));
    }

    private static Optional<String> firstDependency(CommandResult result) {
        if (!result.ok()) {
            return Optional.empty();
        }
        return result.stdout().lines()
                .map(String::strip)
                .filter(l -> l.startsWith("Depends:"))
                .map(l -> l.substring("Depends:".length()).strip())
                .filter(p -> !p.startsWith("<"))
                .findFirst();
    }

    /**
     * The cached .deb of {@code pkg}, downloading it first if the cache has none. apt-get downloads into a
     * private directory and the .deb is renamed into the cache only when complete, so builds sharing the cache
     * (other images, other state dirs) never read half a file.
     */
    Path fetch(String pkg) {
        Optional<Path> cached = cached(pkg);
        if (cached.isPresent()) {
            return cached.get();
        }
        Path incoming;
        try {
            Files.createDirectories(cacheDir);
            incoming = Files.createTempDirectory(cacheDir, ".download-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a download directory in " + cacheDir, e);
        }
        try {
            List<String> download = List.of("env", "--chdir=" + incoming, "apt-get", "download", pkg);
            CommandResult result = commands.run(download, APT_TIMEOUT);
            if (!result.ok()) {
                commands.check(List.of("apt-get", "update"), APT_TIMEOUT);
                commands.check(download, APT_TIMEOUT);
            }
            try (Stream<Path> files = Files.list(incoming)) {
                for (Path deb : files.filter(f -> f.getFileName().toString().endsWith(".deb")).toList()) {
                    Files.move(deb, cacheDir.resolve(deb.getFileName()), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + pkg + " into " + cacheDir, e);
        } finally {
            FileTrees.delete(incoming);
        }
        return cached(pkg).orElseThrow(() -> new HostCommandException("apt-get download " + pkg + " left no .deb in " + cacheDir));
    }

    /** Unpacks a .deb's files (not its scripts) under {@code dir}. */
    void unpack(Path deb, Path dir) {
        commands.check(List.of("dpkg-deb", "-x", deb.toString(), dir.toString()), APT_TIMEOUT);
    }

    private Optional<Path> cached(String pkg) {
        if (!Files.isDirectory(cacheDir)) {
            return Optional.empty();
        }
        // apt names files <package>_<version>_<arch>.deb; '_' never occurs in a package name
        try (Stream<Path> files = Files.list(cacheDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(pkg + "_")
                            && f.getFileName().toString().endsWith(".deb"))
                    .sorted()
                    .reduce((a, b) -> b);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + cacheDir, e);
        }
    }
}
