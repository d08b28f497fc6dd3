package banger.image;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A kernel's modules.dep and modules.builtin: which of the wanted modules are loadable files, and the
 * order to insmod them so every module comes after the modules it depends on.
 */
final class KernelModules {

    private final Map<String, String> pathByName = new HashMap<>();
    private final Map<String, List<String>> depsByPath = new HashMap<>();
    private final Set<String> builtin = new LinkedHashSet<>();

    /** @param modulesDep the text of modules.dep; @param modulesBuiltin the text of modules.builtin */
    KernelModules(String modulesDep, String modulesBuiltin) {
        for (String line : modulesDep.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String path = line.substring(0, colon).strip();
            String rest = line.substring(colon + 1).strip();
            depsByPath.put(path, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
            pathByName.put(nameOf(path), path);
        }
        for (String line : modulesBuiltin.split("\n")) {
            if (!line.isBlank()) {
                builtin.add(nameOf(line.strip()));
            }
        }
    }

    /** The module name of a path like kernel/drivers/net/virtio_net.ko (dashes and underscores are the same). */
    static String nameOf(String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        int dot = file.indexOf(".ko");
        return (dot < 0 ? file : file.substring(0, dot)).replace('-', '_');
    }

    /**
     * Module paths (relative to /lib/modules/&lt;version&gt;) to load, dependencies first. Wanted modules
     * built into the kernel are skipped; a wanted module that is neither built in nor a file is an error.
     */
    List<String> loadOrder(List<String> wanted) {
        LinkedHashSet<String> order = new LinkedHashSet<>();
        for (String name : wanted) {
            String normalized = name.replace('-', '_');
            if (builtin.contains(normalized)) {
                continue;
            }
            String path = pathByName.get(normalized);
            if (path == null) {
                throw new IllegalStateException("kernel has no module " + name + " (neither built in nor in modules.dep)");
            }
            visit(path, order, new LinkedHashSet<>());
        }
        return new ArrayList<>(order);
    }

    private void visit(String path, LinkedHashSet<String> order, Set<String> inProgress) {
        if (order.contains(path)) {
            return;
        }
        if (!inProgress.add(path)) {
            throw new IllegalStateException("module dependency cycle at " + path);
        }
        for (String dep : depsByPath.getOrDefault(path, List.of())) {
            visit(dep, order, inProgress);
        }
        order.add(path);
    }
}
