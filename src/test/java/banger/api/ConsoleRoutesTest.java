package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's routes and its cookie authentication over HTTP, against the real control plane. */
class ConsoleRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path stateDir = tempDir();
    private static final ActorTestKit kit = ActorTestKit.create(LocalDaemon.config(stateDir, ""));
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = LocalDaemon.start(kit.system(), new InstantVmRuntime(name -> false));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            daemon.stop();
        } finally {
            kit.shutdownTestKit();
            try (Stream<Path> files = Files.walk(stateDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private record Login(String cookie, String csrf, HttpResponse<String> response) {
    }

    @Test
    void thePageComesWithAStrictContentSecurityPolicyAndNeedsNoToken() throws Exception {
        for (String path : new String[] {"/", "/ui/", "/ui/app.js", "/ui/style.css"}) {
            HttpResponse<String> page = send("GET", path, null, Map.of());
            assertEquals(200, page.statusCode(), path);
            String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), csp);
            for (String directive : csp.split(";")) {
                // only the terminal's computed <style> elements may be inline; never a script, never eval
                String d = directive.strip();
                assertTrue(!d.contains("unsafe") || d.equals("style-src-elem 'self' 'unsafe-inline'"), csp);
            }
            assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        }
        assertTrue(send("GET", "/", null, Map.of()).headers().firstValue("Content-Type").orElse("")
                .startsWith("text/html"));
        assertTrue(send("GET", "/ui/app.js", null, Map.of()).headers().firstValue("Content-Type").orElse("")
                .contains("javascript"), "ES modules must be served as JavaScript");
        assertFalse(send("GET", "/", null, Map.of()).body().contains("<script>"), "no inline script");
    }

    @Test
    void unknownConsoleFilesAndPathsOutsideTheAssetsAre404() throws Exception {
        assertEquals(404, send("GET", "/ui/nope.js", null, Map.of()).statusCode());
        assertEquals(404, send("GET", "/ui/..%2Fopenapi.json", null, Map.of()).statusCode());
    }

    @Test
    void theTokenBuysAnHttpOnlySameSiteStrictCookieThatExpires() throws Exception {
        Login login = logIn("{\"token\":\"" + daemon.token + "\"}");
        String setCookie = login.response().headers().firstValue("Set-Cookie").orElse("");
        assertTrue(setCookie.startsWith(ConsoleRoutes.COOKIE + "="), setCookie);
        assertTrue(setCookie.contains("HttpOnly"), setCookie);
        assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
        assertTrue(setCookie.contains("Max-Age=43200"), setCookie);
        assertTrue(setCookie.contains("Path=/"), setCookie);
        assertEquals(200, send("GET", "/v1/vms", null, Map.of("Cookie", login.cookie())).statusCode());
    }

    @Test
    void aWrongTokenIs401WithAClearMessage() throws Exception {
        HttpResponse<String> refused = send("POST", "/ui/session", "{\"token\":\"guess\"}", Map.of());
        assertEquals(401, refused.statusCode());
        assertTrue(refused.body().contains("wrong API token"), refused.body());
        assertTrue(refused.headers().firstValue("Set-Cookie").isEmpty());
    }

    @Test
    void changesWithTheCookieNeedTheSessionsCsrfToken() throws Exception {
        Login login = logIn("{\"token\":\"" + daemon.token + "\"}");
        String body = "{\"name\":\"csrf-probe\",\"start\":false}";
        HttpResponse<String> without = send("POST", "/v1/vms", body, Map.of("Cookie", login.cookie()));
        assertEquals(403, without.statusCode(), without.body());
        assertEquals("forbidden", JSON.readTree(without.body()).at("/error/code").asText());
        HttpResponse<String> wrong = send("POST", "/v1/vms", body,
                Map.of("Cookie", login.cookie(), ConsoleRoutes.CSRF_HEADER, "not-it"));
        assertEquals(403, wrong.statusCode());
        assertEquals(404, send("GET", "/v1/vms/csrf-probe", null, Map.of("Cookie", login.cookie())).statusCode(),
                "nothing was created");
        HttpResponse<String> right = send("POST", "/v1/vms", body,
                Map.of("Cookie", login.cookie(), ConsoleRoutes.CSRF_HEADER, login.csrf()));
        assertEquals(202, right.statusCode(), right.body());
    }

    @Test
    void aBadCookieIs401AndTheBearerTokenStillWorksAsBefore() throws Exception {
        assertEquals(401, send("GET", "/v1/vms", null, Map.of("Cookie", ConsoleRoutes.COOKIE + "=forged"))
                .statusCode());
        assertEquals(202, send("POST", "/v1/vms", "{\"name\":\"bearer-made\",\"start\":false}",
                Map.of("Authorization", "Bearer " + daemon.token)).statusCode());
    }

    @Test
    void aLoginFromAnotherSitesPageIsRefused() throws Exception {
        HttpResponse<String> refused = send("POST", "/ui/session", "{\"token\":\"" + daemon.token + "\"}",
                Map.of("Origin", "http://evil.example"));
        assertEquals(403, refused.statusCode());
        assertTrue(refused.headers().firstValue("Set-Cookie").isEmpty());
    }

    @Test
    void aSessionAttachWithTheCookieMustComeFromTheConsolesOwnPage() throws Exception {
        Login login = logIn("{\"token\":\"" + daemon.token + "\"}");
        String own = "http://" + daemon.base.getRawAuthority();
        String path = "/v1/vms/no-such-vm/sessions/s-1/attach";

        Handshake foreign = handshake(path, Map.of("Cookie", login.cookie(), "Origin", "http://evil.example"));
        assertEquals(403, foreign.status(), foreign.text());
        assertTrue(foreign.text().contains("must come from the console's page"), foreign.text());
        Handshake noOrigin = handshake(path, Map.of("Cookie", login.cookie()));
        assertEquals(403, noOrigin.status(), noOrigin.text());

        // from its own page the handshake gets through to the route (this daemon runs no sessions: 503)
        Handshake fromPage = handshake(path, Map.of("Cookie", login.cookie(), "Origin", own));
        assertEquals(503, fromPage.status(), fromPage.text());
        // a client with the bearer token sends no Origin and needs none
        Handshake bearer = handshake(path, Map.of("Authorization", "Bearer " + daemon.token));
        assertEquals(503, bearer.status(), bearer.text());
    }

    @Test
    void loggingOutEndsTheSession() throws Exception {
        Login login = logIn("{\"token\":\"" + daemon.token + "\"}");
        assertEquals(403, send("DELETE", "/ui/session", null, Map.of("Cookie", login.cookie())).statusCode());
        assertEquals(200, send("DELETE", "/ui/session", null,
                Map.of("Cookie", login.cookie(), ConsoleRoutes.CSRF_HEADER, login.csrf())).statusCode());
        assertEquals(401, send("GET", "/v1/vms", null, Map.of("Cookie", login.cookie())).statusCode());
        assertEquals(401, send("GET", "/ui/session", null, Map.of("Cookie", login.cookie())).statusCode());
    }

    @Test
    void aOneTimeCodeNeedsTheTokenToIssueAndWorksOnce() throws Exception {
        assertEquals(401, send("POST", "/v1/console/codes", null, Map.of()).statusCode());
        HttpResponse<String> issued = send("POST", "/v1/console/codes", null,
                Map.of("Authorization", "Bearer " + daemon.token));
        assertEquals(201, issued.statusCode());
        JsonNode code = JSON.readTree(issued.body());
        assertEquals("/#code=" + code.path("code").asText(), code.path("path").asText());
        Login login = logIn("{\"code\":\"" + code.path("code").asText() + "\"}");
        assertEquals(200, send("GET", "/ui/session", null, Map.of("Cookie", login.cookie())).statusCode());
        HttpResponse<String> again = send("POST", "/ui/session", "{\"code\":\"" + code.path("code").asText() + "\"}",
                Map.of());
        assertEquals(401, again.statusCode());
        assertTrue(again.body().contains("already used"), again.body());
    }

    @Test
    void aLoginBodyMustNameTokenOrCode() throws Exception {
        assertEquals(400, send("POST", "/ui/session", "{}", Map.of()).statusCode());
        assertEquals(400, send("POST", "/ui/session", "{\"password\":\"x\"}", Map.of()).statusCode());
    }

    @Test
    void thePagesOwnRoutesLiveOutsideTheJsonApiAndItsDocument() throws Exception {
        JsonNode paths;
        try (var in = ConsoleRoutesTest.class.getResourceAsStream("/openapi.json")) {
            paths = JSON.readTree(in).path("paths");
        }
        for (ApiRoute route : ConsoleRoutes.PAGE_ROUTES) {
            assertFalse(route.template().startsWith("/v1"), route.toString());
            assertFalse(paths.has(route.template()), route + " is the page's, not the API's");
        }
        assertTrue(paths.has("/v1/console/codes"));
    }

    private record Handshake(int status, String text) {
    }

    /** A WebSocket opening handshake sent by hand, so its Origin (or none) is exactly what the test says. */
    private static Handshake handshake(String path, Map<String, String> headers) throws IOException {
        try (Socket socket = new Socket(daemon.base.getHost(), daemon.base.getPort())) {
            socket.setSoTimeout(30_000);
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\n")
                    .append("Host: ").append(daemon.base.getRawAuthority()).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
            headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
            socket.getOutputStream().write((request + "\r\n").getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String statusLine = in.readLine();
            StringBuilder text = new StringBuilder(statusLine).append('\n');
            int length = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                text.append(line).append('\n');
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).strip());
                }
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            text.append(body, 0, read);
            return new Handshake(Integer.parseInt(statusLine.split(" ")[1]), text.toString());
        }
    }

    private static Login logIn(String body) throws Exception {
        HttpResponse<String> response = send("POST", "/ui/session", body, Map.of());
        assertEquals(200, response.statusCode(), response.body());
        String cookie = response.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        return new Login(cookie, JSON.readTree(response.body()).path("csrf_token").asText(), response);
    }

    private static HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(daemon.base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("banger-console-routes");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
