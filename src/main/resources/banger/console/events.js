// The live event feed: one GET /v1/events stream (fetch, so it also works where EventSource could not send
// credentials the way we need), parsed as server-sent events and handed to every listener. It reconnects after
// drops and resumes after the last offset it saw, so no event is missed or seen twice.

import {stream} from './api.js';

const listeners = new Set();
const statusListeners = new Set();
let lastOffset = 0;
let controller = null;

export function onEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** status: 'live' | 'reconnecting' | 'stopped' */
export function onStatus(listener) {
  statusListeners.add(listener);
}

function status(value, detail) {
  statusListeners.forEach(l => l(value, detail));
}

function dispatch(frame) {
  if (frame.event === 'overflow') return; // the stream ends next; the reconnect resumes from lastOffset
  let data;
  try {
    data = JSON.parse(frame.data);
  } catch (ignored) {
    return;
  }
  if (frame.id) lastOffset = Math.max(lastOffset, Number(frame.id));
  listeners.forEach(l => {
    try {
      l(data);
    } catch (error) {
      console.error('event listener failed', error);
    }
  });
}

/** Splits SSE text into frames; keeps the unfinished tail for the next chunk. */
function parser() {
  let buffer = '';
  return chunk => {
    buffer += chunk.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame = {id: null, event: null, data: []};
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') frame.data.push(value);
        else if (field === 'id') frame.id = value;
        else if (field === 'event') frame.event = value;
      }
      if (frame.data.length) dispatch({...frame, data: frame.data.join('\n')});
    }
  };
}

/** Starts following the feed from {@code after} (an event offset); safe to call again after stop(). */
export function start(after = 0) {
  stop();
  lastOffset = after;
  controller = new AbortController();
  const signal = controller.signal;
  (async () => {
    let delay = 500;
    while (!signal.aborted) {
      const began = Date.now();
      try {
        status('live');
        await stream(`/v1/events?after=${lastOffset}`, parser(), signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error.status === 401) {
          status('stopped', error.message);
          return;
        }
        status('reconnecting', error.message);
      }
      if (signal.aborted) return;
      status('reconnecting');
      if (Date.now() - began > 10000) delay = 500;
      await new Promise(resolve => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10000);
    }
  })();
}

export function stop() {
  if (controller) controller.abort();
  controller = null;
  status('stopped');
}
