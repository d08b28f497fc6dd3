package banger.api;

/** POST /ui/session: the API token pasted into the console, or a one-time code from `banger console`. */
record ConsoleLogin(String token, String code) {
}
