package org.backrestsidecar.strategy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.docker.TailBuffer;
import org.backrestsidecar.quiesce.UndoStack;

/**
 * {@code backup.exec.pre} / {@code backup.exec.post}: commands run in the target before and after
 * its copy, given as JSON argument arrays (no shell unless the operator writes one). The post hook
 * is registered as an undo once the pre hook has run, so it runs on every path after it.
 */
@ApplicationScoped
public class ExecHooks {
    public static final String PRE = "exec.pre";
    public static final String POST = "exec.post";
    public static final String ON_ERROR = "exec.on-error";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> ARGS = new TypeReference<>() {
    };

    private final ContainerExec exec;

    public ExecHooks(ContainerExec exec) {
        this.exec = exec;
    }

    /** Label problems, as "key: what is wrong"; checked at discovery. */
    public static List<String> check(Map<String, String> options) {
        List<String> problems = new ArrayList<>();
        for (String key : List.of(PRE, POST)) {
            if (options.containsKey(key)) {
                try {
                    parse(options.get(key));
                } catch (IllegalArgumentException e) {
                    problems.add(key + ": " + e.getMessage());
                }
            }
        }
        String onError = options.getOrDefault(ON_ERROR, "fail");
        if (!onError.equals("fail") && !onError.equals("continue")) {
            problems.add(ON_ERROR + "='" + onError + "': write fail or continue");
        }
        return problems;
    }

    static List<String> parse(String value) {
        try {
            List<String> args = JSON.readValue(value, ARGS);
            if (args == null || args.isEmpty() || args.stream().anyMatch(a -> a == null)) {
                throw new IllegalArgumentException("must be a non-empty JSON array of strings, e.g. [\"sh\",\"-c\",\"...\"]");
            }
            return args;
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + value + "' is not a JSON array of strings, e.g. "
                    + "[\"pg_ctl\",\"checkpoint\"] or [\"sh\",\"-c\",\"...\"]");
        }
    }

    /**
     * Runs the pre hook, and registers the post hook on {@code undo}.
     *
     * @return why the target must be skipped (pre hook failed with on-error=fail), or empty
     */
    public Optional<String> before(Target target, TargetBackup backup, UndoStack undo) {
        boolean failOnError = !"continue".equals(target.option(ON_ERROR).orElse("fail"));
        Optional<String> preFailed = target.option(PRE).flatMap(cmd -> run(target, cmd, "pre"));
        if (preFailed.isPresent()) {
            backup.hookFailed();
            if (failOnError) {
                return Optional.of(preFailed.get() + " (exec.on-error=fail: target skipped)");
            }
            backup.note(preFailed.get() + " (exec.on-error=continue)");
        }
        target.option(POST).ifPresent(cmd -> undo.push("post hook", () -> run(target, cmd, "post").ifPresent(why -> {
            backup.hookFailed();
            if (failOnError) {
                backup.failed("exec.post", why);
            } else {
                backup.note(why + " (exec.on-error=continue)");
            }
        })));
        return Optional.empty();
    }

    private Optional<String> run(Target target, String value, String which) {
        try {
            ExecResult r = exec.run(target.containerId(), parse(value), target.timeout(), new TailBuffer(64 * 1024));
            return r.succeeded() ? Optional.empty() : Optional.of(r.failure(which + " hook " + value));
        } catch (IOException | RuntimeException e) {
            return Optional.of(which + " hook " + value + " could not run: " + e.getMessage());
        }
    }
}
