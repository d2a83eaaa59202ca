package org.backrestsidecar.strategy;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ExecResult;

/**
 * Redis, saved by itself without stopping: {@code BGSAVE}, wait until {@code LASTSAVE} moves past
 * the moment we asked, then stream the RDB file it wrote into restic. A password, when Redis has
 * one, is read from the container's own environment inside the container, so it never passes
 * through the sidecar.
 */
@ApplicationScoped
public class RedisStrategy implements BackupStrategy {
    static final String PASSWORD_ENV = "redis.password-env";
    /** The scope of the key count in {@link BackupFacts}. */
    public static final String FACTS = "redis";
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Duration QUICK = Duration.ofMinutes(1);
    private final ContainerExec exec;

    public RedisStrategy(ContainerExec exec) {
        this.exec = exec;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Set<String> optionKeys() {
        return Set.of(PASSWORD_ENV);
    }

    @Override
    public List<String> check(Map<String, String> options) {
        String env = options.get(PASSWORD_ENV);
        return env == null || ENV_NAME.matcher(env).matches() ? List.of()
                : List.of(PASSWORD_ENV + "='" + env + "': not an environment variable name");
    }

    @Override
    public void backUp(Target target, TargetBackup backup) throws Exception {
        long before = Long.parseLong(cli(target, "LASTSAVE"));
        // LASTSAVE counts whole seconds: a save finishing in the second we started would look old
        long now = Long.parseLong(cli(target, "TIME").lines().findFirst().orElse("0").strip());
        if (now <= before) {
            Thread.sleep(1100);
        }
        String started = cli(target, "BGSAVE");
        if (!started.contains("started") && !started.contains("scheduled") && !started.contains("in progress")) {
            throw new IOException("BGSAVE answered: " + started);
        }
        Instant deadline = Instant.now().plus(target.timeout());
        while (Long.parseLong(cli(target, "LASTSAVE")) <= before) {
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("BGSAVE did not finish within " + target.timeout());
            }
            Thread.sleep(200);
        }
        String status = cli(target, "INFO", "persistence");
        if (!status.contains("rdb_last_bgsave_status:ok")) {
            throw new IOException("BGSAVE failed: " + status.lines().filter(l -> l.startsWith("rdb_")).toList());
        }
        String rdb = rdbPath(target);
        backup.stream(target.name() + "/dump.rdb", out -> {
            RdbKeyCount counted = new RdbKeyCount(out);
            ExecResult r = exec.run(target.containerId(), List.of("cat", rdb), target.timeout(), counted);
            if (!r.succeeded()) {
                return Optional.of(r.failure("cat " + rdb));
            }
            counted.count().ifPresentOrElse(c -> backup.counted(FACTS, Map.of("db" + c.database(), c.keys())),
                    () -> backup.note("the RDB's key count could not be read (module data?); its drill checks "
                            + "that it loads"));
            return Optional.empty();
        });
    }

    /** Where Redis keeps its RDB, e.g. {@code /data/dump.rdb}. */
    public String rdbPath(Target target) throws IOException {
        List<String> dir = cli(target, "CONFIG", "GET", "dir").lines().toList();
        List<String> file = cli(target, "CONFIG", "GET", "dbfilename").lines().toList();
        if (dir.size() < 2 || file.size() < 2) {
            throw new IOException("CONFIG GET dir/dbfilename gave no answer (is CONFIG renamed?)");
        }
        return dir.get(1).strip() + "/" + file.get(1).strip();
    }

    /** Whether Redis would load an append-only file at start rather than the RDB. */
    public boolean appendOnly(Target target) throws IOException {
        List<String> answer = cli(target, "CONFIG", "GET", "appendonly").lines().toList();
        return answer.size() >= 2 && answer.get(1).strip().equals("yes");
    }

    /**
     * redis-cli with {@code args} as run in a container with the target's environment (its own, or a
     * drill's throwaway of it): with the password its {@code password-env} label names, when it has one.
     */
    public static List<String> cliCommand(Target target, String... args) {
        List<String> command = new ArrayList<>();
        Optional<String> env = target.option(PASSWORD_ENV);
        if (env.isPresent()) {
            // the name was checked against ENV_NAME, so it cannot inject shell syntax
            command.addAll(List.of("sh", "-c", "REDISCLI_AUTH=\"$" + env.get() + "\" exec redis-cli \"$@\"", "redis-cli"));
        } else {
            command.add("redis-cli");
        }
        command.addAll(List.of(args));
        return command;
    }

    /** The password the target's Redis asks for, from its environment ({@code env}: NAME=value lines), if it has one. */
    public static Optional<String> password(Target target, List<String> env) {
        return target.option(PASSWORD_ENV).flatMap(name -> env.stream().filter(e -> e.startsWith(name + "="))
                .map(e -> e.substring(name.length() + 1)).filter(p -> !p.isEmpty()).findFirst());
    }

    private String cli(Target target, String... args) throws IOException {
        List<String> command = cliCommand(target, args);
        String out = exec.output(target.containerId(), command, QUICK).strip();
        if (out.startsWith("ERR") || out.startsWith("NOAUTH") || out.startsWith("WRONGPASS")) {
            throw new IOException("redis-cli " + args[0] + ": " + out);
        }
        return out;
    }
}
