package banger.network;

/** Linux interface names: at most 15 bytes, and only characters safe in argv, nft rules and logs. */
final class InterfaceNames {

    private InterfaceNames() {
    }

    static String requireValid(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("invalid interface name '" + name + "': 1-15 of A-Z a-z 0-9 _ . -");
        }
        return name;
    }
}
