package banger.vm;

/** A VM's start failed in the named step; the step's name goes into the VM's history with the reason. */
public final class LaunchStepFailed extends RuntimeException {

    private final String step;

    public LaunchStepFailed(String step, Throwable cause) {
        super(messageOf(cause), cause);
        this.step = step;
    }

    public String step() {
        return step;
    }

    private static String messageOf(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
}
