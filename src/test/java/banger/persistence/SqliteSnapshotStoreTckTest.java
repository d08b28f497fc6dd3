package banger.persistence;

import java.nio.file.Path;

import org.apache.pekko.persistence.CapabilityFlag;
import org.apache.pekko.persistence.japi.snapshot.JavaSnapshotStoreSpec;
import org.junit.runner.RunWith;
import org.scalatestplus.junit.JUnitRunner;

/** Pekko's snapshot store TCK against a fresh SQLite file (JUnitRunner: without it Surefire runs none of it). */
@RunWith(JUnitRunner.class)
public class SqliteSnapshotStoreTckTest extends JavaSnapshotStoreSpec {

    private static final Path STATE_DIR = TestDatabases.newStateDir();

    public SqliteSnapshotStoreTckTest() {
        super(TestDatabases.configFor(STATE_DIR, ""));
    }

    @Override
    public CapabilityFlag supportsSerialization() {
        return CapabilityFlag.on();
    }

    @Override
    public void afterAll() {
        super.afterAll();
        TestDatabases.deleteRecursively(STATE_DIR);
    }
}
