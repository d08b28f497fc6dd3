package banger.vm;

import java.util.Optional;
import java.util.Set;

/** Chooses a guest address not in {@code taken}; empty when the daemon runs without a guest network. */
@FunctionalInterface
public interface GuestAddresses {

    /** @throws Rejected UNAVAILABLE when the subnet is exhausted */
    Optional<String> next(Set<String> taken);

    GuestAddresses NONE = taken -> Optional.empty();
}
