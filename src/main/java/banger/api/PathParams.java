package banger.api;

import java.util.Map;

/** The values of one request's path parameters, by the names in its endpoint's template ({@code {ref}} → "ref"). */
record PathParams(Map<String, String> values) {

    static final PathParams NONE = new PathParams(Map.of());

    PathParams {
        values = Map.copyOf(values);
    }

    /** The decoded value of {@code {name}}; asking for a name the template does not have is a programming error. */
    String get(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no path parameter {" + name + "} in this route; it has "
                    + values.keySet());
        }
        return value;
    }
}
