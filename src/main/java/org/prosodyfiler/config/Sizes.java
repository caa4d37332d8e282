package org.prosodyfiler.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human-friendly values in config.toml: byte sizes and durations. */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d|w)", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /** A number of bytes, or a string such as "100MiB", "1G", "512k" (powers of 1024). */
    public static long bytes(String key, Object value) {
        if (value instanceof Number n) {
            long v = n.longValue();
            if (v < 0) {
                throw new ConfigException(key + " must not be negative (got " + v + ")");
            }
            return v;
        }
        if (value instanceof String s) {
            Matcher m = SIZE.matcher(s.trim());
            if (m.matches()) {
                if (m.group(1).length() > 18) {
                    throw new ConfigException(key + " = \"" + s + "\" is too large");
                }
                long base = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
                int shift = switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
                    case 'k' -> 10;
                    case 'm' -> 20;
                    case 'g' -> 30;
                    case 't' -> 40;
                    default -> 0;
                };
                if (base > (Long.MAX_VALUE >> shift)) {
                    throw new ConfigException(key + " = \"" + s + "\" is too large");
                }
                return base << shift;
            }
        }
        throw new ConfigException(key + " must be a number of bytes or a size like \"100MiB\" (got " + value + ")");
    }

    /** A duration such as "28d", "12h", "30s", "500ms", or a number of seconds. */
    public static Duration duration(String key, Object value) {
        try {
            return parseDuration(key, value);
        } catch (ArithmeticException | NumberFormatException | java.time.DateTimeException tooBig) {
            throw new ConfigException(key + " = " + value + " is too large");
        }
    }

    private static Duration parseDuration(String key, Object value) {
        if (value instanceof Number n) {
            if (n.longValue() < 0) {
                throw new ConfigException(key + " must not be negative (got " + n + ")");
            }
            return Duration.ofSeconds(n.longValue());
        }
        if (value instanceof String s) {
            String t = s.trim();
            Matcher m = DURATION.matcher(t);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(7 * n);
                };
            }
        }
        throw new ConfigException(key + " must be a duration like \"28d\", \"12h\" or \"30s\" (got " + value + ")");
    }
}
