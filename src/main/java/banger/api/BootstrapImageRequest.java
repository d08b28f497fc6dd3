package banger.api;

/** Body of POST /v1/images/bootstrap: build an image from a preset and register it under a name. */
record BootstrapImageRequest(String preset, String name) {
}
