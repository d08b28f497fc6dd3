// A session attached in a terminal: the vendored xterm.js (vendor/xterm, MIT, loaded on first use) over the
// session's WebSocket attach route. The browser sends the console's cookie with the handshake and the daemon
// checks its Origin. Keys go to the process's stdin as binary frames, its output comes back as binary frames;
// a tty session also gets the terminal's size as a text frame {"resize":{"cols","rows"}}.

const encoder = new TextEncoder();

function socketUrl(path) {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/**
 * Opens a terminal in {@code container} attached to the session at {@code path} (its .../attach route), replaying
 * its retained output first. {@code tty}: the session runs under a pseudo-terminal; without one nothing translates
 * Enter into a newline or newlines into CRLF, so the terminal does. {@code onStatus(text)} hears what happens.
 * Resolves to {close()}.
 */
export async function attachTerminal(container, path, {tty, onStatus}) {
  const [{Terminal}, {FitAddon}] = await Promise.all([
    import('./vendor/xterm/xterm.esm.js'), import('./vendor/xterm/addon-fit.esm.js')]);
  const terminal = new Terminal({convertEol: !tty, cursorBlink: true, fontSize: 13, scrollback: 5000,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace'});
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.open(container);
  fit.fit();

  const socket = new WebSocket(socketUrl(`${path}?offset=0`));
  socket.binaryType = 'arraybuffer';
  let opened = false;
  const sendSize = () => {
    if (tty && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({resize: {cols: terminal.cols, rows: terminal.rows}}));
    }
  };
  socket.addEventListener('open', () => {
    opened = true;
    onStatus('attached');
    sendSize();
    terminal.focus();
  });
  socket.addEventListener('message', e => terminal.write(
    typeof e.data === 'string' ? e.data : new Uint8Array(e.data)));
  socket.addEventListener('close', e => {
    onStatus(opened
      ? `detached${e.reason ? ': ' + e.reason : ''}`
      : 'could not attach: the daemon refused the connection (has the session or the VM ended?)');
  });
  const input = terminal.onData(data => {
    if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(tty ? data : data.replace(/\r/g, '\n')));
  });
  const resized = terminal.onResize(sendSize);
  const observer = new ResizeObserver(() => fit.fit());
  observer.observe(container);

  return {
    close() {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      if (socket.readyState <= WebSocket.OPEN) socket.close(1000, 'detached');
      terminal.dispose();
    },
  };
}
