package banger.forward;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code banger.forwards.*}: how many forwards a VM may have, how many connections one forward carries at once,
 * how long a connection to the guest may take to open, and whether host addresses other than loopback are allowed
 * (a forward on a public address exposes the guest's port to the network).
 */
public record ForwardSettings(int maxPerVm, int maxConnections, Duration connectTimeout, boolean allowNonLoopback) {

    public static ForwardSettings fromConfig(Config banger) {
        Config f = banger.getConfig("forwards");
        return new ForwardSettings(f.getInt("max-per-vm"), f.getInt("max-connections"),
                f.getDuration("connect-timeout"), f.getBoolean("allow-non-loopback"));
    }
}
