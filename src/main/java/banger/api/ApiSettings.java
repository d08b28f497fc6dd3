package banger.api;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Everything the HTTP API reads from the daemon's config ({@code banger.api.*}, {@code banger.limits.*} and the
 * lifecycle timeouts), read once so route classes take plain values and never see a {@link Config}.
 *
 * @param consoleSessionTtl how long an ops console login lasts (and the rest of {@code banger.api.console.*})
 * @param createWaitTimeout how long one lifecycle transition (a boot under TCG, a graceful stop) may keep a
 *                          request open: longer than the server's default request timeout
 */
public record ApiSettings(
        int maxInflightChanges,
        long maxBodyBytes,
        Duration bodyReadTimeout,
        int sseBuffer,
        Duration sseKeepAlive,
        Duration consolePollInterval,
        Duration bootstrapTimeout,
        Duration execDefaultTimeout,
        Duration execMaxTimeout,
        Duration readyTimeout,
        Duration createWaitTimeout,
        int maxVcpus,
        int maxMemoryMib,
        int maxDiskMib,
        Duration consoleSessionTtl,
        Duration consoleCodeTtl,
        int consoleMaxSessions,
        int consoleMaxCodes,
        int maxEventSubscribers,
        int maxConsoleFollowers,
        long maxUploadBytes,
        Duration transferTimeout) {

    public static ApiSettings fromConfig(Config config) {
        Config api = config.getConfig("banger.api");
        Config limits = config.getConfig("banger.limits");
        Duration createWait = config.getDuration("banger.timeouts.boot")
                .plus(config.getDuration("banger.timeouts.shutdown-grace"))
                .plus(config.getDuration("banger.timeouts.ask").multipliedBy(2));
        return new ApiSettings(
                api.getInt("max-inflight-changes"),
                api.getBytes("max-body-bytes"),
                api.getDuration("body-read-timeout"),
                api.getInt("sse-buffer"),
                api.getDuration("sse-keep-alive"),
                api.getDuration("console-poll-interval"),
                api.getDuration("bootstrap-timeout"),
                api.getDuration("exec-default-timeout"),
                api.getDuration("exec-max-timeout"),
                api.getDuration("ready-timeout"),
                createWait,
                limits.getInt("max-vcpus"),
                limits.getInt("max-memory-mib"),
                limits.getInt("max-disk-mib"),
                api.getDuration("console.session-ttl"),
                api.getDuration("console.code-ttl"),
                api.getInt("console.max-sessions"),
                api.getInt("console.max-codes"),
                api.getInt("max-event-subscribers"),
                api.getInt("max-console-followers"),
                api.getBytes("max-upload-bytes"),
                config.getDuration("banger.workspace.transfer-timeout"));
    }
}
