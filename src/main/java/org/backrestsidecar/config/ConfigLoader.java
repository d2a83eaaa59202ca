package org.backrestsidecar.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads the sidecar's YAML file into an immutable {@link SidecarConfig}, or refuses it with every
 * problem found, each naming file, line and field. No file at all means the built-in defaults.
 */
public final class ConfigLoader {
    /** Backrest's id rule, so that our repo and plan ids can be Backrest's too. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,50}");
    private static final Pattern LABEL_PREFIX = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?");
    static final int MIN_KEY_LENGTH = 16;

    public static final String DEFAULT_INSTANCE = "backrest-sidecar";
    /** Where default repos and keys live: {@code /repos/<id>} and {@code /keys/<id>.key}. */
    public static final Path REPOS_DIR = Path.of("/repos");
    public static final Path KEYS_DIR = Path.of("/keys");
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/backrest-sidecar");

    private ConfigLoader() {
    }

    /** The plans our users start from: critical data daily, models and system data on Sundays. */
    public static List<PlanConfig> defaultPlans() {
        return List.of(
                new PlanConfig("critical", "critical", "0 2 * * *", Retention.DEFAULT, List.of(), Optional.empty()),
                new PlanConfig("models", "models", "0 3 * * 0", Retention.DEFAULT, List.of(), Optional.empty()),
                new PlanConfig("system", "system", "0 1 * * 0", Retention.DEFAULT, List.of(), Optional.empty()));
    }

    public static List<RepoConfig> defaultRepos(Path reposDir, Path keysDir) {
        return defaultPlans().stream().map(p -> new RepoConfig(p.id(), reposDir.resolve(p.id()).toString(),
                keysDir.resolve(p.id() + ".key"), Map.of())).toList();
    }

    public static SidecarConfig load(Path file) {
        return load(file, REPOS_DIR, KEYS_DIR);
    }

