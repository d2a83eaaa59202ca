package org.backrestsidecar.api;

import java.util.Collection;
import java.util.Map;

/** What a Java type of a request's field is, in the words of the JSON a caller writes. */
final class BodyTypes {
    private BodyTypes() {
    }

    static String described(Class<?> type) {
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.toString(type.getEnumConstants());
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord() || !type.getName().startsWith("java.")) {
            return "a JSON object";
        }
        return "a " + type.getSimpleName();
    }
}
