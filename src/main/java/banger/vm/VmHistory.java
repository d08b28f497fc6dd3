package banger.vm;

import banger.wire.HistoryEntry;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.Map;

/** Turns journaled VM events into the history entries the API shows. */
public final class VmHistory {

    private static final ObjectMapper DATA = new ObjectMapper().registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private VmHistory() {
    }

    public static HistoryEntry entryOf(long seq, Object event) {
        if (event instanceof VmEvent.GuestRecorded g) {
            return new HistoryEntry(seq, g.type(), g.at(), g.data());
        }
        if (event instanceof VmEvent e) {
            Map<String, Object> data = DATA.convertValue(e, MAP);
            data.remove("at");
            return new HistoryEntry(seq, VmEvent.typeName(e), e.at(), data);
        }
        return new HistoryEntry(seq, event.getClass().getSimpleName(), null, Map.of());
    }
}
