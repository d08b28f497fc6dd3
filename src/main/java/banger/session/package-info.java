/**
 * Guest sessions: long-running processes under a POSIX sh supervisor in the guest, their output kept at absolute
 * offsets so a client (or a restarted daemon) resumes without gap or repeat, stdin, signals, tty resize and attach.
 */
package banger.session;
