package org.prosodyfiler.serving;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/** HTTP-date (RFC 9110 §5.6.7): we send IMF-fixdate and accept the two obsolete forms too. */
public final class HttpDates {
    private static final DateTimeFormatter IMF = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    // Parsing skips the weekday: a wrong one must not void the date (and "yy" years lose it anyway).
    private static final DateTimeFormatter IMF_NO_DAY = DateTimeFormatter.ofPattern("dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
    private static final DateTimeFormatter RFC850 = DateTimeFormatter.ofPattern("dd-MMM-yy HH:mm:ss 'GMT'", Locale.US);
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy", Locale.US);

    private HttpDates() {
    }

    public static String format(Instant t) {
        return IMF.format(t);
    }

    public static Optional<Instant> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        String t = s.trim();
        int comma = t.indexOf(", ");
        String afterDay = comma >= 0 ? t.substring(comma + 2) : t;
        try {
            return Optional.of(LocalDateTime.parse(afterDay, IMF_NO_DAY).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            // try the obsolete formats
        }
        try {
            LocalDateTime ldt = LocalDateTime.parse(afterDay, RFC850);
            // Two-digit years: RFC 9110 says a year more than 50 years ahead is in the past.
            if (ldt.getYear() > LocalDateTime.now(ZoneOffset.UTC).getYear() + 50) {
                ldt = ldt.minusYears(100);
            }
            return Optional.of(ldt.toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            // next
        }
        try {
            int space = t.indexOf(' ');
            return Optional.of(LocalDateTime.parse(t.substring(space + 1), ASCTIME).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
