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

    private static void addTier(List<String> flags, String flag, int count) {
        if (count > 0) {
            flags.add(flag);
            flags.add(Integer.toString(count));
        }
    }
}
