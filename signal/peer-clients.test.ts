import { describe, expect, it } from 'vitest';
import { type PeerClient, PeerClients } from './peer-clients.js';

function client(id: string, token: string, socket: unknown = {}): PeerClient & { socket: unknown } {
  const c = {
    socket,
    getId: () => id,
    getToken: () => token,
    getSocket: () => c.socket,
    send: () => {},
  };
  return c;
}

describe('PeerClients', () => {
  it('owns only a connected id with exactly its token', () => {
    const clients = new PeerClients();
    clients.connected(client('a', 'secret'));
    expect(clients.owns('a', 'secret')).toBe(true);
    expect(clients.owns('a', 'secreT')).toBe(false);
    expect(clients.owns('a', 'secret-longer')).toBe(false);
    expect(clients.owns('a', '')).toBe(false);
    expect(clients.owns('b', 'secret')).toBe(false);
    expect(clients.size).toBe(1);
  });

  it('does not count a client whose socket is gone', () => {
    const clients = new PeerClients();
    const a = client('a', 'secret');
    clients.connected(a);
    a.socket = null;
    expect(clients.owns('a', 'secret')).toBe(false);
  });

  it('forgets a disconnected client, but not when a newer connection holds the id', () => {
    const clients = new PeerClients();
    const old = client('a', 'one');
    const fresh = client('a', 'two');
    clients.connected(old);
    clients.connected(fresh);
    expect(clients.disconnected(old)).toBe(false);
    expect(clients.owns('a', 'two')).toBe(true);
    expect(clients.owns('a', 'one')).toBe(false);
    expect(clients.disconnected(fresh)).toBe(true);
    expect(clients.owns('a', 'two')).toBe(false);
    expect(clients.size).toBe(0);
    expect(clients.disconnected(fresh)).toBe(false);
  });

  it('an id is taken by another only while a live client holds it with another token', () => {
    const clients = new PeerClients();
    const a = client('a', 'secret');
    clients.connected(a);
    expect(clients.takenByOther('a', 'other')).toBe(true);
    expect(clients.takenByOther('a', 'secret')).toBe(false); // PeerJS reconnecting
    expect(clients.takenByOther('b', 'other')).toBe(false);
    a.socket = null;
    expect(clients.takenByOther('a', 'other')).toBe(false);
  });

  it('lists ids, and gives the held id string and token only for a live client', () => {
    const clients = new PeerClients();
    const held = ['peer', 'a'].join('-'); // not the literal the caller passes below
    const a = client(held, 'secret');
    clients.connected(a);
    clients.connected(client('b', 'other'));
    expect(clients.ids().sort()).toEqual(['b', 'peer-a']);
    expect(clients.heldId('peer-a')).toBe(held);
    expect(clients.tokenOf('peer-a')).toBe('secret');
    expect(clients.heldId('c')).toBeUndefined();
    expect(clients.tokenOf('c')).toBeUndefined();
    a.socket = null;
    expect(clients.heldId('peer-a')).toBeUndefined();
    expect(clients.tokenOf('peer-a')).toBeUndefined();
  });
});
