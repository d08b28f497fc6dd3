package banger.cli;

import banger.wire.OperationView;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Waits for an operation to finish by polling it, while a "doing X..." line shows it is under way. An interrupt
 * (Ctrl-C) asks whether to cancel it: yes sends the cancel and keeps waiting for the outcome; no keeps waiting;
 * end of input leaves it running and says how to follow it.
 */
final class OperationFollower {

    static final Duration POLL = Duration.ofMillis(250);

    /** The user chose to stop waiting; the operation goes on in the daemon. */
    static final class Detached extends RuntimeException {
        Detached(String message) {
            super(message, null, false, false);
        }
    }

    private final ApiClient api;
    private final PrintWriter err;
    private final Supplier<BufferedReader> answers;
    private final AtomicBoolean interrupted;

    /** {@code interrupted} is set (by a Ctrl-C handler) when the user wants to be asked about cancelling. */
    OperationFollower(ApiClient api, PrintWriter err, Supplier<BufferedReader> answers, AtomicBoolean interrupted) {
        this.api = api;
        this.err = err;
        this.answers = answers;
        this.interrupted = interrupted;
    }

    /** Polls {@code op} until it has finished, and returns it as it ended. */
    OperationView follow(OperationView op) {
        OperationView now = op;
        while (!now.finished()) {
            if (interrupted.getAndSet(false)) {
                offerCancel(now);
            } else {
                pause();
            }
            now = api.convert(api.get(ApiPaths.operation(now.id())), OperationView.class);
        }
        return now;
    }

    private void offerCancel(OperationView op) {
        err.print("\nCancel " + describe(op) + "? [y/N] ");
        err.flush();
        String answer;
        try {
            answer = answers.get().readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (answer == null) {
            throw new Detached("stopped waiting; " + describe(op) + " goes on: banger op show " + op.id());
        }
        if (!answer.trim().equalsIgnoreCase("y") && !answer.trim().equalsIgnoreCase("yes")) {
            err.print("still waiting (Ctrl-C to ask again)... ");
            err.flush();
            return;
        }
        try {
            api.send("DELETE", ApiPaths.operation(op.id()), null, ApiClient.LIFECYCLE_TIMEOUT);
            err.print("cancelled... ");
        } catch (CliError refused) {
            // e.g. a delete under way cannot be undone: say so, and wait for its outcome
            err.print("not cancelled (" + refused.getMessage() + "); still waiting... ");
        }
        err.flush();
    }

    static String describe(OperationView op) {
        return "operation " + op.id() + " (" + op.kind() + " " + op.vm() + ")";
    }

    private void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Detached("interrupted");
        }
    }
}
