package banger.workspace;

/**
 * The fixed shell scripts guest I/O runs ({@code sh -c SCRIPT sh ARGS...}): user text only ever arrives as
 * their positional arguments, quoted by ShellQuote, never inside the script. Written for POSIX sh and both
 * busybox (tiny) and GNU (debian) tools. Git runs with safe.directory=* since a workspace's files keep no
 * owner of the guest's (tar -o).
 */
final class GuestScripts {

    private GuestScripts() {
    }

    /** $1: directory to unpack stdin's tar into (created). Lists the entries (tar -v) on stdout. */
    static final String UNPACK_LISTING = "mkdir -p \"$1\" && tar -x -v -o -f - -C \"$1\"";

    /** $1: directory to unpack stdin's tar into (created). */
    static final String UNPACK = "mkdir -p \"$1\" && tar -x -o -f - -C \"$1\"";

    /** $1: staged directory, $2: workspace path: the staged one replaces whatever was there. */
    static final String REPLACE_DIR = "rm -rf \"$2\" && mv \"$1\" \"$2\"";

    /** $1: what to remove (a failed staging). */
    static final String REMOVE = "rm -rf \"$1\"";

    /** Exit status for "the target is a directory" (a file cannot replace it). */
    static final int IS_DIRECTORY = 21;

    /** $1: temporary file, $2: target: stdin goes into the temporary file next to the target. */
    static final String WRITE_TEMP = "if [ -d \"$2\" ]; then echo \"$2 is a directory\" >&2; exit 21; fi; "
            + "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\"";

    /** $1: temporary file, $2: target, $3: octal mode: the complete file replaces the target in one rename. */
    static final String COMMIT_TEMP = "chmod \"$3\" \"$1\" && mv -f \"$1\" \"$2\" || { rm -f \"$1\"; exit 1; }";

    /** $1: path: prints file, dir or missing. */
    static final String KIND = "if [ -d \"$1\" ]; then echo dir; elif [ -e \"$1\" ]; then echo file; else echo missing; fi";

    /** $1: file to print. */
    static final String CAT = "cat < \"$1\"";

    /** $1: parent, $2: name: a tar of $1/$2 (directory or file), entries named from $2. */
    static final String TAR = "tar -c -f - -C \"$1\" \"$2\"";

    /**
     * $1: workspace path, $2: base commit or empty. Prints nodir, nogit or norepo; or "head H", dirty|clean and,
     * with a base, "commits N" (-1 when the base is unknown to the guest's repository).
     */
    static final String GIT_STATUS = "cd \"$1\" 2>/dev/null || { echo nodir; exit 0; }; "
            + "command -v git >/dev/null 2>&1 || { echo nogit; exit 0; }; "
            + "g() { git -c safe.directory='*' \"$@\"; }; "
            + "h=$(g rev-parse --verify -q HEAD) || { echo norepo; exit 0; }; "
            + "echo \"head $h\"; "
            + "if [ -n \"$(g status --porcelain)\" ]; then echo dirty; else echo clean; fi; "
            + "if [ -n \"$2\" ]; then echo \"commits $(g rev-list --count \"$2..HEAD\" 2>/dev/null || echo -1)\"; fi";

    /** $1: workspace path, $2: base commit: a git bundle of base..HEAD on stdout. */
    static final String BUNDLE = "cd \"$1\" && git -c safe.directory='*' bundle create -q - \"$2..HEAD\"";

    /**
     * $1: workspace path: {@code git diff --binary HEAD} with untracked (not ignored) files included, made
     * through a copy of the index with the untracked files added as intent-to-add: the guest's own index is
     * never touched.
     */
    static final String DIFF = "cd \"$1\" || exit 1; d=$(mktemp -d) || exit 1; trap 'rm -rf \"$d\"' EXIT; "
            + "g() { git -c safe.directory='*' \"$@\"; }; "
            + "i=$(g rev-parse --git-path index) || exit 1; if [ -f \"$i\" ]; then cp \"$i\" \"$d/index\" || exit 1; fi; "
            + "export GIT_INDEX_FILE=\"$d/index\"; g add -N . && g diff --binary HEAD";

    /** Listening sockets (/proc/net/*) and, per process, its socket inodes: "## name" sections. */
    static final String PORTS = "for f in tcp tcp6 udp udp6; do echo \"## $f\"; cat /proc/net/$f 2>/dev/null; done; "
            + "echo '## fd'; for p in /proc/[0-9]*; do n=${p#/proc/}; c=$(cat $p/comm 2>/dev/null) || continue; "
            + "for f in $p/fd/*; do l=$(readlink $f 2>/dev/null) || continue; "
            + "case $l in socket:*) echo \"$n $l $c\";; esac; done; done";
}
