package org.backrestsidecar.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.testing.LocalRestic;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A repo's quick key with real restic on real repos: the sidecar's restics open the repo with it,
 * restic alone (a folder with no other key) opens the repo with it, Backrest's restic (no hint) still
 * opens the repo and sees what the sidecar stored, a sidecar started anew finds it instead of making
 * another, and a rotated key's quick key goes. What it saves (restic's half second of scrypt a start)
 * is measured in bench/results.md, not here.
 */
class QuickKeysTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void theSidecarsResticsOpenALongKeyedRepoWithItsQuickKey() throws Exception {
        Path key = dir.resolve("critical.key");
        Files.writeString(key, "Zq0u8dV3kT1mWc6yHn2pR9sLa4xEb7fGj5oQiN8uYt3K\n"); // as setup writes one: 44 characters
        RepoConfig repo = new RepoConfig("critical", dir.resolve("repo").toString(), key, Map.of());
        ResticCommand restic = LocalRestic.withQuickKeys(dir, List.of(repo), true);
        new Repository(restic).ensureInitialized(repo);
        // more keys of the same password, as a repo that lived a while may have: restic without the
        // hint would try them in the folder's order, so "current" below is the hint's doing
        for (int i = 0; i < 4; i++) {
            ResticCli.run(Path.of(repo.uri()), key, "key", "add", "--new-password-file", key.toString());
        }
        Set<String> restics = keyFiles(repo);
        assertEquals(5, restics.size());

        String hint = restic.keyHint(repo).orElseThrow();
        Set<String> now = keyFiles(repo);
        assertEquals(6, now.size(), "one key more: " + now);
        assertTrue(now.contains(hint) && !restics.contains(hint));
        JsonNode file = JSON.readTree(Path.of(repo.uri(), "keys", hint).toFile());
        assertEquals("backrest-sidecar", file.path("username").asText());
        assertEquals(QuickKeys.QUICK.n(), file.path("N").asInt());
        assertEquals(QuickKeys.QUICK.p(), file.path("p").asInt());
        assertEquals(Files.getPosixFilePermissions(Path.of(repo.uri(), "keys", restics.iterator().next())),
                Files.getPosixFilePermissions(Path.of(repo.uri(), "keys", hint)), "modes as restic leaves its keys");
        assertEquals(Set.of(), leftovers(repo), "no temporary file left in keys/");

        // restic as the sidecar starts it says which key opened the repo
        for (JsonNode k : restic.parse(restic.run(repo, ResticCommand.QUICK, "key", "list", "--json"))) {
            assertEquals(k.path("current").asBoolean(), hint.startsWith(k.path("id").asText()), k.toString());
        }
        // what the sidecar stores through it, Backrest's restic (no hint: any key) reads
        Path data = Files.writeString(dir.resolve("chats.txt"), "a chat\n".repeat(1000));
        Backup backup = new Backup(restic, new Forget(restic, new Snapshots(restic)));
        StoredSnapshot stored = backup.backupPaths(repo, List.of(data), new SnapshotTags("critical", "host", "t"), "host",
                Priority.FULL);
        assertTrue(ResticCli.run(Path.of(repo.uri()), key, "snapshots", "--json").contains(stored.id()));

        // the quick key alone opens the repo: a copy of it with every other key removed
        Path alone = dir.resolve("alone");
        TestDocker.run(List.of("cp", "-a", repo.uri(), alone.toString()), Map.of());
        for (String other : restics) {
            Files.delete(alone.resolve("keys").resolve(other));
        }
        Path back = dir.resolve("back.txt");
        ResticCli.dump(alone, key, stored.id(), data.toString(), back);
        assertEquals(Files.readString(data), Files.readString(back));

