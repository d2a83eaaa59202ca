package org.backrestsidecar.strategy;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Every strategy bean, by the name a label uses. */
@ApplicationScoped
public class Strategies {
    private final Map<String, BackupStrategy> byName = new TreeMap<>();

    @Inject
    public Strategies(Instance<BackupStrategy> all) {
        all.forEach(s -> byName.put(s.name(), s));
    }

    Strategies(Map<String, BackupStrategy> strategies) {
        byName.putAll(strategies);
    }

    public static Strategies of(BackupStrategy... strategies) {
        Map<String, BackupStrategy> map = new TreeMap<>();
        for (BackupStrategy s : strategies) {
            map.put(s.name(), s);
        }
        return new Strategies(map);
    }

    public Optional<BackupStrategy> named(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
