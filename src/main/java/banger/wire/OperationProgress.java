package banger.wire;

/**
 * How far an image operation (or a create waiting on one) has come: its phase ({@code resolving},
 * {@code downloading}, {@code applying}, {@code building}, ...), layer bytes fetched of their total (-1: not known
 * yet) and layers applied of all.
 */
public record OperationProgress(String phase, long bytesDone, long bytesTotal, int layersDone, int layersTotal) {
}
