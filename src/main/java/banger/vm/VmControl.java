package banger.vm;

import banger.image.ImageView;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The daemon's control surface as the HTTP API sees it: asks to the fleet, VMs and image registry,
 * each with a timeout. Creating a VM is an operation (banger.operation), not part of this surface. Stages fail with {@link RequestRejected} for refusals the client caused.
 * {@code ref} is a VM id or name.
 */
public interface VmControl {

    CompletionStage<List<VmView>> list();

    CompletionStage<VmView> get(String ref);

    CompletionStage<VmView> patch(String ref, PatchVmRequest request);

    CompletionStage<VmView> start(String ref);

    CompletionStage<VmView> stop(String ref);

    CompletionStage<VmView> restart(String ref);

    CompletionStage<VmView> kill(String ref);

    CompletionStage<VmView> delete(String ref);

    CompletionStage<List<HistoryEntry>> history(String ref);

    /** The VM's serial console log file (it may not exist yet). */
    CompletionStage<Path> consoleLog(String ref);

    CompletionStage<List<ImageView>> images();

    /** Builds an image from a preset ("tiny", "debian") and registers it under {@code name}. Slow: minutes. */
    CompletionStage<ImageView> bootstrapImage(String preset, String name);
}
