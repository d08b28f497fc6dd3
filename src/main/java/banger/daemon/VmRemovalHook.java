package banger.daemon;

import banger.vm.VmNameListener;
import java.util.function.Consumer;

/**
 * The fleet's name listener, with one more consumer of removals that exists only once the actor system runs (the
 * port forwards close when their VM is removed). Set once at start-up; removals before that have nothing to tell.
 */
final class VmRemovalHook implements VmNameListener {

    private final VmNameListener names;
    private volatile Consumer<String> removed = id -> { };

    VmRemovalHook(VmNameListener names) {
        this.names = names;
    }

    void onRemoved(Consumer<String> consumer) {
        this.removed = consumer;
    }

    @Override
    public void registered(String id, String name, String address) {
        names.registered(id, name, address);
    }

    @Override
    public void removed(String id, String name) {
        names.removed(id, name);
        removed.accept(id);
    }
}
