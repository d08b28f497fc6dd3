package banger.api;

/**
 * Body of POST /v1/images: register host files as an image. {@code os} ("tiny" or "debian", default debian) says
 * how guest configuration reaches the image's init; {@code initrd} may be null.
 */
record RegisterImageRequest(String name, String kernel, String initrd, String rootfs, String os) {
}
