package org.backrestsidecar.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What restic 0.14 said (each as it printed it here), and the kind of failure callers act on. */
class ResticFailureKindTest {

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiter = '|', value = {
            "unable to create lock in backend: repository is already locked by PID 13423 on vm by root (UID 0, GID 0)"
                    + " lock was created at 2026-11-25 14:16:23 (2.04234914s ago) storage ID 494e7c5e | LOCKED",
            "restic backup on repo critical failed (exit 1): unable to create lock in backend: repository is already "
                    + "locked exclusively by PID 77 on node2 by root (UID 0, GID 0) | LOCKED",
            "unknown command \"repair\" for \"restic\" | UNKNOWN_COMMAND",
            "Fatal: unable to open repository at /tmp/rr: ReadDir: open /tmp/rr/keys: permission denied | PERMISSION_DENIED",
            "Fatal: unable to open repository at /tmp/rr: ReadDir: open /tmp/rr/keys: Permission Denied | PERMISSION_DENIED",
            "Fatal: wrong password or no key found | OTHER",
            "Fatal: unable to open config file: stat /tmp/none/config: no such file or directory | OTHER",
            "'' | OTHER",
    })
    void aFailureIsKnownByWhatResticSaid(String said, ResticException.Kind kind) {
        assertEquals(kind, ResticException.Kind.of(said));
        assertEquals(kind, new ResticException(said).kind());
    }

    @ParameterizedTest(name = "no repository {1}: {0}")
    @CsvSource(delimiter = '|', value = {
            // restic prints these on two lines; the test joins them with a space
            "Fatal: unable to open config file: stat /tmp/none/config: no such file or directory Is there a "
                    + "repository at the following location? | true",
            "Fatal: unable to open config file: Lstat: file does not exist | true",
            "Fatal: wrong password or no key found | false",
            "unable to create lock in backend: repository is already locked by PID 1 on vm | false",
            "'' | false",
    })
    void noRepositoryWhereResticLookedIsToldApart(String said, boolean none) {
        assertEquals(none, ResticException.saysNoRepository(said));
        assertEquals(none, new ResticException(said).noRepository());
    }

    @ParameterizedTest(name = "lock gone {1}: {0}")
    @CsvSource(delimiter = '|', value = {
            // restic 0.14 in CI: a lock listed, then removed by its restic as ours read it
            "Load(<lock/476372332b>, 0, 0) returned error, retrying after 7.649837917s: open /tmp/bsc-stack1/repos/models"
                    + "/locks/476372332b8f083996a35325e5a25b4f85aba4e96ca65d7f48bffc4c3b5304c4: no such file or directory | true",
            "Load(<lock/5d1ef0a2c1>, 0, 0) returned error, retrying after 1.2s: The specified key does not exist. | true",
            // the backend itself failing: not a lock that went away
            "Load(<lock/476372332b>, 0, 0) returned error, retrying after 3s: dial tcp 127.0.0.1:9000: connect: "
                    + "connection refused | false",
            "Save(<data/1f2e3d4c5b>) returned error, retrying after 2s: no such file or directory | false",
            "List(lock) returned error, retrying after 1s: ssh: unexpected packet | false",
            "Load(<lock/404e1d2c3b>, 0, 0) returned error, retrying after 2s: connection reset by peer | false",
            "Load(<lock/9a8b7c6d5e>, 0, 0) returned error, retrying after 2s: unexpected HTTP response (404): 404 Not "
                    + "Found | true",
    })
    void aLockThatWentAwayIsToldApartFromABackendThatFails(String line, boolean gone) {
        assertEquals(gone, ResticProcess.lockWentAway(line));
    }

    @org.junit.jupiter.api.Test
    void aResticStoppedAtALockThatWentAwayIsLockedOut() {
        assertEquals(ResticException.Kind.LOCKED, ResticException.lockedOut("restic backup on repo models stopped: …")
                .kind());
    }

    @org.junit.jupiter.api.Test
    void noMessageIsNoKnownKind() {
        assertEquals(ResticException.Kind.OTHER, ResticException.Kind.of(null));
    }
}
