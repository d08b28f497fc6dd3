package banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** `vm forward`'s [HOST:]PORT:GUEST_PORT into the request body the API takes. */
class VmForwardSpecTest {

    @Test
    void portAndGuestPortLeaveTheHostAddressToTheDaemon() {
        assertEquals(Map.of("guest_port", 80, "host_port", 8080), VmForwardCommand.parse("8080:80"));
    }

    @Test
    void portZeroAsksTheDaemonForAnyFreePort() {
        assertEquals(Map.of("guest_port", 22, "host_port", 0), VmForwardCommand.parse("0:22"));
    }

    @Test
    void anIpv4HostIsSentAsTheHostAddress() {
        assertEquals(Map.of("guest_port", 80, "host_port", 9000, "host_address", "127.0.0.2"),
                VmForwardCommand.parse("127.0.0.2:9000:80"));
    }

    @Test
    void aBracketedIpv6HostIsSentWithoutItsBrackets() {
        assertEquals(Map.of("guest_port", 80, "host_port", 9000, "host_address", "::1"),
                VmForwardCommand.parse("[::1]:9000:80"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8080", ":80", "a:80", "8080:b", ":9000:80", "127.0.0.1:x:80"})
    void malformedSpecsAreRefusedNamingWhatWasGiven(String spec) {
        CliError e = assertThrows(CliError.class, () -> VmForwardCommand.parse(spec));
        assertTrue(e.getMessage().contains("\"" + spec + "\""), e.getMessage());
    }
}
