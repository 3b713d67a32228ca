// JUnit 5 extension (auto-registered for every test class) that fails a class when Netty reported a ByteBuf leak.
package dev.sluice.proxy.testkit;

import java.util.Iterator;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Netty only logs a leak, after GC, when some later allocation polls its reference queue, so a leak would
 * otherwise pass silently. After each class this forces GC, makes tracked allocations to drain the queue, and
 * throws if {@link LeakRecordingAppender} saw any "LEAK:" report since the class started. Registered through
 * META-INF/services with junit.jupiter.extensions.autodetection.enabled=true.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheckExtension.class);
    private static final String MARK = "leak-mark";

    @Override
    public void beforeAll(ExtensionContext context) {
        ensureAppenderAttached();
        context.getStore(NS).put(MARK, LeakRecordingAppender.mark());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        Integer mark = context.getStore(NS).get(MARK, Integer.class);
        drainLeakReports();
        List<String> leaks = LeakRecordingAppender.recordsSince(mark == null ? 0 : mark);
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) reported while running "
                    + context.getDisplayName() + ":\n\n" + String.join("\n\n", leaks));
        }
    }

    /** Collects unreachable buffers and triggers Netty's reference-queue poll, which is what logs "LEAK:". */
    public static void drainLeakReports() throws InterruptedException {
        ResourceLeakDetector.Level previous = ResourceLeakDetector.getLevel();
        // Paranoid makes every allocation poll the queue; restored after so the configured level still rules.
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try {
            for (int round = 0; round < 3; round++) {
                System.gc();
                // The reference handler thread enqueues collected refs asynchronously.
                Thread.sleep(40);
                for (int i = 0; i < 16; i++) {
                    ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(64);
                    b.release();
                }
            }
        } finally {
            ResourceLeakDetector.setLevel(previous);
        }
    }

    /** A logback config without the leak appender must not silently disable the check. */
    private static void ensureAppenderAttached() {
        if (!(LoggerFactory.getLogger(LeakRecordingAppender.LEAK_LOGGER) instanceof Logger logger)) {
            throw new IllegalStateException("LeakCheckExtension needs logback as the SLF4J backend");
        }
        synchronized (LeakCheckExtension.class) {
            if (!logger.isErrorEnabled()) {
                logger.setLevel(Level.ERROR);
            }
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof LeakRecordingAppender) {
                    return;
                }
            }
            LeakRecordingAppender appender = new LeakRecordingAppender();
            appender.setContext(logger.getLoggerContext());
            appender.setName("sluice-leak-check");
            appender.start();
            logger.addAppender(appender);
        }
    }
}
