package banger.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.wire.PatchVmRequest;
import org.junit.jupiter.api.Test;

/** A PATCH's expiry fields are checked before any part of it is applied. */
class ExpiryPatchValidationTest {

    private final RequestValidation validation = new RequestValidation(ApiSettings.fromConfig(ApiFixture.config("")));

    private static PatchVmRequest patch(Integer ttl, Integer idle, String action) {
        return new PatchVmRequest(2, null, null, null, null, ttl, idle, action);
    }

    @Test
    void badExpiryRulesAreRefusedAndGoodOnesPass() {
        assertDoesNotThrow(() -> validation.patch(patch(null, null, "suspend")), "suspend is an expiry action");
        assertThrows(ApiProblem.class, () -> validation.patch(patch(-5, null, null)));
        ApiProblem unknown = assertThrows(ApiProblem.class, () -> validation.patch(patch(null, null, "explode")));
        assertTrue(unknown.getMessage().contains("stop, delete or suspend"), unknown.getMessage());
        assertDoesNotThrow(() -> validation.patch(patch(600, 0, "delete")));
        assertDoesNotThrow(() -> validation.patch(new PatchVmRequest(null, null, null, null, null, 30, null, null)),
                "an expiry field alone is a change");
    }
}
