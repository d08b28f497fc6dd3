package banger.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the Debian archive the host's apt already uses, so debootstrap downloads from the same (possibly
 * local or proxied) mirror. Reads /etc/apt/sources.list (one-line format) and sources.list.d/*.list and
 * *.sources (deb822); other files there (e.g. *.disabled) are ignored, as apt ignores them.
 */
final class DebianMirror {

    static final String DEFAULT = "http://deb.debian.org/debian";

    /** One "deb" source: its archive URI and the suites it lists. */
    record Source(String uri, List<String> suites) {
    }

    private DebianMirror() {
    }

    /**
     * The archive to bootstrap {@code suite} from: a source that lists exactly that suite, else one that
     * lists some release suite (no "-updates"/"-security" part), else {@link #DEFAULT}.
     */
    static String forSuite(Path aptDir, String suite) {
        List<Source> sources = read(aptDir);
        return sources.stream().filter(s -> s.suites().contains(suite)).findFirst()
                .or(() -> sources.stream().filter(s -> s.suites().stream().anyMatch(DebianMirror::isRelease)).findFirst())
                .map(Source::uri)
                .orElse(DEFAULT);
    }

    static List<Source> read(Path aptDir) {
        List<Source> sources = new ArrayList<>();
        Path list = aptDir.resolve("sources.list");
        if (Files.isRegularFile(list)) {
            sources.addAll(parseOneLine(readString(list)));
        }
        Path dir = aptDir.resolve("sources.list.d");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.sorted().toList()) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(".list")) {
                        sources.addAll(parseOneLine(readString(file)));
                    } else if (name.endsWith(".sources")) {
                        sources.addAll(parseDeb822(readString(file)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir, e);
            }
        }
        return sources;
    }

    /** "deb [options] URI suite component..." lines; deb-src and comments are skipped. */
    static List<Source> parseOneLine(String text) {
        List<Source> sources = new ArrayList<>();
        for (String raw : text.lines().toList()) {
            String line = raw.contains("#") ? raw.substring(0, raw.indexOf('#')) : raw;
            line = line.strip();
            if (!line.startsWith("deb ") && !line.startsWith("deb\t")) {
                continue;
            }
            line = line.substring(3).strip();
            if (line.startsWith("[")) {
                int close = line.indexOf(']');
                if (close < 0) {
                    continue;
                }
                line = line.substring(close + 1).strip();
            }
            String[] fields = line.split("\\s+");
            if (fields.length >= 2) {
                sources.add(new Source(trimSlash(fields[0]), List.of(fields[1])));
            }
        }
        return sources;
    }

    /** deb822 stanzas (blank-line separated) with Types, URIs, Suites and an optional Enabled field. */
    static List<Source> parseDeb822(String text) {
        List<Source> sources = new ArrayList<>();
        for (String stanza : text.split("\\n\\s*\\n")) {
            List<String> types = List.of();
            List<String> uris = List.of();
            List<String> suites = List.of();
            boolean enabled = true;
            for (String line : stanza.lines().toList()) {
                if (line.startsWith("#") || !line.contains(":") || Character.isWhitespace(line.charAt(0))) {
                    continue;
                }
                String key = line.substring(0, line.indexOf(':')).strip().toLowerCase();
                List<String> values = Arrays.stream(line.substring(line.indexOf(':') + 1).strip().split("\\s+"))
                        .filter(v -> !v.isEmpty()).toList();
                switch (key) {
                    case "types" -> types = values;
                    case "uris" -> uris = values;
                    case "suites" -> suites = values;
                    case "enabled" -> enabled = !values.contains("no");
                    default -> {
                    }
                }
            }
            if (enabled && types.contains("deb") && !uris.isEmpty() && !suites.isEmpty()) {
                sources.add(new Source(trimSlash(uris.get(0)), suites));
            }
        }
        return sources;
    }

    private static boolean isRelease(String suite) {
        return suite.matches("[a-z]+");
    }

    private static String trimSlash(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
