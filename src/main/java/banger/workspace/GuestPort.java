package banger.workspace;

/** A listening socket in a guest; pid and process are null when no process's fds show its inode. */
public record GuestPort(String protocol, String address, int port, Integer pid, String process) {
}
