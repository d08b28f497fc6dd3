package banger.vmm.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Firecracker's Swagger 2.0 API spec (firecracker-api.yaml, copied into test resources) and a validator
 * for JSON values against its {@code definitions}: types, required fields, enums, integer bounds, and
 * no properties the definition does not declare (unless it allows additionalProperties). A null value
 * counts as an absent optional field, as Firecracker's serde deserialiser treats it and as the upstream
 * example configs use it.
 */
final class FirecrackerSpec {

    static final String RESOURCE_DIR = "/banger/vmm/firecracker/";

    private final JsonNode definitions;

    private FirecrackerSpec(JsonNode definitions) {
        this.definitions = definitions;
    }

    static FirecrackerSpec load() {
        try (InputStream in = resource("firecracker-api.yaml")) {
            LoaderOptions options = new LoaderOptions();
            Yaml yaml = new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
                    options, new CoreSchemaResolver());
            JsonNode root = new ObjectMapper().valueToTree(yaml.load(in));
            JsonNode defs = root.path("definitions");
            if (!"2.0".equals(root.path("swagger").asText()) || !defs.isObject() || defs.isEmpty()) {
                throw new IllegalStateException("firecracker-api.yaml is not a Swagger 2.0 spec with definitions");
            }
            return new FirecrackerSpec(defs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * YAML 1.2 core-schema booleans (true/false only): under YAML 1.1 rules the Logger level enum's
     * {@code Off} would read as boolean false. Timestamps stay strings too.
     */
    private static final class CoreSchemaResolver extends Resolver {
        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.BOOL, Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF");
            addImplicitResolver(Tag.INT, INT, "-+0123456789");
            addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
            addImplicitResolver(Tag.MERGE, MERGE, "<");
            addImplicitResolver(Tag.NULL, NULL, "~nN\0");
            addImplicitResolver(Tag.NULL, EMPTY, null);
        }
    }

    static InputStream resource(String name) {
        InputStream in = FirecrackerSpec.class.getResourceAsStream(RESOURCE_DIR + name);
        if (in == null) {
            throw new IllegalStateException("missing test resource " + RESOURCE_DIR + name);
        }
        return in;
    }

    boolean hasDefinition(String name) {
        return definitions.has(name);
    }

    /** Every violation of {@code definition} by {@code value}, each naming its JSON path; empty if valid. */
    List<String> validate(JsonNode value, String definition) {
        List<String> errors = new ArrayList<>();
        check(value, ref("#/definitions/" + definition), "$", errors);
        return errors;
    }

    private JsonNode ref(String ref) {
        String prefix = "#/definitions/";
        if (!ref.startsWith(prefix) || !definitions.has(ref.substring(prefix.length()))) {
            throw new IllegalArgumentException("unresolvable $ref " + ref);
        }
        return definitions.get(ref.substring(prefix.length()));
    }

    private void check(JsonNode value, JsonNode schema, String path, List<String> errors) {
        if (schema.has("$ref")) {
            check(value, ref(schema.get("$ref").asText()), path, errors);
            return;
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> checkObject(value, schema, path, errors);
            case "array" -> {
                if (!value.isArray()) {
                    errors.add(path + ": expected array, got " + value.getNodeType());
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    check(value.get(i), schema.path("items"), path + "[" + i + "]", errors);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    errors.add(path + ": expected string, got " + value.getNodeType());
                } else {
                    checkEnum(value, schema, path, errors);
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    errors.add(path + ": expected integer, got " + value.getNodeType());
                } else {
                    checkBounds(value.decimalValue(), schema, path, errors);
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    errors.add(path + ": expected boolean, got " + value.getNodeType());
                }
            }
            case "" -> {
                // an untyped schema (e.g. additionalProperties: true) accepts any value
            }
            default -> throw new IllegalArgumentException("schema type '" + type + "' at " + path + " is not handled");
        }
    }

    private void checkObject(JsonNode value, JsonNode schema, String path, List<String> errors) {
        if (!value.isObject()) {
            errors.add(path + ": expected object, got " + value.getNodeType());
            return;
        }
        for (JsonNode required : schema.path("required")) {
            JsonNode v = value.get(required.asText());
            if (v == null || v.isNull()) {
                errors.add(path + ": missing required property '" + required.asText() + "'");
            }
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.get("additionalProperties");
        Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String fieldPath = path + "." + field.getKey();
            if (field.getValue().isNull()) {
                // absent optional field; a null required field was reported above
                if (!properties.has(field.getKey()) && additional == null) {
                    errors.add(fieldPath + ": unknown property");
                }
                continue;
            }
            if (properties.has(field.getKey())) {
                check(field.getValue(), properties.get(field.getKey()), fieldPath, errors);
            } else if (additional == null || (additional.isBoolean() && !additional.asBoolean())) {
                errors.add(fieldPath + ": unknown property");
            } else if (additional.isObject()) {
                check(field.getValue(), additional, fieldPath, errors);
            }
        }
    }

    private static void checkEnum(JsonNode value, JsonNode schema, String path, List<String> errors) {
        JsonNode allowed = schema.get("enum");
        if (allowed == null) {
            return;
        }
        for (JsonNode a : allowed) {
            if (a.asText().equals(value.asText())) {
                return;
            }
        }
        errors.add(path + ": '" + value.asText() + "' is not one of " + allowed);
    }

    private static void checkBounds(BigDecimal v, JsonNode schema, String path, List<String> errors) {
        if (schema.has("minimum") && v.compareTo(schema.get("minimum").decimalValue()) < 0) {
            errors.add(path + ": " + v + " is below the minimum " + schema.get("minimum"));
        }
        if (schema.has("maximum") && v.compareTo(schema.get("maximum").decimalValue()) > 0) {
            errors.add(path + ": " + v + " is above the maximum " + schema.get("maximum"));
        }
    }
}
