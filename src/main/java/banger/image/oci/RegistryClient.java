package banger.image.oci;

import banger.core.Rejected;
import banger.core.Rejection;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of the OCI distribution API (GET manifests and blobs) over java.net.http. Speaks HTTPS, or plain
 * HTTP to registries listed as insecure. Authentication follows the registry's {@code WWW-Authenticate}
 * challenge: anonymous first; on a Bearer challenge a token is fetched from its realm (with basic credentials
 * if {@link RegistryCredentials} has some for the registry) and kept per repository; on a Basic challenge the
 * configured credentials are sent.
 */
public final class RegistryClient {

    public static final List<String> MANIFEST_TYPES = List.of(
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json");
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final long MAX_MANIFEST_BYTES = 4 << 20;

    /** A manifest's bytes as served, with the media type the registry gave it. */
    public record Manifest(String mediaType, byte[] body) {
    }

    private final HttpClient http;
    private final RegistryCredentials credentials;
    private final Set<String> insecure;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper();
    /** Authorization header per registry + repository, learnt from challenges. */
    private final Map<String, String> authorization = new ConcurrentHashMap<>();
    private final StallGuard stallGuard;

    /** @param insecureRegistries host or host:port entries spoken to over plain HTTP */
    public RegistryClient(RegistryCredentials credentials, Set<String> insecureRegistries, Duration timeout) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        this.credentials = credentials;
        this.insecure = Set.copyOf(insecureRegistries);
        this.timeout = timeout;
        this.stallGuard = new StallGuard(timeout);
    }

    /** GET /v2/REPO/manifests/REFERENCE, bounded in size. */
    public Manifest manifest(ImageReference image, String reference) {
        HttpResponse<InputStream> response = get(image, "manifests/" + reference, String.join(", ", MANIFEST_TYPES));
        try (InputStream body = response.body()) {
            byte[] bytes = body.readNBytes((int) MAX_MANIFEST_BYTES + 1);
            if (bytes.length > MAX_MANIFEST_BYTES) {
                throw new Rejected(Rejection.Reason.OPERATION_FAILED,
                        "the manifest of " + image + " is larger than " + MAX_MANIFEST_BYTES + " bytes");
            }
            String type = response.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
            return new Manifest(type, bytes);
        } catch (IOException e) {
            throw unreachable(image, e);
        }
    }

    /**
     * GET /v2/REPO/blobs/DIGEST: the raw stream, which the caller verifies and closes; it fails if the registry
     * sends nothing for the client's timeout.
     */
    public InputStream blob(ImageReference image, String digest) {
        return stallGuard.guard(get(image, "blobs/" + digest, "*/*").body(), "registry " + image.registry());
    }

