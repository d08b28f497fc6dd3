package banger.vm;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.persistence.JsonSerializable;
import banger.wire.CreateVmRequest;
import banger.wire.PatchVmRequest;
import com.typesafe.config.Config;
import java.util.Map;

/**
 * A VM's expiry rules: {@code ttlS} seconds of life from each start (a PATCH counts them again from then),
 * {@code idleTimeoutS} seconds without API activity on it while it runs, and what happens when either passes.
 * Null or 0 seconds: no such rule.
 */
public record VmExpiry(Integer ttlS, Integer idleTimeoutS, ExpiryAction onExpiry) implements JsonSerializable {

    public static final VmExpiry NONE = new VmExpiry(null, null, ExpiryAction.STOP);
    /** Ten years: longer is a mistake, and keeps deadlines far from Instant's range. */
    static final int MAX_SECONDS = 315_360_000;

    public VmExpiry {
        ttlS = ttlS == null || ttlS == 0 ? null : ttlS;
        idleTimeoutS = idleTimeoutS == null || idleTimeoutS == 0 ? null : idleTimeoutS;
        onExpiry = onExpiry == null ? ExpiryAction.STOP : onExpiry;
    }

    public boolean any() {
        return ttlS != null || idleTimeoutS != null;
    }

    /** {@code banger.vms.default-ttl-s}, {@code default-idle-timeout-s}, {@code default-on-expiry}. */
    public static VmExpiry defaultsFromConfig(Config banger) {
        Config v = banger.getConfig("vms");
        return checked(v.getInt("default-ttl-s"), v.getInt("default-idle-timeout-s"),
                v.getString("default-on-expiry"));
    }

    /** A new VM's rules: the request's, each missing one from the fleet's defaults. */
    public static VmExpiry forCreate(CreateVmRequest r, VmExpiry defaults) {
        VmExpiry d = defaults == null ? NONE : defaults;
        return checked(r.ttlS() != null ? r.ttlS() : d.ttlS(),
                r.idleTimeoutS() != null ? r.idleTimeoutS() : d.idleTimeoutS(),
                r.onExpiry() != null ? r.onExpiry() : d.onExpiry().wireName());
    }

    /** Whether a PATCH touches the rules at all. */
    public static boolean mentionedIn(PatchVmRequest p) {
        return p.ttlS() != null || p.idleTimeoutS() != null || p.onExpiry() != null;
    }

    /** These rules with a PATCH's changes (0 removes a rule). */
    public VmExpiry patched(PatchVmRequest p) {
        return checked(p.ttlS() != null ? p.ttlS() : ttlS, p.idleTimeoutS() != null ? p.idleTimeoutS() : idleTimeoutS,
                p.onExpiry() != null ? p.onExpiry() : onExpiry.wireName());
    }

    private static VmExpiry checked(Integer ttlS, Integer idleTimeoutS, String onExpiry) {
        seconds("ttl_s", ttlS);
        seconds("idle_timeout_s", idleTimeoutS);
        ExpiryAction action;
        try {
            action = ExpiryAction.fromWire(onExpiry);
        } catch (IllegalArgumentException e) {
            throw invalid("on_expiry", "on_expiry must be stop, delete or suspend, got \"" + onExpiry + "\"");
        }
        return new VmExpiry(ttlS, idleTimeoutS, action);
    }

    private static void seconds(String field, Integer value) {
        if (value != null && (value < 0 || value > MAX_SECONDS)) {
            throw invalid(field, field + " must be 0 (none) to " + MAX_SECONDS + " seconds");
        }
    }

    private static Rejected invalid(String field, String message) {
        return new Rejected(new Rejection(Rejection.Reason.INVALID_REQUEST, message, Map.of("field", field)));
    }
}
