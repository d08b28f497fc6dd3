package banger.vm;

import banger.core.Rejected;
import banger.core.Rejection;
import java.util.regex.Pattern;

/** VM names are lowercase DNS labels, so they can be resolved as {@code <name>.<domain>}. */
public final class VmNames {

    private static final Pattern LABEL = Pattern.compile("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$");

    private VmNames() {
    }

    public static boolean valid(String name) {
        return name != null && LABEL.matcher(name).matches();
    }

    public static void requireValid(String name) {
        if (!valid(name)) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, "invalid VM name '" + name
                    + "': use a lowercase DNS label (a-z, 0-9, '-', starting with a letter, at most 63 characters)");
        }
    }
}
