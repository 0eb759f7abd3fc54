package dev.keyway.dist;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module layering from docs/architecture.md, enforced: dependencies point inward. */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.keyway");
    }

    @Test
    void coreDoesNoNetworkOrDatabaseIo() {
        noClasses().that().resideInAPackage("dev.keyway.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "java.sql..", "java.net.http..",
                        "dev.keyway.store..", "dev.keyway.proxy..", "dev.keyway.server..", "dev.keyway.cli..")
                .check(classes);
    }

    @Test
    void storeKnowsNothingAboutHttp() {
        noClasses().that().resideInAPackage("dev.keyway.store..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "dev.keyway.proxy..", "dev.keyway.server..",
                        "dev.keyway.cli..")
                .check(classes);
    }

    @Test
    void proxyKnowsNothingAboutVaultsOrTheDatabase() {
        noClasses().that().resideInAPackage("dev.keyway.proxy..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "dev.keyway.store..", "dev.keyway.server..",
                        "dev.keyway.cli..")
                .check(classes);
    }

    @Test
    void proxySpiIsPlainJava() {
        noClasses().that().resideInAPackage("dev.keyway.proxy.spi..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "dev.keyway.proxy.internal..")
                .check(classes);
    }

    @Test
    void serverDoesNotDependOnTheCli() {
        noClasses().that().resideInAPackage("dev.keyway.server..")
                .should().dependOnClassesThat().resideInAPackage("dev.keyway.cli..")
                .check(classes);
    }

    /**
     * The CLI talks HTTP to the server: its code may use keyway-core, picocli, Jackson and the JDK,
     * nothing else ({@code keyway server} is assembled in {@code dev.keyway.dist}). Its pom has
     * keyway-server in test scope only, for tests that start a server in-process.
     */
    @Test
    void cliDependsOnCoreOnly() {
        classes().that().resideInAPackage("dev.keyway.cli..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.keyway.cli..", "dev.keyway.core..", "picocli..",
                        "tools.jackson..", "com.fasterxml.jackson.annotation..", "org.jspecify..", "java..", "javax..", "jdk..",
                        "sun.misc..") // jdk.unsupported: keyway run forwards signals to the child
                .check(classes);
    }

    @Test
    void bouncyCastleOnlyForCertificatesAndArgon2() {
        noClasses().that().resideOutsideOfPackages("dev.keyway.proxy.tls..", "dev.keyway.core.crypto..")
                .should().dependOnClassesThat().resideInAPackage("org.bouncycastle..")
                .check(classes);
    }
}
