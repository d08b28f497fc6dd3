package banger.vm;

/**
 * Told by the fleet when a VM name gains or loses its guest address, so name resolution (the daemon's DNS
 * server) follows create and delete. Called from the fleet actor only, so implementations
 * must be cheap and safe for other threads to read.
 */
public interface VmNameListener {

    void registered(String id, String name, String address);

    void removed(String id, String name);

    VmNameListener NONE = new VmNameListener() {
        @Override
        public void registered(String id, String name, String address) {
        }

        @Override
        public void removed(String id, String name) {
        }
    };
}