    private HttpResponse<InputStream> get(ImageReference image, String path, String accept) {
        URI uri = URI.create(scheme(image) + "://" + image.registry() + "/v2/" + image.repository() + "/" + path);
        String key = image.registry() + "/" + image.repository();
        HttpResponse<InputStream> response = send(image, uri, accept, authorization.get(key));
        if (response.statusCode() == 401) {
            String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
            close(response);
            String header = answer(image, challenge);
            authorization.put(key, header);
            response = send(image, uri, accept, header);
            if (response.statusCode() == 401) {
                close(response);
                throw new Rejected(Rejection.Reason.INVALID_REQUEST, "registry " + image.registry()
                        + " refused access to " + image.repository() + " with the configured credentials"
                        + " (banger.images.registry-auth-file)");
            }
        }
        response = followRedirects(image, response, accept);
        int status = response.statusCode();
        if (status == 200) {
            return response;
        }
        String detail = errorDetail(response);
        if (status == 404) {
            throw new Rejected(Rejection.Reason.NOT_FOUND, "registry " + image.registry() + " has no "
                    + (path.startsWith("manifests/") ? "manifest " : "blob ") + path.substring(path.indexOf('/') + 1)
                    + " in " + image.repository() + detail);
        }
        if (status == 403) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, "registry " + image.registry()
                    + " denied access to " + image.repository() + detail);
        }
        throw new Rejected(Rejection.Reason.UNAVAILABLE, "registry " + image.registry() + " answered "
                + status + " for " + uri.getPath() + detail);
    }

    /**
     * Follows a few redirects by hand, without the registry's Authorization: blobs are often served from a
     * storage service with its own signed URL, which refuses (or must not see) the registry's credentials.
     */
    private HttpResponse<InputStream> followRedirects(ImageReference image, HttpResponse<InputStream> response,
                                                      String accept) {
        int hops = 0;
        while (response.statusCode() / 100 == 3 && response.headers().firstValue("Location").isPresent()) {
            if (++hops > 5) {
                close(response);
                throw new Rejected(Rejection.Reason.UNAVAILABLE, "registry " + image.registry()
                        + " redirected more than 5 times");
            }
            URI next = response.uri().resolve(response.headers().firstValue("Location").get());
            close(response);
            if (!next.getScheme().equals("https") && !scheme(image).equals("http")) {
                throw new Rejected(Rejection.Reason.UNAVAILABLE, "registry " + image.registry()
                        + " redirected to plain HTTP (" + next.getHost() + "); refused");
            }
            response = send(image, next, accept, null);
        }
        return response;
    }

    private HttpResponse<InputStream> send(ImageReference image, URI uri, String accept, String auth) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", accept).GET();
        if (auth != null) {
            request.header("Authorization", auth);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(image, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Rejected(Rejection.Reason.UNAVAILABLE, "interrupted while talking to " + image.registry());
        }
    }

    /** The Authorization header that answers a challenge. */
    private String answer(ImageReference image, String challenge) {
        Optional<String> basic = credentials.basic(image.registry());
        if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
            return "Basic " + basic.orElseThrow(() -> new Rejected(Rejection.Reason.INVALID_REQUEST,
                    "registry " + image.registry() + " wants credentials and banger.images.registry-auth-file has none for it"));
        }
        if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) {
            throw new Rejected(Rejection.Reason.UNAVAILABLE, "registry " + image.registry()
                    + " asked for authentication banger does not speak: '" + challenge + "'");
        }
        Map<String, String> params = new HashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge);
        while (m.find()) {
            params.put(m.group(1).toLowerCase(), m.group(2));
        }
        String realm = params.get("realm");
        if (realm == null) {
            throw new Rejected(Rejection.Reason.UNAVAILABLE, "registry " + image.registry()
                    + " sent a Bearer challenge without a realm");
        }
        StringBuilder query = new StringBuilder();
        if (params.containsKey("service")) {
            query.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
        }
        String scope = params.getOrDefault("scope", "repository:" + image.repository() + ":pull");
        query.append(query.isEmpty() ? "" : "&").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(realm + (realm.contains("?") ? "&" : "?") + query))
                .timeout(timeout).GET();
        basic.ifPresent(b -> request.header("Authorization", "Basic " + b));
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new Rejected(Rejection.Reason.INVALID_REQUEST, "token service " + realm
                        + " refused a pull token for " + image.repository() + " (HTTP " + response.statusCode() + ")");
            }
            JsonNode token = json.readTree(response.body());
            String value = token.path("token").asText(token.path("access_token").asText(""));
            if (value.isEmpty()) {
                throw new Rejected(Rejection.Reason.UNAVAILABLE, "token service " + realm + " sent no token");
            }
            return "Bearer " + value;
        } catch (IOException e) {
            throw new Rejected(Rejection.Reason.UNAVAILABLE, "cannot reach token service " + realm
                    + ": " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Rejected(Rejection.Reason.UNAVAILABLE, "interrupted while fetching a token");
        }
    }

    private String scheme(ImageReference image) {
        return insecure.contains(image.registry()) || insecure.contains(image.host()) ? "http" : "https";
    }

    private String errorDetail(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            String text = new String(body.readNBytes(2048), StandardCharsets.UTF_8);
            JsonNode errors = json.readTree(text).path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
                return ": " + errors.get(0).path("code").asText() + " " + errors.get(0).path("message").asText();
            }
            return "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Rejected unreachable(ImageReference image, IOException e) {
        return new Rejected(Rejection.Reason.UNAVAILABLE, "cannot reach registry " + image.registry()
                + ": " + describe(e));
    }

    private static String describe(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && (c.getMessage() == null || c.getMessage().isBlank())) {
            c = c.getCause();
        }
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
