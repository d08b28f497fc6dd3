package banger.vm;

import banger.wire.HistoryEntry;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import banger.wire.ImageView;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The daemon's control surface as the HTTP API sees it: asks to the fleet, VMs and image registry,
 * each with a timeout. Creating, starting, stopping, restarting, suspending and deleting a VM are operations
 * (banger.operation), not part of this surface; kill is, because it never waits behind anything. Stages fail with {@link Rejected} for refusals the client caused.
 * {@code ref} is a VM id or name.
 */
public interface VmControl {

    CompletionStage<List<VmView>> list();

    CompletionStage<VmView> get(String ref);

    CompletionStage<VmView> patch(String ref, PatchVmRequest request);

    CompletionStage<VmView> kill(String ref);

    CompletionStage<List<HistoryEntry>> history(String ref);

    /** Freezes a running VM's vCPUs (QMP stop; Firecracker Paused); it keeps its memory and network identity. */
    CompletionStage<VmView> pause(String ref);

    /** Lets a paused VM run on. */
    CompletionStage<VmView> resume(String ref);

    /** API activity on the VM (guest I/O): its idle timeout counts again. Fire and forget. */
    void touch(String ref);

    /** The VM's serial console log file (it may not exist yet). */
    CompletionStage<Path> consoleLog(String ref);

    CompletionStage<List<ImageView>> images();

    /** Registers host files (kernel, initrd, ext4 rootfs) as image {@code name}; {@code os} may be null. */
    CompletionStage<ImageView> registerImage(String name, String os, String kernel, String initrd, String rootfs);

    /** Removes an image and its files; 409 while any VM uses it. */
    CompletionStage<ImageView> deleteImage(String name);

    /**
     * Makes image {@code name} from stopped VM {@code ref}'s disk (flattened) with its image's boot files; 409
     * unless the VM is stopped. Slow: seconds per GiB.
     */
    CompletionStage<ImageView> promoteVm(String ref, String name);
}
