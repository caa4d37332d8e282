package org.prosodyfiler.serving;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/** HTTP-date (RFC 9110 §5.6.7): we send IMF-fixdate and accept the two obsolete forms too. */
public final class HttpDates {
    private static final DateTimeFormatter IMF = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter RFC850 = DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss 'GMT'", Locale.US);
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US);

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
        try {
            return Optional.of(ZonedDateTime.parse(t, IMF).toInstant());
        } catch (DateTimeParseException e) {
            // try the obsolete formats
        }
        try {
            LocalDateTime ldt = LocalDateTime.parse(t, RFC850);
            // Two-digit years: RFC 9110 says a year more than 50 years ahead is in the past.
            if (ldt.getYear() > LocalDateTime.now(ZoneOffset.UTC).getYear() + 50) {
                ldt = ldt.minusYears(100);
            }
            return Optional.of(ldt.toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            // next
        }
        try {
            return Optional.of(LocalDateTime.parse(t, ASCTIME).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
