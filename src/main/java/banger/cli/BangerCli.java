package banger.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** `banger`: the command-line client of the banger daemon's HTTP API, and the way to run the daemon. */
@Command(name = "banger",
        description = "Creates, runs and watches micro-VMs through the banger daemon.",
        subcommands = {DaemonCommand.class, VmCommand.class, ImageCommand.class, EventsCommand.class,
                DoctorCommand.class, OpCommand.class, ConsoleCommand.class,
                WorkspaceCommand.class, SessionCommands.class},
        synopsisSubcommandLabel = "COMMAND",
        usageHelpAutoWidth = true)
public final class BangerCli implements Runnable {

    static final String DEFAULT_URL = "http://127.0.0.1:7070";
    static final String DEFAULT_STATE_DIR = "/var/lib/banger";
    static final String TOKEN_FILE = "api.token";

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "Daemon API address (default: $BANGER_URL, else " + DEFAULT_URL + ").")
    private URI url;

    @Option(names = "--state-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Daemon state directory; the API token is read from DIR/" + TOKEN_FILE
                    + " unless $BANGER_TOKEN is set (default: $BANGER_STATE_DIR, else " + DEFAULT_STATE_DIR + ").")
    private Path stateDir;

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
            description = "Show this help and exit.")
    private boolean help;

    @Spec
    CommandSpec spec;

    private final CliEnvironment environment;

    public BangerCli(CliEnvironment environment) {
        this.environment = environment;
    }

    /** The command tree with banger's error reporting: API errors exit 1, usage errors 2. */
    public static CommandLine commandLine(CliEnvironment environment) {
        CommandLine commandLine = new CommandLine(new BangerCli(environment));
        commandLine.setExecutionExceptionHandler(BangerCli::reportFailure);
        return commandLine;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /** The root command object, from any command in the tree. */
    static BangerCli of(CommandSpec spec) {
        return (BangerCli) spec.root().userObject();
    }

    CliEnvironment environment() {
        return environment;
    }

    ApiClient api() {
        return new ApiClient(baseUrl(), token(), ApiJson.mapper());
    }

    URI baseUrl() {
        if (url != null) {
            return url;
        }
        return URI.create(env("BANGER_URL").orElse(DEFAULT_URL));
    }

    Path stateDir() {
        return explicitStateDir().orElse(Path.of(DEFAULT_STATE_DIR));
    }

    /** The state dir the user chose (option or environment); empty leaves the choice to the daemon's config. */
    Optional<Path> explicitStateDir() {
        if (stateDir != null) {
            return Optional.of(stateDir);
        }
        return env("BANGER_STATE_DIR").map(Path::of);
    }

    /** $BANGER_TOKEN wins over the token file; without either, requests go unauthenticated and get a clear 401. */
    ApiClient.Token token() {
        Optional<String> fromEnv = env("BANGER_TOKEN");
        if (fromEnv.isPresent()) {
            return new ApiClient.Token(fromEnv, "$BANGER_TOKEN");
        }
        Path file = stateDir().resolve(TOKEN_FILE);
        try {
            String value = Files.readString(file).strip();
            return new ApiClient.Token(value.isEmpty() ? Optional.empty() : Optional.of(value), file.toString());
        } catch (IOException e) {
            return new ApiClient.Token(Optional.empty(),
                    "nowhere: $BANGER_TOKEN is unset and " + file + " is not readable");
        }
    }

    private Optional<String> env(String name) {
        return Optional.ofNullable(environment.env().get(name)).filter(v -> !v.isBlank());
    }

    private static int reportFailure(Exception failure, CommandLine commandLine,
                                     CommandLine.ParseResult parseResult) {
        if (failure instanceof CliError) {
            commandLine.getErr().println("banger: " + failure.getMessage());
        } else {
            commandLine.getErr().println("banger: internal error: " + failure);
        }
        commandLine.getErr().flush();
        return 1;
    }
}
