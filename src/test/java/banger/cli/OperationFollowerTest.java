package banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.wire.OperationView;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What a Ctrl-C while the CLI waits on an operation does: ask, then cancel, keep waiting, or let it go on. */
class OperationFollowerTest extends CliAgainstFakeDaemonTest {

    private final StringWriter err = new StringWriter();

    private OperationFollower follower(String typed, AtomicBoolean interrupted) {
        ApiClient api = new ApiClient(daemon.url(), new ApiClient.Token(Optional.of("t"), "test"), ApiJson.mapper());
        return new OperationFollower(api, new PrintWriter(err, true),
                () -> new BufferedReader(new StringReader(typed)), interrupted);
    }

    private static OperationView running(String id) {
        try {
            return ApiJson.mapper().readValue(ApiSamples.operation(id, "start_vm", "web", "running"),
                    OperationView.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void answeringYesCancelsTheOperationAndWaitsForItsEnd() {
        daemon.answer("DELETE", "/v1/operations/op-7", 200, ApiSamples.operation("op-7", "start_vm", "web",
                "cancelled"));
        daemon.answer("GET", "/v1/operations/op-7", 200, ApiSamples.operation("op-7", "start_vm", "web",
                "cancelled"));

        OperationView done = follower("y\n", new AtomicBoolean(true)).follow(running("op-7"));

        assertEquals("cancelled", done.state());
        assertEquals("DELETE", daemon.requests().get(0).method());
        assertTrue(err.toString().contains("Cancel operation op-7 (start_vm web)? [y/N]"), err.toString());
    }

    @Test
    void answeringNoKeepsWaitingWithoutCancelling() {
        daemon.answer("GET", "/v1/operations/op-8", 200, ApiSamples.operation("op-8", "start_vm", "web",
                "succeeded"));

        OperationView done = follower("n\n", new AtomicBoolean(true)).follow(running("op-8"));

        assertEquals("succeeded", done.state());
        assertTrue(daemon.requests().stream().noneMatch(r -> r.method().equals("DELETE")), daemon.requests()
                .toString());
        assertTrue(err.toString().contains("still waiting"), err.toString());
    }

    @Test
    void endOfInputStopsWaitingAndNamesTheOperationThatGoesOn() {
        OperationFollower.Detached detached = assertThrows(OperationFollower.Detached.class,
                () -> follower("", new AtomicBoolean(true)).follow(running("op-9")));

        assertTrue(detached.getMessage().contains("banger op show op-9"), detached.getMessage());
        assertTrue(daemon.requests().isEmpty(), daemon.requests().toString());
    }
}
