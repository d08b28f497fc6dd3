package banger.wire;

/** The name a pulled image gets when the request names none; the CLI and the API agree on it. */
public final class ImageNames {

    private ImageNames() {
    }

    /** busybox for "registry:5000/library/busybox:1.36@sha256:...": the repository's last component. */
    public static String fromReference(String ref) {
        String path = ref.split("@", 2)[0];
        String last = path.substring(path.lastIndexOf('/') + 1);
        int colon = last.indexOf(':');
        return colon >= 0 ? last.substring(0, colon) : last;
    }
}
