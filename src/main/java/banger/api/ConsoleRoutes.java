package banger.api;

import banger.api.ConsoleSessions.Session;
import banger.core.Rejection;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.headers.HttpCookie;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.SameSite;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The ops console: its page and static assets (plain ES modules in the jar under {@code banger/console/}) at
 * {@code /} and {@code /ui/...}, its login ({@code /ui/session}), and the session cookie as a second way, besides
 * the bearer token, to call the API. A cookie-authenticated request that changes something must echo the
 * session's CSRF token in {@value #CSRF_HEADER}. The page's routes ({@link #PAGE_ROUTES}) are not the JSON API's:
 * they are not in the route table nor in openapi.json, and all live outside {@code /v1}; the one API endpoint here
 * is {@code POST /v1/console/codes}, which `banger console` calls for a one-time login code.
 */
final class ConsoleRoutes extends ResourceRoutes {

    public static final String COOKIE = "banger_console";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final String ASSETS = "banger/console";
    private static final int MAX_LOGIN_BYTES = 4096;
    private static final long LOGIN_READ_MILLIS = 5_000;

    /** Every (method, path) the page serves; {@code {asset}} is a file under banger/console in the jar. */
    static final List<ApiRoute> PAGE_ROUTES = List.of(
            new ApiRoute("GET", "/"),
            new ApiRoute("GET", "/ui/{asset}"),
            new ApiRoute("GET", "/ui/session"),
            new ApiRoute("POST", "/ui/session"),
            new ApiRoute("DELETE", "/ui/session"));

    /**
     * Scripts only from the daemon itself, no inline script, nothing framed, no plugins. Style sheets come from the
     * daemon too, except the {@code <style>} elements the vendored terminal (xterm.js) computes at run time for its
     * cell size and theme: those need {@code style-src-elem 'unsafe-inline'}; style attributes stay refused. The
     * page puts daemon text only into text nodes, so no one else can add a style element.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " style-src-elem 'self' 'unsafe-inline'; img-src 'self'; connect-src 'self'; base-uri 'none';"
            + " form-action 'none'; frame-ancestors 'none'";

    private static final List<HttpHeader> PAGE_HEADERS = List.of(
            RawHeader.create("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            RawHeader.create("X-Content-Type-Options", "nosniff"),
            RawHeader.create("X-Frame-Options", "DENY"),
            RawHeader.create("Referrer-Policy", "no-referrer"),
            RawHeader.create("Cache-Control", "no-store"));

    private final ApiToken token;
    private final ConsoleSessions sessions;
    private final ObjectMapper mapper;
    private final ApiErrors errors;

    ConsoleRoutes(ApiContext context, ApiToken token, ConsoleSessions sessions) {
        super(context);
        this.token = token;
        this.sessions = sessions;
        this.mapper = context.mapper();
        this.errors = context.errors();
    }

    @Override
    List<Endpoint> endpoints() {
        return List.of(Endpoint.authed("POST", "/v1/console/codes", p -> issueCode()));
    }

    /** The page, its assets and its login; ApiServer puts this before the token check. */
    Route pageRoute() {
        return respondWithHeaders(PAGE_HEADERS, () -> concat(
                pathSingleSlash(() -> get(this::page)),
                pathPrefix("ui", () -> concat(
                        path("session", () -> concat(
                                post(this::login),
                                get(() -> withSession(this::describe)),
                                delete(() -> withSession(this::logout)))),
                        pathEndOrSingleSlash(() -> get(this::page)),
                        get(() -> concat(getFromResourceDirectory(ASSETS),
                                complete(errors.response(Rejection.Reason.NOT_FOUND, "the console has no such file"))))))));
    }

    /**
     * Lets {@code inner} through for a request carrying a live session cookie (and, unless it only reads, the
     * session's CSRF token); a request without the cookie goes to {@code noCookie}.
     */
    Route authenticated(Supplier<Route> inner, Supplier<Route> noCookie) {
        return optionalCookie(COOKIE, cookie -> cookie.isEmpty()
                ? noCookie.get()
                : withSession(cookie.get().value(), session -> inner.get()));
    }

    /** POST /v1/console/codes: a one-time code for `banger console` to put in the console's URL. */
    private Route issueCode() {
        ConsoleSessions.Code code = sessions.issueCode();
        return complete(json(201, Map.of("code", code.value(), "expires_at", code.expiresAt(),
                "path", "/#code=" + code.value())));
    }

    // ---- handlers

    private Route page() {
        return getFromResource(ASSETS + "/index.html", ContentTypes.TEXT_HTML_UTF8);
    }

    /** Exchanges the API token or a one-time code for a session cookie and answers the session's CSRF token. */
    private Route login() {
        return sameOrigin(() -> extractRequestEntity(entity -> extractMaterializer(materializer -> onSuccess(
                entity.withSizeLimit(MAX_LOGIN_BYTES).toStrict(LOGIN_READ_MILLIS, materializer), strict -> {
                    ConsoleLogin login = JsonBodies.parse(mapper, strict.getData(), ConsoleLogin.class);
                    Optional<Session> session;
                    String refusal;
                    if (login.code() != null) {
                        session = sessions.redeem(login.code().strip());
                        refusal = "this login link was already used or has expired: run `banger console` again";
                    } else if (login.token() != null) {
                        session = token.matches(login.token().strip()) ? Optional.of(sessions.open())
                                : Optional.empty();
                        refusal = "wrong API token: paste the content of <state-dir>/api.token";
                    } else {
                        throw ApiProblem.invalid("give the API token (\"token\") or a one-time code (\"code\")");
                    }
                    return session
                            .map(s -> setCookie(cookie(s), () -> complete(json(200, describeBody(s)))))
                            .orElseGet(() -> complete(errors.response(ApiErrorCode.UNAUTHORIZED, refusal)));
                }))));
    }

    private Route describe(Session session) {
        return complete(json(200, describeBody(session)));
    }

    private Route logout(Session session) {
        sessions.close(session.id());
        return deleteCookie(HttpCookie.create(COOKIE, "").withPath("/").withHttpOnly(true).withSameSite(SameSite.Strict),
                () -> complete(json(200, Map.of("status", "logged out"))));
    }

    // ---- helpers

    private Route withSession(Function<Session, Route> inner) {
        return optionalCookie(COOKIE, cookie -> cookie.isEmpty()
                ? complete(errors.response(ApiErrorCode.UNAUTHORIZED, "not logged in to the console"))
                : withSession(cookie.get().value(), inner));
    }

    /**
     * The live session named by the cookie; changing methods must also carry its CSRF token, and a WebSocket (a
     * session attach, which writes to a guest process's stdin) must come from the console's own page: a browser
     * sends no CSRF header on a WebSocket handshake but always sends its Origin.
     */
    private Route withSession(String cookieValue, Function<Session, Route> inner) {
        Optional<Session> found = sessions.find(cookieValue);
        if (found.isEmpty()) {
            return complete(errors.response(ApiErrorCode.UNAUTHORIZED,
                    "the console session has expired or the daemon restarted: log in again"));
        }
        Session session = found.get();
        return extractMethod(method -> {
            if (method.equals(HttpMethods.GET) || method.equals(HttpMethods.HEAD)) {
                return extractRequest(request -> request.getAttribute(AttributeKeys.webSocketUpgrade).isPresent()
                        ? socketFromOwnPage(() -> inner.apply(session))
                        : inner.apply(session));
            }
            return optionalHeaderValueByName(CSRF_HEADER, csrf -> csrf.filter(session::csrfMatches).isPresent()
                    ? inner.apply(session)
                    : complete(errors.response(ApiErrorCode.FORBIDDEN, "a console request that changes something"
                            + " must carry the session's " + CSRF_HEADER + " header")));
        });
    }

    /** A login from another site's page is refused; browsers always send Origin on a cross-origin POST. */
    private Route sameOrigin(Supplier<Route> inner) {
        return optionalHeaderValueByName("Origin", origin -> extractUri(uri -> {
            if (origin.isEmpty() || origin.get().equals(origin(URI.create(uri.toString())))) {
                return inner.get();
            }
            return complete(errors.response(ApiErrorCode.FORBIDDEN, "a console login must come from the console's page"));
        }));
    }

    /** A cookie-authenticated WebSocket handshake must name the console's own origin. */
    private Route socketFromOwnPage(Supplier<Route> inner) {
        return optionalHeaderValueByName("Origin", origin -> extractUri(uri -> {
            if (origin.isPresent() && origin.get().equals(origin(URI.create(uri.toString())))) {
                return inner.get();
            }
            return complete(errors.response(ApiErrorCode.FORBIDDEN, "a WebSocket opened with the console's cookie"
                    + " must come from the console's page (Origin " + origin.orElse("missing") + ")"));
        }));
    }

    /** The origin a page at {@code uri} has; a WebSocket's own URI says ws or wss where its page said http(s). */
    private static String origin(URI uri) {
        String scheme = switch (uri.getScheme()) {
            case "ws" -> "http";
            case "wss" -> "https";
            default -> uri.getScheme();
        };
        return scheme + "://" + uri.getRawAuthority();
    }

    private HttpCookie cookie(Session session) {
        return HttpCookie.create(COOKIE, session.id())
                .withPath("/")
                .withHttpOnly(true)
                .withSameSite(SameSite.Strict)
                .withMaxAge(sessions.sessionTtl().toSeconds());
    }

    private static Map<String, Object> describeBody(Session session) {
        return Map.of("csrf_token", session.csrfToken(), "expires_at", session.expiresAt(),
                "csrf_header", CSRF_HEADER);
    }

}
