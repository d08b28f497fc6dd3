package banger.daemon;

import banger.network.VmDnsServer;
import banger.vm.VmNameListener;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows the fleet's names: feeds the DNS server and remembers VM names by id for the event stream,
 * including names of deleted VMs, whose past events still name them. Written by the fleet actor only.
 */
final class VmNameBook implements VmNameListener {

    private final Optional<VmDnsServer> dns;
    private final Map<String, String> namesById = new ConcurrentHashMap<>();

    VmNameBook(Optional<VmDnsServer> dns) {
        this.dns = dns;
    }

    @Override
    public void registered(String id, String name, String address) {
        namesById.put(id, name);
        if (address != null) {
            dns.ifPresent(d -> d.register(name, address));
        }
    }

    @Override
    public void removed(String id, String name) {
        dns.ifPresent(d -> d.unregister(name));
    }

    String nameOf(String id) {
        return namesById.get(id);
    }
}
