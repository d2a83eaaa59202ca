package org.backrestsidecar.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A restore beside the live database: the names of the database beside and of the live one aside,
 * how a name is quoted in SQL, the CREATE DATABASE made from the live one's row on each Postgres
 * version, and what keeps a database from it.
 */
class RestoreBesideTest {
    private static final String RESTORE = "58f682c7-5d0d-4b25-9c8a-39cac64c561b";

    @ParameterizedTest(name = "{0} is put aside as {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "shop                                   | shop.before-restore-58f682c7",
            "it's \"odd\" db                        | it's \"odd\" db.before-restore-58f682c7",
            // cut to 30 bytes, so that the name stays within Postgres's 63
            "a_database_with_a_rather_long_name_indeed | a_database_with_a_rather_long_.before-restore-58f682c7",
            // whole characters: 15 two-byte letters are 30 bytes, a 16th would pass them
            "ééééééééééééééééé                      | ééééééééééééééé.before-restore-58f682c7",
            // a 4-byte character that would pass 30 bytes is left out whole
            "abcdefghijklmnopqrstuvwxyz12😀x        | abcdefghijklmnopqrstuvwxyz12.before-restore-58f682c7",
    })
    void theDatabaseAsideIsNamedAfterItAndTheRestore(String database, String aside) {
        String name = RestoreBeside.asideName(database, RESTORE);
        assertEquals(aside, name);
        assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= 63, name);
        String beside = RestoreBeside.besideName(database, RESTORE);
        assertEquals(aside.replace(".before-restore-", ".restoring-"), beside);
        assertTrue(beside.getBytes(StandardCharsets.UTF_8).length <= 63, beside);
    }

    /** pg_database rows as {@code to_jsonb} gives them on each version (the fields the statement reads). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "Postgres 14, libc only | {\"owner\":\"app\",\"encoding_name\":\"UTF8\",\"datcollate\":\"en_US.utf8\",\"datctype\":\"en_US.utf8\",\"tablespace\":\"pg_default\"}"
                    + " | CREATE DATABASE \"x\" WITH TEMPLATE template0 OWNER \"app\" ENCODING 'UTF8' LC_COLLATE 'en_US.utf8' LC_CTYPE 'en_US.utf8' TABLESPACE \"pg_default\"",
            "Postgres 15, libc | {\"owner\":\"app\",\"encoding_name\":\"UTF8\",\"datcollate\":\"C\",\"datctype\":\"C\",\"datlocprovider\":\"c\",\"daticulocale\":null,\"tablespace\":\"pg_default\"}"
                    + " | CREATE DATABASE \"x\" WITH TEMPLATE template0 OWNER \"app\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' LOCALE_PROVIDER libc TABLESPACE \"pg_default\"",
            "Postgres 16, ICU with rules | {\"owner\":\"o'k\",\"encoding_name\":\"UTF8\",\"datcollate\":\"C\",\"datctype\":\"C\",\"datlocprovider\":\"i\",\"daticulocale\":\"de-DE\",\"daticurules\":\"&a < b\",\"tablespace\":\"pg_default\"}"
                    + " | CREATE DATABASE \"x\" WITH TEMPLATE template0 OWNER \"o'k\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'de-DE' ICU_RULES '&a < b' TABLESPACE \"pg_default\"",
            "Postgres 17, ICU | {\"owner\":\"app\",\"encoding_name\":\"UTF8\",\"datcollate\":\"C\",\"datctype\":\"C\",\"datlocprovider\":\"i\",\"datlocale\":\"und\",\"daticurules\":null,\"tablespace\":\"pg_default\"}"
                    + " | CREATE DATABASE \"x\" WITH TEMPLATE template0 OWNER \"app\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'und' TABLESPACE \"pg_default\"",
            "Postgres 17, builtin | {\"owner\":\"app\",\"encoding_name\":\"UTF8\",\"datcollate\":\"C\",\"datctype\":\"C\",\"datlocprovider\":\"b\",\"datlocale\":\"C.UTF-8\",\"tablespace\":\"fast\"}"
                    + " | CREATE DATABASE \"x\" WITH TEMPLATE template0 OWNER \"app\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8' TABLESPACE \"fast\"",
    })
    void theDatabaseBesideIsMadeLikeTheLiveOne(String version, String row, String statement) throws Exception {
        assertEquals(statement, RestoreBeside.createLike(new com.fasterxml.jackson.databind.ObjectMapper().readTree(row), "x"));
    }

    /** The server's answer: allows connections, template, default tablespace, size, data folder, superuser, slots, subscriptions, prepared. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "t,f,t,1,/d,t,0,0,0 | ``",
            "f,f,t,1,/d,t,0,0,0 | database app refuses connections (ALLOW_CONNECTIONS false)",
            "t,t,t,1,/d,t,0,0,0 | database app is a template",
            "t,f,f,1,/d,t,0,0,0 | database app lies outside the default tablespace",
            "t,f,t,1,/d,f,0,0,0 | the restore's role is not a superuser, which may not move the database's settings",
            "t,f,t,1,/d,t,1,0,0 | a logical replication slot is bound to database app and would stay with the old one",
            "t,f,t,1,/d,t,0,2,0 | a subscription is bound to database app and would stay with the old one",
            "t,f,t,1,/d,t,0,0,1 | a prepared transaction holds database app",
    })
    void whatKeepsADatabaseFromARestoreBesideIt(String answer, String why) {
        assertEquals(why.isEmpty() ? null : why, RestoreBeside.why("app", answer.split(",")));
    }

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "shop                | \"shop\"",
            "it's \"odd\" db     | \"it's \"\"odd\"\" db\"",
            "Shop.before-restore | \"Shop.before-restore\"",
    })
    void aNameIsAQuotedIdentifier(String name, String identifier) {
        assertEquals(identifier, RestoreBeside.identifier(name));
    }

    /** What the one look before a restore answers (the query's row, then df's line) and what is read from it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "room for it | `t|f|t|1073741824|/var/lib/postgresql/data|t|0|0|0|{\"owner\":\"app\"}\n/dev/sda1 100 50 4194304 2% /` | ``",
            "too little room | `t|f|t|1073741824|/d|t|0|0|0|{\"owner\":\"app\"}\n/dev/sda1 100 50 1048576 2% /` | the server's disk has 1024 MiB free, too little for a second copy of database app (1024 MiB) beside it",
            "a slot first | `t|f|t|1|/d|t|1|0|0|{}\n/dev/sda1 100 50 4194304 2% /` | a logical replication slot is bound to database app and would stay with the old one",
            "no such database | `\n/dev/sda1 100 50 4194304 2% /` | the server does not list database app",
            "no df line | `t|f|t|1|/d|t|0|0|0|{}` | `the free room on the server's disk could not be read (t|f|t|1|/d|t|0|0|0|{})`",
    })
    void theLookBeforeARestoreIsRead(String what, String answer, String why) throws Exception {
        RestoreBeside.Live live = RestoreBeside.read("app", answer.replace("\\n", "\n"));
        assertEquals(why.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(why), live.whyNot());
    }
}
