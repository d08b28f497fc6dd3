package banger.image.oci;

import banger.core.Rejected;
import banger.core.Rejection;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Resolves a reference to one image manifest: fetches what the reference names, checks it against the
 * reference's digest if it has one, and when it is an index (OCI) or manifest list (Docker) picks the entry for
 * the platform and fetches that by digest (checked too). Docker schema 2 and OCI image manifests are accepted.
 */
public final class ManifestResolver {

    public static final String DEFAULT_PLATFORM = "linux/amd64";
    private static final Pattern PLATFORM = Pattern.compile("[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?");

    private final RegistryClient client;
    private final ObjectMapper json = new ObjectMapper();

    public ManifestResolver(RegistryClient client) {
        this.client = client;
    }

    /** @param platform os/arch[/variant]; null means {@value #DEFAULT_PLATFORM} */
    public ResolvedImage resolve(ImageReference reference, String platform) {
        String wanted = platform == null || platform.isBlank() ? DEFAULT_PLATFORM : platform;
        if (!PLATFORM.matcher(wanted).matches()) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, "malformed platform '" + platform
                    + "': os/arch or os/arch/variant, e.g. linux/amd64");
        }
        String requested = reference.manifestReference();
        RegistryClient.Manifest fetched = client.manifest(reference, requested);
        String digest = verified(reference, requested, fetched.body());
        JsonNode manifest = parse(reference, fetched.body());
        String type = manifest.path("mediaType").asText(fetched.mediaType());
        if (manifest.has("manifests")) {
            String picked = pick(reference, manifest.path("manifests"), wanted);
            fetched = client.manifest(reference, picked);
            digest = verified(reference, picked, fetched.body());
            manifest = parse(reference, fetched.body());
            type = manifest.path("mediaType").asText(fetched.mediaType());
        }
        if (manifest.path("schemaVersion").asInt() != 2 || !manifest.has("layers")
                || !(type.isEmpty() || RegistryClient.MANIFEST_TYPES.contains(type))) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, reference + " is not an OCI or Docker schema 2"
                    + " image (media type '" + type + "')");
        }
        List<ResolvedImage.Descriptor> layers = new ArrayList<>();
        for (JsonNode layer : manifest.path("layers")) {
            layers.add(descriptor(layer));
        }
        return new ResolvedImage(reference, digest, descriptor(manifest.path("config")), List.copyOf(layers));
    }

    private String pick(ImageReference reference, JsonNode entries, String wanted) {
        String[] parts = wanted.split("/");
        List<String> offered = new ArrayList<>();
        String fallback = null;
        for (JsonNode entry : entries) {
            JsonNode p = entry.path("platform");
            String os = p.path("os").asText();
            String arch = p.path("architecture").asText();
            String variant = p.path("variant").asText("");
            offered.add(os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant));
            if (!os.equals(parts[0]) || !arch.equals(parts[1])) {
                continue;
            }
            if (parts.length == 3 ? parts[2].equals(variant) : variant.isEmpty()) {
                return entry.path("digest").asText();
            }
            if (parts.length == 2 && fallback == null) {
                fallback = entry.path("digest").asText();
            }
        }
        if (fallback != null) {
            return fallback;
        }
        throw new Rejected(Rejection.Reason.INVALID_REQUEST, reference + " has no image for platform " + wanted
                + " (it has: " + String.join(", ", offered) + ")");
    }

    private static String verified(ImageReference reference, String requested, byte[] body) {
        String actual = BlobCache.digestOf(body);
        if (requested.startsWith("sha256:") && !requested.equals(actual)) {
            throw new Rejected(Rejection.Reason.OPERATION_FAILED, "the manifest registry "
                    + reference.registry() + " sent for " + requested + " hashes to " + actual + "; refused");
        }
        return actual;
    }

    private JsonNode parse(ImageReference reference, byte[] body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new Rejected(Rejection.Reason.OPERATION_FAILED, "the manifest of " + reference
                    + " is not JSON: " + e.getMessage());
        }
    }

    private static ResolvedImage.Descriptor descriptor(JsonNode node) {
        BlobCache.hexOf(node.path("digest").asText(null));
        return new ResolvedImage.Descriptor(node.path("mediaType").asText(""), node.path("digest").asText(),
                node.path("size").asLong(-1));
    }
}
