package banger.image.oci;

import banger.image.BuildListener;
import banger.image.BuildProgress;
import banger.image.FileTrees;
import banger.host.HostCommands;
import banger.image.Image;
import banger.image.TinyImageBuilder;
import banger.image.VmlinuxExtractor;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.ImageNames;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls an image from an OCI registry into {@code <images-dir>/<name>/}: resolves the manifest for the
 * platform, fetches every layer into the shared {@link BlobCache} (verified), flattens the layers in order,
 * adds the guest kit under /.banger, makes the ext4 root, and gives it the tiny preset's kernel with an
 * initramfs that boots {@code init=/.banger/init}. The tiny boot files and the kit's programs come from a
 * tiny image kept in {@code <images-dir>/.oci-base} (built once, from the package cache when it is warm).
 * Built in a scratch directory beside the target and moved into place in one rename. Blocking: call from the
 * blocking dispatcher only.
 */
public final class OciImagePuller {

    private static final Logger log = LoggerFactory.getLogger(OciImagePuller.class);
    private static final List<String> MOUNT_POINTS = List.of("dev", "proc", "sys", "run", "tmp");
    static final String SOURCE_FILE = "source.json";
    static final String COMPLETE_MARKER = ".complete";

    private final HostCommands host;
    private final Path imagesDir;
    private final BlobCache cache;
    private final RegistryClient client;
    private final TinyImageBuilder tiny;
    private final Object baseLock = new Object();

    public OciImagePuller(HostCommands host, Path imagesDir, BlobCache cache, RegistryClient client) {
        this(host, imagesDir, cache, client, new TinyImageBuilder(host));
    }

    /** @param tiny builds the base image (with the host's shared package cache) */
    public OciImagePuller(HostCommands host, Path imagesDir, BlobCache cache, RegistryClient client,
                          TinyImageBuilder tiny) {
        this.host = host;
        this.imagesDir = imagesDir.toAbsolutePath();
        this.cache = cache;
        this.client = client;
        this.tiny = tiny;
    }

    /** Checks {@code ref} and {@code name} without touching the network; what the API validates up front. */
    public static ImageReference validate(String ref, String name) {
        if (!ImageNames.valid(name)) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, ImageNames.invalid(name));
        }
        return ImageReference.parse(ref);
    }

    /**
     * Pulls {@code ref} as image {@code name}, telling {@code listener} the phase (resolving, downloading,
     * applying, building), bytes fetched and layers applied; stops with a refusal once it is cancelled.
     */
    public Image pull(String ref, String name, String platform, BuildListener listener) {
        ImageReference reference = validate(ref, name);
        listener.progress(BuildProgress.phase("resolving"));
        ResolvedImage image = new ManifestResolver(client).resolve(reference, platform);
        listener.checkCancelled();
        log.info("pulling {} ({}): {} layers, {} bytes", reference, image.digest(), image.layers().size(),
                image.layerBytes());
        List<Path> blobs = fetchLayers(image, listener);
        Image base = base();
        listener.checkCancelled();
        Path target = imagesDir.resolve(name);
        Path work = null;
        try {
            Files.createDirectories(imagesDir);
            work = Files.createTempDirectory(imagesDir, "." + name + ".pull-");
            Path root = work.resolve("root");
            LayerFlattener flattener = new LayerFlattener(root);
            int applied = 0;
            listener.progress(new BuildProgress("applying", image.layerBytes(), image.layerBytes(), 0, blobs.size()));
            for (int i = 0; i < blobs.size(); i++) {
                try (InputStream in = Files.newInputStream(blobs.get(i))) {
                    flattener.apply(in, image.layers().get(i).digest());
                }
                listener.progress(new BuildProgress("applying", image.layerBytes(), image.layerBytes(), ++applied,
                        blobs.size()));
                listener.checkCancelled();
            }
            flattener.notes().forEach(note -> log.info("pull {}: {}", reference, note));
            for (String dir : MOUNT_POINTS) {
                if (!Files.exists(root.resolve(dir), LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(root.resolve(dir));
                }
            }
            listener.progress(new BuildProgress("building", image.layerBytes(), image.layerBytes(), applied,
                    blobs.size()));
            new GuestKit(host).install(Path.of(base.rootfs()), root, work);
            Path out = Files.createDirectories(work.resolve("out"));
            long rootfsBytes = new Ext4RootBuilder(host).build(root, out.resolve("rootfs.ext4"), "banger-root");
            link(Path.of(base.kernel()), out.resolve("vmlinuz"));
            KitInitramfs.write(Path.of(base.initrd()), out.resolve("initrd.img"));
            new VmlinuxExtractor(host).extract(out.resolve("vmlinuz"), out.resolve("vmlinux"));
            String source = "oci:" + reference + (reference.digest() == null ? "@" + image.digest() : "");
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("source", source);
            record.put("reference", ref);
            record.put("digest", image.digest());
            record.put("layers", image.layers());
            record.put("notes", flattener.notes());
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve(SOURCE_FILE).toFile(), record);
            Files.writeString(out.resolve(COMPLETE_MARKER), image.digest() + "\n");
            listener.checkCancelled();
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                // a leftover of an image no longer registered (the registry refuses names in use)
                FileTrees.delete(target);
            }
            Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
            log.info("pulled {} as image {}: rootfs {} bytes", reference, name, rootfsBytes);
            return new Image(name, TinyImageBuilder.OS, target.resolve("vmlinuz").toString(),
                    target.resolve("initrd.img").toString(), target.resolve("vmlinux").toString(),
                    target.resolve("rootfs.ext4").toString(), rootfsBytes, Instant.now(), source, GuestKit.INIT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build image " + name + " from " + reference + ": " + e, e);
        } finally {
            if (work != null) {
                try {
                    FileTrees.delete(work);
                } catch (UncheckedIOException e) {
                    log.warn("cannot remove scratch directory {}: {}", work, e.getMessage());
                }
            }
        }
    }

    private List<Path> fetchLayers(ResolvedImage image, BuildListener listener) {
        long total = image.layerBytes();
        long[] done = {0};
        int count = image.layers().size();
        listener.progress(new BuildProgress("downloading", 0, total, 0, count));
        return image.layers().stream().map(layer -> {
            long before = done[0];
            Path blob = cache.get(layer.digest(), layer.size(),
                    () -> listener.closeOnCancel(client.blob(image.reference(), layer.digest())),
                    bytes -> {
                        listener.progress(new BuildProgress("downloading", before + bytes, total, 0, count));
                        listener.checkCancelled();
                    });
            done[0] += layer.size();
            listener.progress(new BuildProgress("downloading", done[0], total, 0, count));
            listener.checkCancelled();
            return blob;
        }).toList();
    }

    /**
     * The tiny image the kernel, initramfs and kit come from; one build at a time, so concurrent pulls do not
     * each build it.
     */
    private Image base() {
        synchronized (baseLock) {
            return tiny.build(".oci-base", imagesDir.resolve(".oci-base"));
        }
    }

    private static void link(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(source, target);
        }
    }

}
