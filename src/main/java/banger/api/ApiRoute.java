package banger.api;

/**
 * One (method, path template) the API serves, e.g. ("GET", "/v1/vms/{ref}"). The route table in
 * {@link HttpApi} builds the router from these and the OpenAPI test compares them with the document.
 */
public record ApiRoute(String method, String template) {

    @Override
    public String toString() {
        return method + " " + template;
    }
}
