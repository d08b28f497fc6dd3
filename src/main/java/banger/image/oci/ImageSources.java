package banger.image.oci;

import banger.image.BuildListener;
import banger.image.DiskPromoter;
import java.nio.file.Path;
import banger.image.BuildProgress;
import banger.image.Image;
import banger.image.ImageBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's image sources behind the registry's one seam: presets built locally, OCI images pulled, VM disks
 * promoted.
 */
public final class ImageSources implements ImageBuilder {

    private static final Logger log = LoggerFactory.getLogger(ImageSources.class);
    private static final long LOG_EVERY_BYTES = 16L << 20;

    private final ImageBuilder presets;
    private final OciImagePuller puller;
    private final DiskPromoter promoter;

    public ImageSources(ImageBuilder presets, OciImagePuller puller, DiskPromoter promoter) {
        this.presets = presets;
        this.puller = puller;
        this.promoter = promoter;
    }

    @Override
    public Image promote(String name, Image base, Path disk, BuildListener listener) {
        return promoter.promote(name, base, disk, listener);
    }

    @Override
    public Image build(String preset, String name) {
        return presets.build(preset, name);
    }

    @Override
    public Image build(String preset, String name, BuildListener listener) {
        return presets.build(preset, name, listener);
    }

    @Override
    public Image pull(String ref, String name, String platform, BuildListener listener) {
        long[] logged = {-1};
        return puller.pull(ref, name, platform, new BuildListener() {
            @Override
            public void progress(BuildProgress p) {
                if (!"downloading".equals(p.phase()) || logged[0] < 0 || p.bytesDone() - logged[0] >= LOG_EVERY_BYTES) {
                    logged[0] = p.bytesDone();
                    log.info("pull {} as {}: {}, {}/{} bytes fetched, {}/{} layers applied", ref, name, p.phase(),
                            p.bytesDone(), p.bytesTotal(), p.layersDone(), p.layersTotal());
                }
                listener.progress(p);
            }

            @Override
            public boolean cancelled() {
                return listener.cancelled();
            }

            @Override
            public <T extends java.io.Closeable> T closeOnCancel(T resource) {
                return listener.closeOnCancel(resource);
            }
        });
    }
}
