package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedLibrariesTest {

    @Test
    void listsLibrariesAndTheLoaderButNotTheVdso() {
        String ldd = """
                \tlinux-vdso.so.1 (0x00007ffd)
                \tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f1c)
                \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1d)
                \t/lib64/ld-linux-x86-64.so.2 (0x00007f1e)
                """;
        assertEquals(List.of(Path.of("/lib/x86_64-linux-gnu/libz.so.1"), Path.of("/lib/x86_64-linux-gnu/libc.so.6"),
                Path.of("/lib64/ld-linux-x86-64.so.2")), SharedLibraries.fromLdd("dropbear", ldd));
    }

    @Test
    void missingLibraryIsAnError() {
        assertThrows(IllegalStateException.class,
                () -> SharedLibraries.fromLdd("dropbear", "\tlibtomcrypt.so.1 => not found\n"));
    }
}
