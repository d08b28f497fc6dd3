package banger.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads the daemon's event stream (GET /v1/events, server-sent events) from an offset: until an event at or past
 * a known offset arrived, or until the stream stays quiet for a while (the stream never ends by itself).
 */
final class EventLog {

    /** One event as the stream framed it: its offset (the SSE id), its VM and its type. */
    record Event(long offset, String vmId, String type) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Event END = new Event(-1, null, null);

    private final DaemonHarness daemon;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    EventLog(DaemonHarness daemon) {
        this.daemon = daemon;
    }

    /**
     * The events after {@code after}, read until one at offset {@code until} or later arrived (the rest of the
     * stream is not read), or until no event came for {@code quiet}; {@code lastEventId} resumes with the
     * Last-Event-ID header instead of the {@code after} parameter.
     */
    List<Event> read(long after, long until, Duration quiet, boolean lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(daemon.uri(lastEventId ? "/v1/events"
                        : "/v1/events?after=" + after))
                .header("Authorization", "Bearer " + daemon.token()).GET();
        if (lastEventId) {
            request.header("Last-Event-ID", Long.toString(after));
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("GET /v1/events after " + after, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /v1/events after " + after + " answered " + response.statusCode());
        }
        BlockingQueue<Event> frames = new LinkedBlockingQueue<>();
        InputStream body = response.body();
        Thread reader = new Thread(() -> parse(body, frames), "chaos-events-" + after);
        reader.setDaemon(true);
        reader.start();
        List<Event> events = new ArrayList<>();
        try {
            while (true) {
                Event next = frames.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
                if (next == null || next == END) {
                    return events;
                }
                events.add(next);
                if (until >= 0 && next.offset() >= until) {
                    return events;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            try {
                body.close();
            } catch (IOException ignored) {
                // the stream is abandoned either way
            }
        }
    }

    private static void parse(InputStream body, BlockingQueue<Event> frames) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String type = null;
            String data = null;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    type = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data = line.substring(5).strip();
                } else if (line.isEmpty()) {
                    if (id != null && type != null) {
                        frames.add(new Event(Long.parseLong(id), vmIdOf(data), type));
                    } else if ("overflow".equals(type)) {
                        frames.add(new Event(Long.MAX_VALUE, null, type));
                    }
                    id = null;
                    type = null;
                    data = null;
                }
            }
        } catch (IOException | RuntimeException closed) {
            // closed by read() or by the daemon: the frames so far are what was read
        } finally {
            frames.add(END);
        }
    }

    private static String vmIdOf(String data) {
        if (data == null) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(data);
            return node.path("vm_id").isTextual() ? node.path("vm_id").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
