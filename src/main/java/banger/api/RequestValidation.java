package banger.api;

import banger.wire.CreateVmRequest;
import banger.wire.PatchVmRequest;
import banger.vm.LabelLimits;
import banger.vm.VmDefaults;
import banger.vm.VmExpiry;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks request bodies at the edge, against the configured limits, before anything reaches the daemon. */
final class RequestValidation {

    static final Pattern DNS_LABEL = Pattern.compile("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$");
    static final Pattern LABEL_KEY = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$");
    private static final Pattern IMAGE_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$");
    private static final int MAX_LABEL_VALUE = 255;
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("^[\\x21-\\x7e]{1,255}$");

    private final int maxVcpus;
    private final int maxMemoryMib;
    private final int maxDiskMib;
    private final Duration maxExecTimeout;

    RequestValidation(ApiSettings settings) {
        this.maxVcpus = settings.maxVcpus();
        this.maxMemoryMib = settings.maxMemoryMib();
        this.maxDiskMib = settings.maxDiskMib();
        this.maxExecTimeout = settings.execMaxTimeout();
    }

    /** A create without a name gets a generated one after these checks. */
    void create(CreateVmRequest r) {
        if (r.name() != null) {
            dnsLabel("name", r.name());
        }
        if (r.image() != null && !IMAGE_NAME.matcher(r.image()).matches()) {
            throw ApiProblem.invalidField("image", "not a valid image name");
        }
        sizes(r.vcpus(), r.memoryMib(), r.diskMib());
        labels(r.labels());
        if (r.labels() != null) {
            LabelLimits.check(r.labels());
        }
    }

    /** An Idempotency-Key header: 1 to 255 visible ASCII characters. */
    String idempotencyKey(String key) {
        if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw ApiProblem.invalidField("Idempotency-Key", "must be 1 to 255 visible ASCII characters");
        }
        return key;
    }

    void patch(PatchVmRequest r) {
        if (r.vcpus() == null && r.memoryMib() == null && r.diskMib() == null && r.labels() == null
                && r.egress() == null && !VmExpiry.mentionedIn(r)) {
            throw ApiProblem.invalid("nothing to change: give vcpus, memory_mib, disk_mib, labels, egress, ttl_s, "
                    + "idle_timeout_s or on_expiry");
        }
        sizes(r.vcpus(), r.memoryMib(), r.diskMib());
        labels(r.labels());
        try {
            // checked before anything changes, so a PATCH never applies half of itself for a bad expiry rule
            VmExpiry.NONE.patched(r);
        } catch (banger.core.Rejected bad) {
            throw ApiProblem.invalidField(String.valueOf(bad.rejection().details().get("field")), bad.getMessage());
        }
    }

    void exec(ExecRequest r) {
        if (r.argv() == null || r.argv().isEmpty()) {
            throw ApiProblem.invalidField("argv", "required: the command and its arguments");
        }
        for (int i = 0; i < r.argv().size(); i++) {
            if (r.argv().get(i) == null) {
                throw ApiProblem.invalidField("argv[" + i + "]", "must be a string");
            }
        }
        if (r.argv().get(0).isEmpty()) {
            throw ApiProblem.invalidField("argv[0]", "the command must not be empty");
        }
        if (r.timeoutS() != null && (r.timeoutS() < 1 || r.timeoutS() > maxExecTimeout.toSeconds())) {
            throw ApiProblem.invalidField("timeout_s", "must be between 1 and " + maxExecTimeout.toSeconds());
        }
    }

    void bootstrap(BootstrapImageRequest r) {
        if (r.preset() == null) {
            throw ApiProblem.invalidField("preset", "required");
        }
        dnsLabel("preset", r.preset());
        if (r.name() == null) {
            throw ApiProblem.invalidField("name", "required");
        }
        dnsLabel("name", r.name());
    }

    static void dnsLabel(String field, String value) {
        if (!DNS_LABEL.matcher(value).matches()) {
            throw ApiProblem.invalidField(field, "must be a lowercase DNS label (a-z, 0-9, '-', at most 63,"
                    + " starting with a letter, not ending with '-'), got \"" + printable(value) + "\"");
        }
    }

    private void sizes(Integer vcpus, Integer memoryMib, Integer diskMib) {
        range("vcpus", vcpus, 1, maxVcpus);
        range("memory_mib", memoryMib, VmDefaults.MIN_MEMORY_MIB, maxMemoryMib);
        range("disk_mib", diskMib, VmDefaults.MIN_DISK_MIB, maxDiskMib);
    }

    private static void range(String field, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            throw ApiProblem.invalidField(field, "must be between " + min + " and " + max + ", got " + value);
        }
    }

    private static void labels(Map<String, String> labels) {
        if (labels == null) {
            return;
        }
        labels.forEach((key, value) -> {
            if (!LABEL_KEY.matcher(key).matches()) {
                throw ApiProblem.invalidField("labels", "invalid label key \"" + printable(key) + "\"");
            }
            if (value == null || value.length() > MAX_LABEL_VALUE || value.chars().anyMatch(Character::isISOControl)) {
                throw ApiProblem.invalidField("labels." + key,
                        "must be a string of at most " + MAX_LABEL_VALUE + " printable characters");
            }
        });
    }

    /** Echoes user input in messages without control characters and at a bounded length. */
    private static String printable(String s) {
        String cleaned = s.codePoints().filter(c -> !Character.isISOControl(c))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return cleaned.length() > 80 ? cleaned.substring(0, 80) + "..." : cleaned;
    }
}
