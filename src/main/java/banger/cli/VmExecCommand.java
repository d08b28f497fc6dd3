package banger.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** `banger vm exec NAME -- CMD ARGS...`: runs a command in the guest and exits with its exit code. */
@Command(name = "exec",
        description = {"Run a command in a VM and print its output; exits with the command's exit code.",
                "Put -- before the command so its options are not taken as banger's."})
final class VmExecCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "VM name or id.")
    private String ref;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "Command and its arguments.")
    private List<String> argv;

    @Option(names = "--stdin", description = "Send this process's standard input to the command.")
    private boolean sendStdin;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "Give up on the command after this long (default: the daemon's, 30 s).")
    private Integer timeoutSeconds;

    record ExecRequest(List<String> argv, String stdin, Integer timeoutS) {
    }

    record ExecResult(String stdout, String stderr, int exitCode, boolean truncated) {
    }

    @Override
    public Integer call() throws IOException {
        String stdin = sendStdin
                ? new String(root().environment().stdin().readAllBytes(), StandardCharsets.UTF_8)
                : null;
        // without --timeout the daemon's default applies, which the CLI does not know: wait generously
        Duration wait = timeoutSeconds == null ? ApiClient.LIFECYCLE_TIMEOUT
                : Duration.ofSeconds(timeoutSeconds).plus(ApiClient.READ_TIMEOUT);
        var answer = api().send("POST", ApiPaths.vm(ref, "exec"), new ExecRequest(argv, stdin, timeoutSeconds), wait);
        ExecResult result = api().convert(answer, ExecResult.class);
        if (result.stdout() != null) {
            out().print(result.stdout());
            out().flush();
        }
        if (result.stderr() != null) {
            err().print(result.stderr());
            err().flush();
        }
        if (result.truncated()) {
            err().println("banger: output truncated at the daemon's limit (banger.exec.max-output-bytes);"
                    + " the command was ended there");
            err().flush();
        }
        return result.exitCode();
    }
}
