package banger.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Basic credentials per registry from a docker-style {@code config.json}: {@code {"auths": {"host:port":
 * {"auth": base64("user:password")}}}} (or {@code username}/{@code password} fields). Keys may be bare hosts
 * or URLs ({@code https://index.docker.io/v1/}); Docker Hub's key also serves its API host.
 */
public final class RegistryCredentials {

    /** user:password, base64, ready for an Authorization: Basic header. */
    private final Map<String, String> basicByRegistry;

    private RegistryCredentials(Map<String, String> basicByRegistry) {
        this.basicByRegistry = Map.copyOf(basicByRegistry);
    }

    public static RegistryCredentials none() {
        return new RegistryCredentials(Map.of());
    }

    /** Reads {@code file}; a missing file means no credentials. */
    public static RegistryCredentials fromFile(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return none();
        }
        try {
            JsonNode auths = new ObjectMapper().readTree(file.toFile()).path("auths");
            Map<String, String> basic = new HashMap<>();
            auths.fields().forEachRemaining(e -> {
                JsonNode entry = e.getValue();
                String encoded = entry.path("auth").asText("");
                if (encoded.isEmpty() && entry.hasNonNull("username")) {
                    encoded = Base64.getEncoder().encodeToString((entry.path("username").asText() + ":"
                            + entry.path("password").asText("")).getBytes(StandardCharsets.UTF_8));
                }
                if (!encoded.isEmpty()) {
                    basic.put(registryOf(e.getKey()), encoded);
                }
            });
            return new RegistryCredentials(basic);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read registry credentials from " + file, e);
        }
    }

    /** The base64 user:password for {@code registry} (host[:port]), if configured. */
    public Optional<String> basic(String registry) {
        String found = basicByRegistry.get(registry);
        if (found == null && registry.equals(ImageReference.DOCKER_HUB_API)) {
            found = basicByRegistry.get("docker.io");
        }
        return Optional.ofNullable(found);
    }

    private static String registryOf(String key) {
        String k = key.replaceFirst("^https?://", "");
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        return k.equals("index.docker.io") || k.equals("registry-1.docker.io") ? "docker.io" : k;
    }
}
