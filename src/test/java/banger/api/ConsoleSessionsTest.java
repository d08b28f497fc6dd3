package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.api.ConsoleSessions.Session;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ConsoleSessionsTest {

    /** A clock the test moves. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final ConsoleSessions sessions = new ConsoleSessions(clock, Duration.ofHours(1), Duration.ofMinutes(2), 3, 2);

    @Test
    void aCodeLogsInOnceOnly() {
        String code = sessions.issueCode().value();
        assertTrue(sessions.redeem(code).isPresent());
        assertFalse(sessions.redeem(code).isPresent());
    }

    @Test
    void anExpiredCodeLogsNobodyIn() {
        String code = sessions.issueCode().value();
        clock.advance(Duration.ofMinutes(2));
        assertFalse(sessions.redeem(code).isPresent());
    }

    @Test
    void aSessionEndsAtItsExpiry() {
        Session session = sessions.open();
        clock.advance(Duration.ofMinutes(59));
        assertTrue(sessions.find(session.id()).isPresent());
        clock.advance(Duration.ofMinutes(1));
        assertFalse(sessions.find(session.id()).isPresent());
    }

    @Test
    void closingASessionEndsIt() {
        Session session = sessions.open();
        sessions.close(session.id());
        assertFalse(sessions.find(session.id()).isPresent());
    }

    @Test
    void theOldestSessionGivesWayPastTheBound() {
        Session first = sessions.open();
        clock.advance(Duration.ofSeconds(1));
        Session second = sessions.open();
        sessions.open();
        sessions.open();
        assertFalse(sessions.find(first.id()).isPresent());
        assertTrue(sessions.find(second.id()).isPresent());
    }

    @Test
    void theOldestCodeGivesWayPastTheBound() {
        String first = sessions.issueCode().value();
        clock.advance(Duration.ofSeconds(1));
        String second = sessions.issueCode().value();
        sessions.issueCode();
        assertFalse(sessions.redeem(first).isPresent());
        assertTrue(sessions.redeem(second).isPresent());
    }

    @Test
    void sessionsHaveDistinctIdsAndCsrfTokensThatOnlyMatchThemselves() {
        Session a = sessions.open();
        Session b = sessions.open();
        assertNotEquals(a.id(), b.id());
        assertNotEquals(a.id(), a.csrfToken());
        assertTrue(a.csrfMatches(a.csrfToken()));
        assertFalse(a.csrfMatches(b.csrfToken()));
        assertFalse(a.csrfMatches(null));
        assertEquals(43, a.id().length(), "32 random bytes, base64url");
    }
}
