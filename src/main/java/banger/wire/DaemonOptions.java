package banger.wire;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Command-line choices for `banger daemon`; each one present overrides the config file.
 *
 * @param stateDir   where the store, images, VM directories and API token live
 * @param listen     HOST:PORT of the HTTP API (loopback by default)
 * @param vmm        auto | qemu | firecracker
 * @param configFile an application.conf layered over the jar's reference.conf
 */
public record DaemonOptions(Optional<Path> stateDir, Optional<String> listen, Optional<String> vmm,
                            Optional<Path> configFile) {
}
