package banger.api;

import banger.doctor.DoctorCheck;
import banger.exec.ExecOutput;
import banger.exec.GuestExec;
import banger.vm.VmPhase;
import banger.wire.OperationState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document is valid OpenAPI 3, describes exactly the routes the router serves (the union of the
 * route classes' tables), and its enums are the domain's own: VM states, operation states, doctor statuses and
 * every error code the API can answer with.
 */
class OpenApiMatchesRoutesTest {

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options",
            "trace");
    private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([^}]+)}");
    /** A valid body for each route that takes one, so the probe reaches the handler. */
    private static final Map<String, String> BODIES = Map.ofEntries(
            Map.entry("POST /v1/vms", "{\"name\":\"fresh\"}"),
            Map.entry("PATCH /v1/vms/{ref}", "{\"vcpus\":2}"),
            Map.entry("POST /v1/vms/{ref}/exec", "{\"argv\":[\"true\"]}"),
            Map.entry("POST /v1/images/bootstrap", "{\"preset\":\"tiny\",\"name\":\"mini\"}"),
            Map.entry("POST /v1/images", "{\"name\":\"own\",\"kernel\":\"/k\",\"rootfs\":\"/r\"}"),
            Map.entry("POST /v1/images/pull", "{\"ref\":\"127.0.0.1:5000/busybox:1\",\"name\":\"bb\"}"),
            Map.entry("POST /v1/vms/{ref}/sessions", "{\"argv\":[\"cat\"]}"),
            Map.entry("POST /v1/vms/{ref}/sessions/{sid}/input", "hello"),
            Map.entry("POST /v1/vms/{ref}/sessions/{sid}/signal", "{\"signal\":\"TERM\"}"),
            Map.entry("POST /v1/vms/{ref}/promote", "{\"name\":\"promoted\"}"),
            Map.entry("POST /v1/vms/{ref}/forwards", "{\"guest_port\":8080}"));
    /** The query each route that needs one gets in the probe, and the routes that take a tar body. */
    private static final Map<String, String> QUERIES = Map.of(
            "PUT /v1/vms/{ref}/workspace", "?path=/root/work",
            "PUT /v1/vms/{ref}/files", "?path=/tmp/probe",
            "GET /v1/vms/{ref}/files", "?path=/tmp/probe");
    private static final Set<String> TAR_BODIES = Set.of("PUT /v1/vms/{ref}/workspace");

    private static final ActorTestKit kit = ActorTestKit.create(ApiFixture.config(""));
    private static final FakeVmControl control = new FakeVmControl();
    private static final FakeOperationControl operations = new FakeOperationControl(control);
    private static ApiFixture api;
    private static JsonNode doc;

    @BeforeAll
    static void start() throws Exception {
        try (InputStream in = OpenApiMatchesRoutesTest.class.getResourceAsStream("/openapi.json")) {
            assertNotNull(in, "openapi.json on the classpath");
            doc = ApiFixture.JSON.readTree(in);
        }
        GuestExec exec = (ref, argv, stdin, timeout) -> CompletableFuture.completedFuture(new ExecOutput("", "", 0));
        EventFeed feed = after -> Source.<FeedEvent>never().mapMaterializedValue(m -> NotUsed.getInstance());
        api = ApiFixture.start(kit, kit.system().settings().config(), Files.createTempDirectory("banger-api-doc"),
                control, operations, new FakeImageOperationControl(control), exec, feed, ApiFixture.doctor(List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        api.stop();
        kit.shutdownTestKit();
    }

    private static Set<String> documentedRoutes() {
        Set<String> routes = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(key -> {
            if (METHODS.contains(key)) {
                routes.add(key.toUpperCase() + " " + path.getKey());
            }
        }));
        return routes;
    }

    private static JsonNode operation(ApiRoute route) {
        return doc.get("paths").get(route.template()).get(route.method().toLowerCase());
    }

    @Test
    void documentIsStructurallyValidOpenApi3() {
        assertTrue(doc.path("openapi").asText().matches("3\\.0\\.\\d+"), "openapi version");
        assertFalse(doc.path("info").path("title").asText().isBlank());
        assertFalse(doc.path("info").path("version").asText().isBlank());
        assertTrue(doc.path("paths").isObject() && doc.path("paths").size() > 0);
        assertEquals("bearer", doc.at("/components/securitySchemes/bearerAuth/scheme").asText());
        assertTrue(doc.at("/components/schemas/Error/properties/error").isObject());

        Set<String> operationIds = new HashSet<>();
        doc.get("paths").fields().forEachRemaining(path -> {
            assertTrue(path.getKey().startsWith("/"), path.getKey());
            Set<String> templateParams = new HashSet<>();
            Matcher m = TEMPLATE_PARAM.matcher(path.getKey());
            while (m.find()) {
                templateParams.add(m.group(1));
            }
            path.getValue().fields().forEachRemaining(entry -> {
                if (!METHODS.contains(entry.getKey())) {
                    return;
                }
                String where = entry.getKey() + " " + path.getKey();
                JsonNode op = entry.getValue();
                assertTrue(operationIds.add(op.path("operationId").asText()), "unique operationId at " + where);
                JsonNode responses = op.path("responses");
                assertTrue(responses.isObject() && responses.size() > 0, "responses at " + where);
                responses.fields().forEachRemaining(r -> {
                    assertTrue(r.getKey().matches("[1-5]\\d\\d|default"), "status " + r.getKey() + " at " + where);
                    JsonNode response = resolve(r.getValue());
                    assertFalse(response.path("description").asText().isBlank(), "description at " + where);
                });
                Set<String> declared = new HashSet<>();
                for (JsonNode params : List.of(path.getValue().path("parameters"), op.path("parameters"))) {
                    params.forEach(p -> {
                        JsonNode param = resolve(p);
                        assertTrue(Set.of("path", "query", "header", "cookie").contains(param.path("in").asText()));
                        if (param.path("in").asText().equals("path")) {
                            assertTrue(param.path("required").asBoolean(), "path params are required");
                            declared.add(param.path("name").asText());
                        }
                    });
                }
                assertEquals(templateParams, declared, "path parameters at " + where);
                op.path("security").forEach(requirement -> requirement.fieldNames().forEachRemaining(scheme ->
                        assertTrue(doc.at("/components/securitySchemes/" + scheme).isObject(), scheme)));
            });
        });
    }

    @Test
    void everyRefResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertFalse(refs.isEmpty());
        for (String ref : refs) {
            assertTrue(ref.startsWith("#/"), "only local refs: " + ref);
            assertFalse(doc.at(ref.substring(1)).isMissingNode(), "unresolved $ref " + ref);
        }
    }

    @Test
    void documentedRoutesAreExactlyTheRouterTable() {
        Set<String> served = new TreeSet<>(api.api.routes().stream().map(ApiRoute::toString).toList());
        assertEquals(served.size(), api.api.routes().size(), "no route twice in the table");
        assertEquals(served, documentedRoutes());
    }

    @Test
    void everyDocumentedRouteIsServedAndTokenRulesMatchTheDocument() throws Exception {
        for (ApiRoute route : api.api.routes()) {
            control.reset();
            control.put(FakeVmControl.vm("id-probe", "probe", "stopped", Map.of()));
            operations.put(FakeOperationControl.running("probe", "probe"));
            String path = TEMPLATE_PARAM.matcher(route.template()).replaceAll("probe")
                    + QUERIES.getOrDefault(route.toString(), "");
            String body = BODIES.get(route.toString());
            HttpRequest.Builder request = TAR_BODIES.contains(route.toString())
                    ? api.request(route.method(), path, null).header("Content-Type", "application/x-tar")
                    .method(route.method(), HttpRequest.BodyPublishers.ofString("tar"))
                    : api.request(route.method(), path, body);

            int status = probe(request);
            // a WebSocket route answers a plain GET with 426 Upgrade Required
            boolean webSocket = route.template().endsWith("/attach");
            assertTrue(webSocket ? status == 426 : status >= 200 && status < 300, route + " answered " + status);

            HttpRequest.Builder anonymous = HttpRequest.newBuilder(api.base.resolve(path))
                    .method(route.method(), HttpRequest.BodyPublishers.noBody());
            boolean open = operation(route).has("security") && operation(route).get("security").isEmpty();
            assertEquals(open ? 200 : 401, probe(anonymous), route + " without a token");
        }
    }

    @Test
    void vmStateEnumsAreExactlyTheVmPhases() {
        List<String> phases = Arrays.stream(VmPhase.values()).map(VmPhase::wireName).toList();
        assertEquals(phases, texts(doc.at("/components/schemas/Vm/properties/state/enum")), "Vm.state");
        JsonNode stateParam = null;
        for (JsonNode param : operation(new ApiRoute("GET", "/v1/vms")).path("parameters")) {
            if (resolve(param).path("name").asText().equals("state")) {
                stateParam = resolve(param);
            }
        }
        assertNotNull(stateParam, "GET /v1/vms documents ?state=");
        assertEquals(phases, texts(stateParam.at("/schema/enum")), "GET /v1/vms ?state=");
    }

    @Test
    void errorCodeEnumIsExactlyEveryCodeTheApiAnswersWith() {
        Set<String> codes = ApiErrorCode.all();
        assertTrue(codes.contains("operation_failed") && codes.contains("unauthorized"), codes.toString());
        JsonNode documented = doc.at("/components/schemas/Error/properties/error/properties/code/enum");
        assertEquals(codes, new TreeSet<>(texts(documented)));
    }

    @Test
    void operationStateAndDoctorStatusEnumsAreTheDomainsEnums() {
        assertEquals(Arrays.stream(OperationState.values()).map(OperationState::wireName).toList(),
                texts(doc.at("/components/schemas/Operation/properties/state/enum")));
        assertEquals(Arrays.stream(DoctorCheck.Status.values()).map(Enum::name).toList(),
                texts(doc.at("/components/schemas/DoctorCheck/properties/status/enum")));
    }

    private static List<String> texts(JsonNode array) {
        assertTrue(array.isArray() && !array.isEmpty(), "an enum in the document");
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** The status of a request; streaming responses (events) are closed as soon as their headers arrive. */
    private static int probe(HttpRequest.Builder request) throws Exception {
        HttpResponse<InputStream> response = api.client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        response.body().close();
        return response.statusCode();
    }

    private static JsonNode resolve(JsonNode node) {
        return node.has("$ref") ? doc.at(node.get("$ref").asText().substring(1)) : node;
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals("$ref")) {
                    refs.add(field.getValue().asText());
                } else {
                    collectRefs(field.getValue(), refs);
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> collectRefs(child, refs));
        }
    }
}
