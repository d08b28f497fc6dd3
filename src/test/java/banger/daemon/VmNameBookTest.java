package banger.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class VmNameBookTest {

    @Test
    void namesOfDeletedVmsAreKeptOnlyForTheMostRecentDeletions() {
        VmNameBook book = new VmNameBook(Optional.empty(), 100);
        book.registered("keep", "keeper", null);
        for (int i = 0; i < 5000; i++) {
            book.registered("id-" + i, "vm-" + i, null);
            book.removed("id-" + i, "vm-" + i);
        }
        assertEquals(101, book.size(), "one live VM and the last 100 deleted ones");
        assertEquals("keeper", book.nameOf("keep"));
        assertEquals("vm-4999", book.nameOf("id-4999"));
        assertEquals("vm-4900", book.nameOf("id-4900"));
        assertNull(book.nameOf("id-4899"));
    }

    @Test
    void aLiveVmIsNeverForgotten() {
        VmNameBook book = new VmNameBook(Optional.empty(), 1);
        book.registered("a", "alpha", null);
        book.registered("b", "beta", null);
        book.removed("c", "gamma");
        book.removed("d", "delta");
        assertEquals("alpha", book.nameOf("a"));
        assertEquals("beta", book.nameOf("b"));
        assertEquals("delta", book.nameOf("d"));
        assertNull(book.nameOf("c"));
    }
}
