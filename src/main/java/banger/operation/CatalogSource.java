package banger.operation;

import banger.wire.ImageNames;

/**
 * Where a catalog image comes from: {@code preset:tiny}, {@code preset:debian} or {@code oci:REF}; {@code value}
 * is the preset's name or the reference.
 */
public record CatalogSource(boolean oci, String value) {

    /** @throws IllegalArgumentException for a source of another form, naming the catalog entry */
    public static CatalogSource parse(String image, String source) {
        if (!ImageNames.valid(image)) {
            throw new IllegalArgumentException("banger.images.catalog: " + ImageNames.invalid(image));
        }
        if (source.startsWith("oci:") && source.length() > 4) {
            return new CatalogSource(true, source.substring(4));
        }
        if (source.equals("preset:tiny") || source.equals("preset:debian")) {
            return new CatalogSource(false, source.substring("preset:".length()));
        }
        throw new IllegalArgumentException("banger.images.catalog: source of " + image + " must be preset:tiny,"
                + " preset:debian or oci:REF, not '" + source + "'");
    }
}
