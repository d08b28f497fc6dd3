package banger.vm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** The files one VM owns under {@code <state-dir>/vms/<id>/}: disk, console log, sockets, handles.json. */
public record VmDirectory(Path root) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static VmDirectory of(Path stateDir, String vmId) {
        return new VmDirectory(stateDir.resolve("vms").resolve(vmId));
    }

    public Path consoleLog() {
        return root.resolve("console.log");
    }

    public Path handlesFile() {
        return root.resolve("handles.json");
    }

    /**
     * Present while a warm start's VMM loads the saved state and has not yet let the guest run: a VMM found with it
     * after a daemon restart never resumed its guest and is not adopted.
     */
    public Path loadingMarker() {
        return root.resolve("loading-saved-state");
    }

    public Path create() {
        try {
            return Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root, e);
        }
    }

    public Optional<VmHandles> readHandles() {
        Path f = handlesFile();
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), VmHandles.class));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + f, e);
        }
    }

    /** Written atomically (temp file + rename) so a crash never leaves half a file. */
    public void writeHandles(VmHandles handles) {
        Path tmp = root.resolve("handles.json.tmp");
        try {
            JSON.writeValue(tmp.toFile(), handles);
            Files.move(tmp, handlesFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + handlesFile(), e);
        }
    }

    public void clearLoadingMarker() {
        try {
            Files.deleteIfExists(loadingMarker());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + loadingMarker(), e);
        }
    }

    public void clearHandles() {
        try {
            Files.deleteIfExists(handlesFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + handlesFile(), e);
        }
    }

    public void removeAll() {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root, e);
        }
    }
}
