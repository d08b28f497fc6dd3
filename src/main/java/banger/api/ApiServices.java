package banger.api;

import banger.doctor.DoctorService;
import banger.exec.GuestExec;
import banger.forward.PortForwarding;
import banger.metrics.BangerMetrics;
import banger.operation.ImageOperationControl;
import banger.operation.OperationControl;
import banger.session.SessionControl;
import banger.vm.VmControl;

/**
 * The services the route classes sit on, one per concern; {@link ApiServer} hands each route class the ones it
 * needs. A new resource adds its service interface here.
 *
 * @param metrics served at GET /metrics; the API adds its own meters (event-stream subscribers) to it
 * @param guestIo the workspace, file and port services (per-VM guest I/O)
 * @param sessions guest sessions
 * @param imageOperations image pulls and builds as operations (read and cancelled through {@code operations})
 * @param forwards port forwards from host ports to guest ports
 */
public record ApiServices(VmControl vms, OperationControl operations, GuestExec guestExec, EventFeed events,
                          DoctorService doctor, BangerMetrics metrics, GuestIo guestIo, SessionControl sessions,
                          ImageOperationControl imageOperations, PortForwarding forwards) {

    public ApiServices(VmControl vms, OperationControl operations, GuestExec guestExec, EventFeed events,
                       DoctorService doctor, BangerMetrics metrics, GuestIo guestIo, SessionControl sessions) {
        this(vms, operations, guestExec, events, doctor, metrics, guestIo, sessions, ImageOperationControls.NONE,
                PortForwarding.unavailable());
    }

    public ApiServices(VmControl vms, OperationControl operations, GuestExec guestExec, EventFeed events,
                       DoctorService doctor, BangerMetrics metrics, GuestIo guestIo, SessionControl sessions,
                       ImageOperationControl imageOperations) {
        this(vms, operations, guestExec, events, doctor, metrics, guestIo, sessions, imageOperations,
                PortForwarding.unavailable());
    }

    public ApiServices(VmControl vms, OperationControl operations, GuestExec guestExec, EventFeed events,
                       DoctorService doctor, BangerMetrics metrics, GuestIo guestIo, SessionControl sessions,
                       PortForwarding forwards) {
        this(vms, operations, guestExec, events, doctor, metrics, guestIo, sessions, ImageOperationControls.NONE,
                forwards);
    }

    /** No guest I/O, no sessions. */
    public ApiServices(VmControl vms, OperationControl operations, GuestExec guestExec, EventFeed events,
                       DoctorService doctor, BangerMetrics metrics, ImageOperationControl imageOperations) {
        this(vms, operations, guestExec, events, doctor, metrics, GuestIo.unavailable(), SessionControls.NONE,
                imageOperations);
    }

    public ApiServices(VmControl vms, OperationControl operations, GuestExec guestExec, EventFeed events,
                       DoctorService doctor, BangerMetrics metrics) {
        this(vms, operations, guestExec, events, doctor, metrics, GuestIo.unavailable(), SessionControls.NONE);
    }

    public ApiServices(VmControl vms, OperationControl operations, GuestExec guestExec, EventFeed events,
                       DoctorService doctor, BangerMetrics metrics, GuestIo guestIo) {
        this(vms, operations, guestExec, events, doctor, metrics, guestIo, SessionControls.NONE);
    }
}
