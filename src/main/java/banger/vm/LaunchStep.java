package banger.vm;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One named step of a VM's start (see {@link LaunchPlan}). A step that leaves something behind registers how to
 * undo it on the {@link Launch}, so a later failure or abort unwinds it.
 */
interface LaunchStep {

    /** Short, stable name: it appears in logs and, when the step fails, in the VM's history ({@code StartFailed.step}). */
    String name();

    CompletionStage<Void> run(Launch launch);

    /** A step that blocks (processes, disk): it runs on {@code blocking}. */
    static LaunchStep blocking(String name, Executor blocking, Consumer<Launch> body) {
        return of(name, l -> CompletableFuture.runAsync(() -> body.accept(l), blocking));
    }

    /** A step that waits on another actor without holding a thread (e.g. the TAP pool). */
    static LaunchStep of(String name, Function<Launch, CompletionStage<Void>> body) {
        return new LaunchStep() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public CompletionStage<Void> run(Launch launch) {
                return body.apply(launch);
            }
        };
    }
}
