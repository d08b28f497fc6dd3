package banger.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;

/** What every route class shares, made once by {@link ApiServer}. */
record ApiContext(ActorSystem<?> system, ApiSettings settings, ObjectMapper mapper, ApiErrors errors,
                  Executor blocking) {
}
