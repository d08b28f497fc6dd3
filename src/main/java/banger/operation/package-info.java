/**
 * Long-running requests as durable operations: the OperationRegistry actor, idempotency keys, cancel,
 * and the watchers that follow a create, start, stop, restart or delete to its outcome.
 */
package banger.operation;
