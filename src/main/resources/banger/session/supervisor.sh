#!/bin/sh
# banger's session supervisor, installed into the guest by the daemon; POSIX sh (busybox ash, dash).
# A session is a directory D under the sessions root:
#   meta    the daemon's description of the session (one JSON line)
#   boot    the guest's boot id at start: under another boot id the session is lost
#   sup     the supervisor's pid; pid: the process's pid (also its process group, made with setsid)
#   in      FIFO: the process's stdin; the supervisor holds it open until `input D 1` asks for EOF
#   eof     exists once stdin is closed
#   out.N   the retained output; N is the absolute offset of its first byte (older bytes are dropped)
#   exit    "CODE ENDED_EPOCH" once the process ended and all its output is in out.N
# Every argument comes from the daemon, quoted; nothing here is built from what a user typed.
set -u
cmd=$1
shift

newest() { # sets best to the start offset of D's newest out.N (-1 if none)
    best=-1
    for f in "$d"/out.*; do
        [ -e "$f" ] || continue
        n=${f##*.}
        case "$n" in *[!0-9]*|'') continue ;; esac
        [ "$n" -gt "$best" ] && best=$n
    done
}

copy() { # appends stdin to out.N, dropping the oldest bytes past the cap
    f="$d/out.0"
    : > "$f"
    start=0
    while :; do
        dd bs=65536 count=1 2>"$d/copy.err" >>"$f" || break
        r=
        read -r r < "$d/copy.err" || true
        [ "$r" = "0+0 records in" ] && break
        size=$(stat -c %s "$f")
        if [ "$size" -gt "$cap" ]; then
            keep=$((cap / 4 * 3))
            start=$((start + size - keep))
            tail -c "$keep" "$f" > "$d/out.tmp"
            mv "$d/out.tmp" "$d/out.$start"
            rm -f "$f"
            f="$d/out.$start"
        fi
    done
    rm -f "$d/copy.err"
}

case "$cmd" in
start) # D CAP CWD TTY [K=V...] -- ARGV...; stdin: the meta line. Prints the process's pid once it runs.
    d=$1
    mkdir "$d" || exit 10
    cat > "$d/meta"
    cat /proc/sys/kernel/random/boot_id > "$d/boot"
    mkfifo "$d/in"
    setsid sh "$0" run "$@" </dev/null >/dev/null 2>&1 &
    i=0
    while [ ! -s "$d/pid" ]; do
        i=$((i + 1))
        [ "$i" -gt 400 ] && exit 11
        sleep 0.05
    done
    cat "$d/pid"
    ;;
run) # D CAP CWD TTY [K=V...] -- ARGV...
    d=$1 cap=$2 cwd=$3 tty=$4
    shift 4
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
        export "$1"
        shift
    done
    shift
    echo $$ > "$d/sup"
    got=0
    trap 'got=1; : > "$d/eof"; exec 3>&-' USR1
    mkfifo "$d/pipe"
    # the copier starts before fd 3 exists: a subshell would keep it, and stdin would never see EOF
    copy < "$d/pipe" &
    cp=$!
    exec 3<>"$d/in"
    [ -n "$cwd" ] || cwd=${HOME:-/}
    if [ "$tty" = 1 ]; then
        # util-linux script gives the process a terminal; the command line was quoted by the daemon. script copies
        # the size of its own stdin (a FIFO), so the terminal would be 0x0: it is 80x24, then the size a client
        # asked for (resize keeps it in size before it looks for the terminal, so no request falls between the two)
        line=$1
        set -- script -qfec "stty rows 24 cols 80 2>/dev/null; [ -s '$d/size' ] && stty \$(cat '$d/size') 2>/dev/null;
$line" /dev/null
    fi
    (
        cd "$cwd" 2>/dev/null || { echo "banger: cannot enter $cwd" >&2; exit 127; }
        exec setsid "$@"
    ) < "$d/in" > "$d/pipe" 2>&1 3>&- &
    child=$!
    echo "$child" > "$d/pid.tmp"
    mv "$d/pid.tmp" "$d/pid"
    prev=
    while :; do
        got=0
        wait "$child"
        rc=$?
        [ "$got" = 1 ] || break
        prev=$rc
    done
    # the trap ran while wait returned the real status: that status was the one to keep
    [ "$rc" = 127 ] && [ -n "$prev" ] && rc=$prev
    # output still buffered in the pipe comes first; a descendant holding the pipe open is not waited for
    ( sleep 5; kill "$cp" 2>/dev/null ) &
    w=$!
    wait "$cp"
    kill "$w" 2>/dev/null
    rm -f "$d/pipe"
    echo "$rc $(date +%s)" > "$d/exit.tmp"
    mv "$d/exit.tmp" "$d/exit"
    ;;
