package banger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.testsupport.InstantVmRuntime;
import banger.testsupport.LocalDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deleted VMs' journals are compacted down to their Deleted tombstone (real control plane, real SQLite, stand-in
 * VMM): over 200 create/start/delete cycles the journal keeps one row per deleted VM, no snapshots of them, and
 * the database file stops growing, while /v1/events read from offset 0 still shows every VM deleted exactly once.
 */
class DeletedVmCompactionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CYCLES = 200;
    private final HttpClient http = HttpClient.newHttpClient();
    private Path stateDir;
    private ActorTestKit kit;
    private LocalDaemon daemon;

    /** One figure of the database: its rows and bytes. */
    private record Size(long journal, long vmRows, long tags, long snapshots, long vmSnapshots, long logicallyDeleted,
                        long dbBytes, long walBytes) {
    }

    @BeforeEach
    void start() throws Exception {
        stateDir = Files.createTempDirectory("banger-compaction");
        kit = ActorTestKit.create(LocalDaemon.config(stateDir, """
                pekko.loglevel = WARNING
                banger.compaction.interval = 300ms
                banger.compaction.deleted-vm-retention = 0s
                banger.operations.retention = 1s
                banger.operations.prune-interval = 300ms
                """));
        daemon = LocalDaemon.start(kit.system(), new InstantVmRuntime(name -> false));
    }

    @AfterEach
    void stop() throws Exception {
        daemon.stop();
        kit.shutdownTestKit();
    }

    @Test
    void deletedVmsShrinkToATombstoneTheFileStopsGrowingAndTheStreamStillEndsEachVmDeletedOnce() throws Exception {
        List<String> ids = new ArrayList<>();
        Size half = null;
        for (int i = 1; i <= CYCLES; i++) {
            ids.add(cycle("c" + i));
            if (i == CYCLES / 2) {
                half = settled(ids);
                System.out.println("compaction after " + i + " create/start/delete cycles: " + half);
            }
        }
        Size full = settled(ids);
        System.out.println("compaction after " + CYCLES + " create/start/delete cycles: " + full);

        assertEquals(CYCLES, full.vmRows(), "one Deleted tombstone per deleted VM: " + full);
        assertEquals(0, full.vmSnapshots(), "no snapshots of deleted VMs: " + full);
        // the fleet's and the operations' journals keep at most the events of their last 3 snapshot intervals (100
        // each) after Pekko's retention deleted older ones and the compactor purged them
        assertTrue(full.journal() - full.vmRows() < 800, "rows beyond the tombstones: " + full);
        long growth = full.dbBytes() - half.dbBytes();
        assertTrue(growth < 256 * 1024, "the file grew " + growth + " bytes over the second " + (CYCLES / 2)
                + " cycles: " + half + " then " + full);

        Map<String, List<String>> typesByVm = eventsFromOffsetZero(ids);
        for (String id : ids) {
            List<String> types = typesByVm.get(id);
            assertEquals("Deleted", types.get(types.size() - 1), "VM " + id + " ends deleted: " + types);
            assertEquals(1, types.stream().filter("Deleted"::equals).count(), "deleted exactly once: " + types);
        }
    }

    /** Creates, starts and deletes a VM; returns its id. */
    private String cycle(String name) throws Exception {
        HttpResponse<String> created = send("POST", "/v1/vms?wait=true",
                "{\"name\":\"" + name + "\",\"start\":true}");
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> deleted = send("DELETE", "/v1/vms/" + name + "?wait=true", null);
        assertEquals(200, deleted.statusCode(), deleted.body());
        return JSON.readTree(created.body()).path("id").asText();
    }

    /**
     * Waits until the compactor has caught up with every deleted VM and purged the snapshot-deleted events, then
     * checkpoints the WAL into the file and measures it.
     */
    private Size settled(List<String> deletedIds) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Size size = measure();
        while (size.vmRows() != deletedIds.size() || size.vmSnapshots() != 0 || size.logicallyDeleted() > 3) {
            assertTrue(System.nanoTime() < deadline, "compaction did not catch up: " + size + " for "
                    + deletedIds.size() + " deleted VMs");
            Thread.sleep(100);
            size = measure();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + stateDir.resolve("banger.db"));
             Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 10000");
            s.execute("PRAGMA wal_checkpoint(PASSIVE)");
        }
        return measure();
    }

    private Size measure() throws Exception {
        Path db = stateDir.resolve("banger.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            long walBytes = Files.exists(Path.of(db + "-wal")) ? Files.size(Path.of(db + "-wal")) : 0;
            return new Size(count(c, "SELECT COUNT(*) FROM journal"),
                    count(c, "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'Vm|%'"),
                    count(c, "SELECT COUNT(*) FROM event_tag"),
                    count(c, "SELECT COUNT(*) FROM snapshot"),
                    count(c, "SELECT COUNT(*) FROM snapshot WHERE persistence_id LIKE 'Vm|%'"),
                    count(c, "SELECT COUNT(*) FROM journal WHERE deleted = 1"),
                    Files.size(db), walBytes);
        }
    }

    private static long count(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Every VM's event types in the order /v1/events delivers them from offset 0, read until each is deleted. */
    private Map<String, List<String>> eventsFromOffsetZero(List<String> ids) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(daemon.base.resolve("/v1/events"))
                .header("Authorization", "Bearer " + daemon.token).header("Last-Event-ID", "0")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        Map<String, List<String>> typesByVm = new HashMap<>();
        long deleted = 0;
        try (SseReader sse = new SseReader(r.body())) {
            while (deleted < ids.size()) {
                SseReader.Frame f = sse.next(30_000);
                if (f == null || f.data() == null) {
                    continue;
                }
                JsonNode data = JSON.readTree(f.data());
                String type = data.path("type").asText();
                typesByVm.computeIfAbsent(data.path("vm_id").asText(), k -> new ArrayList<>()).add(type);
                if ("Deleted".equals(type)) {
                    deleted++;
                }
            }
        }
        return typesByVm;
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(daemon.base.resolve(path))
                .header("Authorization", "Bearer " + daemon.token).timeout(Duration.ofSeconds(30));
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
