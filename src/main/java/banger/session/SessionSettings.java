package banger.session;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * @param maxPerVm       sessions a VM may hold (running or ended but not removed)
 * @param maxOutputBytes output the guest retains per session; older bytes are dropped
 * @param pollInterval   how often a VM with running sessions is asked which ended
 * @param guestTimeout   bound on one SSH command to the guest
 * @param maxQueuedInput writes to one session's stdin waiting their turn
 */
public record SessionSettings(int maxPerVm, long maxOutputBytes, Duration pollInterval, Duration guestTimeout,
                              int maxQueuedInput) {

    /** The sessions' blocking SSH I/O runs here (bounded), never on actor threads. */
    public static final String DISPATCHER = "banger.sessions.io-dispatcher";

    public static SessionSettings fromConfig(Config banger) {
        Config s = banger.getConfig("sessions");
        return new SessionSettings(s.getInt("max-per-vm"), s.getBytes("max-output-bytes"),
                s.getDuration("poll-interval"), s.getDuration("guest-timeout"), s.getInt("max-queued-input"));
    }
}
