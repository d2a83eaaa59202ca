package org.backrestsidecar.pitr;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.backrestsidecar.restore.RestoreRefused;

/**
 * The {@code to} of a restore: {@code latest}, an instant with its offset ({@code 2026-11-22T18:00:52Z},
 * {@code 2026-11-22 19:00:52+01:00}), or a local time in the plans' zone as people and the page's
 * time picker write it ({@code 2026-11-22 19:00}, {@code 2026-11-22T19:00:52}).
 */
public final class Moment {
    public static final String LATEST = "latest";
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd[ ]['T']HH:mm[:ss][.SSSSSS][.SSS]");

    private Moment() {
    }

    /** @return empty for latest */
    public static Optional<Instant> parse(String to, ZoneId zone) {
        if (to == null || to.isBlank() || to.strip().equals(LATEST)) {
            return Optional.empty();
        }
        String text = to.strip();
        try {
            return Optional.of(OffsetDateTime.parse(text.replace(' ', 'T')).toInstant());
        } catch (DateTimeParseException notWithOffset) {
            try {
                return Optional.of(LocalDateTime.parse(text, LOCAL).atZone(zone).toInstant());
            } catch (DateTimeParseException e) {
                throw new RestoreRefused("to '" + to + "' is not a moment: write latest, a time in " + zone
                        + " such as 2026-11-22 19:00:00, or one with its offset such as 2026-11-22T18:00:00Z");
            }
        }
    }
}
