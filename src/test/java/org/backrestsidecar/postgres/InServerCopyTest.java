package org.backrestsidecar.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The name of a database's safety copy inside its server, and how it is quoted in SQL. */
class InServerCopyTest {
    private static final String RESTORE = "58f682c7-5d0d-4b25-9c8a-39cac64c561b";

    @ParameterizedTest(name = "{0} is copied as {1}")
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
    void theCopyIsNamedAfterTheDatabaseAndTheRestore(String database, String copy) {
        String name = InServerCopy.nameFor(database, RESTORE);
        assertEquals(copy, name);
        assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= 63, name);
    }

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "shop                | \"shop\"",
            "it's \"odd\" db     | \"it's \"\"odd\"\" db\"",
            "Shop.before-restore | \"Shop.before-restore\"",
    })
    void aNameIsAQuotedIdentifier(String name, String identifier) {
        assertEquals(identifier, InServerCopy.identifier(name));
    }
}
