package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Path templates with any number of parameters route real HTTP requests and hand over the decoded values. */
class PathTemplateTest {

    private static final ActorTestKit kit = ActorTestKit.create();
    private static final HttpClient client = HttpClient.newHttpClient();
    private static ServerBinding binding;

    @BeforeAll
    static void start() throws Exception {
        AllDirectives d = new AllDirectives() { };
        Route route = d.concat(
                PathTemplate.parse("/v1/vms/{ref}/sessions/{sid}").route(p ->
                        d.complete("session " + p.get("ref") + " " + p.get("sid"))),
                PathTemplate.parse("/v1/vms/{ref}/sessions").route(p -> d.complete("sessions " + p.get("ref"))),
                PathTemplate.parse("/v1/vms/{ref}").route(p -> d.complete("vm " + p.get("ref"))),
                PathTemplate.parse("/healthz").route(p -> d.complete("healthz " + p.values())));
        binding = Http.get(kit.system()).newServerAt("127.0.0.1", 0).bind(route)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        binding.terminate(Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        kit.shutdownTestKit();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path);
        return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twoParametersAreBoundByName() throws Exception {
        assertEquals("session web s-1", get("/v1/vms/web/sessions/s-1").body());
        assertEquals("sessions web", get("/v1/vms/web/sessions").body());
        assertEquals("vm web", get("/v1/vms/web").body());
        assertEquals("healthz {}", get("/healthz").body());
    }

    @Test
    void parameterValuesArriveDecoded() throws Exception {
        assertEquals("session my%vm a b", get("/v1/vms/my%25vm/sessions/a%20b").body());
    }

    @Test
    void pathsLongerShorterOrWithATrailingSlashDoNotMatch() throws Exception {
        assertEquals(404, get("/v1/vms/web/sessions/s-1/extra").statusCode());
        assertEquals(404, get("/v1/vms/web/").statusCode());
        assertEquals(404, get("/v1/vms").statusCode());
        assertEquals(404, get("/v1/vms/web/other").statusCode());
    }

    @Test
    void malformedTemplatesAreRefusedWhenTheRouterIsBuilt() {
        for (String bad : new String[] {"v1/vms", "/", "/v1/vms/", "/v1//vms", "/v1/{Ref}", "/v1/{a}/x/{a}",
                "/v1/vm{ref}", "/v1/{ref"}) {
            assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse(bad), bad);
        }
    }

    @Test
    void askingForAParameterTheTemplateLacksIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> PathParams.NONE.get("ref"));
    }
}
