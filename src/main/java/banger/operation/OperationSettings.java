package banger.operation;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How long finished operations (and their idempotency keys) are kept, how often they are pruned, and how long
 * the registry waits on the fleet: {@code askTimeout} for a lookup, {@code lifecycleTimeout} for a create's
 * outcome or a cancel's cleanup.
 */
public record OperationSettings(Duration retention, Duration pruneInterval, Duration askTimeout,
                                Duration lifecycleTimeout) {

    /** Reads {@code banger.operations.*} from the daemon's {@code banger} block. */
    public static OperationSettings fromConfig(Config banger, Duration askTimeout, Duration lifecycleTimeout) {
        return new OperationSettings(banger.getDuration("operations.retention"),
                banger.getDuration("operations.prune-interval"), askTimeout, lifecycleTimeout);
    }
}
