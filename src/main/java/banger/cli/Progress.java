package banger.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** A "doing X... done (3 s)" line on stderr around a slow request, so a waiting user sees what is going on. */
final class Progress {

    private final PrintWriter err;
    private final Clock clock;
    private final Instant started;

    private Progress(PrintWriter err, Clock clock) {
        this.err = err;
        this.clock = clock;
        this.started = clock.instant();
    }

    static Progress start(PrintWriter err, String message, Clock clock) {
        err.print(message + "... ");
        err.flush();
        return new Progress(err, clock);
    }

    void done() {
        end("done");
    }

    void failed() {
        end("failed");
    }

    void end(String outcome) {
        Duration elapsed = Duration.between(started, clock.instant());
        err.println(outcome + " (" + Formats.duration(elapsed) + ")");
        err.flush();
    }
}
