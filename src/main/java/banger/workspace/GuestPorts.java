package banger.workspace;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** The listening TCP and UDP sockets of a running guest. */
public interface GuestPorts {

    CompletionStage<List<GuestPort>> ports(String ref);
}
