package banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a small in-test registry that demands a bearer token from its token service, which in
 * turn wants basic credentials: the challenge flow, credentials from config.json, index platform selection
 * and manifest digest checks.
 */
class RegistryClientTest {

    private static final String USER_PASSWORD = Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
    private static final byte[] LAYER = "a layer".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;
    HttpServer server;
    String registry;
    final Map<String, byte[]> manifests = new ConcurrentHashMap<>();

    @BeforeEach
    void startRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        registry = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/token", this::token);
        server.createContext("/v2/", this::v2);
        server.start();
        String layerDigest = BlobCache.digestOf(LAYER);
        byte[] amd64 = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + layerDigest
                + "\",\"size\":7},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
                + layerDigest + "\",\"size\":" + LAYER.length + "}]}").getBytes(StandardCharsets.UTF_8);
        byte[] arm64 = new String(amd64, StandardCharsets.UTF_8).replace("\"size\":7", "\"size\":8").getBytes(StandardCharsets.UTF_8);
        manifests.put(BlobCache.digestOf(amd64), amd64);
        manifests.put(BlobCache.digestOf(arm64), arm64);
        byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + BlobCache.digestOf(arm64)
                + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + BlobCache.digestOf(amd64)
                + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}").getBytes(StandardCharsets.UTF_8);
        manifests.put("multi", index);
        manifests.put(BlobCache.digestOf(index), index);
    }

    @AfterEach
    void stopRegistry() {
        server.stop(0);
    }

    private void token(HttpExchange x) throws IOException {
        String auth = x.getRequestHeaders().getFirst("Authorization");
        if (!("Basic " + USER_PASSWORD).equals(auth) || !x.getRequestURI().getRawQuery().contains("scope=repository%3Atest%2Fapp%3Apull")) {
            reply(x, 401, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        reply(x, 200, "application/json", "{\"token\":\"tok-123\"}".getBytes(StandardCharsets.UTF_8));
    }

    private void v2(HttpExchange x) throws IOException {
        if (!"Bearer tok-123".equals(x.getRequestHeaders().getFirst("Authorization"))) {
            x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + registry
                    + "/token\",service=\"test\",scope=\"repository:test/app:pull\"");
            reply(x, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String path = x.getRequestURI().getPath();
        String last = path.substring(path.lastIndexOf('/') + 1);
        if (path.startsWith("/v2/test/app/manifests/") && manifests.containsKey(last)) {
            byte[] body = manifests.get(last);
            String type = new String(body, StandardCharsets.UTF_8).contains("index") ? "application/vnd.oci.image.index.v1+json"
                    : "application/vnd.oci.image.manifest.v1+json";
            reply(x, 200, type, body);
        } else if (path.equals("/v2/test/app/blobs/" + BlobCache.digestOf(LAYER))) {
            reply(x, 200, "application/octet-stream", LAYER);
        } else {
            reply(x, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}"
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void reply(HttpExchange x, int status, String type, byte[] body) throws IOException {
        x.getResponseHeaders().add("Content-Type", type);
        x.sendResponseHeaders(status, body.length);
        try (var out = x.getResponseBody()) {
            out.write(body);
        }
    }

    private RegistryClient client(RegistryCredentials credentials) {
        return new RegistryClient(credentials, Set.of("127.0.0.1"), Duration.ofSeconds(10));
    }

    private RegistryCredentials aliceFromConfigJson() throws IOException {
        Path config = tmp.resolve("config.json");
        Files.writeString(config, "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + USER_PASSWORD + "\"}}}");
        return RegistryCredentials.fromFile(config);
    }

    @Test
    void aBearerChallengeIsAnsweredWithATokenFetchedWithTheConfiguredBasicCredentials() throws IOException {
        RegistryClient client = client(aliceFromConfigJson());
        ResolvedImage image = new ManifestResolver(client).resolve(ImageReference.parse(registry + "/test/app:multi"), null);
        assertEquals(1, image.layers().size());
        assertEquals(7, image.config().size(), "linux/amd64 picked from the index");
        try (InputStream blob = client.blob(image.reference(), image.layers().get(0).digest())) {
            assertArrayEquals(LAYER, blob.readAllBytes());
        }
    }

    @Test
    void aPlatformWithAVariantIsPickedFromTheIndex() throws IOException {
        ResolvedImage image = new ManifestResolver(client(aliceFromConfigJson()))
                .resolve(ImageReference.parse(registry + "/test/app:multi"), "linux/arm64/v8");
        assertEquals(8, image.config().size());
    }

    @Test
    void aPlatformTheIndexLacksIsRefusedNamingWhatItHas() throws IOException {
        Rejected e = assertThrows(Rejected.class, () -> new ManifestResolver(client(aliceFromConfigJson()))
                .resolve(ImageReference.parse(registry + "/test/app:multi"), "linux/s390x"));
        assertEquals(Rejection.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains("linux/amd64"), e.getMessage());
    }

    @Test
    void withoutCredentialsTheTokenServiceRefusesAndThePullIsRefused() {
        Rejected e = assertThrows(Rejected.class, () -> new ManifestResolver(client(RegistryCredentials.none()))
                .resolve(ImageReference.parse(registry + "/test/app:multi"), null));
        assertTrue(e.getMessage().contains("refused a pull token"), e.getMessage());
    }

    @Test
    void aManifestThatDoesNotHashToTheRequestedDigestIsRefused() throws IOException {
        String wrong = "sha256:" + "0".repeat(64);
        manifests.put(wrong, manifests.get("multi"));
        Rejected e = assertThrows(Rejected.class, () -> new ManifestResolver(client(aliceFromConfigJson()))
                .resolve(ImageReference.parse(registry + "/test/app@" + wrong), null));
        assertTrue(e.getMessage().contains("hashes to"), e.getMessage());
    }

    @Test
    void anUnknownTagIsNotFound() throws IOException {
        Rejected e = assertThrows(Rejected.class, () -> new ManifestResolver(client(aliceFromConfigJson()))
                .resolve(ImageReference.parse(registry + "/test/app:nope"), null));
        assertEquals(Rejection.Reason.NOT_FOUND, e.reason());
        assertTrue(e.getMessage().contains("MANIFEST_UNKNOWN"), e.getMessage());
    }

    @Test
    void anUnknownRegistryHostIsUnavailableWithTheReason() {
        Rejected e = assertThrows(Rejected.class, () -> new ManifestResolver(client(RegistryCredentials.none()))
                .resolve(ImageReference.parse("no-such-host.invalid/x/y:1"), null));
        assertEquals(Rejection.Reason.UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().contains("cannot reach registry no-such-host.invalid"), e.getMessage());
    }

    @Test
    void aBlobRedirectedToStorageIsFetchedThereWithoutTheRegistrysCredentials() throws IOException {
        Map<String, String> storageSawAuth = new ConcurrentHashMap<>();
        server.createContext("/storage/", x -> {
            storageSawAuth.put("auth", String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            reply(x, 200, "application/octet-stream", LAYER);
        });
        server.createContext("/v2/test/moved/blobs/", x -> {
            if (!"Bearer tok-123".equals(x.getRequestHeaders().getFirst("Authorization"))) {
                v2(x);
                return;
            }
            x.getResponseHeaders().add("Location", "/storage/blob?signature=abc");
            x.sendResponseHeaders(307, -1);
            x.close();
        });
        RegistryClient client = client(aliceFromConfigJson());
        try (InputStream blob = client.blob(ImageReference.parse(registry + "/test/moved:1"), BlobCache.digestOf(LAYER))) {
            assertArrayEquals(LAYER, blob.readAllBytes());
        }
        assertEquals("null", storageSawAuth.get("auth"));
    }

    @Test
    void aBlobDownloadThatStallsFailsAfterTheTimeoutInsteadOfHanging() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        server.createContext("/v2/test/slow/blobs/", x -> {
            x.sendResponseHeaders(200, 1000);
            x.getResponseBody().write(new byte[10]);
            x.getResponseBody().flush();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.close();
        });
        server.removeContext("/v2/");
        server.createContext("/v2/", x -> reply(x, 404, "application/json", new byte[0]));
        RegistryClient client = new RegistryClient(RegistryCredentials.none(), Set.of("127.0.0.1"), Duration.ofSeconds(1));
        long started = System.nanoTime();
        try (InputStream blob = client.blob(ImageReference.parse(registry + "/test/slow:1"), BlobCache.digestOf(LAYER))) {
            IOException e = assertThrows(IOException.class, blob::readAllBytes);
            assertTrue(e.getMessage().contains("sent nothing for 1 s"), e.getMessage());
        } finally {
            release.countDown();
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 10);
    }

    @Test
    void credentialsAreReadFromUsernameAndPasswordFieldsToo() throws IOException {
        Path config = tmp.resolve("config2.json");
        Files.writeString(config, "{\"auths\":{\"https://" + registry + "/v1/\":{\"username\":\"alice\",\"password\":\"s3cret\"}}}");
        assertEquals(List.of(USER_PASSWORD), RegistryCredentials.fromFile(config).basic(registry).stream().toList());
    }
}
