package banger.operation;

import java.util.regex.Pattern;

/**
 * Where a catalog image comes from: {@code preset:tiny}, {@code preset:debian} or {@code oci:REF}; {@code value}
 * is the preset's name or the reference.
 */
public record CatalogSource(boolean oci, String value) {

    private static final Pattern IMAGE_NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,62}$");

    /** @throws IllegalArgumentException for a source of another form, naming the catalog entry */
    public static CatalogSource parse(String image, String source) {
        if (!IMAGE_NAME.matcher(image).matches()) {
            throw new IllegalArgumentException("banger.images.catalog: '" + image
                    + "' is not an image name (lowercase letters, digits, '.', '_' and '-')");
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
