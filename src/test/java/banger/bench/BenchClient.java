package banger.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Blocking calls to the API with the token, failing loudly on any unexpected status. */
final class BenchClient {

    private final HttpClient http;
    private final URI base;
    private final String token;

    BenchClient(HttpClient http, URI base, String token) {
        this.http = http;
        this.base = base;
        this.token = token;
    }

    void createVm(String name, boolean start) {
        call("POST", "/v1/vms?wait=true", "{\"name\":\"" + name + "\",\"start\":" + start + "}", 201);
    }

    /** POST /v1/vms/{name}/{operation}, or DELETE /v1/vms/{name} for "delete". */
    void lifecycle(String operation, String name) {
        if (operation.equals("delete")) {
            call("DELETE", "/v1/vms/" + name + "?wait=true", null, 200);
        } else {
            call("POST", "/v1/vms/" + name + "/" + operation + "?wait=true", null, 200);
        }
    }

    /** The call's latency in nanoseconds. */
    long timed(Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        return System.nanoTime() - t0;
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token);
    }

    private void call(String method, String path, String json, int expected) {
        HttpRequest.Builder b = request(path).timeout(Duration.ofSeconds(60));
        b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json));
        try {
            HttpResponse<String> response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != expected) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
