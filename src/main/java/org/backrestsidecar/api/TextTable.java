package org.backrestsidecar.api;

import java.util.List;

/** Rows as columns padded to their widest cell, for the tables the CLI prints, and notes below. */
final class TextTable {
    private TextTable() {
    }

    /**
     * The first row is the header; every line ends with a newline and no trailing spaces. Each note
     * (e.g. why a plan is late) follows after a blank line.
     */
    static String render(List<List<String>> rows, List<String> notes) {
        return render(rows, notes, null);
    }

    /** The same, ending with the line that says in which zone its times are. */
    static String render(List<List<String>> rows, List<String> notes, java.time.ZoneId zone) {
        int[] widths = new int[rows.get(0).size()];
        rows.forEach(r -> {
            for (int i = 0; i < r.size(); i++) {
                widths[i] = Math.max(widths[i], r.get(i).length());
            }
        });
        StringBuilder out = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                line.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + (widths[i] + 2) + "s", r.get(i)));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        notes.forEach(n -> out.append('\n').append(n));
        if (!notes.isEmpty()) {
            out.append('\n');
        }
        if (zone != null) {
            out.append('\n').append("Times are in ").append(zone.getId()).append(".\n");
        }
        return out.toString();
    }
}
