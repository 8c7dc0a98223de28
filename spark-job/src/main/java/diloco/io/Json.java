package diloco.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** JSON through Jackson (already on every Spark classpath). */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    public static String line(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String pretty(Object value) {
        try {
            return PRETTY.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Map<String, Object> parseObject(String json) throws IOException {
        return MAPPER.readValue(json, new TypeReference<Map<String, Object>>() {});
    }

    /** A JSON array of objects. */
    public static java.util.List<Map<String, Object>> parseList(String json) throws IOException {
        return MAPPER.readValue(json, new TypeReference<java.util.List<Map<String, Object>>>() {});
    }

    /** {@link #parseObject} for JSON this program wrote itself. */
    public static Map<String, Object> parseObjectUnchecked(String json) {
        try {
            return parseObject(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
