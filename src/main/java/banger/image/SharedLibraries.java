package banger.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The shared libraries (and dynamic loader) a dynamically linked program needs, as `ldd` lists them. */
final class SharedLibraries {

    private SharedLibraries() {
    }

    /** Absolute library paths from ldd's output; the vDSO (no file) is left out, a missing library is an error. */
    static List<Path> fromLdd(String program, String lddOutput) {
        List<Path> libraries = new ArrayList<>();
        for (String raw : lddOutput.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("linux-vdso") || line.startsWith("statically linked")) {
                continue;
            }
            if (line.contains("not found")) {
                throw new IllegalStateException(program + " needs a library the host lacks: " + line);
            }
            int arrow = line.indexOf("=>");
            String rest = arrow >= 0 ? line.substring(arrow + 2).strip() : line;
            int space = rest.indexOf(' ');
            String path = space < 0 ? rest : rest.substring(0, space);
            if (path.startsWith("/")) {
                libraries.add(Path.of(path));
            }
        }
        return libraries;
    }
}
