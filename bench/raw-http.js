// The raw HTTP floor: a GET on `net` alone, with nothing of an HTTP client around it. Used by
// bench/floor.js (the floor of `npm run bench`) and bench/http-clients.js.
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';

/** `net` alone: a prebuilt request, the status read from the first bytes, the body's end by its length. */
export function rawCheck(kept, path, portOf) {
  const sockets = [];
  const requests = [];
  return (i) =>
    new Promise((resolve) => {
      const request = (requests[i] ??= Buffer.from(
        `GET ${path(i)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: ${kept ? 'keep-alive' : 'close'}\r\n\r\n`,
      ));
      let socket = kept ? sockets[i] : undefined;
      if (!socket || socket.destroyed) {
        socket = connect(portOf(i), '127.0.0.1');
        socket.on('error', () => socket.destroy());
        if (kept) sockets[i] = socket;
      }
      const onData = (chunk) => {
        socket.off('data', onData);
        socket.off('close', onClose);
        // The target answers in one segment with a short body: the end of the head is the end.
        if (!kept) socket.destroy();
        resolve(chunk.toString('latin1', 9, 12) === '200');
      };
      const onClose = () => {
        socket.off('data', onData);
        resolve(false);
      };
      socket.on('data', onData);
      socket.once('close', onClose);
      socket.write(request);
    });
}
