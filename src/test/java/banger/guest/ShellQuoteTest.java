package banger.guest;

import banger.host.CommandResult;
import banger.host.ProcessHostCommands;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ShellQuoteTest {

    private static final List<String> HOSTILE = List.of(
            "plain", "", " ", "it's", "'", "''", "\"double\"", "$(touch /tmp/banger-pwned)", "`id`", "$HOME",
            "a;b", "a && b", "a|b", "line1\nline2", "\n", "tab\there", "back\\slash", "*", "?", "~", "#comment",
            "-n", "--", "unicode ✓ ünï", "'$(x)'\"`y`\"", "trailing'", "!bang", "{a,b}", "a=b", "%s");

    @Test
    void hostileArgumentsRoundTripThroughShell() {
        List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
        argv.addAll(HOSTILE);
        CommandResult result = new ProcessHostCommands()
                .check(List.of("sh", "-c", ShellQuote.join(argv)), Duration.ofSeconds(10));
        String expected = String.join("\0", HOSTILE) + "\0";
        assertEquals(expected, result.stdout());
    }

    @Test
    void plainWordsStayReadable() {
        assertEquals("ls -la /tmp/x.txt", ShellQuote.join(List.of("ls", "-la", "/tmp/x.txt")));
    }

    @Test
    void emptyArgumentBecomesEmptyQuotes() {
        assertEquals("''", ShellQuote.quote(""));
    }

    @Test
    void singleQuoteIsClosedEscapedAndReopened() {
        assertEquals("'it'\\''s'", ShellQuote.quote("it's"));
    }

    @Test
    void nulByteIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ShellQuote.quote("a\0b"));
    }

    @Test
    void emptyArgvIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ShellQuote.join(List.of()));
    }

    @Test
    void assignmentsAndReservedWordsAsTheCommandAreRunAsCommands() {
        ProcessHostCommands host = new ProcessHostCommands();
        for (String shell : List.of("sh", "bash")) {
            for (String command : List.of("A=b", "if", "!", "{", "while", "case")) {
                String line = ShellQuote.join(List.of(command));
                CommandResult result = host.run(List.of(shell, "-c", line), Duration.ofSeconds(10));
                // looked up as a command and not found: 127; as syntax or an assignment it would be 0, 1 or 2
                assertEquals(127, result.exitCode(), shell + " -c " + line + ": " + result.stderr());
            }
        }
        assertEquals("'A=b' A=b", ShellQuote.join(List.of("A=b", "A=b")));
        // bash's time keyword would time the pipeline; quoted, /usr/bin/time (or nothing) is run
        assertEquals("'time' ls", ShellQuote.join(List.of("time", "ls")));
        assertEquals("ls time", ShellQuote.join(List.of("ls", "time")));
    }
}
