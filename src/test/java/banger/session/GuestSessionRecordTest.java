package banger.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestSessionRecordTest {

    private static final String META = new String(new SessionMeta("build", List.of("sh", "-c", "a\tb\nc"), false,
            Instant.parse("2026-01-01T00:00:00Z")).toJson(), java.nio.charset.StandardCharsets.UTF_8);

    @Test
    void aRunningSessionLineReadsBackWithItsMetaAndOffsets() {
        GuestSessionRecord r = GuestSessionRecord.parse("0123456789ab\t1\t1\t-\t100\t250\t0\t" + META);
        assertTrue(r.alive());
        assertTrue(r.sameBoot());
        assertNull(r.exitCode());
        assertEquals(100, r.outputStart());
        assertEquals(250, r.outputEnd());
        assertEquals(List.of("sh", "-c", "a\tb\nc"), r.meta().argv(), "tabs and newlines stay escaped in the JSON");
        assertEquals("build", r.meta().name());
    }

    @Test
    void anExitedSessionLineCarriesItsCodeAndEndTime() {
        GuestSessionRecord r = GuestSessionRecord.parse("0123456789ab\t0\t0\t137 1796084226\t0\t0\t1\t" + META);
        assertEquals(137, r.exitCode());
        assertEquals(Instant.ofEpochSecond(1796084226L), r.endedAt());
        assertFalse(r.sameBoot());
        assertTrue(r.stdinClosed());
    }
}
