package banger.vm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A VM's saved state on disk: {@code saved-state.bin} (the VMM's stream) and {@code saved-state.json}
 * ({@link SavedState}). The stream is written under a temporary name and renamed when complete, and the JSON is
 * written last (temp file + rename): a state counts only once both are there and agree on the size, so a daemon
 * killed mid-suspend never leaves a half state that looks usable.
 */
record SavedStates(VmDirectory dir) {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .enable(SerializationFeature.INDENT_OUTPUT);

    Path partial() {
        return dir.root().resolve("saved-state.bin.partial");
    }

    Path stream() {
        return dir.root().resolve("saved-state.bin");
    }

    Path description() {
        return dir.root().resolve("saved-state.json");
    }

    /** The complete saved state, or empty (none, or one a crash left half written). */
    Optional<SavedState> read() {
        Path f = description();
        if (!Files.exists(f) || !Files.exists(stream())) {
            return Optional.empty();
        }
        try {
            SavedState saved = JSON.readValue(f.toFile(), SavedState.class);
            return Files.size(stream()) == saved.bytes() ? Optional.of(saved) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Why there is no usable state file, for a cold boot's reason. */
    String whyMissing() {
        if (!Files.exists(stream())) {
            return "the saved state file is missing";
        }
        if (!Files.exists(description())) {
            return "the saved state's description is missing";
        }
        return "the saved state is incomplete or unreadable";
    }

    /** The stream written under its temporary name is complete: it takes its real name. */
    void commitStream() {
        move(partial(), stream());
    }

    void describe(SavedState saved) {
        Path tmp = dir.root().resolve("saved-state.json.tmp");
        try {
            JSON.writeValue(tmp.toFile(), saved);
            move(tmp, description());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + description(), e);
        }
    }

    /** Removes every file of a saved state, complete or not. */
    void discard() {
        try {
            for (Path f : new Path[] {description(), dir.root().resolve("saved-state.json.tmp"), stream(), partial()}) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the saved state of " + dir.root(), e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + from + " to " + to, e);
        }
    }
}
