package banger.daemon;

import banger.wire.DaemonOptions;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Layers the daemon's configuration: flags over --config (or conf/application.conf) over reference.conf. */
public final class DaemonConfig {

    private DaemonConfig() {
    }

    public static Config load(DaemonOptions options) {
        Config overrides = ConfigFactory.empty();
        if (options.stateDir().isPresent()) {
            overrides = overrides.withValue("banger.state-dir",
                    ConfigValueFactory.fromAnyRef(options.stateDir().get().toAbsolutePath().toString()));
        }
        if (options.listen().isPresent()) {
            overrides = overrides.withValue("banger.listen", ConfigValueFactory.fromAnyRef(options.listen().get()));
        }
        if (options.vmm().isPresent()) {
            overrides = overrides.withValue("banger.vmm", ConfigValueFactory.fromAnyRef(options.vmm().get()));
        }
        Path file = options.configFile().orElse(Path.of("conf", "application.conf"));
        Config site = Files.isRegularFile(file) ? ConfigFactory.parseFile(file.toFile()) : ConfigFactory.empty();
        // unresolved reference.conf: its ${banger.state-dir} substitutions (e.g. the SQLite db-path) must see
        // the state dir chosen here, not the built-in default
        return overrides.withFallback(site)
                .withFallback(ConfigFactory.defaultApplication())
                .withFallback(ConfigFactory.defaultReferenceUnresolved())
                .resolve();
    }

    /** Splits "HOST:PORT" (IPv6 in brackets allowed). */
    public static String host(String listen) {
        int i = listen.lastIndexOf(':');
        String h = i < 0 ? listen : listen.substring(0, i);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    public static int port(String listen) {
        int i = listen.lastIndexOf(':');
        if (i < 0) {
            throw new IllegalArgumentException("listen address needs HOST:PORT, got " + listen);
        }
        return Integer.parseInt(listen.substring(i + 1));
    }
}
