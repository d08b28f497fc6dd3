package banger.wire;

import java.util.regex.Pattern;

/**
 * What an image may be called, everywhere a name is made (pull, bootstrap, register, promote, the catalog), and the
 * name a pulled image gets when the request names none; the CLI and the API agree on both. A ':' is allowed so a
 * catalog can offer names as agents say them ({@code python:3.12}); there is no '/', so a name is one directory.
 */
public final class ImageNames {

    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9._:-]{0,127}$");

    private ImageNames() {
    }

    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The error for a name that is not {@link #valid}. */
    public static String invalid(String name) {
        return "invalid image name '" + name + "': up to 128 lowercase letters, digits, '.', '_', '-' and ':',"
                + " starting with a letter or digit";
    }

    /** busybox for "registry:5000/library/busybox:1.36@sha256:...": the repository's last component. */
    public static String fromReference(String ref) {
        String path = ref.split("@", 2)[0];
        String last = path.substring(path.lastIndexOf('/') + 1);
        int colon = last.indexOf(':');
        return colon >= 0 ? last.substring(0, colon) : last;
    }
}