        // a sidecar started anew finds the quick key instead of making another
        ResticCommand again = LocalRestic.withQuickKeys(dir, List.of(repo), true);
        assertEquals(Optional.of(hint), again.keyHint(repo));
        assertEquals(now, keyFiles(repo));
    }

    @Test
    void aRotatedKeysQuickKeyGoesWithTheKeyItWasMadeFrom() throws Exception {
        Path key = dir.resolve("critical.key");
        String old = "old-key-0123456789abcdefghijklmnopqrstuvw";
        Files.writeString(key, old);
        RepoConfig repo = new RepoConfig("critical", dir.resolve("repo").toString(), key, Map.of());
        new Repository(LocalRestic.withQuickKeys(dir, List.of(repo), true)).ensureInitialized(repo);
        String oldKey = keyFiles(repo).iterator().next();
        String oldQuick = LocalRestic.withQuickKeys(dir, List.of(repo), true).keyHint(repo).orElseThrow();
        assertEquals("for-key-" + oldKey.substring(0, 8),
                JSON.readTree(Path.of(repo.uri(), "keys", oldQuick).toFile()).path("hostname").asText());

        // docs/security.md "Rotating a repo key": key add with the new one, the file switched, a restart
        Path next = Files.writeString(dir.resolve("critical.key.new"), "new-key-0123456789abcdefghijklmnopqrstuvw");
        ResticCli.run(Path.of(repo.uri()), key, "key", "add", "--new-password-file", next.toString());
        Path oldFile = Files.writeString(dir.resolve("old.key"), old);
        Files.writeString(key, Files.readString(next));
        String newQuick = LocalRestic.withQuickKeys(dir, List.of(repo), true).keyHint(repo).orElseThrow();
        assertNotEquals(oldQuick, newQuick);
        // while the old key is there, its quick key stays: a node still on the old key (a swarm's tasks
        // are updated one by one) goes on with its own, and neither removes the other's
        RepoConfig onOld = new RepoConfig("critical", repo.uri(), oldFile, Map.of());
        assertEquals(Optional.of(oldQuick), LocalRestic.withQuickKeys(dir, List.of(onOld), true).keyHint(onOld));
        assertTrue(keyFiles(repo).containsAll(Set.of(oldQuick, newQuick)), keyFiles(repo).toString());

        // the old key removed: its quick key goes at the sidecar's next look (a start, or 5 minutes)
        ResticCli.run(Path.of(repo.uri()), key, "key", "remove", oldKey.substring(0, 8));
        assertEquals(Optional.of(newQuick), LocalRestic.withQuickKeys(dir, List.of(repo), true).keyHint(repo));
        Set<String> after = keyFiles(repo);
        assertFalse(after.contains(oldQuick), "the old key's quick key must not go on opening the repo: " + after);
        assertTrue(after.contains(newQuick));
        assertEquals(2, after.size(), "the new key and its quick key: " + after);
        try {
            ResticCli.run(Path.of(repo.uri()), oldFile, "cat", "config");
            org.junit.jupiter.api.Assertions.fail("the old key still opens the repo");
        } catch (java.io.IOException refused) {
            assertTrue(refused.getMessage().contains("wrong password"), refused.getMessage());
        }
    }

    /**
     * A repo another restic holds exclusively (a prune, another node's forget; here restic's own
     * {@code key passwd} waiting for its new password) gets no quick key at that moment (restic 0.14's
     * {@code key list} takes a lock even with --no-lock), and is tried again a minute later, not an
     * hour as after any other failure. Nothing fails meanwhile: restic runs without a hint.
     */
    @Test
    void aRepoHeldExclusivelyIsTriedAgainInAMinute() throws Exception {
        Path key = Files.writeString(dir.resolve("critical.key"), "Zq0u8dV3kT1mWc6yHn2pR9sLa4xEb7fGj5oQiN8uYt3K\n");
        RepoConfig repo = new RepoConfig("critical", dir.resolve("repo").toString(), key, Map.of());
        new Repository(LocalRestic.withQuickKeys(dir, List.of(repo), false)).ensureInitialized(repo);
        Set<String> before = keyFiles(repo);
        Process holder = new ProcessBuilder("restic", "-r", repo.uri(), "--password-file", key.toString(), "key", "passwd")
                .redirectErrorStream(true).start();
        try {
            TestDocker.await("restic key passwd holding the repo", java.time.Duration.ofSeconds(30), () -> {
                String[] locks = Path.of(repo.uri(), "locks").toFile().list();
                return locks != null && locks.length > 0;
            });
            QuickKeys quick = new QuickKeys(true);
            java.time.Instant asked = java.time.Instant.now();
            assertEquals(Optional.empty(), LocalRestic.withQuickKeys(dir, List.of(repo), quick).keyHint(repo));
            assertEquals(before, keyFiles(repo), "no key made");
            java.time.Instant retry = quick.retryAt("critical").orElseThrow();
            assertTrue(!retry.isBefore(asked.plus(QuickKeys.RETRY_AFTER_LOCK))
                    && retry.isBefore(asked.plus(QuickKeys.RETRY_AFTER_LOCK).plusSeconds(30)), "tried again at " + retry);
        } finally {
            holder.getOutputStream().write((Files.readString(key).strip() + "\n").repeat(2).getBytes());
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "key passwd ended");
        }
        assertEquals(QuickKeys.RETRY_AFTER, QuickKeys.retryAfter(new java.io.IOException("restic printed no master key")));
    }

    /**
     * Which failures to make a quick key have the repo taken back first (Backrest, as root, made it:
     * keys/ and locks/ are root's until then; StackComesUpIT shows the bundle's repos get their quick
     * key all the same), and which wait a minute (a lock) or an hour (anything else).
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("failures")
    void aFailureIsReadForWhatItWas(String what, Throwable failure, boolean denied, java.time.Duration retry) {
        assertEquals(denied, QuickKeys.deniedPermission(failure), what);
        assertEquals(retry, QuickKeys.retryAfter(failure), what);
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> failures() {
        ResticException locked = new ResticException("unable to create lock in backend: repository is already locked "
                + "exclusively by PID 21366 on vm by root (UID 0, GID 0)");
        ResticException denied = new ResticException("Fatal: create lock: open /repos/critical/locks/3f2a: permission denied");
        return Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("keys/ not writable", new java.nio.file.AccessDeniedException(
                        "/repos/critical/keys/ab-tmp-1"), true, QuickKeys.RETRY_AFTER),
                org.junit.jupiter.params.provider.Arguments.of("restic's key list under a root-owned locks/",
                        new java.io.IOException(denied.getMessage(), denied), true, QuickKeys.RETRY_AFTER),
                org.junit.jupiter.params.provider.Arguments.of("restic's key list under another's exclusive lock",
                        new java.io.IOException(locked.getMessage(), locked), false, QuickKeys.RETRY_AFTER_LOCK),
                org.junit.jupiter.params.provider.Arguments.of("anything else", new java.io.IOException("restic printed no master key"),
                        false, QuickKeys.RETRY_AFTER));
    }

    /** Where no quick key is made, and the repo's keys are left as they were. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a key of 31 characters (one a person may have chosen) | 0123456789abcdefghijklmnopqrstu          | true",
        "switched off (sidecar.restic.quick-key=false)         | 0123456789abcdefghijklmnopqrstuvwxyzABCD | false",
    })
    void noQuickKey(String why, String password, boolean enabled) throws Exception {
        Path key = Files.writeString(dir.resolve("k"), password + "\n");
        RepoConfig repo = new RepoConfig("r", dir.resolve("repo").toString(), key, Map.of());
        ResticCommand restic = LocalRestic.withQuickKeys(dir, List.of(repo), enabled);
        new Repository(restic).ensureInitialized(repo);
        Set<String> before = keyFiles(repo);
        assertEquals(Optional.empty(), restic.keyHint(repo), why);
        assertEquals(before, keyFiles(repo), why);
        assertTrue(restic.run(repo, ResticCommand.QUICK, "cat", "config").contains("chunker_polynomial"));
    }

    @Test
    void aRepoBehindABackendGetsNoQuickKey() {
        RepoConfig repo = new RepoConfig("r", "sftp:backup@127.0.0.1:/repo", dir.resolve("none"), Map.of());
        assertEquals(Optional.empty(), LocalRestic.withQuickKeys(dir, List.of(repo), true).keyHint(repo));
    }

    private static Set<String> keyFiles(RepoConfig repo) throws Exception {
        try (Stream<Path> files = Files.list(Path.of(repo.uri(), "keys"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}"))
                    .collect(Collectors.toSet());
        }
    }

    private static Set<String> leftovers(RepoConfig repo) throws Exception {
        try (Stream<Path> files = Files.list(Path.of(repo.uri(), "keys"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.matches("[0-9a-f]{64}"))
                    .collect(Collectors.toSet());
        }
    }
}
