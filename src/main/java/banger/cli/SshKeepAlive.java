package banger.cli;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reports an SSH session straight to the guest, which the daemon cannot see, as activity on the VM
 * ({@code POST /v1/vms/{ref}/activity}) while it lasts, so its idle timeout does not stop the VM under the user.
 * It reports at the start and then every half idle timeout (between 1 s and 60 s); a failed report is left to the
 * next one, since the session itself does not depend on the daemon.
 */
final class SshKeepAlive implements AutoCloseable {

    private static final Duration LONGEST = Duration.ofSeconds(60);
    private static final Duration SHORTEST = Duration.ofSeconds(1);
    private static final Duration REPORT_TIMEOUT = Duration.ofSeconds(10);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "banger-ssh-keepalive");
        t.setDaemon(true);
        return t;
    });

    private SshKeepAlive() {
    }

    static SshKeepAlive start(ApiClient api, String ref, Integer idleTimeoutS) {
        SshKeepAlive keepAlive = new SshKeepAlive();
        long periodMs = interval(idleTimeoutS).toMillis();
        keepAlive.timer.scheduleAtFixedRate(() -> report(api, ref), 0, periodMs, TimeUnit.MILLISECONDS);
        return keepAlive;
    }

    static Duration interval(Integer idleTimeoutS) {
        if (idleTimeoutS == null) {
            return LONGEST;
        }
        Duration half = Duration.ofMillis(idleTimeoutS * 500L);
        return half.compareTo(SHORTEST) < 0 ? SHORTEST : half.compareTo(LONGEST) > 0 ? LONGEST : half;
    }

    private static void report(ApiClient api, String ref) {
        try {
            api.send("POST", ApiPaths.vm(ref, "activity"), null, REPORT_TIMEOUT);
        } catch (RuntimeException e) {
            // the next report may get through; the SSH session goes on either way
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
