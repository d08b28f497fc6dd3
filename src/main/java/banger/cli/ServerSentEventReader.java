package banger.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads a text/event-stream (the WHATWG format): "field: value" lines, events ended by a blank line,
 * ":" comments (keep-alives) skipped, multi-line data joined with "\n".
 */
final class ServerSentEventReader {

    /** One event; {@code id} and {@code type} are null when the server left them out. */
    record ServerSentEvent(String id, String type, String data) {
    }

    private final BufferedReader lines;

    ServerSentEventReader(BufferedReader lines) {
        this.lines = lines;
    }

    /** The next event, or empty at the end of the stream. */
    Optional<ServerSentEvent> next() throws IOException {
        String id = null;
        String type = null;
        StringBuilder data = null;
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.isEmpty()) {
                if (data != null) {
                    return Optional.of(new ServerSentEvent(id, type, data.toString()));
                }
                id = null;
                type = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> type = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> {
                    // "retry" and unknown fields: the CLI has its own reconnect policy
                }
            }
        }
        return Optional.empty();
    }
}
