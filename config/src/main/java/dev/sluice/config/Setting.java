// One declared setting: name, value type with range, default and a one-line description.
package dev.sluice.config;

import java.util.Locale;

/**
 * A setting of the {@code [pgbouncer]} section. Instances exist only as constants in
 * {@link Settings}; they compare by identity and are used as typed keys into {@link SluiceConfig}.
 *
 * @param <T> the Java type of the value
 */
public final class Setting<T> {
    private final String name;
    private final ValueType<T> type;
    private final T defaultValue;
    private final String description;

    Setting(String name, ValueType<T> type, T defaultValue, String description) {
        this.name = name;
        this.type = type;
        this.defaultValue = type.check(defaultValue);
        this.description = description;
    }

    /** The lowercase ini key, e.g. "default_pool_size". */
    public String name() {
        return name;
    }

    /** How values are parsed and range-checked. */
    public ValueType<T> type() {
        return type;
    }

    /** The value used when nothing sets it; may be null (e.g. auth_file). */
    public T defaultValue() {
        return defaultValue;
    }

    /** One line for SHOW CONFIG and docs. */
    public String description() {
        return description;
    }

    /** The environment variable that overrides this setting, e.g. SLUICE_DEFAULT_POOL_SIZE. */
    public String envVar() {
        return "SLUICE_" + name.toUpperCase(Locale.ROOT);
    }

    /**
     * Parses and range-checks ini text.
     *
     * @throws IllegalArgumentException whose message says what was expected
     */
    public T parse(String text) {
        return type.parse(text);
    }

    /** Prints a value as it would be written in the ini file. */
    public String format(T value) {
        return type.format(value);
    }

    @Override
    public String toString() {
        return name;
    }
}
