package banger.api;

import banger.doctor.DoctorCheck;
import banger.doctor.DoctorService;
import banger.exec.GuestExec;
import banger.operation.ImageOperationControl;
import banger.operation.OperationControl;
import banger.vm.VmControl;
import banger.metrics.BangerMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;

/** A live ApiServer bound to a free loopback port, and a java.net.http client that talks to it with the token. */
final class ApiFixture {

    static final ObjectMapper JSON = new ObjectMapper();

    final ApiServer api;
    final ServerBinding binding;
    final String token;
    final URI base;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ApiFixture(ApiServer api, ServerBinding binding, String token) {
        this.api = api;
        this.binding = binding;
        this.token = token;
        this.base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
    }

    /** The test's settings over banger-api.conf over the jar's reference.conf. */
    static Config config(String overrides) {
        return ConfigFactory.parseString(overrides)
                .withFallback(ConfigFactory.parseResources("banger-api.conf"))
                .withFallback(ConfigFactory.load())
                .resolve();
    }

    static ApiFixture start(ActorTestKit kit, Config config, Path stateDir, FakeVmControl control, GuestExec exec,
                            EventFeed feed, DoctorService doctor) throws Exception {
        return start(kit, config, stateDir, control, new FakeOperationControl(control),
                new FakeImageOperationControl(control), exec, feed, doctor);
    }

    static ApiFixture start(ActorTestKit kit, Config config, Path stateDir, VmControl control,
                            OperationControl operations, GuestExec exec, EventFeed feed, DoctorService doctor)
            throws Exception {
        return start(kit, config, stateDir, control, operations, null, exec, feed, doctor);
    }

    /** @param images null: a server with no image operations */
    static ApiFixture start(ActorTestKit kit, Config config, Path stateDir, VmControl control,
                            OperationControl operations, ImageOperationControl images, GuestExec exec, EventFeed feed,
                            DoctorService doctor) throws Exception {
        ApiToken token = ApiToken.loadOrCreate(stateDir);
        ApiServer api = new ApiServer(kit.system(), new ApiServices(control, operations, exec, feed, doctor,
                new BangerMetrics(false), FakeGuestIo.create(), new FakeSessionControl(),
                images != null ? images : ImageOperationControls.NONE, new FakePortForwarding()), token, config);
        ServerBinding binding = api.bind("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
        return new ApiFixture(api, binding, Files.readString(stateDir.resolve(ApiToken.FILE_NAME)).strip());
    }

    void stop() throws Exception {
        // terminate, not just unbind: open event streams would otherwise outlive the test
        binding.terminate(Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    HttpRequest.Builder request(String method, String path, String jsonBody) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token);
        if (jsonBody == null) {
            return b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return b.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends on a connection of its own, for requests after which the server closes the connection (a 413 whose
     * body it did not read, a request timeout): the shared client could otherwise pick that connection for the
     * next test's request before it sees it closed.
     */
    HttpResponse<String> sendAlone(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpClient alone = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return alone.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path, String jsonBody) throws IOException, InterruptedException {
        return send(request(method, path, jsonBody));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    static DoctorService doctor(List<DoctorCheck> checks) {
        return () -> CompletableFuture.completedFuture(checks);
    }
}
