package banger.vm;

import java.util.List;

/**
 * The kinds of per-VM child this daemon runs, given to every VM at spawn (the daemon wires the kinds of the packages
 * above {@code vm}: sessions, workspaces). A VM hands out only children of these kinds.
 */
public interface VmChildren {

    List<VmChildKind<?>> kinds();

    VmChildren NONE = List::of;

    static VmChildren of(VmChildKind<?>... kinds) {
        List<VmChildKind<?>> all = List.of(kinds);
        return () -> all;
    }
}
