package banger.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's packages form one direction (docs/ARCHITECTURE.md, "Packages"): a package may import only
 * packages on a lower layer, never one on its own layer or above; the CLI is a pure HTTP client.
 */
class PackageDirectionTest {

    /** Top to bottom. Packages on one line are siblings and may not import each other. */
    static final List<List<String>> LAYERS = List.of(
            List.of("launcher"),
            List.of("daemon", "cli"),
            List.of("api"),
            List.of("doctor", "metrics"),
            List.of("operation"),
            List.of("exec", "session", "workspace", "forward"),
            List.of("vm"),
            List.of("image"),
            List.of("guest"),
            List.of("network"),
            List.of("vmm"),
            List.of("storage"),
            List.of("host"),
            List.of("core"),
            List.of("persistence", "wire"),
            List.of("fault"));

    static final Map<String, Integer> RANK = IntStream.range(0, LAYERS.size()).boxed()
            .flatMap(i -> LAYERS.get(i).stream().map(p -> Map.entry(p, i)))
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));

    private static JavaClasses server;

    @BeforeAll
    static void importClasses() {
        server = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("banger");
    }

    /** The first package segment under banger, e.g. "vmm" for banger.vmm.qemu.QemuVmm. */
    static Optional<String> topPackage(JavaClass c) {
        String name = c.getPackageName();
        if (!name.startsWith("banger.")) {
            return Optional.empty();
        }
        String rest = name.substring("banger.".length());
        int dot = rest.indexOf('.');
        return Optional.of(dot < 0 ? rest : rest.substring(0, dot));
    }

    static ArchCondition<JavaClass> importOnlyDownwards() {
        return new ArchCondition<>("import only packages on a lower layer") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                String from = topPackage(item).orElseThrow();
                for (Dependency d : item.getDirectDependenciesFromSelf()) {
                    Optional<String> to = topPackage(d.getTargetClass());
                    if (to.isEmpty() || to.get().equals(from)) {
                        continue;
                    }
                    Integer fromRank = RANK.get(from);
                    Integer toRank = RANK.get(to.get());
                    if (fromRank == null || toRank == null || toRank <= fromRank) {
                        events.add(SimpleConditionEvent.violated(d, from + " -> " + to.get() + ": "
                                + d.getDescription()));
                    }
                }
            }
        };
    }

    @Test
    void everyServerPackageIsOnALayer() {
        classes().should(new ArchCondition<>("live in a package listed in LAYERS") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                topPackage(item).filter(p -> !RANK.containsKey(p)).ifPresent(p -> events.add(
                        SimpleConditionEvent.violated(item, item.getName() + " is in unlisted package " + p)));
            }
        }).check(server);
    }

    @Test
    void packagesImportOnlyDownwards() {
        ArchRule rule = classes().that().resideInAPackage("banger..").should(importOnlyDownwards());
        rule.check(server);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("banger.(*)..").should().beFreeOfCycles().check(server);
    }

    @Test
    void cliImportsNoServerPackage() {
        classes().that().resideInAPackage("banger.cli..").should().onlyDependOnClassesThat()
                .resideOutsideOfPackage("banger..").orShould().onlyDependOnClassesThat(
                        com.tngtech.archunit.base.DescribedPredicate.describe("banger.cli, banger.wire or libraries",
                                (JavaClass c) -> !c.getPackageName().startsWith("banger.")
                                        || c.getPackageName().startsWith("banger.cli")
                                        || c.getPackageName().startsWith("banger.wire")))
                .check(server);
    }
}
