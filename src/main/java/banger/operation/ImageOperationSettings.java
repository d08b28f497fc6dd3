package banger.operation;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * How image operations run: the catalog (image name to source), how long a build may take, how long finished
 * operations are kept and how often they are pruned, and how long a lookup in the image registry may take.
 */
public record ImageOperationSettings(Map<String, CatalogSource> catalog, Duration buildTimeout, Duration retention,
                                     Duration pruneInterval, Duration askTimeout) {

    public ImageOperationSettings {
        catalog = Map.copyOf(catalog);
    }

    /** Reads {@code banger.images.catalog}, {@code banger.api.bootstrap-timeout} and {@code banger.operations.*}. */
    public static ImageOperationSettings fromConfig(Config banger, Duration askTimeout) {
        Map<String, CatalogSource> catalog = new TreeMap<>();
        Config entries = banger.getConfig("images.catalog");
        entries.root().forEach((name, value) -> {
            if (value.valueType() != ConfigValueType.STRING) {
                throw new IllegalArgumentException("banger.images.catalog: the source of " + name + " must be a string");
            }
            catalog.put(name, CatalogSource.parse(name, (String) value.unwrapped()));
        });
        return new ImageOperationSettings(catalog, banger.getDuration("api.bootstrap-timeout"),
                banger.getDuration("operations.retention"), banger.getDuration("operations.prune-interval"), askTimeout);
    }
}
