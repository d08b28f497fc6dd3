package banger.api;

/**
 * One (method, path template) the API serves, e.g. ("GET", "/v1/vms/{ref}"). {@link ApiServer} builds the
 * router from these (one {@link Endpoint} each) and the OpenAPI test compares them with the document.
 */
public record ApiRoute(String method, String template) {

    @Override
    public String toString() {
        return method + " " + template;
    }
}
