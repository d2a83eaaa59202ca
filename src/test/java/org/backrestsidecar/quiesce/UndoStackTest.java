package org.backrestsidecar.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UndoStackTest {
    @Test
    void undoRunsNewestFirstOnceEvenWhenOneStepFailsAndWhenTheBodyThrows() {
        List<String> done = new ArrayList<>();
        UndoStack kept = new UndoStack();
        assertThrows(IllegalStateException.class, () -> {
            try (UndoStack undo = kept) {
                undo.push("start db", () -> done.add("start db"));
                undo.push("start app", () -> {
                    throw new IllegalStateException("app refused to start");
                });
                undo.push("start web", () -> done.add("start web"));
                throw new IllegalStateException("the copy failed");
            }
        });
        assertEquals(List.of("start web", "start db"), done);
        assertEquals(List.of("start app: app refused to start"), kept.unwind(), "a second unwind runs nothing again");
        assertEquals(List.of("start web", "start db"), done);
    }
}
