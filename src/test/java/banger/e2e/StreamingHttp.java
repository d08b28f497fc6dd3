package banger.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Binary uploads and downloads against the daemon for the guest I/O tests: bodies stream from a supplier of
 * InputStreams and into an OutputStream, never held whole.
 */
final class StreamingHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    StreamingHttp(DaemonHarness daemon) {
        this.base = daemon.baseUri();
        this.token = daemon.token();
    }

    /** PUT {@code body} with {@code contentType}; the status and JSON answer. */
    Answer put(String path, String contentType, Supplier<InputStream> body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(10))
                .header("Authorization", "Bearer " + token).header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(body)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), parse(response.body()), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("PUT " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET into {@code sink}; the status (and the body as text when it is not 200). */
    Answer get(String path, OutputStream sink) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(10))
                .header("Authorization", "Bearer " + token).GET().build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() == 200) {
                    in.transferTo(sink);
                    return new Answer(200, null, "");
                }
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return new Answer(response.statusCode(), parse(text), text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET the whole body as bytes (small bodies only). */
    byte[] getBytes(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Answer a = get(path, out);
        if (a.status() != 200) {
            throw new AssertionError("GET " + path + ": " + a);
        }
        return out.toByteArray();
    }

    private static JsonNode parse(String text) {
        try {
            return text.isEmpty() ? null : JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    record Answer(int status, JsonNode json, String text) {
        String errorMessage() {
            return json == null ? text : json.path("error").path("message").asText();
        }

        String errorCode() {
            return json == null ? null : json.path("error").path("code").asText();
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }
}
