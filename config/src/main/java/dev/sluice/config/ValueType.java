// The kinds of setting values: how each is parsed from ini text, range-checked and printed back.
package dev.sluice.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A value kind for {@link Setting}s. Parsing and range failures throw
 * {@link IllegalArgumentException} whose message is only the "expected ..." part; callers that
 * know the file, line or environment variable wrap it into a {@link ConfigException}.
 *
 * @param <T> the Java type of the value
 */
public final class ValueType<T> {
    private static final BigDecimal NANOS_PER_MILLI = BigDecimal.valueOf(1_000_000L);
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private final Class<?> javaType;
    private final Function<String, T> parser;
    private final Predicate<T> inRange;
    private final String expected;
    private final Function<T, String> formatter;

    private ValueType(Class<?> javaType, Function<String, T> parser, Predicate<T> inRange,
            String expected, Function<T, String> formatter) {
        this.javaType = javaType;
        this.parser = parser;
        this.inRange = inRange;
        this.expected = expected;
        this.formatter = formatter;
    }

    /**
     * A 32-bit integer within {@code min..max}, both inclusive, in C's {@code strtol(..., 0)} forms as
     * PgBouncer reads them: decimal, {@code 0x1F} hexadecimal, and a leading 0 for octal ({@code 0777}).
     */
    public static ValueType<Integer> integer(int min, int max) {
        String expected = "expected an integer in " + min + ".." + max;
        return new ValueType<>(Integer.class, text -> {
            try {
                long v = parseCInteger(text.trim());
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(expected);
                }
                return (int) v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(expected);
            }
        }, v -> v >= min && v <= max, expected, String::valueOf);
    }

    private static long parseCInteger(String t) {
        boolean negative = t.startsWith("-");
        String digits = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
        int radix = 10;
        if (digits.startsWith("0x") || digits.startsWith("0X")) {
            radix = 16;
            digits = digits.substring(2);
        } else if (digits.length() > 1 && digits.startsWith("0")) {
            radix = 8;
            digits = digits.substring(1);
        }
        if (digits.isEmpty() || digits.startsWith("-") || digits.startsWith("+")) {
            throw new NumberFormatException(t);
        }
        long v = Long.parseLong(digits, radix);
        return negative ? -v : v;
    }

    /** A decimal fraction within {@code 0..1}, such as 0.8 for 80%. */
    public static ValueType<Double> ratio() {
        String expected = "expected a fraction in 0..1 (e.g. 0.8)";
        return new ValueType<>(Double.class, text -> {
            try {
                return Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(expected);
            }
        }, v -> v >= 0 && v <= 1, expected, String::valueOf);
    }

    /** A boolean in any of PgBouncer's spellings: 0/1, true/false, yes/no, on/off. */
    public static ValueType<Boolean> bool() {
        String expected = "expected a boolean (1/0, true/false, yes/no, on/off)";
        return new ValueType<>(Boolean.class, text -> {
            switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "1": case "true": case "yes": case "on":
                    return true;
                case "0": case "false": case "no": case "off":
                    return false;
                default:
                    throw new IllegalArgumentException(expected);
            }
        }, v -> true, expected, String::valueOf);
    }

    /** Any text, kept as written (trimmed). */
    public static ValueType<String> string() {
        return new ValueType<>(String.class, String::trim, v -> true, "expected text", v -> v);
    }

    /** A file path or other optional text where an empty value means "not set" (null). */
    public static ValueType<String> optionalString() {
        return new ValueType<>(String.class, text -> text.isBlank() ? null : text.trim(),
                v -> true, "expected text", v -> v == null ? "" : v);
    }

    /** A comma-separated list of names; blanks around commas and empty items are dropped. */
    public static ValueType<List<String>> list() {
        return new ValueType<>(List.class, ValueType::splitList, v -> true,
                "expected a comma-separated list", v -> String.join(",", v));
    }

    /**
     * A non-negative duration. A bare number is in {@code bareUnit} (seconds for most PgBouncer
     * settings, milliseconds for tcp_user_timeout) and may be fractional; as our extension a number
     * may carry a unit: ms, s, min, h or d ("500ms", "1.5h").
     */
    public static ValueType<Duration> duration(ChronoUnit bareUnit) {
        if (bareUnit != ChronoUnit.SECONDS && bareUnit != ChronoUnit.MILLIS) {
            throw new IllegalArgumentException("bare durations are in seconds or milliseconds");
        }
        String bareName = bareUnit == ChronoUnit.SECONDS ? "seconds (e.g. 30 or 0.5)" : "milliseconds (e.g. 30000)";
        String expected = "expected a duration in " + bareName + ", or with a unit: ms, s, min, h, d (e.g. 500ms, 1h)";
        return new ValueType<>(Duration.class, text -> parseDuration(text, bareUnit, expected),
                v -> !v.isNegative(), expected, v -> formatDuration(v, bareUnit));
    }

    /** An enum parsed by its own {@code parse} method, whose exception message is kept. */
    public static <E extends Enum<E>> ValueType<E> enumeration(Class<E> type, Function<String, E> parse) {
        String words = String.join(", ", Arrays.stream(type.getEnumConstants()).map(Object::toString).toList());
        return new ValueType<>(type, parse, v -> true, "expected one of " + words, Object::toString);
    }

    /**
     * Parses ini text and checks the range.
     *
     * @throws IllegalArgumentException whose message says what was expected
     */
    public T parse(String text) {
        T value = parser.apply(text == null ? "" : text);
        return check(value);
    }

    /**
     * Checks a value set from code or parsed from text.
     *
     * @throws IllegalArgumentException with the "expected ..." message when out of range or of the wrong type
     */
    public T check(T value) {
        if (value != null && (!javaType.isInstance(value) || !inRange.test(value))) {
            throw new IllegalArgumentException(expected);
        }
        return value;
    }

    /** What a valid value looks like, e.g. "expected an integer in 1..100000". */
    public String expected() {
        return expected;
    }

    /** Prints a value the way it would be written in an ini file (used by SHOW CONFIG). */
    public String format(T value) {
        return value == null ? "" : formatter.apply(value);
    }

    private static List<String> splitList(String text) {
        List<String> items = new ArrayList<>();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return Collections.unmodifiableList(items);
    }

    private static Duration parseDuration(String text, ChronoUnit bareUnit, String expected) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int split = 0;
        while (split < t.length() && (Character.isDigit(t.charAt(split)) || t.charAt(split) == '.'
                || (split == 0 && (t.charAt(0) == '-' || t.charAt(0) == '+')))) {
            split++;
        }
        String unit = t.substring(split).trim();
        BigDecimal nanosPerUnit;
        switch (unit) {
            case "": nanosPerUnit = unitNanos(bareUnit); break;
            case "ms": nanosPerUnit = NANOS_PER_MILLI; break;
            case "s": nanosPerUnit = unitNanos(ChronoUnit.SECONDS); break;
            case "min": nanosPerUnit = unitNanos(ChronoUnit.MINUTES); break;
            case "h": nanosPerUnit = unitNanos(ChronoUnit.HOURS); break;
            case "d": nanosPerUnit = unitNanos(ChronoUnit.DAYS); break;
            default: throw new IllegalArgumentException(expected);
        }
        try {
            // BigDecimal keeps "0.1" exact; doubles would turn it into 99999999ns.
            BigDecimal nanos = new BigDecimal(t.substring(0, split)).multiply(nanosPerUnit);
            if (nanos.compareTo(MAX_NANOS) > 0) {
                throw new IllegalArgumentException(expected);
            }
            return Duration.ofNanos(nanos.longValue());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(expected);
        }
    }

    private static BigDecimal unitNanos(ChronoUnit unit) {
        return BigDecimal.valueOf(unit.getDuration().toNanos());
    }

    /** Prints in the bare unit, so the output can be pasted back into a PgBouncer ini. */
    private static String formatDuration(Duration d, ChronoUnit bareUnit) {
        BigDecimal value = BigDecimal.valueOf(d.toNanos()).divide(unitNanos(bareUnit));
        return value.stripTrailingZeros().toPlainString();
    }

    @Override
    public String toString() {
        return expected;
    }
}
