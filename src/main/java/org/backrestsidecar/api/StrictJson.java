package org.backrestsidecar.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;

/**
 * The API reads a body as it is written, or refuses it: an unknown or misspelt field ("dryrun"), a
 * field given twice, a string where a boolean or a number belongs ("dryRun": "yes", even "true"), or
 * anything after the JSON value is a 400 naming it ({@link ErrorMappers}), before anything is
 * touched. The rest of the sidecar keeps the lenient mapper: restic's and Backrest's answers carry
 * fields we do not read.
 */
@Provider
public class StrictJson implements ContextResolver<ObjectMapper> {
    private final ObjectMapper strict;

    @SuppressWarnings("deprecation") // MapperFeature on a copy: the builder would lose Quarkus's modules
    public StrictJson(ObjectMapper lenient) {
        this.strict = lenient.copy()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        // a number or a boolean where a name belongs ("target": 7) is not read as its text either
        strict.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }

    @Override
    public ObjectMapper getContext(Class<?> type) {
        return strict;
    }
}
