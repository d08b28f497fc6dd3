/**
 * The HTTP/JSON API: one route class per resource, composed by the server with auth, limits and the one JSON
 * error handler; the only place a domain Rejection becomes an HTTP status. Also the event stream (SSE).
 */
package banger.api;
