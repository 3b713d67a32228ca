// JUnit 5 extension: starts the shared test PostgreSQL cluster before a class runs and injects PgCluster parameters.
package dev.sluice.proxy.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Use with {@code @ExtendWith(PgClusterExtension.class)}; then a test or lifecycle method may declare a
 * {@link PgCluster} parameter. Starting in beforeAll makes a broken cluster fail the class once, up front,
 * instead of in every test.
 */
public final class PgClusterExtension implements BeforeAllCallback, ParameterResolver {

    @Override
    public void beforeAll(ExtensionContext context) {
        PgCluster.get();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == PgCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return PgCluster.get();
    }

    /** Skips the calling test unless the cluster is private (stop/start/restart allowed). */
    public static void assumeControllable() {
        PgCluster.assumeControllable();
    }
}
