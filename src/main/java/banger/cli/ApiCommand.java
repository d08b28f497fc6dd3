package banger.cli;

import banger.wire.VmView;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** Base of the commands that talk to the daemon: the API client, output streams and JSON printing. */
abstract class ApiCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private ApiClient api;

    BangerCli root() {
        return BangerCli.of(spec);
    }

    ApiClient api() {
        if (api == null) {
            api = root().api();
        }
        return api;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Prints an API document as indented JSON, for scripts (`--json`). */
    void printJson(JsonNode document) {
        try {
            out().println(ApiJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(document));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out().flush();
    }

    /** Prints a VM document the API answered: as JSON for scripts, else as a details block. */
    void printVm(JsonNode vm, boolean json) {
        if (json) {
            printJson(vm);
        } else {
            VmPrinter.details(api().convert(vm, VmView.class), root().environment().clock().instant(),
                    out());
        }
    }

    /** Runs a slow request behind a progress line on stderr. */
    <T> T withProgress(String message, Supplier<T> request) {
        Progress progress = Progress.start(err(), message, root().environment().clock());
        try {
            T result = request.get();
            progress.done();
            return result;
        } catch (RuntimeException e) {
            progress.failed();
            throw e;
        }
    }
}
