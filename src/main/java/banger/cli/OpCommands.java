package banger.cli;

import banger.wire.OperationView;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `banger op ls | show ID | cancel ID`. */
final class OpCommands {

    private OpCommands() {
    }

    @Command(name = "ls", description = "List operations, newest first.")
    static final class List extends ApiCommand {

        @Option(names = "--json", description = "Print the API's JSON ({\"operations\":[...]}).")
        private boolean json;

        @Override
        public Integer call() {
            JsonNode answer = api().get(ApiPaths.OPERATIONS);
            if (json) {
                printJson(answer);
                return 0;
            }
            Instant now = root().environment().clock().instant();
            TextTable table = new TextTable("ID", "KIND", "VM", "STATE", "AGE", "ERROR");
            for (JsonNode node : answer.path("operations")) {
                OperationView op = api().convert(node, OperationView.class);
                table.row(op.id(), op.kind(), op.vm(), op.state(), Formats.age(op.createdAt(), now),
                        op.error() == null ? null : op.error().message());
            }
            table.print(out());
            return 0;
        }
    }

    @Command(name = "show", description = "Show one operation.")
    static final class Show extends ApiCommand {

        @Parameters(index = "0", paramLabel = "ID", description = "Operation id.")
        private String id;

        @Option(names = "--json", description = "Print the API's JSON.")
        private boolean json;

        @Override
        public Integer call() {
            JsonNode op = api().get(ApiPaths.operation(id));
            if (json) {
                printJson(op);
            } else {
                details(api().convert(op, OperationView.class), out());
            }
            return 0;
        }
    }

    @Command(name = "cancel", description = "Cancel an operation in flight: a creation's VM is deleted; a start's, "
            + "stop's or restart's VM is left stopped.")
    static final class Cancel extends ApiCommand {

        @Parameters(index = "0", paramLabel = "ID", description = "Operation id.")
        private String id;

        @Override
        public Integer call() {
            JsonNode op = withProgress("cancelling " + id,
                    () -> api().send("DELETE", ApiPaths.operation(id), null, ApiClient.LIFECYCLE_TIMEOUT));
            OperationView view = api().convert(op, OperationView.class);
            out().println(view.id() + " " + view.state());
            out().flush();
            return 0;
        }
    }

    static void details(OperationView op, PrintWriter out) {
        out.println("id:       " + op.id());
        out.println("kind:     " + op.kind());
        out.println("vm:       " + op.vm() + (op.vmId() == null ? "" : " (" + op.vmId() + ")"));
        out.println("state:    " + op.state());
        if (op.error() != null) {
            out.println("error:    " + op.error().code() + ": " + op.error().message());
        }
        out.println("created:  " + op.createdAt());
        out.println("finished: " + Formats.orDash(op.finishedAt()));
        out.flush();
    }
}
