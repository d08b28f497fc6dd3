package banger.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ops console's logins, in memory (a daemon restart logs everyone out): one-time codes that `banger console`
 * hands out, and sessions, each a cookie value with its own CSRF token. Both expire and both tables are bounded:
 * past the bound the oldest entry goes.
 */
public final class ConsoleSessions {

    /** A logged-in browser: {@code id} is the cookie's value, {@code csrfToken} what its changing requests echo. */
    public record Session(String id, String csrfToken, Instant expiresAt) {

        /** Constant-time, so timing does not tell how much of a guessed CSRF token was right. */
        public boolean csrfMatches(String presented) {
            return presented != null && MessageDigest.isEqual(csrfToken.getBytes(StandardCharsets.US_ASCII),
                    presented.getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public String toString() {
            return "Session(redacted, expires " + expiresAt + ")";
        }
    }

    /** A code that logs one browser in, once, before {@code expiresAt}. */
    public record Code(String value, Instant expiresAt) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration sessionTtl;
    private final Duration codeTtl;
    private final int maxSessions;
    private final int maxCodes;

    public ConsoleSessions(Clock clock, Duration sessionTtl, Duration codeTtl, int maxSessions, int maxCodes) {
        this.clock = clock;
        this.sessionTtl = sessionTtl;
        this.codeTtl = codeTtl;
        this.maxSessions = maxSessions;
        this.maxCodes = maxCodes;
    }

    /** From {@code banger.api.console.*}. */
    public static ConsoleSessions fromSettings(ApiSettings settings, Clock clock) {
        return new ConsoleSessions(clock, settings.consoleSessionTtl(), settings.consoleCodeTtl(),
                settings.consoleMaxSessions(), settings.consoleMaxCodes());
    }

    public Duration sessionTtl() {
        return sessionTtl;
    }

    public synchronized Session open() {
        Instant now = clock.instant();
        sessions.values().removeIf(s -> !s.expiresAt().isAfter(now));
        while (sessions.size() >= maxSessions) {
            sessions.values().stream().min(Comparator.comparing(Session::expiresAt))
                    .ifPresent(oldest -> sessions.remove(oldest.id()));
        }
        Session session = new Session(secret(), secret(), now.plus(sessionTtl));
        sessions.put(session.id(), session);
        return session;
    }

    /** The live session whose cookie value is {@code id}. */
    public Optional<Session> find(String id) {
        Session session = id == null ? null : sessions.get(id);
        if (session == null) {
            return Optional.empty();
        }
        if (!session.expiresAt().isAfter(clock.instant())) {
            sessions.remove(id, session);
            return Optional.empty();
        }
        return Optional.of(session);
    }

    public void close(String id) {
        sessions.remove(id);
    }

    public synchronized Code issueCode() {
        Instant now = clock.instant();
        codes.values().removeIf(c -> !c.expiresAt().isAfter(now));
        while (codes.size() >= maxCodes) {
            codes.values().stream().min(Comparator.comparing(Code::expiresAt))
                    .ifPresent(oldest -> codes.remove(oldest.value()));
        }
        Code code = new Code(secret(), now.plus(codeTtl));
        codes.put(code.value(), code);
        return code;
    }

    /** A new session for a code that was issued, not yet used and not expired; the code is spent either way. */
    public Optional<Session> redeem(String code) {
        Code issued = code == null ? null : codes.remove(code);
        if (issued == null || !issued.expiresAt().isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(open());
    }

    /** 32 random bytes as URL-safe text: unguessable, and fine in a cookie, a header and a URL fragment. */
    private String secret() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
