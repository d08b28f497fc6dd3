package banger.e2e;

import banger.image.oci.BlobCache;
import banger.image.oci.TestLayers;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes an OCI image layout directory (oci-layout, index.json, blobs/sha256/...) from test code, for skopeo to
 * push to a registry: images of given layers, and indexes of images for several platforms.
 */
final class OciLayout {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";

    /** A blob a manifest or index points at. */
    record Descriptor(String mediaType, String digest, long size) {
        ObjectNode json() {
            ObjectNode d = JSON.createObjectNode();
            d.put("mediaType", mediaType).put("digest", digest).put("size", size);
            return d;
        }
    }

    /** A layer: its tar and how it is compressed in the registry. */
    record Layer(byte[] tar, TestLayers.Compression compression) {
    }

    private final Path dir;
    private final ArrayNode refs = JSON.createArrayNode();

    OciLayout(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }

    Descriptor blob(String mediaType, byte[] content) {
        String digest = BlobCache.digestOf(content);
        try {
            Files.write(dir.resolve("blobs/sha256").resolve(digest.substring(7)), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Descriptor(mediaType, digest, content.length);
    }

    /** An image manifest of {@code layers} for linux/{@code arch}. */
    Descriptor image(String arch, List<Layer> layers) {
        ObjectNode config = JSON.createObjectNode().put("architecture", arch).put("os", "linux");
        ArrayNode diffIds = config.putObject("rootfs").put("type", "layers").putArray("diff_ids");
        config.putObject("config").putArray("Env").add("PATH=/bin");
        ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST);
        ArrayNode layerDescriptors = manifest.putArray("layers");
        for (Layer layer : layers) {
            diffIds.add(BlobCache.digestOf(layer.tar()));
            layerDescriptors.add(blob(layer.compression().mediaType,
                    TestLayers.compress(layer.tar(), layer.compression())).json());
        }
        manifest.set("config", blob("application/vnd.oci.image.config.v1+json", bytes(config)).json());
        return blob(MANIFEST, bytes(manifest));
    }

    /** An index of {@code images}, each given with its architecture. */
    Descriptor index(List<Descriptor> images, List<String> archs) {
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (int i = 0; i < images.size(); i++) {
            ObjectNode entry = images.get(i).json();
            entry.putObject("platform").put("architecture", archs.get(i)).put("os", "linux");
            manifests.add(entry);
        }
        return blob(INDEX, bytes(index));
    }

    /** Names {@code target} {@code tag} in index.json, which is what {@code oci:DIR:TAG} copies. */
    OciLayout tag(String tag, Descriptor target) {
        ObjectNode ref = target.json();
        ref.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
        refs.add(ref);
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", INDEX);
        index.set("manifests", refs);
        try {
            Files.write(dir.resolve("index.json"), bytes(index));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private static byte[] bytes(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
