package banger.image;

import banger.persistence.JsonSerializable;

/**
 * How far an image build has come: its phase, layer bytes fetched of their total (-1: not known) and layers
 * applied of all (0 of 0 for presets, which have no layers).
 */
public record BuildProgress(String phase, long bytesDone, long bytesTotal, int layersDone, int layersTotal)
        implements JsonSerializable {

    public static BuildProgress phase(String phase) {
        return new BuildProgress(phase, 0, -1, 0, 0);
    }
}
