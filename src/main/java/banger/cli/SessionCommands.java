package banger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `banger session ...`: processes that run in a guest beyond one connection, docker-like. */
@Command(name = "session",
        description = "Run long-lived processes in a VM's guest: start, list, read, write, attach, signal, remove.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {SessionCommands.Start.class, SessionCommands.Ls.class, SessionCommands.Show.class,
                SessionCommands.Logs.class, SessionCommands.Send.class, SessionCommands.Attach.class,
                SessionCommands.Kill.class, SessionCommands.Rm.class})
final class SessionCommands implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /** Base: the session routes' client. */
    abstract static class SessionCommand extends ApiCommand {
        SessionApi sessions() {
            return new SessionApi(api(), root().baseUrl(), root().token());
        }

        /** Copies output bytes to stdout as UTF-8 text, flushing as it goes (a follow stream is live). */
        void copy(InputStream bytes) throws IOException {
            try (Reader text = new InputStreamReader(bytes, StandardCharsets.UTF_8)) {
                char[] buffer = new char[8192];
                for (int n; (n = text.read(buffer)) >= 0; ) {
                    out().write(buffer, 0, n);
                    out().flush();
                }
            }
        }
    }

    /** A session's key facts on one line. */
    static void printSession(JsonNode s, java.io.PrintWriter out) {
        out.println(s.path("id").asText() + " " + s.path("state").asText()
                + (s.path("exit_code").isNumber() ? " exit " + s.path("exit_code").asInt() : "")
                + (s.path("reason").isTextual() ? " (" + s.path("reason").asText() + ")" : ""));
        out.flush();
    }

    static Map<String, String> env(List<String> pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new CliError("--env takes KEY=VALUE, got \"" + pair + "\"");
            }
            env.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return env;
    }

    @Command(name = "start", description = "Start CMD in the VM as a session and print its id. Put -- before CMD.")
    static final class Start extends SessionCommand {
        @Parameters(index = "0", paramLabel = "VM") String vm;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD") List<String> argv;
        @Option(names = "--name", paramLabel = "NAME") String name;
        @Option(names = "--tty", description = "Run under a terminal, 80x24 until an attached client resizes it"
                + " (the guest needs `script`: tiny, debian and pulled images have it).")
        boolean tty;
        @Option(names = "--env", paramLabel = "K=V") List<String> env = List.of();
        @Option(names = "--cwd", paramLabel = "DIR") String cwd;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("argv", argv);
            body.put("env", env(env));
            body.put("tty", tty);
            if (name != null) {
                body.put("name", name);
            }
            if (cwd != null) {
                body.put("cwd", cwd);
            }
            JsonNode s = sessions().start(vm, body);
            if (json) {
                printJson(s);
            } else {
                out().println(s.path("id").asText());
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "ls", description = "List a VM's sessions.")
    static final class Ls extends SessionCommand {
        @Parameters(index = "0", paramLabel = "VM") String vm;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            JsonNode list = api().get(SessionApi.sessions(vm));
            if (json) {
                printJson(list);
                return 0;
            }
            Instant now = root().environment().clock().instant();
            TextTable table = new TextTable("id", "name", "state", "exit", "output", "age", "command");
            for (JsonNode s : list.path("sessions")) {
                table.row(s.path("id").asText(), s.path("name").isTextual() ? s.path("name").asText() : null,
                        s.path("state").asText(), s.path("exit_code").isNumber() ? s.path("exit_code").asText() : null,
                        Formats.bytes(s.path("output_bytes").asLong()),
                        Formats.age(Instant.parse(s.path("started_at").asText()), now),
                        String.join(" ", api().convert(s.path("argv"), String[].class)));
            }
            table.print(out());
            out().flush();
            return 0;
        }
    }

    @Command(name = "show", description = "Show one session as JSON.")
    static final class Show extends SessionCommand {
        @Parameters(index = "0", paramLabel = "VM") String vm;
        @Parameters(index = "1", paramLabel = "SESSION") String session;

        @Override
        public Integer call() {
            printJson(sessions().get(vm, session));
            return 0;
        }
    }

    @Command(name = "logs", description = "Print a session's output (from --offset); -f follows it until it ends.")
    static final class Logs extends SessionCommand {
        @Parameters(index = "0", paramLabel = "VM") String vm;
        @Parameters(index = "1", paramLabel = "SESSION") String session;
        @Option(names = {"-f", "--follow"}) boolean follow;
        @Option(names = "--offset", paramLabel = "N", description = "Absolute byte offset to start at (default 0).")
        long offset;

        @Override
        public Integer call() throws IOException {
            SessionApi.Output output = sessions().output(vm, session, offset, follow);
            if (output.offset() > offset) {
                err().println("banger: output before offset " + output.offset() + " is no longer retained");
                err().flush();
            }
            copy(output.bytes());
            return 0;
        }
    }

    @Command(name = "send", description = "Send TEXT (or stdin, with - or no TEXT) to a session's stdin.")
    static final class Send extends SessionCommand {
        @Parameters(index = "0", paramLabel = "VM") String vm;
        @Parameters(index = "1", paramLabel = "SESSION") String session;
        @Parameters(index = "2", arity = "0..1", paramLabel = "TEXT") String text;
        @Option(names = "--eof", description = "Close the session's stdin afterwards.") boolean eof;

        @Override
        public Integer call() throws IOException {
            byte[] bytes = text == null || text.equals("-") ? root().environment().stdin().readAllBytes()
                    : text.getBytes(StandardCharsets.UTF_8);
            sessions().send(vm, session, bytes, eof);
            return 0;
        }
    }

    @Command(name = "attach", description = "Attach this terminal to a session; Ctrl-] detaches and leaves it running.")
    static final class Attach extends SessionCommand {
        @Parameters(index = "0", paramLabel = "VM") String vm;
        @Parameters(index = "1", paramLabel = "SESSION") String session;

        @Override
        public Integer call() throws IOException {
            boolean tty = sessions().get(vm, session).path("tty").asBoolean();
            if (SessionAttacher.attach(sessions(), vm, session, null, tty) == SessionAttacher.Outcome.DETACHED) {
                err().println("\r\nbanger: detached; session " + session + " keeps running");
                err().flush();
                return 0;
            }
            JsonNode s = sessions().get(vm, session);
            return s.path("exit_code").isNumber() ? s.path("exit_code").asInt() : 0;
        }
    }

    @Command(name = "kill", description = "Send a signal (default TERM) to a session's process group.")
    static final class Kill extends SessionCommand {
        @Parameters(index = "0", paramLabel = "VM") String vm;
        @Parameters(index = "1", paramLabel = "SESSION") String session;
        @Option(names = {"-s", "--signal"}, paramLabel = "SIGNAL", description = "INT, TERM, KILL or HUP.")
        String signal = "TERM";

        @Override
        public Integer call() {
            printSession(api().send("POST", SessionApi.session(vm, session) + "/signal", Map.of("signal", signal),
                    ApiClient.READ_TIMEOUT.multipliedBy(2)), out());
            return 0;
        }
    }

    @Command(name = "rm", description = "Kill a session if it runs and forget it.")
    static final class Rm extends SessionCommand {
        @Parameters(index = "0", paramLabel = "VM") String vm;
        @Parameters(index = "1", paramLabel = "SESSION") String session;

        @Override
        public Integer call() {
            api().send("DELETE", SessionApi.session(vm, session), null, ApiClient.READ_TIMEOUT.multipliedBy(2));
            return 0;
        }
    }
}
