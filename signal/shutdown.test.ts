/** Graceful shutdown (SIGTERM in the CLI calls close()): drain, tell clients to reconnect, deadline. */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PEERJS_KEY } from '../core/swarm.js';
import { startSignalNode } from './signal-node.js';
import type { SignalLogEntry } from './signal-log.js';
import { SignalKit, refusalOf } from './test-kit.js';

const kit = new SignalKit();
afterEach(() => kit.cleanup());

/** A WebSocket client by hand that completes the handshake, then never answers anything. */
function deafClient(port: number, id: string): Promise<{ closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('error', reject);
    socket.write(
      `GET /peerjs/peerjs?key=${PEERJS_KEY}&id=${id}&token=deaf HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('"OPEN"')) return;
      socket.off('data', onData);
      socket.on('data', () => {}); // reads on, answers nothing: the close frame is never answered
      resolve({ closed });
    };
    socket.on('data', onData);
  });
}

describe('close(): graceful shutdown', () => {
  it('tells every client SIGNAL_SHUTTING_DOWN and closes it with 1012 (Service Restart), then frees the port', async () => {
    const entries: SignalLogEntry[] = [];
    const node = await startSignalNode({ port: 0, log: (e) => entries.push(e) });
    const a = await kit.peer(node);
    const b = await kit.peer(node);
    const refusals = [refusalOf(a.ws), refusalOf(b.ws)];
    await node.close();
    for (const refusal of await Promise.all(refusals)) {
      expect(refusal.message).toMatchObject({ type: 'ERROR', payload: { msg: expect.stringMatching(/^SIGNAL_SHUTTING_DOWN: /) } });
      expect(refusal).toMatchObject({ code: 1012, reason: 'SIGNAL_SHUTTING_DOWN' });
    }
    expect(entries.map((e) => e.msg)).toEqual(expect.arrayContaining(['draining', 'closed']));
    expect(entries.map((e) => e.msg)).not.toContain('drain-deadline');
    await expect(fetch(`${node.url}/health`)).rejects.toThrow();
  });

  it('cuts a client that does not go by the deadline, and still resolves', async () => {
    const entries: SignalLogEntry[] = [];
    const node = await startSignalNode({ port: 0, drainTimeoutMs: 100, log: (e) => entries.push(e) });
    const deaf = await deafClient(node.port, 'deaf-1');
    const polite = await kit.peer(node);
    await node.close();
    await deaf.closed;
    expect(await polite.closed).toBe(1012);
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'drain-deadline', cut: 1 }));
  });
});
