package banger.cli;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventsCommandTest extends CliAgainstFakeDaemonTest {

    private static final String TWO_EVENTS = """
            : keep-alive

            id: 7
            event: started
            data: {"offset":7,"vm_id":"vm-web-1","vm_name":"web","type":"started","at":"2025-06-01T12:00:00Z","data":{"pid":4242}}

            id: 8
            event: stopped
            data: {"offset":8,"vm_id":"vm-web-1","vm_name":"web","type":"stopped","at":"2025-06-01T12:01:00Z","data":{}}

            """;
    private static final String THIRD_EVENT = """
            id: 9
            event: deleted
            data: {"offset":9,"vm_id":"vm-web-1","vm_name":"web","type":"deleted","at":"2025-06-01T12:02:00Z","data":{}}

            """;

    @Test
    void printsOneLinePerEventWithTheFiltersInTheQuery() {
        daemon.answer("GET", "/v1/events", 200, "text/event-stream", TWO_EVENTS);

        var result = cli.run("events", "--vm", "web", "--type", "started", "--count", "2");

        assertEquals(0, result.exit(), result.err());
        assertEquals("""
                7 2025-06-01T12:00:00Z web started {"pid":4242}
                8 2025-06-01T12:01:00Z web stopped
                """, result.out());
        var request = daemon.onlyRequest();
        assertEquals("vm=web&type=started", request.query());
        assertEquals("Bearer file-token", request.header("Authorization"));
        assertNull(request.header("Last-event-id"));
    }

    @Test
    void jsonPrintsEachEventsDataOnOneLine() {
        daemon.answer("GET", "/v1/events", 200, "text/event-stream", TWO_EVENTS);

        var result = cli.run("events", "--json", "--count", "1", "--after", "6");

        assertEquals(0, result.exit(), result.err());
        assertEquals("{\"offset\":7,\"vm_id\":\"vm-web-1\",\"vm_name\":\"web\",\"type\":\"started\","
                + "\"at\":\"2025-06-01T12:00:00Z\",\"data\":{\"pid\":4242}}\n", result.out());
        assertEquals("after=6", daemon.onlyRequest().query());
    }

    @Test
    void reconnectsAfterTheLastEventSeenWhenTheStreamDrops() {
        daemon.answer("GET", "/v1/events", 200, "text/event-stream", TWO_EVENTS);
        daemon.answer("GET", "/v1/events", 200, "text/event-stream", THIRD_EVENT);

        var result = cli.run("events", "--count", "3");

        assertEquals(0, result.exit(), result.err());
        assertEquals(3, result.out().lines().count(), result.out());
        assertTrue(result.out().endsWith("9 2025-06-01T12:02:00Z web deleted\n"), result.out());
        assertEquals(2, daemon.requests().size());
        var reconnect = daemon.requests().get(1);
        assertEquals("8", reconnect.header("Last-event-id"));
        assertEquals("after=8", reconnect.query());
        assertTrue(result.err().contains("event stream dropped; reconnecting after event 8"), result.err());
    }

    @Test
    void anApiErrorOnTheStreamIsNotRetried() {
        daemon.answer("GET", "/v1/events", 401, ApiSamples.error("unauthorized", "bad token"));

        var result = cli.run("events");

        assertEquals(1, result.exit());
        assertEquals(1, daemon.requests().size());
        assertTrue(result.err().startsWith("banger: unauthorized: bad token"), result.err());
    }

    @Test
    void waitsOutADaemonThatIsUnavailableAfterTheStreamDropped() {
        daemon.answer("GET", "/v1/events", 200, "text/event-stream", TWO_EVENTS);
        daemon.answer("GET", "/v1/events", 503, ApiSamples.error("unavailable", "starting up"));
        daemon.answer("GET", "/v1/events", 200, "text/event-stream", THIRD_EVENT);

        var result = cli.run("events", "--count", "3");

        assertEquals(0, result.exit(), result.err());
        assertEquals(3, daemon.requests().size());
        assertEquals("8", daemon.requests().get(2).header("Last-event-id"));
    }

    @Test
    void anOverflowNoticeIsNotPrintedAsAnEventAndTheStreamResumesAfterTheLastEvent() {
        daemon.answer("GET", "/v1/events", 200, "text/event-stream", TWO_EVENTS
                + "event: overflow\ndata: {\"reason\":\"subscriber too slow\",\"buffer\":256}\n\n");
        daemon.answer("GET", "/v1/events", 200, "text/event-stream", THIRD_EVENT);

        var result = cli.run("events", "--json", "--count", "3");

        assertEquals(0, result.exit(), result.err());
        assertEquals(3, result.out().lines().count(), result.out());
        assertTrue(result.out().lines().allMatch(line -> line.startsWith("{\"offset\":")), result.out());
        assertTrue(result.err().startsWith("banger: fell behind the event stream\n"), result.err());
        assertEquals("8", daemon.requests().get(1).header("Last-event-id"));
    }
}
