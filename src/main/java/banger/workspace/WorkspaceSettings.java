package banger.workspace;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code banger.workspace.*}: how many guest transfers run at once (and wait), how long one may take, how often
 * a transfer checks that its VM still runs, and the largest upload accepted.
 */
public record WorkspaceSettings(int threads, int queue, Duration transferTimeout, Duration commandTimeout,
                                Duration vmCheckInterval, long maxUploadBytes) {

    public static WorkspaceSettings fromConfig(Config config) {
        Config w = config.getConfig("banger.workspace");
        return new WorkspaceSettings(w.getInt("threads"), w.getInt("queue"), w.getDuration("transfer-timeout"),
                w.getDuration("command-timeout"), w.getDuration("vm-check-interval"),
                config.getBytes("banger.api.max-upload-bytes"));
    }
}
