package banger.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/** What the daemon writes into a session's guest directory at start (one JSON line), so the guest can tell it back. */
record SessionMeta(String name, List<String> argv, boolean tty, @JsonProperty("started_at") Instant startedAt) {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SessionMeta parse(String line) {
        try {
            return JSON.readValue(line, SessionMeta.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable session meta: " + e.getMessage(), e);
        }
    }
}
