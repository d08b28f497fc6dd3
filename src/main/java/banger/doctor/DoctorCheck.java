package banger.doctor;

/** One host diagnostic: what was checked, how it went, and how to fix it when it did not go well. */
public record DoctorCheck(String name, Status status, String detail, String fix) {

    public enum Status { OK, WARN, FAIL }
}
