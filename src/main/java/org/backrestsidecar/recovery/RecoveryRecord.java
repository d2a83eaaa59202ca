package org.backrestsidecar.recovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.backrestsidecar.run.PlanRunner;

/**
 * The record of one recovery across its attempts, and what it means. The management script keeps it
 * on the host ({@code .recovery/<copy>.done}): it must outlive the sidecar, which a recovery starts,
 * restarts with the config it put back, or (in a swarm) may see moved to another node. The script
 * only writes the lines and sends them; which drills the recovery still owes, and whether it may say
 * RECOVERED, is decided here, against what the copy holds.
 *
 * <p>Its lines, one step each (names hold no spaces: Compose services, Swarm hosts, plan ids):
 * <pre>
 * restored TARGET [on NODE]             the recovery's restore of TARGET succeeded (in a swarm, on NODE)
 * restored TARGET by hand               the operator said so (--restored-by-hand TARGET)
 * restored TARGET by hand on NODE       ... and NODE found it running, so NODE drills its plan
 * drilled PLAN [on NODE]                the drill of PLAN passed (in a swarm, on NODE)
 * pulled | files | restart-sidecar | restarted-sidecar     the host's own steps, done once
 * </pre>
 */
public final class RecoveryRecord {
    private static final Pattern RESTORED = Pattern.compile("restored (\\S+)( by hand)?(?: on (\\S+))?");
    private static final Pattern DRILLED = Pattern.compile("drilled (\\S+)(?: on (\\S+))?");
    private static final Set<String> HOST_STEPS = Set.of("pulled", "files", "restart-sidecar", "restarted-sidecar");

    /** A plan drilled, or a target restored, here (node null) or on a node of a swarm. */
    public record Done(String name, String node) {
        static final Comparator<Done> ORDER = Comparator.comparing(Done::said);

        /** As the verdict and the script say it: {@code critical}, or {@code critical on node2}. */
        public String said() {
            return node == null ? name : name + " on " + node;
        }
    }

    /** A line of the record that the script never writes: the record was edited, or is another file. */
    public static final class Unreadable extends IllegalArgumentException {
        Unreadable(String why) {
            super(why);
        }
    }

    private final SortedSet<Done> restored = new TreeSet<>(Done.ORDER);
    private final SortedSet<String> saidByHand = new TreeSet<>();
    private final SortedSet<Done> byHandOn = new TreeSet<>(Done.ORDER);
    private final SortedSet<Done> drilled = new TreeSet<>(Done.ORDER);

    private RecoveryRecord() {
    }

