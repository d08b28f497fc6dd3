package banger.doctor;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** Host diagnostics for GET /v1/doctor. */
public interface DoctorService {

    CompletionStage<List<DoctorCheck>> checks();
}
