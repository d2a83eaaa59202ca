package org.backrestsidecar.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Where a repo's read-back of every byte stands. Its packs are split into {@code parts} by restic
 * ({@code --read-data-subset=k/N} splits by pack id, the same way every time), and each data check
 * reads the next part, so that the whole repo is read back within N data checks, not by luck as a
 * random share is. A part whose read failed (damage found, or the read could not be done) is read
 * again at every data check until it passes, so the repo stays red until the damage is repaired; a
 * clean read of every part (a full read-back) also clears what was found before.
 *
 * @param repo     the repo's id
 * @param parts    N
 * @param next     the part the next data check reads, 1..N
 * @param passed   the parts read back clean since the last full read-back
 * @param since    when this round of N parts began
 * @param lastFull when the last full read-back ended, or null if none has
 * @param failed   the part whose last read failed, or null
 * @param failure  what that read said (restic's words), or what a change of N left unread
 * @param failedAt when it failed, or null
 */
public record ReadBack(String repo, int parts, int next, List<Integer> passed, Instant since, Instant lastFull,
                       Integer failed, String failure, Instant failedAt) {
    public ReadBack {
        passed = List.copyOf(new TreeSet<>(passed));
    }

    /** A repo's first round, starting with part 1. */
    public static ReadBack start(String repo, int parts, Instant now) {
        return new ReadBack(repo, parts, 1, List.of(), now, null, null, null, null);
    }

    /**
     * The same repo with N = {@code parts}: a changed N splits the packs differently, so the round
     * begins again; a failure found before stays until a full read-back (its part is not known anymore).
     */
    public ReadBack splitInto(int parts, Instant now) {
        if (parts == this.parts) {
            return this;
        }
        return new ReadBack(repo, parts, 1, List.of(), now, lastFull, null, failure, failedAt);
    }

    /** What the data check must pass to restic: {@code k/N}. */
    public String subset() {
        return next + "/" + parts;
    }

    /** After the data check of part {@code part} {@code passed} (or not) at {@code at}. */
    public ReadBack after(int part, boolean clean, Instant at, String said) {
        if (!clean) {
            return new ReadBack(repo, parts, part, passed, since, lastFull, part, said, at);
        }
        TreeSet<Integer> now = new TreeSet<>(passed);
        now.add(part);
        if (now.size() >= parts && now.first() == 1 && now.last() == parts) {
            // every part read back clean: whatever was found before is gone
            return new ReadBack(repo, parts, part % parts + 1, List.of(), at, at, null, null, null);
        }
        boolean repaired = failed != null && failed == part;
        return new ReadBack(repo, parts, part % parts + 1, List.copyOf(now), since, lastFull,
                repaired ? null : failed, repaired ? null : failure, repaired ? null : failedAt);
    }

    /** Whether a read found a problem that no clean read has cleared yet. */
    public boolean red() {
        return failure != null;
    }

    /**
     * By when the next full read-back must have ended: N data checks, plus one for slack, after the
     * last one ended (or this round began), with {@code interval} the longest gap between two checks.
     */
    public Instant due(Duration interval) {
        return (lastFull != null ? lastFull : since).plus(interval.multipliedBy(parts + 1L));
    }

    public Optional<Instant> lastFullReadBack() {
        return Optional.ofNullable(lastFull);
    }
}
