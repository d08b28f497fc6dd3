package banger.image;

/** Builds an image from a named preset ("tiny", "debian"). Blocking and slow: run on the blocking dispatcher. */
public interface ImageBuilder {

    /** @throws banger.vm.RequestRejected INVALID for an unknown preset */
    Image build(String preset, String name);
}
