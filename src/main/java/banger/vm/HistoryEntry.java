package banger.vm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.Map;

/** One event of a VM's journal as the API shows it: its sequence number, type, time and fields. */
public record HistoryEntry(long seq, String type, Instant at, Map<String, Object> data) {

    private static final ObjectMapper DATA = new ObjectMapper().registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    public static HistoryEntry of(long seq, Object event) {
        if (event instanceof VmEvent e) {
            Map<String, Object> data = DATA.convertValue(e, MAP);
            data.remove("at");
            return new HistoryEntry(seq, VmEvent.typeName(e), e.at(), data);
        }
        return new HistoryEntry(seq, event.getClass().getSimpleName(), null, Map.of());
    }
}
