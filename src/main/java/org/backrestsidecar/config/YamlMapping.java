package org.backrestsidecar.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads one YAML mapping field by field, keeping each node's line so that every problem can say
 * "file line N, plans[1].schedule: ...". Problems are collected, not thrown, so one start-up
 * attempt reports all of them.
 */
final class YamlMapping {
    private final String file;
    private final String path;
    private final Node node;
    private final List<String> problems;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    YamlMapping(String file, String path, Node node, List<String> problems) {
        this.file = file;
        this.path = path;
        this.node = node;
        this.problems = problems;
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                String key = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : "?";
                if (entries.putIfAbsent(key, tuple) != null) {
                    report(tuple.getKeyNode().getStartMark(), field(key), "appears twice");
                }
            }
        } else if (node != null) {
            report(node.getStartMark(), path.isEmpty() ? "(top level)" : path, "must be a mapping of key: value");
        }
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    Optional<String> string(String key) {
        NodeTuple t = entries.get(key);
        if (t == null) {
            return Optional.empty();
        }
        if (t.getValueNode() instanceof ScalarNode s) {
            return Optional.of(s.getValue());
        }
        report(t.getValueNode().getStartMark(), field(key), "must be a single value");
        return Optional.empty();
    }

    Optional<String> requiredString(String key) {
        if (!has(key)) {
            report(node == null ? null : node.getStartMark(), field(key), "is required");
            return Optional.empty();
        }
        return string(key).filter(v -> !v.isBlank()).or(() -> {
            problem(key, "must not be empty");
            return Optional.empty();
        });
    }

    Optional<Integer> integer(String key, int min) {
        return string(key).flatMap(v -> {
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= min) {
                    return Optional.of(n);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            problem(key, "'" + v + "' must be a whole number >= " + min);
            return Optional.empty();
        });
    }

    /** {@code true} or {@code false} (YAML's other spellings of a yes are refused: say it plainly). */
    Optional<Boolean> bool(String key) {
        return string(key).flatMap(v -> switch (v.trim()) {
            case "true" -> Optional.of(true);
            case "false" -> Optional.of(false);
            default -> {
                problem(key, "'" + v + "' must be true or false");
                yield Optional.empty();
            }
        });
    }

    Optional<YamlMapping> mapping(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? Optional.empty() : Optional.of(new YamlMapping(file, field(key), t.getValueNode(), problems));
    }

    /** A list of mappings, e.g. {@code repos:}; an absent key gives an empty Optional. */
    Optional<List<YamlMapping>> mappings(String key) {
        return sequence(key).map(items -> {
            List<YamlMapping> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                out.add(new YamlMapping(file, field(key) + "[" + i + "]", items.get(i), problems));
            }
            return out;
        });
    }

    Optional<List<String>> strings(String key) {
        return sequence(key).map(items -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i) instanceof ScalarNode s) {
                    out.add(s.getValue());
                } else {
                    report(items.get(i).getStartMark(), field(key) + "[" + i + "]", "must be a single value");
                }
            }
            return out;
        });
    }

    Map<String, String> stringMap(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        mapping(key).ifPresent(m -> m.entries.keySet().forEach(k -> m.string(k).ifPresent(v -> out.put(k, v))));
        return out;
    }

    void rejectUnknown(Set<String> known) {
        entries.forEach((key, tuple) -> {
            if (!known.contains(key)) {
                report(tuple.getKeyNode().getStartMark(), field(key), "is not a known field (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        });
    }

    void problem(String key, String message) {
        NodeTuple t = entries.get(key);
        report(t != null ? t.getValueNode().getStartMark() : node == null ? null : node.getStartMark(), field(key), message);
    }

    String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private Optional<List<Node>> sequence(String key) {
        NodeTuple t = entries.get(key);
        if (t == null) {
            return Optional.empty();
        }
        if (t.getValueNode() instanceof SequenceNode seq) {
            return Optional.of(seq.getValue());
        }
        report(t.getValueNode().getStartMark(), field(key), "must be a list");
        return Optional.of(List.of());
    }

    private void report(Mark mark, String field, String message) {
        problems.add(file + (mark == null ? "" : " line " + (mark.getLine() + 1)) + ", " + field + ": " + message);
    }
}
