package banger.api;

import banger.core.Rejection;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The error codes the API layer itself answers with, beyond the domain's {@link Rejection.Reason} codes. With
 * those they are every {@code error.code} a client can see ({@link #all()}); the OpenAPI test holds the
 * document's enum to that set.
 */
public enum ApiErrorCode {
    UNAUTHORIZED(401),
    FORBIDDEN(403),
    METHOD_NOT_ALLOWED(405),
    NOT_ACCEPTABLE(406),
    UNSUPPORTED_MEDIA_TYPE(415),
    /** A WebSocket route asked without the upgrade. */
    UPGRADE_REQUIRED(426),
    INTERNAL(500);

    final int status;

    ApiErrorCode(int status) {
        this.status = status;
    }

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every error code the API can answer with: the domain's refusals and the API's own. */
    public static Set<String> all() {
        Set<String> codes = new TreeSet<>();
        Arrays.stream(Rejection.Reason.values()).map(Rejection.Reason::code).forEach(codes::add);
        Arrays.stream(values()).map(ApiErrorCode::code).forEach(codes::add);
        return codes;
    }
}
