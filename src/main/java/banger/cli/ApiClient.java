package banger.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The daemon's HTTP API as the CLI uses it: bearer token, JSON bodies, JSON errors turned into exceptions. */
final class ApiClient {

    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    /** Start, stop and create answer once the VM got there: a TCG boot alone takes ~10 s. */
    static final Duration LIFECYCLE_TIMEOUT = Duration.ofMinutes(5);
    /** Building an image (debootstrap) takes minutes. */
    static final Duration BOOTSTRAP_TIMEOUT = Duration.ofMinutes(60);
    /** A workspace import or a file copy streams for as long as it takes, up to the daemon's own limit. */
    static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final URI base;
    private final Token token;
    private final ObjectMapper json;
    private final HttpClient http;

    ApiClient(URI base, Token token, ObjectMapper json) {
        this.base = base;
        this.token = token;
        this.json = json;
        // HTTP/1.1 only: no h2c upgrade dance, and server-sent events stream plainly
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
    }

    /** Where the bearer token came from, to explain a 401. */
    record Token(Optional<String> value, String source) {
    }

    JsonNode get(String path) {
        return send("GET", path, null, READ_TIMEOUT);
    }

    /** Sends a request with an optional JSON body and returns the JSON answer (an empty object if none). */
    JsonNode send(String method, String path, Object body, Duration timeout) {
        HttpRequest.Builder request = request(path, timeout).header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(toJson(body)));
        }
        HttpResponse<byte[]> response = exchange(request.build(), HttpResponse.BodyHandlers.ofByteArray(), timeout);
        failUnlessOk(response.statusCode(), response.body());
        if (response.body().length == 0) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new CliError("the daemon answered " + method + " " + path + " with something that is not JSON");
        }
    }

    String getText(String path) {
        HttpResponse<byte[]> response = exchange(request(path, READ_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray(), READ_TIMEOUT);
        failUnlessOk(response.statusCode(), response.body());
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /** Opens a long-lived response (console follow, event stream); the caller closes it. No read timeout. */
    InputStream openStream(String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).GET();
        authorize(request);
        headers.forEach(request::header);
        HttpResponse<InputStream> response = exchange(request.build(), HttpResponse.BodyHandlers.ofInputStream(),
                null);
        if (response.statusCode() >= 300) {
            try (InputStream body = response.body()) {
                failUnlessOk(response.statusCode(), body.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return response.body();
    }

    /** PUTs a streamed body (read from {@code body} as it is sent) and returns the JSON answer. */
    JsonNode upload(String path, String contentType, java.util.function.Supplier<InputStream> body, Duration timeout) {
        HttpRequest request = request(path, timeout).header("Accept", "application/json")
                .header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofInputStream(body)).build();
        HttpResponse<byte[]> response = exchange(request, HttpResponse.BodyHandlers.ofByteArray(), timeout);
        failUnlessOk(response.statusCode(), response.body());
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new CliError("the daemon answered PUT " + path + " with something that is not JSON");
        }
    }

    /** GETs a streamed body for the caller to read and close; empty when the answer is 204 No Content. */
    Optional<InputStream> download(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).GET();
        authorize(request);
        HttpResponse<InputStream> response = exchange(request.build(), HttpResponse.BodyHandlers.ofInputStream(),
                null);
        if (response.statusCode() == 204) {
            closeQuietly(response.body());
            return Optional.empty();
        }
        if (response.statusCode() >= 300) {
            try (InputStream body = response.body()) {
                failUnlessOk(response.statusCode(), body.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Optional.of(response.body());
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to read anyway
        }
    }

    <T> T convert(JsonNode node, Class<T> type) {
        try {
            return json.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new CliError("unexpected answer from the daemon: " + e.getOriginalMessage());
        }
    }

    /** A path segment (VM name or id) safe to put in a URL. */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Appends query parameters in the given order. */
    static String withQuery(String path, List<Map.Entry<String, String>> params) {
        if (params.isEmpty()) {
            return path;
        }
        return path + "?" + params.stream()
                .map(p -> segment(p.getKey()) + "=" + segment(p.getValue()))
                .collect(Collectors.joining("&"));
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
        authorize(request);
        return request;
    }

    private void authorize(HttpRequest.Builder request) {
        token.value().ifPresent(t -> request.header("Authorization", "Bearer " + t));
    }

    private byte[] toJson(Object body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode request body", e);
        }
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                         Duration timeout) {
        try {
            return http.send(request, handler);
        } catch (HttpConnectTimeoutException e) {
            throw new DaemonUnreachableException(base, e);
        } catch (HttpTimeoutException e) {
            throw new CliError("the daemon did not answer " + request.method() + " " + request.uri().getPath()
                    + " within " + timeout.toSeconds() + " s");
        } catch (IOException e) {
            if (causedByRefusedConnection(e)) {
                throw new DaemonUnreachableException(base, e);
            }
            throw new CliError("talking to the daemon at " + base + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliError("interrupted");
        }
    }

    private static boolean causedByRefusedConnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    /** Throws the API error a non-2xx answer carries. */
    void failUnlessOk(int status, byte[] body) {
        if (status < 300) {
            return;
        }
        String code = "http_" + status;
        String message = new String(body, StandardCharsets.UTF_8).strip();
        try {
            JsonNode error = json.readTree(body).path("error");
            if (error.hasNonNull("code")) {
                code = error.get("code").asText();
                message = error.path("message").asText();
            }
        } catch (IOException notJson) {
            // a proxy or a non-banger server: its body text is the best message there is
        }
        if (message.isEmpty()) {
            message = "HTTP status " + status;
        }
        if (status == 401) {
            message += " (token from " + token.source() + ")";
        }
        throw new ApiException(status, code, message);
    }
}
