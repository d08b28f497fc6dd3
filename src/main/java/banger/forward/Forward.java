package banger.forward;

import banger.persistence.JsonSerializable;
import banger.wire.ForwardView;
import java.time.Instant;

/** A journaled port forward: host address and port (the one in use, never 0) to a guest's address and port. */
record Forward(String id, String vmId, String vmName, String guestAddress, int guestPort, String hostAddress,
               int hostPort, Instant createdAt) implements JsonSerializable {

    ForwardView view(String error) {
        return new ForwardView(id, vmId, vmName, guestPort, hostAddress, hostPort, createdAt, error);
    }
}
