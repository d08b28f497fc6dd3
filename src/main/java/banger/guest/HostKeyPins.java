package banger.guest;

import java.security.PublicKey;
import java.util.Optional;

/** Which SSH host key the guest at an address must present; {@link GuestSsh} refuses any other. */
public interface HostKeyPins {

    /** The key this address must present; empty when none is pinned, and then no key is accepted. */
    Optional<PublicKey> expected(String address);

    /**
     * Accepts whatever key a server presents. Only for tests against servers whose key nobody pinned (a host
     * dropbear); never for guests, which a spoofing guest could then impersonate.
     */
    HostKeyPins ACCEPT_ANY = address -> Optional.empty();
}
