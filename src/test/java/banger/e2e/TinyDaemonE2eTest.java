package banger.e2e;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of the e2e tests whose tests share one real daemon (in its own network namespace) with the tiny image
 * bootstrapped. Skipped when banger.skipE2E is "true"; the daemon is torn down after the class however it ends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TinyDaemonE2eTest {

    private final String label;
    DaemonHarness daemon;

    /** @param label names the daemon's log file */
    TinyDaemonE2eTest(String label) {
        this.label = label;
    }

    @BeforeAll
    void startDaemon() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        daemon = DaemonHarness.start(label);
        daemon.bootstrapTinyImage();
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }
}
