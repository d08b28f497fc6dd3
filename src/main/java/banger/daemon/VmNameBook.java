package banger.daemon;

import banger.network.VmDnsServer;
import banger.vm.VmNameListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows the fleet's names: feeds the DNS server and remembers VM names by id for the event stream. Names of
 * deleted VMs, which their past events still name, are kept only for the most recent {@code deletedKept}
 * deletions, so a fleet that churns VMs does not grow this without end; older events then carry no name.
 * Written by the fleet actor only; read by event-stream threads.
 */
final class VmNameBook implements VmNameListener {

    static final int DEFAULT_DELETED_KEPT = 10_000;

    private final Optional<VmDnsServer> dns;
    private final int deletedKept;
    private final Map<String, String> live = new ConcurrentHashMap<>();
    private final Map<String, String> deleted;

    VmNameBook(Optional<VmDnsServer> dns) {
        this(dns, DEFAULT_DELETED_KEPT);
    }

    VmNameBook(Optional<VmDnsServer> dns, int deletedKept) {
        this.dns = dns;
        this.deletedKept = deletedKept;
        this.deleted = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > VmNameBook.this.deletedKept;
            }
        };
    }

    @Override
    public void registered(String id, String name, String address) {
        live.put(id, name);
        synchronized (deleted) {
            deleted.remove(id);
        }
        if (address != null) {
            dns.ifPresent(d -> d.register(name, address));
        }
    }

    @Override
    public void removed(String id, String name) {
        synchronized (deleted) {
            deleted.put(id, name);
        }
        live.remove(id);
        dns.ifPresent(d -> d.unregister(name));
    }

    String nameOf(String id) {
        String name = live.get(id);
        if (name != null) {
            return name;
        }
        synchronized (deleted) {
            return deleted.get(id);
        }
    }

    /** Names held, live and deleted. */
    int size() {
        synchronized (deleted) {
            return live.size() + deleted.size();
        }
    }
}
