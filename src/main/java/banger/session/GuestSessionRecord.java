package banger.session;

import java.time.Instant;

/**
 * One session as the guest's supervisor lists it.
 *
 * @param sameBoot    the session started in the guest's current boot
 * @param alive       its supervisor still runs
 * @param exitCode    the process's exit code once it ended (null before)
 * @param outputStart absolute offset of the oldest retained output byte
 * @param outputEnd   absolute offset after the newest output byte
 */
record GuestSessionRecord(String id, boolean sameBoot, boolean alive, Integer exitCode, Instant endedAt,
                          long outputStart, long outputEnd, boolean stdinClosed, SessionMeta meta) {

    static GuestSessionRecord parse(String line) {
        String[] f = line.split("\t", 8);
        if (f.length != 8) {
            throw new IllegalArgumentException("unreadable session line from the guest: " + line);
        }
        Integer exit = null;
        Instant ended = null;
        if (!f[3].equals("-")) {
            String[] e = f[3].trim().split(" ");
            exit = Integer.parseInt(e[0]);
            ended = e.length > 1 ? Instant.ofEpochSecond(Long.parseLong(e[1])) : null;
        }
        return new GuestSessionRecord(f[0], f[1].equals("1"), f[2].equals("1"), exit, ended,
                Long.parseLong(f[4]), Long.parseLong(f[5]), f[6].equals("1"), SessionMeta.parse(f[7]));
    }
}
