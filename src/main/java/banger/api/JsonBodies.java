package banger.api;

import banger.core.Rejection;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import org.apache.pekko.util.ByteString;

/** Reads a request body strictly, turning Jackson's failures into 400s that name the offending field. */
final class JsonBodies {

    private JsonBodies() {
    }

    static <T> T parse(ObjectMapper mapper, ByteString body, Class<T> type) {
        if (body.isEmpty()) {
            throw ApiProblem.invalid("a JSON body is required");
        }
        T value;
        try {
            value = mapper.readValue(body.toArray(), type);
        } catch (UnrecognizedPropertyException e) {
            String field = path(e);
            throw new ApiProblem(Rejection.Reason.INVALID_REQUEST, "unknown field \"" + field + "\"",
                    Map.of("field", field));
        } catch (MismatchedInputException e) {
            String field = path(e);
            if (field.isEmpty()) {
                throw ApiProblem.invalid("the body must be a JSON object");
            }
            throw ApiProblem.invalidField(field, "must be " + describe(e.getTargetType()));
        } catch (JsonMappingException e) {
            String field = path(e);
            throw field.isEmpty()
                    ? ApiProblem.invalid("invalid body: " + e.getOriginalMessage())
                    : ApiProblem.invalidField(field, "invalid value: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw ApiProblem.invalid("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiProblem.invalid("unreadable body: " + e.getMessage());
        }
        if (value == null) {
            throw ApiProblem.invalid("the body must be a JSON object");
        }
        return value;
    }

    /** The JSON path of the failure, e.g. {@code labels.env} or {@code argv[1]}. */
    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }
}
