// Test utility: captures log lines of a logger (and its children) so tests can assert what was or was not logged.
package dev.sluice.proxy.testkit;

import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

/**
 * {@code try (LogCapture log = LogCapture.start("dev.sluice")) { ...; assertThat(log.lines()).anyMatch(...); }}
 * Lines read "LEVEL logger - message" followed by any throwable's class, message and frames, so a secret that
 * slipped into an exception message is caught by {@link #assertNoSecretIn(List, String)} too.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final Level previousLevel;
    private final Capturer appender;

    private LogCapture(Logger logger, Level level) {
        this.logger = logger;
        this.previousLevel = logger.getLevel();
        if (level != null) {
            logger.setLevel(level);
        }
        this.appender = new Capturer();
        appender.setContext(logger.getLoggerContext());
        appender.setName("sluice-log-capture-" + System.identityHashCode(this));
        appender.start();
        logger.addAppender(appender);
    }

    /** Captures at the level logback is already configured with for {@code loggerName}. */
    public static LogCapture start(String loggerName) {
        return start(loggerName, null);
    }

    /** Captures with the logger temporarily set to {@code level} (e.g. DEBUG); close() restores it. */
    public static LogCapture start(String loggerName, Level level) {
        if (!(LoggerFactory.getLogger(loggerName) instanceof Logger logger)) {
            throw new IllegalStateException("LogCapture needs logback as the SLF4J backend");
        }
        return new LogCapture(logger, level);
    }

    public List<String> lines() {
        synchronized (appender.lines) {
            return List.copyOf(appender.lines);
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
        logger.setLevel(previousLevel);
    }

    /** Fails if any line contains {@code secret}; the message names the line number, not the secret. */
    public static void assertNoSecretIn(List<String> lines, String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("secret must be non-empty");
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(secret)) {
                // Print the line with the secret masked, so the failure report does not leak it either.
                throw new AssertionError("log line " + i + " contains a secret: " + lines.get(i).replace(secret, "*****"));
            }
        }
    }

    private static final class Capturer extends AppenderBase<ILoggingEvent> {
        private final List<String> lines = new ArrayList<>();

        @Override
        protected void append(ILoggingEvent e) {
            StringBuilder sb = new StringBuilder()
                    .append(e.getLevel()).append(' ').append(e.getLoggerName()).append(" - ").append(e.getFormattedMessage());
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                sb.append("\n").append(t.getClassName()).append(": ").append(t.getMessage());
                for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                    sb.append("\n\tat ").append(frame.getStackTraceElement());
                }
            }
            synchronized (lines) {
                lines.add(sb.toString());
            }
        }
    }
}