    /** @throws Unreadable naming the first line that is none of the record's */
    public static RecoveryRecord parse(List<String> lines) {
        RecoveryRecord record = new RecoveryRecord();
        int number = 0;
        for (String raw : lines) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || HOST_STEPS.contains(line)) {
                continue;
            }
            Matcher restored = RESTORED.matcher(line);
            Matcher drilled = DRILLED.matcher(line);
            if (restored.matches()) {
                Done done = new Done(restored.group(1), restored.group(3));
                if (restored.group(2) == null) {
                    record.restored.add(done);
                } else if (done.node() == null) {
                    record.saidByHand.add(done.name());
                } else {
                    record.byHandOn.add(done);
                }
            } else if (drilled.matches()) {
                record.drilled.add(new Done(drilled.group(1), drilled.group(2)));
            } else {
                throw new Unreadable("line " + number + " of the recovery's record is none the management script writes: '"
                        + line + "' (the record is .recovery/<copy>.done; restored, drilled, or a host step)");
            }
        }
        return record;
    }

    /**
     * Every drill the recovery owes, done or not: the plan of each held target that was restored (by
     * the recovery or by hand), where it was restored. In a swarm a drill runs on the node that runs
     * the target, so a target said to be restored by hand that no node found owes none (the verdict
     * says so); on a Compose host the sidecar drills it here.
     *
     * @param held  each target the copy holds a backup of, with its plan
     * @param swarm whether the recovery is a swarm's
     */
    public List<Done> drills(Map<String, String> held, boolean swarm) {
        SortedSet<Done> owed = new TreeSet<>(Done.ORDER);
        List<Done> where = new ArrayList<>(restored);
        where.addAll(byHandOn);
        if (!swarm) {
            saidByHand.forEach(t -> where.add(new Done(t, null)));
        }
        for (Done target : where) {
            String plan = held.get(target.name());
            if (plan != null) {
                owed.add(new Done(plan, target.node()));
            }
        }
        return List.copyOf(owed);
    }

    /** The drills the recovery owes that have not passed yet: what the script runs next. */
    public List<Done> drillsToRun(Map<String, String> held, boolean swarm) {
        return drills(held, swarm).stream().filter(d -> !drilled.contains(d)).toList();
    }

    /**
     * The recovery's verdict, one line. RECOVERED only when it is true, counted from the record:
     * every target the copy holds restored (by the recovery, or by hand as the operator said), at
     * least one by the recovery, and every drill owed passed. Else NOT RECOVERED, naming what is
     * missing and what to do.
     *
     * @param held       each target the copy holds a backup of, with its plan
     * @param unreadable the copies of repos that cannot be read now (what they hold cannot be counted)
     */
    public String verdict(Map<String, String> held, List<String> unreadable, boolean swarm) {
        SortedSet<String> restoredTargets = new TreeSet<>();
        restored.stream().map(Done::name).filter(held::containsKey).forEach(restoredTargets::add);
        SortedSet<String> byHand = new TreeSet<>();
        saidByHand.stream().filter(held::containsKey).filter(t -> !restoredTargets.contains(t)).forEach(byHand::add);
        List<String> problems = new ArrayList<>();
        unreadable.forEach(u -> problems.add(u + " cannot be read now, so what it holds cannot be counted"));
        if (held.isEmpty() && unreadable.isEmpty()) {
            problems.add("the copy holds no backup of ours: nothing was restored");
        }
        SortedSet<String> missing = new TreeSet<>(held.keySet());
        missing.removeAll(restoredTargets);
        missing.removeAll(byHand);
        if (!missing.isEmpty()) {
            problems.add("not restored: " + String.join(", ", missing) + " (its restore above says why; or restore it "
                    + "by hand and say so: --restored-by-hand <target>)");
        }
        if (!held.isEmpty() && restoredTargets.isEmpty() && missing.isEmpty()) {
            problems.add("no target was restored by the recovery");
        }
        if (swarm) {
            SortedSet<String> unseen = new TreeSet<>(byHand);
            byHandOn.forEach(d -> unseen.remove(d.name()));
            if (!unseen.isEmpty()) {
                problems.add("restored by hand as you said, but no node found it running, so its plan was not "
                        + "drilled: " + String.join(", ", unseen));
            }
        }
        List<Done> owed = drills(held, swarm);
        List<String> notPassed = owed.stream().filter(d -> !drilled.contains(d)).map(Done::said).toList();
        if (!notPassed.isEmpty()) {
            problems.add("drills not passed: " + String.join(", ", notPassed));
        }
        if (!problems.isEmpty()) {
            return "NOT RECOVERED: " + String.join("; ", problems)
                    + ". Fix what the steps above say and run recover again: it goes on from there";
        }
        return "RECOVERED: " + count(restoredTargets.size(), "target") + " restored (" + String.join(" ", restoredTargets) + ")"
                + (byHand.isEmpty() ? "" : ", " + count(byHand.size(), "target") + " restored by hand as you said ("
                        + String.join(" ", byHand) + ")")
                + ", " + count(owed.size(), "drill") + " passed ("
                + String.join(", ", owed.stream().map(Done::said).toList()) + ")";
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    /**
     * {@code target → plan} of what the copy holds, from its holdings: the targets a recovery restores.
     * The plans' host paths are not one (the script puts those files back itself).
     */
    public static Map<String, String> held(Holdings holdings) {
        Map<String, String> held = new TreeMap<>();
        holdings.repos().forEach(r -> r.targets().stream()
                .filter(t -> !PlanRunner.HOST_PATHS_TARGET.equals(t.target()))
                .forEach(t -> held.put(t.target(), t.plan())));
        return held;
    }

    /** The copies in {@code holdings} that could not be read, as the verdict names them. */
    public static List<String> unreadable(Holdings holdings) {
        return holdings.repos().stream().filter(r -> r.problem() != null)
                .map(r -> "the copy of repo " + r.repo() + " (" + r.copyUri() + ")").toList();
    }
}
