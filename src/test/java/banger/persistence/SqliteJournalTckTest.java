package banger.persistence;

import java.nio.file.Path;

import org.apache.pekko.persistence.CapabilityFlag;
import org.apache.pekko.persistence.japi.journal.JavaJournalSpec;
import org.junit.runner.RunWith;
import org.scalatestplus.junit.JUnitRunner;

/** Pekko's journal TCK against a fresh SQLite file (JUnitRunner: without it Surefire runs none of it). */
@RunWith(JUnitRunner.class)
public class SqliteJournalTckTest extends JavaJournalSpec {

    private static final Path STATE_DIR = TestDatabases.newStateDir();

    public SqliteJournalTckTest() {
        super(TestDatabases.configFor(STATE_DIR, ""));
    }

    @Override
    public CapabilityFlag supportsRejectingNonSerializableObjects() {
        return CapabilityFlag.on();
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
