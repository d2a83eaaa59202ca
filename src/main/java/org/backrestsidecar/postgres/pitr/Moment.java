package org.backrestsidecar.postgres.pitr;

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
    /** The data folder a restore over the live server kept aside: {@code kept} (the newest) or {@code kept:<restore id>}. */
    public static final String KEPT = "kept";
    private static final java.util.regex.Pattern KEPT_NAMED = java.util.regex.Pattern.compile("kept:([0-9a-f]{8})[0-9a-f-]*");
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd[ ]['T']HH:mm[:ss][.SSSSSS][.SSS]");

    private Moment() {
    }

    /** Whether {@code to} asks for a kept data folder rather than a moment. */
    public static boolean isKept(String to) {
        return to != null && (to.strip().equals(KEPT) || to.strip().startsWith(KEPT + ":"));
    }

    /**
     * The kept folder's restore id (its first 8 characters, as the folder is named), or empty for the newest.
     *
     * @throws RestoreRefused when it names none
     */
    public static Optional<String> keptId(String to) {
        if (to.strip().equals(KEPT)) {
            return Optional.empty();
        }
        java.util.regex.Matcher m = KEPT_NAMED.matcher(to.strip());
        if (!m.matches()) {
            throw new RestoreRefused("to '" + to + "': write kept (the newest kept data folder) or kept:<restore id> "
                    + "(the restore that kept it)");
        }
        return Optional.of(m.group(1));
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