read) # D OFFSET FOLLOW: a header line "OFFSET PID", then the output from OFFSET (or the retained start)
    d=$1 pos=$2 follow=$3
    newest
    [ "$best" -ge 0 ] || exit 12
    [ "$pos" -lt "$best" ] && pos=$best
    echo "$pos $$"
    while :; do
        ended=0
        [ -e "$d/exit" ] && ended=1
        newest
        # a follower that fell behind the cap stops: resuming shows the client the new retained start
        [ "$pos" -lt "$best" ] && exit 0
        size=$(stat -c %s "$d/out.$best" 2>/dev/null) || continue
        have=$((best + size - pos))
        if [ "$have" -gt 0 ]; then
            dd if="$d/out.$best" bs=65536 skip=$((pos - best)) count="$have" iflag=skip_bytes,count_bytes \
                2>/dev/null || exit 0
            pos=$((pos + have))
            continue
        fi
        [ "$follow" = 1 ] && [ "$ended" = 0 ] || exit 0
        sleep 0.2
    done
    ;;
input) # D EOF: stdin goes to the process's stdin; EOF=1 closes it afterwards
    d=$1
    [ -e "$d/exit" ] && exit 13
    [ -e "$d/eof" ] && exit 14
    cat > "$d/in" || exit 15
    if [ "$2" = 1 ]; then
        read -r sup < "$d/sup"
        kill -USR1 "$sup"
    fi
    ;;
signal) # D SIGNAL: to the process's whole process group
    d=$1
    [ -e "$d/exit" ] && exit 13
    read -r pid < "$d/pid"
    kill -s "$2" -- "-$pid"
    ;;
resize) # D COLS ROWS: the terminal of a tty session
    d=$1 cols=$2 rows=$3
    [ -e "$d/exit" ] && exit 13
    # kept first: a terminal not made yet (an attach right after the start) takes it as it starts
    echo "cols $cols rows $rows" > "$d/size.tmp" && mv "$d/size.tmp" "$d/size"
    read -r pid < "$d/pid"
    for p in /proc/[0-9]*; do
        read -r stat < "$p/stat" 2>/dev/null || continue
        set -- $stat
        if [ "$4" = "$pid" ]; then
            stty -F "$p/fd/0" cols "$cols" rows "$rows" 2>/dev/null && kill -s WINCH -- "-$pid"
            break
        fi
    done
    ;;
remove) # D: kills a running process, then forgets the session
    d=$1
    if [ ! -e "$d/exit" ] && [ -s "$d/pid" ]; then
        read -r pid < "$d/pid"
        read -r sup < "$d/sup"
        kill -s KILL -- "-$pid" 2>/dev/null
        i=0
        while [ ! -e "$d/exit" ] && kill -0 "$sup" 2>/dev/null && [ "$i" -lt 100 ]; do
            i=$((i + 1))
            sleep 0.05
        done
    fi
    rm -rf "$d"
    ;;
list) # ROOT: one line per session: ID SAMEBOOT ALIVE EXIT START END EOF META, tab-separated
    root=$1
    read -r cur < /proc/sys/kernel/random/boot_id
    for d in "$root"/*; do
        [ -f "$d/meta" ] || continue
        boot= sup= ex=- meta=
        read -r boot < "$d/boot" 2>/dev/null
        read -r sup < "$d/sup" 2>/dev/null
        same=0
        [ "$boot" = "$cur" ] && same=1
        alive=0
        [ "$same" = 1 ] && [ -n "$sup" ] && kill -0 "$sup" 2>/dev/null && alive=1
        [ -f "$d/exit" ] && read -r ex < "$d/exit"
        newest
        size=0
        [ "$best" -ge 0 ] && size=$(stat -c %s "$d/out.$best" 2>/dev/null || echo 0)
        [ "$best" -ge 0 ] || best=0
        eof=0
        [ -e "$d/eof" ] && eof=1
        read -r meta < "$d/meta"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${d##*/}" "$same" "$alive" "$ex" "$best" \
            "$((best + size))" "$eof" "$meta"
    done
    ;;
*)
    echo "usage: supervisor.sh start|run|read|input|signal|resize|remove|list ..." >&2
    exit 2
    ;;
esac
