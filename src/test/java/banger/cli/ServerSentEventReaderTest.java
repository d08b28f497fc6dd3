package banger.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ServerSentEventReaderTest {

    @Test
    void joinsMultiLineDataSkipsCommentsAndEndsAtEndOfStream() throws Exception {
        var reader = new ServerSentEventReader(new BufferedReader(new StringReader(
                ":ping\n\nid:1\nevent: a\ndata: x\ndata:y\nretry: 100\n\ndata: z\n\n")));

        assertEquals(Optional.of(new ServerSentEventReader.ServerSentEvent("1", "a", "x\ny")), reader.next());
        assertEquals(Optional.of(new ServerSentEventReader.ServerSentEvent(null, null, "z")), reader.next());
        assertEquals(Optional.empty(), reader.next());
    }

    @Test
    void anEventCutOffBeforeItsBlankLineIsNotDispatched() throws Exception {
        var reader = new ServerSentEventReader(new BufferedReader(new StringReader("id: 2\ndata: half")));

        assertEquals(Optional.empty(), reader.next());
    }
}
