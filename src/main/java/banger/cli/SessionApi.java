package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The session routes that are not plain JSON: raw stdin bodies, output streams and the attach WebSocket. */
final class SessionApi {

    static final String OFFSET_HEADER = "Banger-Output-Offset";

    private final ApiClient api;
    private final URI base;
    private final ApiClient.Token token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    SessionApi(ApiClient api, URI base, ApiClient.Token token) {
        this.api = api;
        this.base = base;
        this.token = token;
    }

    static String sessions(String vm) {
        return ApiPaths.vm(vm, "sessions");
    }

    static String session(String vm, String session) {
        return sessions(vm) + "/" + ApiClient.segment(session);
    }

    JsonNode start(String vm, Map<String, Object> body) {
        return api.send("POST", sessions(vm), body, ApiClient.READ_TIMEOUT.multipliedBy(4));
    }

    JsonNode get(String vm, String session) {
        return api.get(session(vm, session));
    }

    /** Appends bytes to the session's stdin; {@code eof} closes it afterwards. */
    JsonNode send(String vm, String session, byte[] bytes, boolean eof) {
        HttpRequest request = request(session(vm, session) + "/input?eof=" + eof)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).timeout(ApiClient.READ_TIMEOUT.multipliedBy(2))
                .build();
        HttpResponse<byte[]> response = exchange(request, HttpResponse.BodyHandlers.ofByteArray());
        api.failUnlessOk(response.statusCode(), response.body());
        try {
            return ApiJson.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new CliError("the daemon answered with something that is not JSON");
        }
    }

    /** The output from {@code offset}; the caller closes the stream. */
    Output output(String vm, String session, long offset, boolean follow) {
        HttpRequest request = request(ApiClient.withQuery(session(vm, session) + "/output",
                List.of(Map.entry("offset", Long.toString(offset)), Map.entry("follow", Boolean.toString(follow)))))
                .GET().build();
        HttpResponse<InputStream> response = exchange(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() >= 300) {
            try (InputStream body = response.body()) {
                api.failUnlessOk(response.statusCode(), body.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long start = Long.parseLong(response.headers().firstValue(OFFSET_HEADER).orElse(Long.toString(offset)));
        return new Output(start, response.body());
    }

    record Output(long offset, InputStream bytes) {
    }

    /** Opens the attach WebSocket ({@code offset} null: output from now on). */
    WebSocket attach(String vm, String session, Long offset, WebSocket.Listener listener) {
        String path = session(vm, session) + "/attach" + (offset == null ? "" : "?offset=" + offset);
        URI uri = URI.create(base.resolve(path).toString().replaceFirst("^http", "ws"));
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        token.value().ifPresent(t -> builder.header("Authorization", "Bearer " + t));
        try {
            return builder.buildAsync(uri, listener).get(ApiClient.READ_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new CliError("cannot attach to session " + session + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new CliError("the daemon did not open the attach WebSocket in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliError("interrupted");
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
        token.value().ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new CliError("talking to the daemon at " + base + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliError("interrupted");
        }
    }
}
