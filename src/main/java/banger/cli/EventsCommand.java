package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * `banger events`: tails the daemon's event stream, one line per event. When the stream drops it reconnects
 * with Last-Event-ID, so no event is missed or repeated.
 */
@Command(name = "events", description = "Print the daemon's events as they happen (until interrupted).")
final class EventsCommand extends ApiCommand {

    /** The daemon's last event to a subscriber too slow to keep up (not a journal event, no id). */
    private static final String OVERFLOW = "overflow";
    private static final Duration FIRST_RETRY = Duration.ofMillis(200);
    private static final Duration LONGEST_RETRY = Duration.ofSeconds(5);

    @Option(names = "--vm", paramLabel = "NAME", description = "Only events of this VM.")
    private String vm;

    @Option(names = "--type", paramLabel = "TYPE", description = "Only events of this type.")
    private String type;

    @Option(names = "--after", paramLabel = "OFFSET",
            description = "Only events after this offset (the first number of each line), e.g. to resume.")
    private Long after;

    @Option(names = "--count", paramLabel = "N", description = "Exit after N events.")
    private Integer count;

    @Option(names = "--json", description = "Print each event's JSON on one line.")
    private boolean json;

    private final ObjectMapper mapper = ApiJson.mapper();

    @Override
    public Integer call() throws InterruptedException {
        String lastId = after == null ? null : after.toString();
        int printed = 0;
        boolean connected = false;
        Duration retry = FIRST_RETRY;
        while (true) {
            try (InputStream stream = api().openStream(path(lastId), headers(lastId))) {
                connected = true;
                retry = FIRST_RETRY;
                ServerSentEventReader events = new ServerSentEventReader(
                        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8)));
                for (var event = events.next(); event.isPresent(); event = events.next()) {
                    if (OVERFLOW.equals(event.get().type())) {
                        // the daemon drops a subscriber that falls behind; the stream ends and we resume below
                        err().println("banger: fell behind the event stream");
                        continue;
                    }
                    print(event.get());
                    if (event.get().id() != null) {
                        lastId = event.get().id();
                    }
                    if (count != null && ++printed >= count) {
                        return 0;
                    }
                }
            } catch (DaemonUnreachableException | IOException e) {
                if (!connected) {
                    throw e instanceof CliError cliError ? cliError : new CliError("event stream failed: " + e, e);
                }
            } catch (ApiException e) {
                // 503 while the daemon restarts is worth waiting out; any other refusal is final
                if (!connected || e.status() != 503) {
                    throw e;
                }
            }
            err().println("banger: event stream dropped; reconnecting"
                    + (lastId == null ? "" : " after event " + lastId));
            err().flush();
            Thread.sleep(retry.toMillis());
            retry = retry.multipliedBy(2).compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : retry.multipliedBy(2);
        }
    }

    private String path(String lastId) {
        List<Map.Entry<String, String>> query = new ArrayList<>();
        Optional.ofNullable(vm).ifPresent(v -> query.add(Map.entry("vm", v)));
        Optional.ofNullable(type).ifPresent(t -> query.add(Map.entry("type", t)));
        Optional.ofNullable(lastId).ifPresent(id -> query.add(Map.entry("after", id)));
        return ApiClient.withQuery(ApiPaths.EVENTS, query);
    }

    private static Map<String, String> headers(String lastId) {
        return lastId == null ? Map.of("Accept", "text/event-stream")
                : Map.of("Accept", "text/event-stream", "Last-Event-ID", lastId);
    }

    /** Default line: OFFSET AT VM TYPE [DATA]; --json: the event's JSON as one line. */
    private void print(ServerSentEventReader.ServerSentEvent event) throws IOException {
        JsonNode data;
        try {
            data = mapper.readTree(event.data());
        } catch (IOException notJson) {
            out().println(event.data());
            out().flush();
            return;
        }
        if (json) {
            out().println(mapper.writeValueAsString(data));
        } else {
            StringBuilder line = new StringBuilder()
                    .append(data.path("offset").asText(Formats.orDash(event.id()))).append(' ')
                    .append(data.path("at").asText("-")).append(' ')
                    .append(data.path("vm_name").asText(data.path("vm_id").asText("-"))).append(' ')
                    .append(data.path("type").asText(Formats.orDash(event.type())));
            JsonNode payload = data.path("data");
            if (payload.isObject() && !payload.isEmpty()) {
                line.append(' ').append(mapper.writeValueAsString(payload));
            }
            out().println(line);
        }
        out().flush();
    }
}
