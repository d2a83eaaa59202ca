package org.backrestsidecar.config;

import java.util.ArrayList;
import java.util.List;

/**
 * How many snapshots each time tier keeps, restic's {@code forget --keep-*} semantics. A zero tier
 * keeps nothing on its own; {@code last} keeps the newest N whatever their age.
 */
public record Retention(int daily, int weekly, int monthly, int yearly, int last) {

    public static final Retention DEFAULT = new Retention(30, 12, 12, 5, 0);

    public boolean keepsNothing() {
        return daily == 0 && weekly == 0 && monthly == 0 && yearly == 0 && last == 0;
    }

    /** The flags for {@code restic forget}; tiers at zero are left out because restic treats 0 as "unset". */
    public List<String> forgetFlags() {
        List<String> flags = new ArrayList<>();
        addTier(flags, "--keep-last", last);
        addTier(flags, "--keep-daily", daily);
        addTier(flags, "--keep-weekly", weekly);
        addTier(flags, "--keep-monthly", monthly);
        addTier(flags, "--keep-yearly", yearly);
        return flags;
    }

    /**
     * As {@link #forgetFlags}, but the daily tier keeps every snapshot of its days ({@code --keep-within},
     * relative to the newest), not only each day's newest.
     */
    public List<String> forgetFlagsKeepingEachDaily() {
        List<String> flags = new ArrayList<>(forgetFlags());
        int at = flags.indexOf("--keep-daily");
        if (at >= 0) {
            flags.set(at, "--keep-within");
            flags.set(at + 1, daily + "d");
        }
        return flags;
    }

    /**
     * The tiers as restic's {@code --keep-within-*} flags (each relative to the newest snapshot), for a
     * copy whose retention is run on its server: restic's own advice for append-only repos, since
     * snapshots a taken host adds can push real ones out of a tier that counts ({@code --keep-daily N}
     * keeps the N newest days that hold a snapshot), not out of a span of time. {@code last} keeps its
     * count: it only ever adds to what the spans keep.
     *
     * @param graceDays added to every span: what is outside even the wider spans has been past its
     *                  tiers that long (0 for the retention itself)
     */
    public List<String> forgetFlagsWithin(int graceDays) {
        String grace = graceDays > 0 ? graceDays + "d" : "";
        List<String> flags = new ArrayList<>();
        addTier(flags, "--keep-last", last);
        addSpan(flags, "--keep-within-daily", daily, (daily + graceDays) + "d");
        addSpan(flags, "--keep-within-weekly", weekly, (weekly * 7 + graceDays) + "d");
        addSpan(flags, "--keep-within-monthly", monthly, monthly + "m" + grace);
        addSpan(flags, "--keep-within-yearly", yearly, yearly + "y" + grace);
        return flags;
    }

    private static void addSpan(List<String> flags, String flag, int count, String span) {
        if (count > 0) {
            flags.add(flag);
            flags.add(span);
        }
    }

    private static void addTier(List<String> flags, String flag, int count) {
        if (count > 0) {
            flags.add(flag);
            flags.add(Integer.toString(count));
        }
    }
}
