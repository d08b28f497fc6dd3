package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the real API server ({@link LocalDaemon}: the real ApiServer over the real fleet, image registry and SQLite
 * journal; only the VMM is a stand-in) with seeded random requests over raw sockets, so malformed request lines,
 * headers and content lengths reach it too. Every route template of the OpenAPI document (which
 * OpenApiMatchesRoutesTest keeps equal to the router) is hit with real and hostile path parameters, random query
 * strings, headers and JSON bodies. No answer may be 5xx (501 for an unknown method aside), the daemon must stay
 * healthy, and the VMs and images must be exactly as before.
 *
 * <p>Nothing may change, so the fuzzer never sends a request that could legitimately change something: the valid
 * token goes with GET/HEAD freely, but with a changing method only when every path parameter contains {@code ~}
 * (no VM, image or operation can be named so) and the body is either syntactically broken JSON or a random
 * object whose identifying fields ({@code name}, {@code ref}) also contain {@code ~}, so validation must refuse
 * it; that way the bodies of the changing routes are still parsed and validated. Other changing requests carry no,
 * a wrong or a malformed token. The seed is printed; rerun one with {@code -Dbanger.fuzz.seed=N} (and
 * {@code -Dbanger.fuzz.requests=N}).
 */
class ApiFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.Set<String> HTTP_METHODS = java.util.Set.of("get", "put", "post", "delete",
            "patch", "head", "options", "trace");
    private static final String[] VM_NAMES = {"fuzz-one", "fuzz-two", "fuzz-three"};
    private static final String[] METHODS = {"GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE", "HEAD",
            "OPTIONS", "TRACE", "CONNECT", "FOO", "get", "PROPFIND", "BREW"};
    private static final String[] EXTRA_PATHS = {"/", "/ui", "/ui/", "/ui/session", "/ui/app.js", "/ui/../v1/vms",
            "/v1", "/v1/", "/v1/vms/", "//v1//vms", "/v1/vms/%2e%2e/images", "/v1/vms/../images", "/v2/vms",
            "/v1/VMS", "/healthz/", "/v1/openapi.json/x", "*", "http://127.0.0.1/v1/vms", "v1/vms", "/%00",
            "/v1/vms/%zz", "/v1/vms/%", "/v1/images/a/b/c", "/v1/operations/..%2f..%2f"};
    private static final String[] HOSTILE = {"", "..", "../..", "../../etc/passwd", "%2e%2e%2f", "%00", "\u0000",
            "nul\u0000byte", "x".repeat(5000), "é", "💥", "\u202e", "\uFEFF", "' OR 1=1 --", "$(reboot)", "`id`",
            "; rm -rf /", "<script>alert(1)</script>", "%", "%%", "%zz", "a b", "a\tb", "a\r\nX-Injected: 1",
            "9".repeat(40), "-1", "0", "NaN", "null", "true", "{}", "[]", "*", "?", "#", "a/b", "A", "UPPER",
            "fuzz-one~", "${jndi:ldap://x}", "\\", "\\\\server\\share", "CON", ".", "~"};
    private static final String[] CONTENT_TYPES = {"application/json", "application/json; charset=utf-8",
            "application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded",
            "multipart/form-data", "multipart/form-data; boundary=", "a/b/c", "", ";;;", "application/json; q=x",
            "*/*", "application/octet-stream", "application/JSON", "text/event-stream", "json"};

    private static ActorTestKit kit;
    private static LocalDaemon daemon;
    private static String operationId;

    @BeforeAll
    static void start() throws Exception {
        kit = ActorTestKit.create(LocalDaemon.config(Files.createTempDirectory("banger-fuzz"), ""));
        daemon = LocalDaemon.start(kit.system(), new InstantVmRuntime(name -> false));
        for (String name : VM_NAMES) {
            Answer created = send(("POST /v1/vms?wait=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + daemon.token + "\r\nContent-Type: application/json\r\n").getBytes(StandardCharsets.UTF_8),
                    JSON.writeValueAsBytes(Map.of("name", name, "start", !name.equals("fuzz-two"))));
            assertEquals(201, created.status, created.text());
        }
        JsonNode operations = JSON.readTree(get("/v1/operations").body);
        operationId = operations.isArray() && operations.size() > 0 ? operations.get(0).path("id").asText()
                : operations.path("operations").path(0).path("id").asText("none");
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.stop();
        kit.shutdownTestKit();
    }

    @Test
    void randomAndHostileRequestsGetNo5xxLeaveTheDaemonHealthyAndChangeNothing() throws Exception {
        long seed = Long.getLong("banger.fuzz.seed", System.nanoTime());
        int count = Integer.getInteger("banger.fuzz.requests", 10_000);
        System.out.println("ApiFuzzTest seed " + seed + " (rerun with -Dbanger.fuzz.seed=" + seed + ")");
        List<String[]> templates = templates();
        String vmsBefore = snapshot("/v1/vms");
        String imagesBefore = snapshot("/v1/images");

        Random random = new Random(seed);
        List<Fuzzed> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(fuzzed(random, templates));
        }
        Map<String, LongAdder> histogram = new ConcurrentHashMap<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<String> noAnswers = Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                done.add(pool.submit(() -> {
                    for (int i = first; i < requests.size(); i += 4) {
                        Fuzzed request = requests.get(i);
                        Answer answer = sendQuietly(request.head, request.body);
                        String bucket = answer == null ? "no answer" : String.valueOf(answer.status);
                        if (answer == null && noAnswers.size() < 5) {
                            noAnswers.add(request.describe());
                        }
                        histogram.computeIfAbsent(bucket, k -> new LongAdder()).increment();
                        if (answer != null && answer.status >= 500 && (answer.status != 501 || request.standardMethod())) {
                            failures.add("#" + i + " " + answer.status + " for " + request.describe() + " -> "
                                    + answer.text());
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        Map<String, Long> sorted = new TreeMap<>();
        histogram.forEach((k, v) -> sorted.put(k, v.sum()));
        System.out.println("ApiFuzzTest sent " + count + " requests in " + millis + " ms; statuses " + sorted);
        noAnswers.forEach(r -> System.out.println("ApiFuzzTest no answer to: " + r));

        assertTrue(failures.isEmpty(), failures.size() + " answers >= 500 (seed " + seed + "):\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        assertEquals(200, get("/healthz").status, "the daemon is still healthy");
        assertEquals(vmsBefore, snapshot("/v1/vms"), "the VMs are unchanged (seed " + seed + ")");
        assertEquals(imagesBefore, snapshot("/v1/images"), "the images are unchanged (seed " + seed + ")");
    }

    @Test
    void aMalformedRequestLineIs400InTheJsonErrorShapeNot505() throws Exception {
        for (String line : List.of("GET /v1/vms/a b HTTP/1.1", "GET /healthz HTTP/1.1 extra", "GET /healthz",
                "GET /healthz HTTP/2.0")) {
            Answer answer = send((line + "\r\nHost: x\r\n").getBytes(StandardCharsets.UTF_8), new byte[0]);
            assertEquals(400, answer.status, line + " -> " + answer.text());
            assertEquals("invalid_request", JSON.readTree(answer.body).path("error").path("code").asText(), line);
        }
    }

    private static final java.util.regex.Pattern GUEST_IO =
            java.util.regex.Pattern.compile("^/v1/vms/\\{ref}/(sessions|workspace|files|ports|forwards)");

    /**
     * Every (method, template) of the OpenAPI document, which the route test keeps equal to the router, but for
     * guest I/O (sessions, workspace, files, ports, forwards): the in-process daemon has no guests, so those answer 503
     * "unavailable" by design; their edges are fuzzed by their own route tests.
     */
    private static List<String[]> templates() throws IOException {
        List<String[]> templates = new ArrayList<>();
        try (InputStream in = ApiFuzzTest.class.getResourceAsStream("/openapi.json")) {
            JsonNode paths = JSON.readTree(in).path("paths");
            for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> path = it.next();
                path.getValue().fieldNames().forEachRemaining(m -> {
                    if (HTTP_METHODS.contains(m) && !GUEST_IO.matcher(path.getKey()).find()) {
                        templates.add(new String[] {m.toUpperCase(), path.getKey()});
                    }
                });
            }
        }
        assertTrue(templates.size() > 20, "the route templates were read");
        return templates;
    }

    private record Fuzzed(byte[] head, byte[] body) {
        /** 501 is only for methods the server does not know. */
        boolean standardMethod() {
            String line = new String(head, StandardCharsets.UTF_8);
            return HTTP_METHODS.stream().anyMatch(m -> line.startsWith(m.toUpperCase() + " "));
        }

        String describe() {
            String h = new String(head, StandardCharsets.UTF_8);
            String b = new String(body, StandardCharsets.UTF_8);
            return (h.length() > 300 ? h.substring(0, 300) + "..." : h).replace("\r\n", " | ") + " body "
                    + (b.length() > 200 ? b.substring(0, 200) + "..." : b);
        }
    }

    private static Fuzzed fuzzed(Random random, List<String[]> templates) {
        boolean fromTemplate = random.nextInt(10) < 8;
        String[] template = templates.get(random.nextInt(templates.size()));
        String method = fromTemplate && random.nextInt(4) > 0 ? template[0] : pick(random, METHODS);
        boolean changing = !method.equals("GET") && !method.equals("HEAD");
        boolean tokenAllowed = !changing || !template[1].equals("/v1/console/codes");
        boolean withToken = random.nextInt(3) > 0;
        // with the valid token, a changing request names nothing that exists and carries a body validation refuses
        boolean safe = withToken && changing;
        String path = fromTemplate ? fill(random, template[1], safe) : pick(random, EXTRA_PATHS);
        if (random.nextInt(3) == 0) {
            path += query(random);
        }
        byte[] body;
        if (safe) {
            body = random.nextBoolean() ? brokenJson(random) : refusedObject(random);
        } else {
            body = switch (random.nextInt(5)) {
                case 0 -> new byte[0];
                case 1 -> brokenJson(random);
                case 2 -> refusedObject(random);
                default -> randomJson(random, 0).getBytes(StandardCharsets.UTF_8);
            };
        }
        StringBuilder head = new StringBuilder();
        head.append(requestLine(random, method, path));
        if (random.nextInt(20) > 0) {
            head.append("Host: ").append(random.nextInt(10) == 0 ? pick(random, HOSTILE) : "127.0.0.1").append("\r\n");
        }
        String authorization = withToken && tokenAllowed ? "Bearer " + daemon.token : switch (random.nextInt(6)) {
            case 0 -> null;
            case 1 -> "Bearer wrong";
            case 2 -> "Bearer " + "t".repeat(random.nextInt(20_000));
            case 3 -> "Basic " + pick(random, HOSTILE);
            case 4 -> "bearer";
            default -> "Bearer " + daemon.token.substring(1);
        };
        if (authorization != null) {
            head.append("Authorization: ").append(authorization).append("\r\n");
        }
        if (random.nextInt(4) > 0) {
            head.append("Content-Type: ").append(pick(random, CONTENT_TYPES)).append("\r\n");
        }
        head.append(contentLength(random, body.length));
        for (int i = random.nextInt(4); i > 0; i--) {
            head.append(header(random));
        }
        head.append("Connection: close\r\n");
        return new Fuzzed(head.toString().getBytes(StandardCharsets.UTF_8), body);
    }

    private static String requestLine(Random random, String method, String path) {
        return switch (random.nextInt(25)) {
            case 0 -> method + " " + path + " HTTP/1.0\r\n";
            case 1 -> method + " " + path + " HTTP/2.0\r\n";
            case 2 -> method + "  " + path + "  HTTP/1.1\r\n";
            case 3 -> method + " " + path + "\r\n";
            case 4 -> method + " " + path + " HTTP/1.1 extra\r\n";
            case 5 -> " " + method + " " + path + " HTTP/1.1\r\n";
            default -> method + " " + path + " HTTP/1.1\r\n";
        };
    }

    /** A Content-Length that is right, absent, or wrong in ways that never make the server wait for bytes. */
    private static String contentLength(Random random, int length) {
        return switch (random.nextInt(12)) {
            case 0 -> "";
            case 1 -> "Content-Length: " + Math.max(0, length - 1 - random.nextInt(Math.max(1, length))) + "\r\n";
            case 2 -> "Content-Length: -1\r\n";
            case 3 -> "Content-Length: abc\r\n";
            case 4 -> "Content-Length: " + length + "\r\nContent-Length: " + (length + 1) + "\r\n";
            case 5 -> "Content-Length: 99999999999999999999999\r\n";
            case 6 -> "Transfer-Encoding: chunked\r\nContent-Length: " + length + "\r\n";
            default -> "Content-Length: " + length + "\r\n";
        };
    }

    private static String header(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> "Idempotency-Key: " + pick(random, HOSTILE) + "\r\n";
            case 1 -> "Last-Event-ID: " + pick(random, HOSTILE) + "\r\n";
            case 2 -> "Cookie: banger_session=" + pick(random, HOSTILE) + "\r\n";
            case 3 -> "Accept: " + pick(random, CONTENT_TYPES) + "\r\n";
            case 4 -> "X-CSRF-Token: " + pick(random, HOSTILE) + "\r\n";
            case 5 -> "Content-Encoding: " + (random.nextBoolean() ? "gzip" : "br") + "\r\n";
            case 6 -> "X-" + random.nextInt(1000) + ": " + "v".repeat(random.nextInt(3000)) + "\r\n";
            case 7 -> "Bad Header Name: x\r\n";
            case 8 -> "NoColon\r\n";
            default -> "Expect: 100-continue\r\n";
        };
    }

    private static String query(Random random) {
        StringBuilder q = new StringBuilder("?");
        String[] keys = {"wait", "follow", "since", "limit", "force", "timeout", "tail", "state", "label", "after",
                "lines", "vm", "x"};
        for (int i = random.nextInt(4); i >= 0; i--) {
            q.append(pick(random, keys)).append('=').append(paramValue(random)).append('&');
        }
        return random.nextInt(10) == 0 ? q + "%zz&&==" : q.toString();
    }

    /** The template with each parameter replaced: a real name or id, or a hostile one. */
    private static String fill(Random random, String template, boolean mustNameNothing) {
        StringBuilder out = new StringBuilder();
        for (String segment : template.split("/", -1)) {
            if (!out.isEmpty() || template.startsWith("/")) {
                out.append(out.isEmpty() && segment.isEmpty() ? "" : "/");
            }
            if (!segment.startsWith("{")) {
                out.append(segment);
            } else if (mustNameNothing) {
                out.append(paramValue(random)).append('~');
            } else {
                out.append(switch (random.nextInt(4)) {
                    case 0 -> pick(random, VM_NAMES);
                    case 1 -> random.nextBoolean() ? "tiny" : operationId;
                    default -> paramValue(random);
                });
            }
        }
        return out.toString();
    }

    /** A hostile value, sent raw (possibly breaking the request line) or percent-encoded. */
    private static String paramValue(Random random) {
        String value = random.nextInt(3) == 0 ? randomString(random) : pick(random, HOSTILE);
        return random.nextInt(4) == 0 ? value : URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Always a JSON syntax error: an object that never closes, or a NUL before anything. */
    private static byte[] brokenJson(Random random) {
        String inner = randomJson(random, 0);
        String broken = switch (random.nextInt(4)) {
            case 0 -> "{\"name\": " + inner;
            case 1 -> "\u0000" + inner;
            case 2 -> "{\"name\": \"a\u0000b~\",";
            default -> "[" + inner + ",";
        };
        return broken.getBytes(StandardCharsets.UTF_8);
    }

    /** A random object with the API's field names whose identifying fields no validation accepts. */
    private static byte[] refusedObject(Random random) {
        String[] fields = {"image", "vcpus", "memoryMib", "diskMib", "start", "labels", "egress", "argv", "stdin",
                "timeoutS", "preset", "kernel", "initrd", "rootfs", "os", "platform", "mode", "allow"};
        Map<String, Object> object = new TreeMap<>();
        for (int i = random.nextInt(6); i > 0; i--) {
            object.put(pick(random, fields), randomValue(random, 1));
        }
        object.put("name", randomString(random) + "~");
        object.put("ref", randomString(random) + "~");
        try {
            return JSON.writeValueAsBytes(object);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String randomJson(Random random, int depth) {
        if (random.nextInt(30) == 0) {
            int nesting = 10 + random.nextInt(5000);
            return "[".repeat(nesting) + "]".repeat(nesting);
        }
        if (random.nextInt(30) == 0) {
            return "{\"vcpus\": 1" + "0".repeat(random.nextInt(400)) + ", \"memoryMib\": 1e999999}";
        }
        try {
            return JSON.writeValueAsString(randomValue(random, depth));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object randomValue(Random random, int depth) {
        int kind = random.nextInt(depth > 4 ? 6 : 9);
        return switch (kind) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> random.nextLong();
            case 3 -> new java.math.BigInteger(1 + random.nextInt(300), random);
            case 4 -> random.nextInt(5) == 0 ? Double.MAX_VALUE : random.nextDouble() * 1e300;
            case 5 -> randomString(random);
            case 6 -> {
                List<Object> list = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    list.add(randomValue(random, depth + 1));
                }
                yield list;
            }
            default -> {
                String[] keys = {"name", "image", "vcpus", "memoryMib", "diskMib", "start", "labels", "egress",
                        "argv", "stdin", "timeoutS", "preset", "ref", "kernel", "rootfs", "platform", ""};
                Map<String, Object> map = new TreeMap<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    map.put(random.nextBoolean() ? pick(random, keys) : randomString(random),
                            randomValue(random, depth + 1));
                }
                yield map;
            }
        };
    }

    private static String randomString(Random random) {
        if (random.nextInt(4) == 0) {
            return pick(random, HOSTILE);
        }
        int length = random.nextInt(10) == 0 ? 5_000 + random.nextInt(30_000) : random.nextInt(20);
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(switch (random.nextInt(6)) {
                case 0 -> (char) random.nextInt(32);
                case 1 -> (char) (0x80 + random.nextInt(0xD000));
                default -> (char) (' ' + random.nextInt(95));
            });
        }
        return s.toString();
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }

    private static String snapshot(String path) throws Exception {
        Answer answer = get(path);
        assertEquals(200, answer.status, answer.text());
        return answer.text();
    }

    private static Answer get(String path) throws IOException {
        return send(("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + daemon.token + "\r\n")
                .getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    private record Answer(int status, byte[] body) {
        String text() {
            String s = new String(body, StandardCharsets.UTF_8);
            return s.length() > 500 ? s.substring(0, 500) + "..." : s;
        }
    }

    private static Answer sendQuietly(byte[] head, byte[] body) {
        try {
            return send(head, body);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * One request on its own connection, every read bounded; the answer's status and body read until the server
     * closes, a bounded amount is read, or a streaming answer stops sending for a while.
     */
    private static Answer send(byte[] head, byte[] body) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(daemon.base.getHost(), daemon.base.getPort()), 5_000);
            socket.setSoTimeout(10_000);
            String headText = new String(head, StandardCharsets.UTF_8);
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(head);
            if (!headText.contains("Connection: close")) {
                request.write("Connection: close\r\n".getBytes(StandardCharsets.UTF_8));
            }
            if (!headText.contains("Content-Length") && !headText.contains("Transfer-Encoding") && body.length > 0) {
                request.write(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            request.write("\r\n".getBytes(StandardCharsets.UTF_8));
            request.write(body);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(request.toByteArray());
                out.flush();
            } catch (IOException closedEarly) {
                // the server may answer (400, 413, 431) and close before the whole request is written
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) > 0 && received.size() < 1_000_000) {
                    received.write(buffer, 0, n);
                    if (streaming(received)) {
                        break;
                    }
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                if (received.size() == 0) {
                    throw e;
                }
            }
            String text = received.toString(StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.")) {
                throw new IOException("no HTTP answer: " + text);
            }
            int status = Integer.parseInt(text.substring(9, 12));
            int bodyStart = text.indexOf("\r\n\r\n");
            byte[] answerBody = bodyStart < 0 ? new byte[0]
                    : java.util.Arrays.copyOfRange(received.toByteArray(), bodyStart + 4, received.size());
            return new Answer(status, answerBody);
        }
    }

    /** Event streams and console follows never end by themselves; their status line is all that is needed. */
    private static boolean streaming(ByteArrayOutputStream received) {
        String text = received.toString(StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        return end > 0 && (text.substring(0, end).toLowerCase().contains("text/event-stream")
                || text.substring(0, end).toLowerCase().contains("transfer-encoding: chunked"));
    }
}