    /** As {@link #load(Path)}, with the folders the built-in repos and keys default to. */
    public static SidecarConfig load(Path file, Path reposDir, Path keysDir) {
        if (!Files.exists(file)) {
            SidecarConfig defaults = new SidecarConfig(file, DEFAULT_INSTANCE, "backup", Optional.empty(),
                    ZoneId.systemDefault(), DEFAULT_STATE_DIR, Optional.empty(), Optional.empty(), defaultRepos(reposDir, keysDir),
                    defaultPlans(), DrillConfig.DEFAULT, NotificationsConfig.DEFAULT, AccessConfig.DEFAULT);
            List<String> problems = new ArrayList<>();
            checkKeys(defaults.repos(), r -> "built-in default repos (no " + file + "), repo " + r.id() + " keyFile",
                    problems);
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return defaults;
        }
        Node root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = yaml().compose(reader);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? "" : " line " + (e.getProblemMark().getLine() + 1);
            throw new ConfigException(List.of(file + where + ": not valid YAML: " + e.getProblem()
                    + " (quote crons and other values with '*' or ':', e.g. schedule: \"0 2 * * *\")"));
        } catch (YAMLException | IOException e) {
            throw new ConfigException(List.of(file + ": cannot be read: " + e.getMessage()));
        }
        List<String> problems = new ArrayList<>();
        SidecarConfig config = read(file, new YamlMapping(file.toString(), "", root, problems), problems, reposDir,
                keysDir);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setNestingDepthLimit(20);
        options.setCodePointLimit(1024 * 1024);
        return new Yaml(new SafeConstructor(options));
    }

    private static SidecarConfig read(Path file, YamlMapping top, List<String> problems, Path reposDir,
                                      Path keysDir) {
        top.rejectUnknown(Set.of("instance", "labelPrefix", "composeProject", "timeZone", "stateDir", "helperImage",
                "backrest", "repos", "plans", "drills", "notifications", "access", "prune"));
        String instance = top.string("instance").orElse(DEFAULT_INSTANCE);
        if (!ID.matcher(instance).matches()) {
            top.problem("instance", "'" + instance + "' must be 1-50 of A-Z a-z 0-9 _ . - (Backrest's rule)");
        }
        String labelPrefix = top.string("labelPrefix").orElse("backup");
        if (!LABEL_PREFIX.matcher(labelPrefix).matches()) {
            top.problem("labelPrefix", "'" + labelPrefix + "' must be lower-case letters, digits, '.' and '-'");
        }
        ZoneId zone = ZoneId.systemDefault();
        Optional<String> zoneText = top.string("timeZone");
        if (zoneText.isPresent()) {
            try {
                zone = ZoneId.of(zoneText.get());
            } catch (DateTimeException e) {
                top.problem("timeZone", "'" + zoneText.get() + "' is not a time zone (write e.g. Europe/Berlin or UTC)");
            }
        }
        Path stateDir = top.string("stateDir").map(Path::of).orElse(DEFAULT_STATE_DIR);

        ZoneId planZone = zone;
        List<RepoConfig> repos = top.mappings("repos")
                .map(list -> list.stream().map(m -> repo(m, reposDir, keysDir, planZone)).toList())
                .orElseGet(() -> defaultRepos(reposDir, keysDir));
        List<PlanConfig> plans = top.mappings("plans")
                .map(list -> list.stream().map(m -> plan(m, planZone)).toList())
                .orElseGet(ConfigLoader::defaultPlans);

        checkUnique(top, "repos", repos.stream().map(RepoConfig::id).toList());
        checkUnique(top, "plans", plans.stream().map(PlanConfig::id).toList());
        Set<String> repoIds = new HashSet<>(repos.stream().map(RepoConfig::id).toList());
        top.mappings("plans").ifPresent(list -> {
            for (int i = 0; i < list.size() && i < plans.size(); i++) {
                if (!repoIds.contains(plans.get(i).repo())) {
                    list.get(i).problem("repo", "names repo '" + plans.get(i).repo() + "' that is not in repos (known: "
                            + String.join(", ", repoIds.stream().sorted().toList()) + ")");
                }
            }
        });
        if (problems.isEmpty()) {
            // a copy's key is checked as a repo's: its own, never shared with its primary or another
            List<RepoConfig> withCopies = new ArrayList<>(repos);
            repos.forEach(r -> r.copies().forEach(c -> withCopies.add(c.repo())));
            checkKeys(withCopies, r -> file + ", repos." + r.id().replace("/", ".copies.") + ".keyFile", problems);
        }
        Optional<BackrestConnection> backrest = top.mapping("backrest").map(ConfigLoader::backrest);
        DrillConfig drills = top.mapping("drills").map(m -> drills(m, planZone, plans, repos)).orElse(DrillConfig.DEFAULT);
        Set<String> planIds = new java.util.LinkedHashSet<>(plans.stream().map(PlanConfig::id).toList());
        NotificationsConfig notifications = top.mapping("notifications")
                .map(m -> NotificationsReader.notifications(m, planIds)).orElse(NotificationsConfig.DEFAULT);
        AccessConfig access = top.mapping("access").map(NotificationsReader::access).orElse(AccessConfig.DEFAULT);
        PruneConfig prune = top.mapping("prune").map(m -> prune(m, planZone)).orElse(PruneConfig.DEFAULT);
        return new SidecarConfig(file, instance, labelPrefix, top.string("composeProject"), zone, stateDir,
                top.string("helperImage"), backrest, repos, plans, drills, notifications, access, prune);
    }

    private static RepoConfig repo(YamlMapping m, Path reposDir, Path keysDir, ZoneId zone) {
        m.rejectUnknown(Set.of("id", "uri", "keyFile", "env", "envFiles", "options", "copies"));
        String id = id(m);
        String uri = m.string("uri").orElse(reposDir.resolve(id).toString());
        Path keyFile = m.string("keyFile").map(Path::of).orElse(keysDir.resolve(id + ".key"));
        List<CopyConfig> copies = m.mappings("copies").map(list -> list.stream().map(c -> copy(c, id, zone)).toList())
                .orElse(List.of());
        checkUnique(m, "copies", copies.stream().map(CopyConfig::id).toList());
        return new RepoConfig(id, uri, keyFile, m.stringMap("env"), envFiles(m), m.stringMap("options"), copies);
    }

    /** A copy: where, its own key and environment, when besides after each good run, how fast, how long kept. */
    private static CopyConfig copy(YamlMapping m, String repoId, ZoneId zone) {
        m.rejectUnknown(Set.of("id", "uri", "keyFile", "env", "envFiles", "options", "schedule", "retention",
                "limitUpload", "limitDownload", "appendOnly", "readBack"));
        String id = id(m);
        String uri = m.requiredString("uri").orElse("");
        Path keyFile = m.requiredString("keyFile").map(Path::of).orElse(Path.of("/dev/null"));
        Optional<String> schedule = cron(m, "schedule", zone).filter(c -> !c.equals(DrillConfig.OFF));
        Optional<Retention> retention = m.mapping("retention").map(ConfigLoader::retention);
        java.util.OptionalInt up = m.integer("limitUpload", 1).map(java.util.OptionalInt::of)
                .orElse(java.util.OptionalInt.empty());
        java.util.OptionalInt down = m.integer("limitDownload", 1).map(java.util.OptionalInt::of)
                .orElse(java.util.OptionalInt.empty());
        return new CopyConfig(id, new RepoConfig(repoId + "/" + id, uri, keyFile, m.stringMap("env"), envFiles(m),
                m.stringMap("options"), List.of()), schedule, retention, up, down, m.bool("appendOnly").orElse(false),
                m.bool("readBack").orElse(true));
    }

    private static Map<String, Path> envFiles(YamlMapping m) {
        Map<String, Path> files = new java.util.LinkedHashMap<>();
        m.stringMap("envFiles").forEach((name, file) -> {
            if (!Files.isReadable(Path.of(file))) {
                m.problem("envFiles", name + ": " + file + " cannot be read");
            }
            files.put(name, Path.of(file));
        });
        return files;
    }

    private static PlanConfig plan(YamlMapping m, ZoneId zone) {
        m.rejectUnknown(Set.of("id", "repo", "schedule", "retention", "paths", "rpo", "rto", "priority"));
        String id = id(m);
        String schedule = m.requiredString("schedule").orElse("0 2 * * *");
        try {
            CronSchedule.parse(schedule, zone);
        } catch (IllegalArgumentException e) {
            m.problem("schedule", e.getMessage());
        }
        Retention retention = m.mapping("retention").map(ConfigLoader::retention).orElse(Retention.DEFAULT);
        List<Path> paths = new ArrayList<>();
        for (String p : m.strings("paths").orElse(List.of())) {
            if (!p.startsWith("/")) {
                m.problem("paths", "'" + p + "' must be an absolute path");
            } else {
                paths.add(Path.of(p));
            }
        }
        Optional<Duration> rpo = duration(m, "rpo");
        Priority priority = m.string("priority").map(word -> Priority.of(word).orElseGet(() -> {
            m.problem("priority", "'" + word + "': write low (the default: the backup yields to the services) "
                    + "or full (it competes as an equal)");
            return Priority.LOW;
        })).orElse(Priority.LOW);
        Duration rto = duration(m, "rto").orElse(PlanConfig.DEFAULT_RTO);
        return new PlanConfig(id, m.string("repo").orElse(id), schedule, retention, paths, rpo, priority, rto);
    }

    /** The duration at {@code key} (90s, 30m, 2h, 1h30m), if given; a problem named if it is not one. */
    private static Optional<Duration> duration(YamlMapping m, String key) {
        try {
            return m.string(key).map(DurationText::parse);
        } catch (IllegalArgumentException e) {
            m.problem(key, e.getMessage());
            return Optional.empty();
        }
    }

    private static DrillConfig drills(YamlMapping m, ZoneId zone, List<PlanConfig> plans, List<RepoConfig> repos) {
        m.rejectUnknown(Set.of("schedule", "plans", "repoCheck", "repoDataCheck", "readBackIn", "dataSubset", "from"));
        DrillConfig d = DrillConfig.DEFAULT;
        String schedule = cron(m, "schedule", zone).orElse(d.schedule());
        Map<String, String> perPlan = m.stringMap("plans");
        Set<String> known = new HashSet<>(plans.stream().map(PlanConfig::id).toList());
        perPlan.forEach((plan, cron) -> {
            if (!known.contains(plan)) {
                m.problem("plans", "names plan '" + plan + "' that is not in plans (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            } else if (!cron.equals(DrillConfig.OFF)) {
                try {
                    CronSchedule.parse(cron, zone);
                } catch (IllegalArgumentException e) {
                    m.problem("plans", plan + ": " + e.getMessage() + " (or write off)");
                }
            }
        });
        String subset = m.string("dataSubset").orElse(d.dataSubset());
        if (!subset.matches("(100|[1-9]?[0-9])(\\.[0-9]+)?%|[1-9][0-9]*/[1-9][0-9]*")) {
            m.problem("dataSubset", "'" + subset + "' must be a share like 10% or n/m like 1/5 (restic's --read-data-subset)");
        }
        Optional<String> from = m.string("from");
        List<String> copies = repos.stream().flatMap(r -> r.copies().stream().map(CopyConfig::id)).distinct().sorted().toList();
        if (from.isPresent() && !copies.contains(from.get())) {
            m.problem("from", "names copy '" + from.get() + "' that no repo has (copies: " + String.join(", ", copies) + ")");
        }
        // every byte of a repo read back within that many data checks, a 1/N part each
        int readBackIn = m.integer("readBackIn", 1).orElse(d.readBackIn());
        return new DrillConfig(schedule, perPlan, cron(m, "repoCheck", zone).orElse(d.repoCheck()),
                cron(m, "repoDataCheck", zone).orElse(d.repoDataCheck()), readBackIn, subset, from);
    }

    private static PruneConfig prune(YamlMapping m, ZoneId zone) {
        m.rejectUnknown(Set.of("schedule", "maxUnused"));
        Optional<String> maxUnused = m.string("maxUnused");
        if (maxUnused.isPresent() && !maxUnused.get().matches("(100|[1-9]?[0-9])(\\.[0-9]+)?%|[0-9]+[kKmMgGtT]?|unlimited")) {
            m.problem("maxUnused", "'" + maxUnused.get() + "' must be a share like 10%, a size like 2G, or unlimited "
                    + "(restic's --max-unused)");
        }
        return new PruneConfig(cron(m, "schedule", zone).orElse(PruneConfig.DEFAULT.schedule()), maxUnused);
    }

    private static Optional<String> cron(YamlMapping m, String key, ZoneId zone) {
        Optional<String> cron = m.string(key);
        if (cron.isPresent() && !cron.get().equals(DrillConfig.OFF)) {
            try {
                CronSchedule.parse(cron.get(), zone);
            } catch (IllegalArgumentException e) {
                m.problem(key, e.getMessage() + " (or write off)");
            }
        }
        return cron;
    }

    private static BackrestConnection backrest(YamlMapping m) {
        m.rejectUnknown(Set.of("url", "username", "passwordFile"));
        String url = m.requiredString("url").orElse("http://backrest:9898");
        if (!url.matches("https?://[^/\\s]+/?")) {
            m.problem("url", "'" + url + "' must be Backrest's base URL, e.g. http://backrest:9898");
        }
        Optional<Path> passwordFile = m.string("passwordFile").map(Path::of);
        passwordFile.filter(f -> !Files.isReadable(f))
                .ifPresent(f -> m.problem("passwordFile", f + " cannot be read"));
        if (m.has("username") != passwordFile.isPresent()) {
            m.problem("username", "username and passwordFile go together (Backrest's login)");
        }
        return new BackrestConnection(url.replaceFirst("/$", ""), m.string("username"), passwordFile);
    }

    private static Retention retention(YamlMapping m) {
        m.rejectUnknown(Set.of("daily", "weekly", "monthly", "yearly", "last"));
        Retention r = new Retention(m.integer("daily", 0).orElse(0), m.integer("weekly", 0).orElse(0),
                m.integer("monthly", 0).orElse(0), m.integer("yearly", 0).orElse(0), m.integer("last", 0).orElse(0));
        if (r.keepsNothing()) {
            m.problem("daily", "every tier is 0: forget would delete every snapshot; keep at least one");
        }
        return r;
    }

    private static String id(YamlMapping m) {
        String id = m.requiredString("id").orElse("?");
        if (!id.equals("?") && (!ID.matcher(id).matches() || id.matches("_.*_"))) {
            m.problem("id", "'" + id + "' must be 1-50 of A-Z a-z 0-9 _ . - and not shaped _x_ (Backrest's rule)");
        }
        return id;
    }

    private static void checkUnique(YamlMapping top, String field, List<String> ids) {
        Set<String> seen = new HashSet<>();
        for (String id : ids) {
            if (!seen.add(id)) {
                top.problem(field, "id '" + id + "' is used twice");
            }
        }
    }

    /** One key per repo, at least 16 characters, never shared: a leaked key must open one repo only. */
    private static void checkKeys(List<RepoConfig> repos, java.util.function.Function<RepoConfig, String> where,
                                  List<String> problems) {
        Map<String, String> ownerByKey = new HashMap<>();
        for (RepoConfig repo : repos) {
            Path key = repo.keyFile();
            String prefix = where.apply(repo) + " (" + key + "): ";
            if (!Files.isRegularFile(key)) {
                problems.add(prefix + "key file does not exist; create one with e.g. "
                        + "'head -c 32 /dev/urandom | base64 > " + key + "' and keep a copy off this host");
                continue;
            }
            String content;
            try {
                content = Files.readString(key, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                problems.add(prefix + "key file cannot be read: " + e.getMessage());
                continue;
            }
            if (content.length() < MIN_KEY_LENGTH) {
                problems.add(prefix + "key is " + content.length() + " characters; at least " + MIN_KEY_LENGTH
                        + " are required");
                continue;
            }
            String other = ownerByKey.putIfAbsent(content, repo.id());
            if (other != null) {
                problems.add(prefix + "same key as repo " + other + "; every repo needs its own key");
            }
        }
    }
}
