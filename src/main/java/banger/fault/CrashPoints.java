package banger.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test-only fault-injection hook: the daemon kills itself at a named point, as a SIGKILL would, so a test can
 * crash it between two steps of one operation. Off unless the JVM is started with
 * {@code -Dbanger.fault.crash-file=PATH}; then, at every point, the daemon reads PATH, and if the file names that
 * point (one line, e.g. {@code launch:launch-vmm:done}), it deletes the file (each arming fires once) and halts
 * the JVM at once: no shutdown hook, no actor stop, no journal flush beyond what is already committed.
 *
 * <p>Points: {@code launch:<step>} before a launch step runs, {@code launch:<step>:done} after it succeeded (steps in
 * {@code banger.vm.LaunchPlan}), {@code journal:<Event>} once a write holding an event of that type (its class's
 * simple name, e.g. {@code VmRegistered}) is committed and before the writer hears so.
 */
public final class CrashPoints {

    /** The system property naming the arming file; unset in production, so every point is a no-op. */
    public static final String FILE_PROPERTY = "banger.fault.crash-file";
    /** The exit status of a crash at a point: what a shell reports for SIGKILL. */
    public static final int EXIT_STATUS = 137;

    private static final Logger log = LoggerFactory.getLogger(CrashPoints.class);
    private static final Path FILE = fileFromProperty();

    private CrashPoints() {
    }

    /** Halts the JVM if the arming file names {@code point}; returns at once when the hook is off. */
    public static void reached(String point) {
        if (FILE == null) {
            return;
        }
        String armed;
        try {
            armed = Files.readString(FILE, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            log.warn("crash point {}: cannot read {}: {}", point, FILE, e.toString());
            return;
        }
        if (!armed.equals(point)) {
            return;
        }
        try {
            Files.deleteIfExists(FILE);
        } catch (IOException e) {
            log.warn("crash point {}: cannot disarm {}: {}", point, FILE, e.toString());
        }
        log.error("crash point {} reached: halting the daemon (fault injection)", point);
        Runtime.getRuntime().halt(EXIT_STATUS);
    }

    private static Path fileFromProperty() {
        String file = System.getProperty(FILE_PROPERTY);
        return file == null || file.isBlank() ? null : Path.of(file);
    }
}
