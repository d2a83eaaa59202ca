package org.backrestsidecar.postgres.pitr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shell steps a restore over a live wal-mode server runs on its data folder, run here with the
 * local sh on a folder laid out as each cut leaves it (the sidecar killed at that step; its shell
 * goes on or stops there). After {@code ROLL_BACK} the folder must hold exactly the live files, the
 * other kept folders untouched, and no folder of the restore left. The same scripts run in the
 * server's image in the scenario tests (RestoresToAMomentTest, crash/RestoreCutOffIT).
 */
class DataFolderRollBackTest {
    private static final String ASIDE = DataFolder.ASIDE_PREFIX + "cut00001";
    private static final String KEPT = DataFolder.ASIDE_PREFIX + "older001";
    /** The live data folder, as the server left it. */
    private static final Map<String, String> LIVE = Map.of("PG_VERSION", "15", "base/1/1259", "live-rows",
            "global/pg_control", "live-control", ".hidden", "live-dot", "postgresql.auto.conf", "live-settings");
    /** What a base backup lays down. */
    private static final Map<String, String> BACKUP = Map.of("PG_VERSION", "15", "base/1/1259", "backup-rows",
            "backup_label", "label", "recovery.signal", "", "global/pg_control", "backup-control");
    /** A data folder an earlier restore kept, and what it holds. */
    private static final Map<String, String> OLDER = Map.of("PG_VERSION", "15", "base/1/1259", "older-rows");

    static Stream<Arguments> cuts() {
        return Stream.of(
                Arguments.of("before anything moved", "", false, null),
                Arguments.of("moving aside, half done", "MOVE_ASIDE_HALF", false, null),
                Arguments.of("moved aside, nothing laid yet", "MOVE_ASIDE", true, null),
                Arguments.of("laying down a base backup, half done", "MOVE_ASIDE;LAY_HALF", true, null),
                Arguments.of("the base's tar fetched, half unpacked", "MOVE_ASIDE;FETCHED;LAY_HALF", true, null),
                Arguments.of("laid down, replaying (WAL folder there)", "MOVE_ASIDE;LAY;WAL", true, null),
                Arguments.of("putting back: laid removed, half moved back", "MOVE_ASIDE;LAY;EMPTIED;BACK_HALF", true, null),
                Arguments.of("putting a kept folder in place, half done", "MOVE_ASIDE;KEPT_HALF", true, KEPT),
                Arguments.of("a kept folder in place, replaying", "MOVE_ASIDE;KEPT_ALL", true, KEPT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cuts")
    void aRollBackLeavesExactlyTheLiveFolder(String cut, String steps, boolean laid, String kept,
                                             @org.junit.jupiter.api.io.TempDir Path pgdata) throws Exception {
        write(pgdata, LIVE);
        write(pgdata.resolve("pgsql_tmp.other"), Map.of("x", "temp"));
        if (kept != null || steps.contains("KEPT")) {
            write(pgdata.resolve(KEPT), OLDER);
        }
        for (String step : steps.split(";")) {
            switch (step) {
                case "" -> { }
                case "MOVE_ASIDE" -> sh(DataFolder.MOVE_ASIDE, pgdata, Map.of());
                case "MOVE_ASIDE_HALF" -> {
                    // what MOVE_ASIDE's loop has done when cut after two names
                    Files.createDirectory(pgdata.resolve(ASIDE));
                    Files.move(pgdata.resolve("base"), pgdata.resolve(ASIDE).resolve("base"));
                    Files.move(pgdata.resolve(".hidden"), pgdata.resolve(ASIDE).resolve(".hidden"));
                }
                case "LAY" -> write(pgdata, BACKUP);
                case "FETCHED" -> write(pgdata.resolve(DataFolder.FETCH_DIR).resolve("0"), Map.of("postgres/base.tar", "tar"));
                case "LAY_HALF" -> write(pgdata, Map.of("PG_VERSION", "15", "base/1/1259", "backup-ro"));
                case "WAL" -> write(pgdata.resolve(DataFolder.WAL_DIR), Map.of("000000010000000000000003", "wal"));
                case "EMPTIED" -> {
                    // PUT_BACK cut after its removal and mark, before its moves
                    for (String name : List.of("PG_VERSION", "base", "backup_label", "recovery.signal", "global")) {
                        delete(pgdata.resolve(name));
                    }
                    delete(pgdata.resolve(DataFolder.WAL_DIR));
                    Files.writeString(pgdata.resolve(ASIDE).resolve(".backrest-sidecar-laid-removed"), "");
                }
                case "BACK_HALF" -> {
                    Files.move(pgdata.resolve(ASIDE).resolve("base"), pgdata.resolve("base"));
                    Files.move(pgdata.resolve(ASIDE).resolve("PG_VERSION"), pgdata.resolve("PG_VERSION"));
                }
                case "KEPT_HALF" -> {
                    // PUT_BACK with ASIDE=kept, cut after its mark and one move
                    Files.writeString(pgdata.resolve(KEPT).resolve(".backrest-sidecar-laid-removed"), "");
                    Files.move(pgdata.resolve(KEPT).resolve("base"), pgdata.resolve("base"));
                }
                case "KEPT_ALL" -> sh(DataFolder.PUT_BACK, pgdata, Map.of("ASIDE", KEPT));
                default -> throw new IllegalArgumentException(step);
            }
        }

        sh(DataFolder.ROLL_BACK, pgdata, Map.of("LAID", laid ? "yes" : "no", "KEPT", kept == null ? "" : kept));

        Map<String, String> expected = new TreeMap<>(LIVE);
        expected.put("pgsql_tmp.other/x", "temp");
        if (kept != null || steps.contains("KEPT")) {
            OLDER.forEach((k, v) -> expected.put(KEPT + "/" + k, v));
        }
        assertEquals(expected, read(pgdata), cut);
    }

    @org.junit.jupiter.api.Test
    void aPutBackAfterALayDownLeavesTheLiveFolder(@org.junit.jupiter.api.io.TempDir Path pgdata) throws Exception {
        write(pgdata, LIVE);
        sh(DataFolder.MOVE_ASIDE, pgdata, Map.of());
        write(pgdata, BACKUP);
        write(pgdata.resolve(DataFolder.WAL_DIR), Map.of("000000010000000000000003", "wal"));
        sh(DataFolder.PUT_BACK, pgdata, Map.of());
        assertEquals(new TreeMap<>(LIVE), read(pgdata));
    }

    private static void sh(String script, Path pgdata, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
        builder.environment().put("PGDATA", pgdata.toString());
        builder.environment().put("ASIDE", ASIDE);
        builder.environment().putAll(env);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), script + "\n" + out);
    }

    private static void write(Path root, Map<String, String> files) throws IOException {
        for (var e : files.entrySet()) {
            Path file = root.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
        }
    }

    private static void delete(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            List<Path> sorted = new ArrayList<>(all.toList());
            java.util.Collections.reverse(sorted);
            for (Path p : sorted) {
                Files.delete(p);
            }
        }
    }

    /** Every file under {@code root}: its relative path and content. */
    private static Map<String, String> read(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Files.readString(p));
            }
        }
        try (Stream<Path> all = Files.walk(root)) {
            // an empty folder left behind (the restore's aside folder) counts too
            all.filter(Files::isDirectory).filter(d -> !d.equals(root)).filter(d -> d.toFile().list().length == 0)
                    .forEach(d -> files.put(root.relativize(d) + "/", "(empty folder)"));
        }
        return files;
    }
}
