package banger.image.oci;

import banger.core.Rejected;
import banger.core.Rejection;
import java.util.regex.Pattern;

/**
 * A parsed image reference, {@code [registry[:port]/]repository[:tag][@sha256:hex]}, with Docker's defaults:
 * no registry means Docker Hub (whose one-component repositories live under {@code library/}), no tag and no
 * digest means {@code latest}. A first component is a registry when it has a '.' or a ':' or is
 * {@code localhost}, as in Docker's own parser.
 *
 * @param registry   host[:port] the distribution API is spoken to ({@value #DOCKER_HUB_API} for Docker Hub)
 * @param repository e.g. {@code library/busybox}
 * @param tag        null when only a digest was given
 * @param digest     {@code sha256:<64 hex>} or null
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

    public static final String DOCKER_HUB_API = "registry-1.docker.io";

    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?");
    private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");

    /** @throws Rejected INVALID with what is wrong */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw invalid(text, "it is empty");
        }
        if (text.length() > 512 || !text.strip().equals(text)) {
            throw invalid(text, "it is too long or has surrounding spaces");
        }
        String rest = text;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw invalid(text, "the digest must be sha256: and 64 lowercase hex digits");
            }
        }
        String registry = "docker.io";
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                if (!HOST.matcher(first).matches()) {
                    throw invalid(text, "'" + first + "' is not a registry host[:port]");
                }
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text, "the tag '" + tag + "' has characters a tag cannot have");
            }
        }
        if (rest.isEmpty()) {
            throw invalid(text, "it names no repository");
        }
        for (String component : rest.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw invalid(text, "the repository component '" + component
                        + "' must be lowercase letters and digits separated by '.', '_' or '-'");
            }
        }
        if (registry.equals("docker.io") || registry.equals("index.docker.io")) {
            registry = DOCKER_HUB_API;
            if (!rest.contains("/")) {
                rest = "library/" + rest;
            }
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(registry, rest, tag, digest);
    }

    /** What to ask the manifests endpoint for: the digest when there is one, else the tag. */
    public String manifestReference() {
        return digest != null ? digest : tag;
    }

    /** The host without a port, for matching against configuration. */
    public String host() {
        int colon = registry.lastIndexOf(':');
        return colon > 0 ? registry.substring(0, colon) : registry;
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    private static Rejected invalid(String text, String why) {
        return new Rejected(Rejection.Reason.INVALID_REQUEST, "malformed image reference '" + text + "': " + why);
    }
}
