// Where a configuration value came from (file and line), for error messages and warnings.
package dev.sluice.config;

import java.nio.file.Path;

/** A position in a config file; {@code file} is null for values set from code. */
record Origin(Path file, int line) {

    /** Values set through the builder or by URL have no file position. */
    static final Origin CODE = new Origin(null, 0);

    static String describe(Path file, int line) {
        if (file == null) {
            return "<config>";
        }
        return line > 0 ? file + ":" + line : file.toString();
    }

    /** An error at this position for {@code key}; {@code detail} must not contain secrets. */
    ConfigException error(String key, String detail) {
        return ConfigException.at(file, line, key, detail);
    }

    @Override
    public String toString() {
        return describe(file, line);
    }
}
