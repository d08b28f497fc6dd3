package banger.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * A path template such as {@code /v1/vms/{ref}/sessions/{sid}} as a pekko-http directive: literal segments
 * match exactly, each {@code {name}} matches one (decoded) segment, and nothing may follow the last segment.
 */
final class PathTemplate extends AllDirectives {

    private static final Pattern PARAM = Pattern.compile("\\{([a-z][a-z_]*)}");
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._~-]+");

    private final String template;
    /** Per segment: the parameter's name, or null for a literal segment. */
    private final List<String> params;
    private final List<String> segments;

    private PathTemplate(String template, List<String> segments, List<String> params) {
        this.template = template;
        this.segments = segments;
        this.params = params;
    }

    static PathTemplate parse(String template) {
        if (!template.startsWith("/") || template.length() == 1 || template.endsWith("/")) {
            throw new IllegalArgumentException("a path template is /segment[/segment...]: " + template);
        }
        List<String> segments = List.of(template.substring(1).split("/", -1));
        List<String> params = new ArrayList<>();
        for (String segment : segments) {
            Matcher param = PARAM.matcher(segment);
            if (param.matches()) {
                if (params.contains(param.group(1))) {
                    throw new IllegalArgumentException("path parameter {" + param.group(1) + "} twice in " + template);
                }
                params.add(param.group(1));
            } else if (LITERAL.matcher(segment).matches()) {
                params.add(null);
            } else {
                throw new IllegalArgumentException("bad segment \"" + segment + "\" in " + template);
            }
        }
        return new PathTemplate(template, segments, params);
    }

    /** Matches the whole remaining path against the template and gives {@code inner} the parameters' values. */
    Route route(Function<PathParams, Route> inner) {
        return match(0, List.of(), inner);
    }

    private Route match(int index, List<String> values, Function<PathParams, Route> inner) {
        if (index == segments.size()) {
            return pathEnd(() -> inner.apply(bind(values)));
        }
        if (params.get(index) == null) {
            return pathPrefix(segments.get(index), () -> match(index + 1, values, inner));
        }
        return pathPrefix(PathMatchers.segment(), value -> {
            List<String> more = new ArrayList<>(values);
            more.add(value);
            return match(index + 1, more, inner);
        });
    }

    private PathParams bind(List<String> values) {
        if (values.isEmpty()) {
            return PathParams.NONE;
        }
        Map<String, String> named = new HashMap<>();
        int next = 0;
        for (String name : params) {
            if (name != null) {
                named.put(name, values.get(next++));
            }
        }
        return new PathParams(named);
    }

    @Override
    public String toString() {
        return template;
    }
}
