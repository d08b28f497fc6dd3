package banger.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.vm.VmNames;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeneratedVmNamesTest {

    @Test
    void generatedNamesAreTwoWordDnsLabelsNotTakenYet() {
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < 3000; i++) {
            String name = GeneratedVmNames.pick(taken);
            assertTrue(VmNames.valid(name), name);
            assertTrue(name.matches("[a-z]+-[a-z]+(-\\d+)?"), name);
            assertFalse(taken.contains(name), "unique: " + name);
            taken.add(name);
        }
    }
}
