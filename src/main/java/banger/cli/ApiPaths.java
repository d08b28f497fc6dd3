package banger.cli;

/** The routes of API.md, in one place. */
final class ApiPaths {

    static final String VMS = "/v1/vms";
    static final String IMAGES = "/v1/images";
    static final String IMAGE_BOOTSTRAP = "/v1/images/bootstrap";
    static final String IMAGE_PULL = "/v1/images/pull";
    static final String EVENTS = "/v1/events";
    static final String DOCTOR = "/v1/doctor";
    static final String OPERATIONS = "/v1/operations";

    private ApiPaths() {
    }

    /** {@code ref} is a VM name or id. */
    static String vm(String ref) {
        return VMS + "/" + ApiClient.segment(ref);
    }

    static String image(String name) {
        return IMAGES + "/" + ApiClient.segment(name);
    }

    static String operation(String id) {
        return OPERATIONS + "/" + ApiClient.segment(id);
    }

    /** start, stop, restart, kill, console, history, exec. */
    static String vm(String ref, String action) {
        return vm(ref) + "/" + action;
    }
}
