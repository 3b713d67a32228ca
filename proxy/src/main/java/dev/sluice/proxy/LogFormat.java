// --log-format / log_format: switches the console appender between the text pattern and logback's JsonEncoder.
package dev.sluice.proxy;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON lines use logback's own encoder: one object per event with timestamp, level, thread, logger,
 * formatted message and throwable (not the raw message and arguments, which would repeat it).
 */
final class LogFormat {
    private LogFormat() {
    }

    /** @throws IllegalArgumentException for anything but text or json */
    static void apply(String format) {
        String f = format == null ? "text" : format.strip().toLowerCase(Locale.ROOT);
        if (f.equals("text") || f.isEmpty()) {
            return;
        }
        if (!f.equals("json")) {
            throw new IllegalArgumentException("log_format = " + format + ": expected text or json");
        }
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext ctx)) {
            return; // another SLF4J binding: its own configuration decides
        }
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            switchConsole(ctx, it.next());
        }
    }

    @SuppressWarnings("unchecked")
    private static void switchConsole(LoggerContext ctx, Appender<ILoggingEvent> appender) {
        if (appender instanceof ConsoleAppender<ILoggingEvent> console) {
            JsonEncoder json = new JsonEncoder();
            json.setContext(ctx);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithContext(false);
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithFormattedMessage(true);
            json.start();
            console.stop();
            console.setEncoder(json);
            console.start();
        } else if (appender instanceof AppenderAttachable<?> parent) {
            for (Iterator<? extends Appender<?>> it = parent.iteratorForAppenders(); it.hasNext(); ) {
                switchConsole(ctx, (Appender<ILoggingEvent>) it.next());
            }
        }
    }
}
