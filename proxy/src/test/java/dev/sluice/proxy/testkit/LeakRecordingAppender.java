// Logback appender that records Netty ResourceLeakDetector "LEAK:" reports so LeakCheckExtension can fail tests.
package dev.sluice.proxy.testkit;

import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

/**
 * Attached to logger {@value #LEAK_LOGGER} by logback-test.xml (and by {@link LeakCheckExtension} if a config
 * forgot it). Records live in one static list, because logback instantiates the appender itself and the
 * extension must see records from any instance.
 */
public final class LeakRecordingAppender extends AppenderBase<ILoggingEvent> {

    public static final String LEAK_LOGGER = "io.netty.util.ResourceLeakDetector";

    private static final List<String> RECORDS = new ArrayList<>();

    @Override
    protected void append(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.ERROR)
                && event.getLoggerName().equals(LEAK_LOGGER)
                && event.getFormattedMessage() != null
                && event.getFormattedMessage().contains("LEAK:")) {
            synchronized (RECORDS) {
                RECORDS.add(event.getFormattedMessage());
            }
        }
    }

    /** A position to pass to {@link #recordsSince(int)} later. */
    public static int mark() {
        synchronized (RECORDS) {
            return RECORDS.size();
        }
    }

    public static List<String> recordsSince(int mark) {
        synchronized (RECORDS) {
            return List.copyOf(RECORDS.subList(Math.min(mark, RECORDS.size()), RECORDS.size()));
        }
    }
}
