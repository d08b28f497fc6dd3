package banger.guest;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * POSIX shell quoting. SSH runs a command as one string through the guest's shell, so an argv is joined
 * with every argument quoted; inside single quotes nothing is special except the quote itself.
 */
public final class ShellQuote {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");
    /** Words a shell reads as syntax, not as a command, when they come first (POSIX, bash, zsh, ksh). */
    private static final Set<String> RESERVED = Set.of("!", "{", "}", "[[", "]]", "case", "coproc", "do", "done",
            "elif", "else", "esac", "fi", "for", "function", "if", "in", "select", "then", "time", "until", "while");

    private ShellQuote() {
    }

    /** One argument as a shell word that the shell reads back as exactly this string. */
    public static String quote(String arg) {
        if (arg.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an argument cannot contain a NUL byte");
        }
        if (PLAIN.matcher(arg).matches()) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /**
     * The command word: quoted also when plain text would not run it as a command, i.e. a reserved word
     * ({@code time}, {@code if}) or an assignment ({@code A=b}); quoted, the shell looks the name up instead.
     */
    public static String quoteCommand(String arg) {
        if (arg.indexOf('=') >= 0 || RESERVED.contains(arg)) {
            return "'" + arg.replace("'", "'\\''") + "'";
        }
        return quote(arg);
    }

    /** An argv as one command line; the shell splits it back into the same arguments and runs argv[0]. */
    public static String join(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv is empty");
        }
        return quoteCommand(argv.get(0)) + argv.stream().skip(1).map(a -> " " + quote(a)).collect(Collectors.joining());
    }
}
