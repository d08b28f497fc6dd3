package banger.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** `banger vm logs NAME [-f]`: the VM's serial console. */
@Command(name = "logs", description = "Print a VM's console log; -f keeps printing as it grows.")
final class VmLogsCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "VM name or id.")
    private String ref;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new console output until interrupted.")
    private boolean follow;

    @Override
    public Integer call() throws IOException {
        String path = ApiPaths.vm(ref, "console");
        if (!follow) {
            out().print(api().getText(path));
            out().flush();
            return 0;
        }
        try (InputStream stream = api().openStream(
                ApiClient.withQuery(path, List.of(Map.entry("follow", "true"))), Map.of());
             Reader console = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
            char[] buffer = new char[8192];
            for (int n; (n = console.read(buffer)) >= 0; ) {
                out().write(buffer, 0, n);
                out().flush();
            }
        }
        return 0;
    }
}
