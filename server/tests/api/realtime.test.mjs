// Issue 5: realtime messaging (SPEC section 4) seen from outside — real
// WebSockets and REST against the real binary: authentication, subscribe and
// catch-up by seq, duplicate client_id, permissions, typing, presence,
// room_activity, limits and bad input, revocation, member removal, the slow
// consumer, durability across restart and SIGKILL; and the REST messaging API.
//
// Waits are bounded by generous guards (WsClient's default 15 s); nothing
// asserts on timing.
import { test, before, after, afterEach, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID, randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { spawn } from 'node:child_process';
import { startServer, api, expectProblem } from './harness.mjs';
import { WsClient } from './ws-client.mjs';

const ADMIN = { username: 'admin', password: 'admin-test-password' };
const MESSAGE_FIELDS = ['message_id', 'room_id', 'seq', 'sender_id', 'sender_name', 'type', 'content', 'metadata',
  'reply_to', 'reactions', 'created_at', 'edited_at', 'deleted', 'client_id'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns a truthy value; fails after timeoutMs.
async function waitUntil(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// The timeline events (those with a seq) a client received for a room. Any
// frame type with a seq counts (the server may add event types), except the
// replies and ephemeral frames.
const NOT_TIMELINE = new Set(['subscribed', 'ack', 'error', 'pong', 'typing', 'presence', 'room_activity']);
function timeline(client, roomId) {
  return client.frames.filter((f) => f.room_id === roomId && Number.isInteger(f.seq) && !NOT_TIMELINE.has(f.type));
}

function assertConsecutive(seqs, from, to, what) {
  const expected = [];
  for (let s = from; s <= to; s++) expected.push(s);
  assert.deepEqual(seqs, expected, `${what}: expected seqs ${from}..${to} once each, in order`);
}

// A WebSocket upgraded by hand on a bare TCP socket, for what the ws package
// will not do (such as never answering a close). Resolves with the socket
// and the bytes that followed the 101 response.
function rawWebSocket(base, token) {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(url.port), url.hostname);
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!status.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${status}`));
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('connect', () => socket.write(
      `GET /ws?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: ${url.host}\r\n` +
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      'Sec-WebSocket-Version: 13\r\n\r\n'));
  });
}

// Holds the SQLite write lock of the database file at `path` from another
// process (the sqlite3 shell) until release() is awaited: the server's
// committer waits, and the posts sent meanwhile gather into one batch.
async function holdWriteLock(path) {
  const shell = spawn('sqlite3', [path], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  shell.stdout.on('data', (d) => (out += d));
  shell.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => shell.on('close', resolve));
  shell.stdin.write(".timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
  await waitUntil(() => out.includes('locked') || shell.exitCode !== null, 15000, 'the write lock');
  assert.ok(out.includes('locked'), `sqlite3 could not take the write lock: ${out}`);
  return {
    async release() {
      shell.stdin.end('ROLLBACK;\n.quit\n');
      await exited;
    },
  };
}

// A masked client frame (payload under 126 bytes).
function clientFrame(firstByte, payload) {
  const key = randomBytes(4);
  const masked = Buffer.from(payload).map((b, i) => b ^ key[i & 3]);
  return Buffer.concat([Buffer.from([firstByte, 0x80 | masked.length]), key, masked]);
}

// A server with an admin token and helpers for users, rooms and connections.
class Fixture {
  constructor(server) {
    this.server = server;
    this.base = server.url;
    this.users = {}; // username -> user
    this.clients = new Set();
  }

  async init() {
    this.admin = await this.login('admin', ADMIN.password);
    return this;
  }

  async login(username, password = `${username}-password`) {
    const res = await api(this.base, 'POST', '/api/auth/login', { body: { username, password } });
    assert.equal(res.status, 200, `login ${username}: ${res.text}`);
    const sid = JSON.parse(Buffer.from(res.json.access_token.split('.')[1], 'base64url')).sid;
    return { token: res.json.access_token, refresh: res.json.refresh_token, user: res.json.user, sid };
  }

  // Creates users (if new) and logs each in; returns username -> session.
  async people(...names) {
    const out = {};
    for (const name of names) {
      if (!this.users[name]) {
        const res = await api(this.base, 'POST', '/api/admin/users', {
          token: this.admin.token,
          body: { username: name, password: `${name}-password`, display_name: `Display ${name}` },
        });
        assert.equal(res.status, 201, `create user ${name}: ${res.text}`);
        this.users[name] = res.json;
      }
      out[name] = await this.login(name);
    }
    return out;
  }

  // Creates a room owned by `owner` (a session) with members [[username, role]].
  async room(owner, members = [], extra = {}) {
    const res = await api(this.base, 'POST', '/api/rooms', {
      token: owner.token,
      body: {
        title: extra.title ?? `Press line 3 jam ${randomUUID().slice(0, 8)}`,
        incident_type: 'equipment_failure',
        severity: 'high',
        location: 'Line 3',
        members: members.map(([username, role]) => ({ username, role })),
      },
    });
    assert.equal(res.status, 201, `create room: ${res.text}`);
    return res.json;
  }

  async addMember(owner, roomId, username, role) {
    const res = await api(this.base, 'POST', `/api/rooms/${roomId}/members`, { token: owner.token, body: { username, role } });
    assert.ok(res.status === 201 || res.status === 200, `add member: ${res.status} ${res.text}`);
    return res.json;
  }

  async getRoom(session, roomId) {
    const res = await api(this.base, 'GET', `/api/rooms/${roomId}`, { token: session.token });
    assert.equal(res.status, 200, res.text);
    return res.json;
  }

  async connect(session, opts = {}) {
    const c = await WsClient.connect(this.base, { token: session?.token, name: session?.user?.username, ...opts });
    this.clients.add(c);
    return c;
  }

  async closeAll() {
    const all = [...this.clients];
    this.clients.clear();
    await Promise.all(all.map((c) => (c.closeInfo ? null : c.terminate())));
  }

  // Every message of a room, oldest first, paging with after_seq.
  async allMessages(session, roomId) {
    const out = [];
    let after = 0;
    for (let page = 0; page < 10000; page++) {
      const res = await api(this.base, 'GET', `/api/rooms/${roomId}/messages?after_seq=${after}&limit=100`, { token: session.token });
      assert.equal(res.status, 200, res.text);
      out.push(...res.json.items);
      if (!res.json.has_more || res.json.items.length === 0) return out;
      after = res.json.items.at(-1).seq;
    }
    throw new Error('too many pages');
  }

  // Every stored event of a room after `after`, paging.
  async allEvents(session, roomId, after = 0) {
    const out = [];
    for (let page = 0; page < 10000; page++) {
      const res = await api(this.base, 'GET', `/api/rooms/${roomId}/events?after_seq=${after}&limit=100`, { token: session.token });
      assert.equal(res.status, 200, res.text);
      out.push(...res.json.items);
      if (!res.json.has_more || res.json.items.length === 0) return out;
      after = res.json.items.at(-1).seq;
    }
    throw new Error('too many pages');
  }
}

// Sends `count` messages from one client, `concurrency` in flight, retrying
// the same client_id on rate_limited. Resolves with the acks.
async function sendMany(client, roomId, count, { concurrency = 8, content = (i) => `message ${i}`, prefix = randomUUID() } = {}) {
  const acks = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      acks.push(await client.sendMessageRetrying(roomId, content(i), { clientId: `${prefix}-${i}` }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return acks;
}

// ---------------------------------------------------------------------------
describe('realtime over WebSocket', () => {
  let fx;
  let p; // sessions by username
  let roomMain;

  before(async () => {
    fx = await new Fixture(await startServer()).init();
    p = await fx.people('alice', 'bob', 'carol', 'vic', 'nora');
    roomMain = await fx.room(p.alice, [['bob', 'editor'], ['carol', 'editor'], ['vic', 'viewer']]);
  });

  afterEach(async () => fx.closeAll());
  after(async () => {
    await fx.closeAll();
    await fx.server.stop();
  });

  test('authenticates with ?token= and with a first auth frame', async () => {
    const byQuery = await fx.connect(p.alice);
    await byQuery.ping();
    const sub = await byQuery.subscribe(roomMain.room_id);
    assert.equal(sub.room_id, roomMain.room_id);
    assert.ok(Number.isInteger(sub.last_seq) && sub.last_seq >= 1, JSON.stringify(sub));

    const byFrame = await fx.connect(p.bob, { authFrame: true });
    const sub2 = await byFrame.subscribe(roomMain.room_id);
    assert.equal(sub2.last_seq, sub.last_seq);
    await byFrame.ping();
    assert.equal(byFrame.isOpen, true);
  });

  test('without a valid token within 5 s the connection is closed with 4401', async () => {
    const silent = await fx.connect(null);
    const badFrame = await fx.connect(null);
    badFrame.send({ type: 'auth', token: 'not-a-token' });
    const [a, b] = await Promise.all([silent.waitClose(15000), badFrame.waitClose(15000)]);
    assert.equal(a.code, 4401, 'silent client');
    assert.equal(b.code, 4401, 'bad auth frame');
    // A bad token in the query: refused at the upgrade (401) or closed 4401.
    try {
      const q = await fx.connect({ token: 'garbage.token.here', user: { username: 'bad-query' } });
      assert.equal((await q.waitClose(15000)).code, 4401);
    } catch (e) {
      if (!e.statusCode) throw e;
      assert.equal(e.statusCode, 401);
    }
  });

  test('two clients in one room: both see every message once, in the same seq order', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const a = await fx.connect(p.alice);
    const b = await fx.connect(p.bob);
    const last = (await a.subscribe(room.room_id)).last_seq;
    await b.subscribe(room.room_id);
    const [acksA, acksB] = await Promise.all([
      sendMany(a, room.room_id, 10, { concurrency: 3, content: (i) => `alice ${i}` }),
      sendMany(b, room.room_id, 10, { concurrency: 3, content: (i) => `bob ${i}` }),
    ]);
    const acks = [...acksA, ...acksB];
    const maxSeq = Math.max(...acks.map((x) => x.seq));
    assert.equal(maxSeq, last + 20, 'twenty sends, twenty seqs');
    for (const c of [a, b]) {
      await waitUntil(() => timeline(c, room.room_id).some((f) => f.seq === maxSeq), 15000, `${c.name} receives seq ${maxSeq}`);
      await c.ping();
      const frames = timeline(c, room.room_id);
      assertConsecutive(frames.map((f) => f.seq), last + 1, maxSeq, c.name);
      for (const f of frames) {
        assert.equal(f.type, 'message');
        assert.equal(f.message.seq, f.seq);
        const ack = acks.find((x) => x.client_id === f.message.client_id);
        assert.ok(ack, `a frame for an acked client_id: ${JSON.stringify(f)}`);
        assert.equal(ack.message_id, f.message.message_id);
        assert.equal(ack.seq, f.seq);
      }
    }
    const m = timeline(b, room.room_id)[0].message;
    for (const field of MESSAGE_FIELDS) assert.ok(field in m, `message has ${field}: ${JSON.stringify(m)}`);
    assert.equal(m.type, 'text');
    assert.equal(m.deleted, false);
    assert.deepEqual(m.reactions, []);
    assert.ok(m.sender_name);
  });

  test('three clients in one room, and one connection subscribed to several rooms', async () => {
    const room2 = await fx.room(p.bob, [['alice', 'editor'], ['carol', 'viewer']]);
    const a = await fx.connect(p.alice);
    const b = await fx.connect(p.bob);
    const c = await fx.connect(p.carol);
    for (const cl of [a, b, c]) {
      await cl.subscribe(roomMain.room_id);
      await cl.subscribe(room2.room_id);
    }
    const ack1 = await a.sendMessage(roomMain.room_id, 'to the main room');
    const ack2 = await b.sendMessage(room2.room_id, 'to room two', { replyTo: undefined });
    for (const cl of [a, b, c]) {
      const f1 = await cl.next((f) => f.type === 'message' && f.room_id === roomMain.room_id && f.seq === ack1.seq);
      const f2 = await cl.next((f) => f.type === 'message' && f.room_id === room2.room_id && f.seq === ack2.seq);
      assert.equal(f1.message.content, 'to the main room');
      assert.equal(f1.message.message_id, ack1.message_id);
      assert.equal(f2.message.content, 'to room two');
      assert.equal(f2.message.sender_id, p.bob.user.user_id);
    }
    // A reply refers to its parent.
    const reply = await c.sendMessage(roomMain.room_id, 'reply', { replyTo: ack1.message_id });
    const fr = await a.next((f) => f.type === 'message' && f.seq === reply.seq && f.room_id === roomMain.room_id);
    assert.equal(fr.message.reply_to, ack1.message_id);
    await Promise.all([a, b, c].map((cl) => cl.ping()));
    for (const cl of [a, b, c]) {
      assert.equal(cl.all((f) => f.type === 'message' && f.seq === ack1.seq && f.room_id === roomMain.room_id).length, 1, `${cl.name} got it once`);
    }
    // Unsubscribe: no more events of that room.
    c.send({ type: 'unsubscribe', room_id: room2.room_id });
    await c.ping();
    const ack3 = await b.sendMessage(room2.room_id, 'after carol left the subscription');
    const ack4 = await b.sendMessage(roomMain.room_id, 'sync marker');
    await c.next((f) => f.type === 'message' && f.seq === ack4.seq && f.room_id === roomMain.room_id);
    await b.next((f) => f.type === 'message' && f.seq === ack3.seq && f.room_id === room2.room_id);
    await sleep(300);
    assert.equal(c.all((f) => f.type === 'message' && f.room_id === room2.room_id && f.seq === ack3.seq).length, 0, 'unsubscribed room delivered nothing');
  });

  test('subscribe with since_seq replays every missed event in order before any newer one', async () => {
    // Own users: the rate limit is per user, and this test sends a lot.
    const s = await fx.people('bulk1', 'bulk2', 'bulk3');
    const room = await fx.room(p.alice, [['bulk1', 'editor'], ['bulk2', 'editor'], ['bulk3', 'editor'], ['bob', 'viewer']]);
    const senders = [await fx.connect(s.bulk1), await fx.connect(s.bulk2), await fx.connect(s.bulk3)];
    // More than one catch-up page (the server pages through its log).
    await Promise.all(senders.map((s, i) => sendMany(s, room.room_id, 90, { concurrency: 6, content: (k) => `backlog ${i}-${k}` })));
    const before = (await fx.getRoom(s.bulk1, room.room_id)).last_seq;
    assert.ok(before >= 270);
    // Subscribe from seq 5 while the senders keep going.
    const live = Promise.all(senders.map((s, i) => sendMany(s, room.room_id, 15, { concurrency: 2, content: (k) => `live ${i}-${k}` })));
    const watcher = await fx.connect(p.bob, { name: 'watcher' });
    const sub = await watcher.subscribe(room.room_id, { sinceSeq: 5 });
    assert.ok(sub.last_seq >= before);
    const acks = (await live).flat();
    const maxSeq = Math.max(...acks.map((x) => x.seq));
    await waitUntil(() => timeline(watcher, room.room_id).some((f) => f.seq === maxSeq), 20000, `watcher reaches seq ${maxSeq}`);
    await watcher.ping();
    await sleep(200);
    assertConsecutive(timeline(watcher, room.room_id).map((f) => f.seq), 6, maxSeq, 'replay then live');
    // The subscribed frame came before any event.
    const subIndex = watcher.frames.findIndex((f) => f.type === 'subscribed');
    const firstEvent = watcher.frames.findIndex((f) => f.room_id === room.room_id && Number.isInteger(f.seq) && !NOT_TIMELINE.has(f.type));
    assert.ok(subIndex < firstEvent, 'subscribed precedes the replay');
  });

  test('subscribe without since_seq delivers only newer events', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const a = await fx.connect(p.alice);
    await sendMany(a, room.room_id, 5);
    const b = await fx.connect(p.bob);
    const sub = await b.subscribe(room.room_id);
    const ack = await a.sendMessage(room.room_id, 'new one');
    assert.equal(ack.seq, sub.last_seq + 1);
    await b.next((f) => f.type === 'message' && f.seq === ack.seq);
    await b.ping();
    assert.deepEqual(timeline(b, room.room_id).map((f) => f.seq), [ack.seq]);
  });

  test('catch-up of a backlog bigger than the per-connection queue completes (paced, not closed)', { timeout: 120000 }, async () => {
    // ~2.8 MB of missed events: more than the server's per-connection queue
    // bound (1 MiB by default). A reconnecting client must still get all of
    // them, even if it reads slowly for a moment: the replay has to follow
    // the socket's pace (no live traffic overflows anything here), not push
    // the whole backlog into the queue and close the client with 1008.
    const s = await fx.people('big1', 'big2', 'big3', 'big4');
    const room = await fx.room(p.alice, [['big1', 'editor'], ['big2', 'editor'], ['big3', 'editor'], ['big4', 'editor'], ['bob', 'viewer']]);
    const rid = room.room_id;
    const since = (await fx.getRoom(p.bob, rid)).last_seq;
    const payload = randomBytes(3500).toString('hex');
    const senders = await Promise.all(['big1', 'big2', 'big3', 'big4'].map((n) => fx.connect(s[n])));
    await Promise.all(senders.map((c, i) => sendMany(c, rid, 100, { concurrency: 4, content: (k) => `${i}/${k} ${payload}` })));
    const last = (await fx.getRoom(p.bob, rid)).last_seq;
    const b = await fx.connect(p.bob);
    await b.subscribe(rid, { sinceSeq: since });
    // A phone on a weak link reads slowly for a moment while it catches up.
    b.pause();
    await sleep(1500);
    b.resume();
    await waitUntil(() => {
      if (b.closeInfo) throw new Error(`closed ${JSON.stringify(b.closeInfo)} during catch-up after ${timeline(b, rid).length} of ${last - since} events`);
      return timeline(b, rid).some((f) => f.seq === last);
    }, 60000, 'catch-up of the whole backlog');
    await b.ping();
    assertConsecutive(timeline(b, rid).map((f) => f.seq), since + 1, last, 'large catch-up');
  });

  test('reconnect catch-up brings edits, deletions, reactions and member changes made while away', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const rid = room.room_id;
    const a = await fx.connect(p.alice);
    await a.subscribe(rid);
    let b = await fx.connect(p.bob);
    await b.subscribe(rid);
    const m1 = await a.sendMessage(rid, 'first report: press 3 jammed');
    const seen = (await b.next((f) => f.type === 'message' && f.seq === m1.seq)).seq;
    await b.close();

    // While bob is away: messages, edits, reactions, a deletion, a member change, a room update.
    const evt = (type, pred = () => true) => a.next((f) => f.type === type && f.room_id === rid && pred(f));
    const m2 = await a.sendMessage(rid, 'second: waiting for maintenance');
    a.send({ type: 'edit', room_id: rid, message_id: m1.message_id, content: 'first report: press 3 jammed (die misaligned)' });
    await evt('message_edited', (f) => f.message.message_id === m1.message_id);
    a.send({ type: 'react', room_id: rid, message_id: m1.message_id, emoji: '👍' });
    await evt('reaction_added', (f) => f.message_id === m1.message_id);
    const m3 = await a.sendMessage(rid, 'typo, ignore');
    a.send({ type: 'delete', room_id: rid, message_id: m3.message_id });
    await evt('message_deleted', (f) => f.message_id === m3.message_id);
    a.send({ type: 'unreact', room_id: rid, message_id: m1.message_id, emoji: '👍' });
    await evt('reaction_removed', (f) => f.message_id === m1.message_id);
    const patched = await api(fx.base, 'PATCH', `/api/rooms/${rid}/messages/${m2.message_id}`, { token: p.alice.token, body: { content: 'second: maintenance on the way' } });
    assert.equal(patched.status, 200, patched.text);
    await evt('message_edited', (f) => f.message.message_id === m2.message_id);
    const reacted = await api(fx.base, 'POST', `/api/rooms/${rid}/messages/${m2.message_id}/reactions`, { token: p.alice.token, body: { emoji: '🔥' } });
    assert.ok(reacted.status === 200 || reacted.status === 201, reacted.text);
    await evt('reaction_added', (f) => f.message_id === m2.message_id);
    await fx.people('carol');
    await fx.addMember(p.alice, rid, 'carol', 'viewer');
    await evt('member_added');
    const upd = await api(fx.base, 'PATCH', `/api/rooms/${rid}`, { token: p.alice.token, body: { severity: 'critical' } });
    assert.equal(upd.status, 200, upd.text);
    await evt('room_updated');
    const lastSeq = (await fx.getRoom(p.alice, rid)).last_seq;

    // Bob comes back on a new connection and catches up from what he saw.
    b = await fx.connect(p.bob);
    const sub = await b.subscribe(rid, { sinceSeq: seen });
    assert.equal(sub.last_seq, lastSeq);
    await waitUntil(() => timeline(b, rid).some((f) => f.seq === lastSeq), 15000, 'catch-up to last_seq');
    const after = await a.sendMessage(rid, 'after the catch-up');
    await b.next((f) => f.type === 'message' && f.seq === after.seq);
    await b.ping();
    await sleep(200);
    const got = timeline(b, rid);
    assertConsecutive(got.map((f) => f.seq), seen + 1, after.seq, 'catch-up then live');

    const types = got.map((f) => f.type);
    const expected = ['message', 'message_edited', 'reaction_added', 'message', 'message_deleted', 'reaction_removed',
      'message_edited', 'reaction_added', 'member_added', 'room_updated', 'message'];
    let k = 0;
    for (const t of types) if (t === expected[k]) k++;
    assert.equal(k, expected.length, `expected ${expected.join(',')} in order within ${types.join(',')}`);

    const edited = got.find((f) => f.type === 'message_edited' && f.message.message_id === m1.message_id);
    assert.equal(edited.message.content, 'first report: press 3 jammed (die misaligned)');
    assert.ok(edited.message.edited_at);
    const del = got.find((f) => f.type === 'message_deleted');
    assert.equal(del.message_id, m3.message_id);
    const ra = got.find((f) => f.type === 'reaction_added');
    assert.deepEqual([ra.message_id, ra.emoji, ra.user_id], [m1.message_id, '👍', p.alice.user.user_id]);
    const rr = got.find((f) => f.type === 'reaction_removed');
    assert.deepEqual([rr.message_id, rr.emoji, rr.user_id], [m1.message_id, '👍', p.alice.user.user_id]);
    const ma = got.find((f) => f.type === 'member_added');
    assert.equal(ma.member.username, 'carol');
    assert.equal(ma.member.role, 'viewer');
    assert.equal(got.find((f) => f.type === 'room_updated').room.severity, 'critical');

    // The events endpoint serves the same frames.
    const rest = await fx.allEvents(p.bob, rid, seen);
    assert.deepEqual(rest.map((e) => [e.seq, e.type, e.room_id]), got.map((f) => [f.seq, f.type, f.room_id]));
    for (const [i, e] of rest.entries()) {
      const f = got[i];
      if (e.message) assert.equal(e.message.message_id, f.message.message_id);
      if ('message_id' in e) assert.equal(e.message_id, f.message_id);
      if ('emoji' in e) assert.equal(e.emoji, f.emoji);
    }
  });

  test('a repeated client_id returns the same ack and stores nothing new (same connection, reconnect, REST)', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const rid = room.room_id;
    const watcher = await fx.connect(p.bob);
    await watcher.subscribe(rid);
    const a = await fx.connect(p.alice);
    const clientId = `dup-${randomUUID()}`;
    const first = await a.sendMessage(rid, 'only once', { clientId });
    assert.equal(first.client_id, clientId);
    assert.ok(first.message_id && Number.isInteger(first.seq));
    const again = await a.sendMessage(rid, 'only once', { clientId });
    assert.deepEqual([again.message_id, again.seq], [first.message_id, first.seq]);
    // Concurrent duplicates on two connections of the same user.
    const a2 = await fx.connect(await fx.login('alice'));
    const [x, y] = await Promise.all([a.sendMessage(rid, 'only once', { clientId }), a2.sendMessage(rid, 'only once', { clientId })]);
    assert.equal(x.message_id, first.message_id);
    assert.equal(y.message_id, first.message_id);
    await a.close();
    // After a reconnect (new session even), still the same ack.
    const a3 = await fx.connect(await fx.login('alice'));
    const third = await a3.sendMessage(rid, 'only once (retry after reconnect)', { clientId });
    assert.deepEqual([third.message_id, third.seq], [first.message_id, first.seq]);
    // REST with the same client_id returns the same message.
    const viaRest = await api(fx.base, 'POST', `/api/rooms/${rid}/messages`, { token: p.alice.token, body: { content: 'only once', client_id: clientId } });
    assert.ok(viaRest.status === 200 || viaRest.status === 201, viaRest.text);
    assert.equal(viaRest.json.message_id, first.message_id);
    // The same client_id from another user, or in another room, is a new message.
    const other = await (await fx.connect(p.bob)).sendMessage(rid, 'bob reuses the id', { clientId });
    assert.notEqual(other.message_id, first.message_id);
    const room2 = await fx.room(p.alice);
    const elsewhere = await a3.sendMessage(room2.room_id, 'other room', { clientId });
    assert.notEqual(elsewhere.message_id, first.message_id);

    await watcher.next((f) => f.type === 'message' && f.seq === other.seq);
    await watcher.ping();
    assert.equal(watcher.all((f) => f.type === 'message' && f.message.client_id === clientId && f.message.sender_id === p.alice.user.user_id).length, 1,
      'subscribers got the message once');
    const stored = (await fx.allMessages(p.alice, rid)).filter((m) => m.client_id === clientId);
    assert.equal(stored.length, 2, 'one from alice, one from bob');
    assert.equal(stored.filter((m) => m.sender_id === p.alice.user.user_id).length, 1);
    assert.equal(stored.find((m) => m.sender_id === p.alice.user.user_id).content, 'only once');
  });

  test('a viewer cannot send or react: error forbidden, the connection stays open', async () => {
    const v = await fx.connect(p.vic);
    const sub = await v.subscribe(roomMain.room_id);
    const clientId = randomUUID();
    const r = await v.sendMessage(roomMain.room_id, 'viewer tries to talk', { clientId, throwOnError: false });
    assert.ok(r.error, 'an error, not an ack');
    assert.equal(r.error.code, 'forbidden');
    assert.equal(r.error.ref, clientId);
    assert.ok(typeof r.error.message === 'string' && r.error.message.length > 0);
    const a = await fx.connect(p.alice);
    const ack = await a.sendMessage(roomMain.room_id, 'something to react to');
    v.send({ type: 'react', room_id: roomMain.room_id, message_id: ack.message_id, emoji: '👍' });
    const e2 = await v.next((f) => f.type === 'error' && f.ref === 'react');
    assert.equal(e2.code, 'forbidden');
    await v.ping();
    assert.equal(v.isOpen, true);
    // It still receives the room's events.
    await v.next((f) => f.type === 'message' && f.seq === ack.seq);
    const msgs = await fx.allMessages(p.alice, roomMain.room_id);
    assert.equal(msgs.filter((m) => m.client_id === clientId).length, 0);
    assert.ok(sub.last_seq < ack.seq);
  });

  test('a non-member cannot subscribe or send: error frames, the connection stays open', async () => {
    const n = await fx.connect(p.nora);
    n.send({ type: 'subscribe', room_id: roomMain.room_id });
    const e1 = await n.next((f) => f.type === 'error' && f.ref === 'subscribe');
    assert.ok(['forbidden', 'not_found'].includes(e1.code), JSON.stringify(e1));
    const r = await n.sendMessage(roomMain.room_id, 'hello?', { throwOnError: false });
    assert.ok(['forbidden', 'not_found'].includes(r.error?.code), JSON.stringify(r));
    n.send({ type: 'subscribe', room_id: 'no-such-room' });
    const e3 = await n.next((f) => f.type === 'error' && f.ref === 'subscribe');
    assert.ok(typeof e3.code === 'string');
    await n.ping();
    // A later event of the room is not delivered to her.
    const a = await fx.connect(p.alice);
    const ack = await a.sendMessage(roomMain.room_id, 'members only');
    await n.ping();
    await sleep(300);
    assert.equal(n.all((f) => f.room_id === roomMain.room_id && f.seq === ack.seq).length, 0);
    assert.equal(n.isOpen, true);
  });

  test('edit, delete, react and unreact over the socket follow the roles', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor'], ['carol', 'editor']]);
    const rid = room.room_id;
    const a = await fx.connect(p.alice);
    const b = await fx.connect(p.bob);
    const c = await fx.connect(p.carol);
    for (const cl of [a, b, c]) await cl.subscribe(rid);
    const mb = await b.sendMessage(rid, 'bob wrote this');
    // Only the author edits.
    c.send({ type: 'edit', room_id: rid, message_id: mb.message_id, content: 'carol rewrites' });
    assert.equal((await c.next((f) => f.type === 'error' && f.ref === 'edit')).code, 'forbidden');
    a.send({ type: 'edit', room_id: rid, message_id: mb.message_id, content: 'owner rewrites' });
    assert.equal((await a.next((f) => f.type === 'error' && f.ref === 'edit')).code, 'forbidden');
    b.send({ type: 'edit', room_id: rid, message_id: mb.message_id, content: 'bob fixed a typo' });
    const ed = await c.next((f) => f.type === 'message_edited' && f.room_id === rid);
    assert.equal(ed.message.content, 'bob fixed a typo');
    assert.ok(ed.seq > mb.seq);
    // Another editor cannot delete; the owner can.
    c.send({ type: 'delete', room_id: rid, message_id: mb.message_id });
    assert.equal((await c.next((f) => f.type === 'error' && f.ref === 'delete')).code, 'forbidden');
    // Reactions: one per user per emoji.
    c.send({ type: 'react', room_id: rid, message_id: mb.message_id, emoji: '✅' });
    await b.next((f) => f.type === 'reaction_added' && f.emoji === '✅' && f.user_id === p.carol.user.user_id);
    c.send({ type: 'react', room_id: rid, message_id: mb.message_id, emoji: '✅' });
    c.send({ type: 'unreact', room_id: rid, message_id: mb.message_id, emoji: '✅' });
    await b.next((f) => f.type === 'reaction_removed' && f.emoji === '✅');
    a.send({ type: 'delete', room_id: rid, message_id: mb.message_id });
    const del = await b.next((f) => f.type === 'message_deleted' && f.room_id === rid);
    assert.equal(del.message_id, mb.message_id);
    await b.ping();
    assert.equal(b.all((f) => f.type === 'reaction_added' && f.emoji === '✅').length, 1, 'a repeated react adds nothing');
    const msgs = await fx.allMessages(p.alice, rid);
    const stored = msgs.find((m) => m.message_id === mb.message_id);
    assert.equal(stored.deleted, true);
    assert.ok(!stored.content, 'content removed');
    assert.deepEqual(stored.reactions, []);
    // Editing a deleted message is refused; so is an unknown message.
    b.send({ type: 'edit', room_id: rid, message_id: mb.message_id, content: 'resurrect' });
    assert.ok((await b.next((f) => f.type === 'error' && f.ref === 'edit')).code);
    b.send({ type: 'edit', room_id: rid, message_id: 'no-such-message', content: 'x' });
    assert.ok((await b.next((f) => f.type === 'error' && f.ref === 'edit')).code);
    await b.ping();
  });

  test('typing is relayed and expires with is_typing:false', async () => {
    const a = await fx.connect(p.alice);
    const b = await fx.connect(p.bob);
    await a.subscribe(roomMain.room_id);
    await b.subscribe(roomMain.room_id);
    a.send({ type: 'typing', room_id: roomMain.room_id, is_typing: true });
    const on = await b.next((f) => f.type === 'typing' && f.user_id === p.alice.user.user_id && f.is_typing === true);
    assert.equal(on.room_id, roomMain.room_id);
    assert.equal(on.display_name, 'Display alice');
    assert.equal('seq' in on, false, 'typing is ephemeral: no seq');
    // Nobody refreshes it: it expires (after ~5 s) with an explicit false.
    const off = await b.next((f) => f.type === 'typing' && f.user_id === p.alice.user.user_id && f.is_typing === false, 15000);
    assert.equal(off.room_id, roomMain.room_id);
    // Throttled: a burst of is_typing:true is relayed once. (Typing is relayed
    // as it arrives; the message after it is committed first, so once it is
    // seen every typing relay has been sent.)
    const before = b.all((f) => f.type === 'typing' && f.is_typing === true).length;
    for (let i = 0; i < 5; i++) a.send({ type: 'typing', room_id: roomMain.room_id, is_typing: true });
    const marker = await a.sendMessage(roomMain.room_id, 'typed it');
    await b.next((f) => f.type === 'message' && f.seq === marker.seq);
    assert.equal(b.all((f) => f.type === 'typing' && f.is_typing === true).length - before, 1, 'five typing:true in a row relayed once');
    // An explicit stop is relayed too.
    a.send({ type: 'typing', room_id: roomMain.room_id, is_typing: false });
    await b.next((f) => f.type === 'typing' && f.user_id === p.alice.user.user_id && f.is_typing === false);
  });

  test('a dead connection (no pongs, nothing read) is noticed within 60 s', { timeout: 120000 }, async () => {
    const { ghost } = await fx.people('ghost');
    const room = await fx.room(p.alice, [['ghost', 'editor']]);
    const a = await fx.connect(p.alice);
    await a.subscribe(room.room_id);
    const g = await fx.connect(ghost);
    await g.subscribe(room.room_id);
    await a.next((f) => f.type === 'presence' && f.user_id === ghost.user.user_id && f.online === true);
    g.pause(); // the phone dropped off the Wi-Fi: no reads, no pongs, no FIN
    const off = await a.next((f) => f.type === 'presence' && f.user_id === ghost.user.user_id && f.online === false, 75000);
    assert.equal(off.room_id, room.room_id);
  });

  test('presence: online when a member first subscribes, offline after their last connection goes', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const rid = room.room_id;
    const a = await fx.connect(p.alice);
    await a.subscribe(rid);
    const b1 = await fx.connect(p.bob);
    await b1.subscribe(rid);
    const on = await a.next((f) => f.type === 'presence' && f.user_id === p.bob.user.user_id && f.online === true);
    assert.equal(on.room_id, rid);
    assert.equal('seq' in on, false);
    const b2 = await fx.connect(p.bob);
    await b2.subscribe(rid);
    await b1.close();
    // Bob is still online through b2: a message from b2 arrives, no offline before it.
    const ack = await b2.sendMessage(rid, 'still here');
    await a.next((f) => f.type === 'message' && f.seq === ack.seq);
    await sleep(300);
    assert.equal(a.all((f) => f.type === 'presence' && f.user_id === p.bob.user.user_id && f.online === false).length, 0);
    await b2.close();
    const off = await a.next((f) => f.type === 'presence' && f.user_id === p.bob.user.user_id && f.online === false);
    assert.equal(off.room_id, rid);
  });

  test('room_activity reaches a member who is connected but not subscribed', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor'], ['carol', 'viewer']]);
    const idle = await fx.connect(p.carol);
    await idle.ping();
    const a = await fx.connect(p.alice);
    const ack = await a.sendMessage(room.room_id, 'badge please');
    const act = await idle.next((f) => f.type === 'room_activity' && f.room_id === room.room_id && f.last_seq >= ack.seq);
    assert.equal(act.last_seq, ack.seq);
    assert.equal('seq' in act, false);
    assert.equal(idle.all((f) => f.type === 'message').length, 0, 'not subscribed: no message frames');
  });

  test('ping → pong', async () => {
    const a = await fx.connect(p.alice);
    const pong = await a.ping();
    assert.equal(pong.type, 'pong');
  });

  test('bad frames get error frames with a code; the connection stays open', async () => {
    const a = await fx.connect(p.alice);
    const cases = [
      ['{"type":"send",', (f) => f.type === 'error'],
      ['[1,2,3]', (f) => f.type === 'error'],
      ['"just a string"', (f) => f.type === 'error'],
      [JSON.stringify({ no_type: true }), (f) => f.type === 'error'],
      [JSON.stringify({ type: 'launch_missiles' }), (f) => f.type === 'error' && f.ref === 'launch_missiles'],
      [JSON.stringify({ type: 'subscribe' }), (f) => f.type === 'error' && f.ref === 'subscribe'],
      [JSON.stringify({ type: 'subscribe', room_id: 42 }), (f) => f.type === 'error' && f.ref === 'subscribe'],
      [JSON.stringify({ type: 'send', room_id: roomMain.room_id, client_id: 'missing-content' }), (f) => f.type === 'error' && f.ref === 'missing-content'],
      [JSON.stringify({ type: 'send', room_id: roomMain.room_id, client_id: 'empty-content', content: '' }), (f) => f.type === 'error' && f.ref === 'empty-content'],
      [JSON.stringify({ type: 'send', room_id: roomMain.room_id, content: 'no client id' }), (f) => f.type === 'error'],
      [JSON.stringify({ type: 'send', room_id: roomMain.room_id, client_id: 'num-content', content: 7 }), (f) => f.type === 'error' && f.ref === 'num-content'],
      [JSON.stringify({ type: 'typing', room_id: roomMain.room_id }), (f) => f.type === 'error' && f.ref === 'typing'],
      [JSON.stringify({ type: 'react', room_id: roomMain.room_id, message_id: 'nope', emoji: '👍' }), (f) => f.type === 'error' && f.ref === 'react'],
      [JSON.stringify({ type: 'read', room_id: roomMain.room_id, seq: 'x' }), (f) => f.type === 'error' && f.ref === 'read'],
    ];
    for (const [raw, pred] of cases) {
      a.send(raw);
      const e = await a.next(pred, 10000).catch((err) => {
        throw new Error(`no error frame for ${raw}: ${err.message}`);
      });
      assert.ok(typeof e.code === 'string' && e.code.length > 0, `code for ${raw}: ${JSON.stringify(e)}`);
      assert.ok(typeof e.message === 'string', `message for ${raw}`);
      assert.ok('ref' in e, `ref for ${raw}`);
      await a.ping();
    }
    assert.equal(a.isOpen, true);
    assert.equal(a.all('ack').length, 0, 'nothing was accepted');
  });

  test('a binary frame closes the connection with 1003', async () => {
    const a = await fx.connect(p.alice);
    await a.ping();
    a.send(Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true });
    assert.equal((await a.waitClose()).code, 1003);
  });

  test('a protocol failure ends the connection after its close frame; a client that never answers a normal close is cut off', { timeout: 60000 }, async () => {
    // Reads every byte the server sends until it ends the connection; the
    // client itself never sends a close frame.
    const watch = (socket, rest) => {
      let received = rest;
      socket.on('data', (chunk) => { received = Buffer.concat([received, chunk]); });
      socket.on('error', () => {}); // a reset is as good as a FIN here
      return new Promise((resolve) => socket.once('close', () => resolve(received)));
    };
    // The server's close code (frames before the close, such as a ping, are skipped).
    const closeCode = (bytes) => {
      let at = 0;
      while (at + 2 <= bytes.length && bytes[at] !== 0x88) at += 2 + (bytes[at + 1] & 0x7f);
      assert.equal(bytes[at], 0x88, `no close frame in ${bytes.toString('hex')}`);
      return bytes.readUInt16BE(at + 2);
    };

    // Failing the connection (RFC 6455 7.1.7): the close frame, then the TCP
    // connection ends without waiting for an answer.
    const failing = await rawWebSocket(fx.base, p.alice.token);
    const failed = watch(failing.socket, failing.rest);
    failing.socket.write(clientFrame(0x82, 'binary'));
    assert.equal(closeCode(await failed), 1003);

    // A normal close (here: the session logged out) waits for the client's
    // close frame; one that never comes does not keep the socket open.
    const { quiet } = await fx.people('quiet');
    const silent = await rawWebSocket(fx.base, quiet.token);
    const cut = watch(silent.socket, silent.rest);
    silent.socket.write(clientFrame(0x81, JSON.stringify({ type: 'ping' })));
    await waitUntil(() => silent.socket.bytesRead > 0, 15000, 'the pong');
    const out = await api(fx.base, 'POST', '/api/auth/logout', { token: quiet.token });
    assert.equal(out.status, 204);
    assert.equal(closeCode(await cut), 4401);
  });

  test('a text frame over 64 KiB closes the connection with 1009', async () => {
    const a = await fx.connect(p.alice);
    await a.ping();
    const filler = randomBytes(40 * 1024).toString('hex'); // 80 KiB of text
    a.send(JSON.stringify({ type: 'send', room_id: roomMain.room_id, client_id: randomUUID(), content: filler }));
    assert.equal((await a.waitClose()).code, 1009);
    // A frame just under the limit is read (and the message refused as too large).
    const b = await fx.connect(p.alice);
    const clientId = randomUUID();
    b.send(JSON.stringify({ type: 'send', room_id: roomMain.room_id, client_id: clientId, content: 'x'.repeat(60 * 1024) }));
    const e = await b.next((f) => f.type === 'error' && f.ref === clientId);
    assert.equal(e.code, 'message_too_large');
    await b.ping();
  });

  test('framing: pings get pongs, text that is not UTF-8 closes with 1007, a client close is echoed', async () => {
    const a = await fx.connect(p.alice);
    const pong = new Promise((resolve) => a.ws.once('pong', (data) => resolve(data.toString())));
    a.ws.ping('are you there');
    assert.equal(await pong, 'are you there');
    // Fragmented: the server joins the pieces.
    a.ws.send('{"type":', { fin: false });
    a.ws.send('"ping"}', { fin: true });
    await a.next('pong');
    a.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])); // a text frame, not UTF-8
    assert.equal((await a.waitClose()).code, 1007);
    const b = await fx.connect(p.alice);
    await b.ping();
    assert.equal((await b.close(4000, 'bye')).code, 4000);
  });

  test('message text over 8 KiB → message_too_large; just under is accepted', async () => {
    const a = await fx.connect(p.alice);
    await a.subscribe(roomMain.room_id);
    const big = await a.sendMessage(roomMain.room_id, 'y'.repeat(9000), { throwOnError: false });
    assert.equal(big.error?.code, 'message_too_large', JSON.stringify(big));
    assert.equal(a.isOpen, true);
    const ok = await a.sendMessage(roomMain.room_id, 'z'.repeat(8000));
    const f = await a.next((fr) => fr.type === 'message' && fr.seq === ok.seq);
    assert.equal(f.message.content.length, 8000);
    // Multi-byte text is limited too (3 bytes per character in UTF-8).
    const cjk = await a.sendMessage(roomMain.room_id, '沖'.repeat(4000), { throwOnError: false });
    assert.equal(cjk.error?.code, 'message_too_large', JSON.stringify(cjk));
    const rest = await api(fx.base, 'POST', `/api/rooms/${roomMain.room_id}/messages`, { token: p.alice.token, body: { content: 'y'.repeat(9000) } });
    assert.ok(rest.status === 413 || rest.status === 422, rest.text);
    assert.equal(rest.json.code, 'message_too_large');
  });

  test('sending faster than the per-user rate → rate_limited; nothing refused is stored', async () => {
    const { rapid } = await fx.people('rapid');
    const room = await fx.room(p.alice, [['rapid', 'editor']]);
    const r = await fx.connect(rapid);
    const ids = Array.from({ length: 150 }, (_, i) => `rapid-${i}-${randomUUID()}`);
    const replies = ids.map((id) => r.next((f) => (f.type === 'ack' && f.client_id === id) || (f.type === 'error' && f.ref === id), 30000));
    for (const id of ids) r.send({ type: 'send', room_id: room.room_id, client_id: id, content: `burst ${id}` });
    const got = await Promise.all(replies);
    const acked = got.filter((f) => f.type === 'ack');
    const limited = got.filter((f) => f.type === 'error' && f.code === 'rate_limited');
    assert.ok(limited.length > 0, 'some sends are rate limited');
    assert.ok(acked.length > 0, 'the burst allowance is accepted');
    assert.equal(acked.length + limited.length, ids.length, JSON.stringify(got.filter((f) => f.type === 'error' && f.code !== 'rate_limited').slice(0, 3)));
    await r.ping();
    const stored = (await fx.allMessages(p.alice, room.room_id)).filter((m) => ids.includes(m.client_id));
    assert.equal(stored.length, acked.length);
    // Another user is not limited by rapid's burst.
    const a = await fx.connect(p.alice);
    await a.sendMessage(room.room_id, 'alice is not rate limited');
  });

  test('logout closes that session\'s sockets with 4401; another session\'s socket stays open', async () => {
    const { lou } = await fx.people('lou');
    const s2 = await fx.login('lou');
    const room = await fx.room(p.alice, [['lou', 'editor']]);
    const w1 = await fx.connect(lou);
    const w1b = await fx.connect(lou, { authFrame: true });
    const w2 = await fx.connect(s2);
    for (const w of [w1, w1b, w2]) await w.subscribe(room.room_id);
    const out = await api(fx.base, 'POST', '/api/auth/logout', { token: lou.token });
    assert.equal(out.status, 204);
    assert.equal((await w1.waitClose()).code, 4401);
    assert.equal((await w1b.waitClose()).code, 4401);
    await w2.ping();
    const ack = await w2.sendMessage(room.room_id, 'still connected');
    assert.ok(ack.message_id);
    // A revoked session's token no longer opens a socket.
    try {
      const again = await fx.connect(lou);
      assert.equal((await again.waitClose()).code, 4401);
    } catch (e) {
      if (!e.statusCode) throw e;
      assert.equal(e.statusCode, 401);
    }
    // Ending a session from the sessions list closes its sockets too.
    const s3 = await fx.login('lou');
    const del = await api(fx.base, 'DELETE', `/api/auth/sessions/${s2.sid}`, { token: s3.token });
    assert.equal(del.status, 204);
    assert.equal((await w2.waitClose()).code, 4401);
  });

  test('a removed member stops receiving the room\'s events at once', async () => {
    const { remy } = await fx.people('remy');
    const r1 = await fx.room(p.alice, [['remy', 'editor']]);
    const r2 = await fx.room(p.alice, [['remy', 'editor']]);
    const c = await fx.connect(remy);
    await c.subscribe(r1.room_id);
    await c.subscribe(r2.room_id);
    const a = await fx.connect(p.alice);
    await a.subscribe(r1.room_id);
    const before = await a.sendMessage(r1.room_id, 'remy still here');
    await c.next((f) => f.type === 'message' && f.seq === before.seq && f.room_id === r1.room_id);
    const del = await api(fx.base, 'DELETE', `/api/rooms/${r1.room_id}/members/${remy.user.user_id}`, { token: p.alice.token });
    assert.equal(del.status, 204, del.text);
    const removal = await a.next((f) => f.type === 'member_removed' && f.user_id === remy.user.user_id);
    const x = await a.sendMessage(r1.room_id, 'after remy left');
    const y = await a.sendMessage(r2.room_id, 'sync marker in room two');
    await c.next((f) => f.type === 'message' && f.seq === y.seq && f.room_id === r2.room_id);
    await c.ping();
    await sleep(300);
    const leaked = c.frames.filter((f) => f.room_id === r1.room_id && ((Number.isInteger(f.seq) && f.seq > removal.seq) || f.type === 'room_activity' && f.last_seq >= x.seq));
    assert.deepEqual(leaked, [], 'nothing of room one after the removal');
    // Re-subscribing and sending are refused; the connection stays.
    c.send({ type: 'subscribe', room_id: r1.room_id });
    assert.ok((await c.next((f) => f.type === 'error' && f.ref === 'subscribe')).code);
    const s = await c.sendMessage(r1.room_id, 'let me back', { throwOnError: false });
    assert.ok(['forbidden', 'not_found'].includes(s.error?.code), JSON.stringify(s));
    await c.ping();
  });

  test('room changes arrive as timeline events with seq', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const rid = room.room_id;
    const b = await fx.connect(p.bob);
    const sub = await b.subscribe(rid);
    await fx.people('carol');
    const added = await fx.addMember(p.alice, rid, 'carol', 'viewer');
    const ma = await b.next((f) => f.type === 'member_added' && f.room_id === rid);
    assert.equal(ma.member.user_id, added.user_id ?? ma.member.user_id);
    assert.ok(ma.seq > sub.last_seq);
    const ch = await api(fx.base, 'PATCH', `/api/rooms/${rid}/members/${ma.member.user_id}`, { token: p.alice.token, body: { role: 'editor' } });
    assert.equal(ch.status, 200, ch.text);
    const rc = await b.next((f) => f.type === 'member_role_changed' && f.room_id === rid);
    assert.equal(rc.member.role, 'editor');
    const up = await api(fx.base, 'PATCH', `/api/rooms/${rid}`, { token: p.alice.token, body: { status: 'resolved', resolution_notes: 'die realigned' } });
    assert.equal(up.status, 200, up.text);
    const ru = await b.next((f) => f.type === 'room_updated' && f.room_id === rid);
    assert.equal(ru.room.status, 'resolved');
    const rm = await api(fx.base, 'DELETE', `/api/rooms/${rid}/members/${ma.member.user_id}`, { token: p.alice.token });
    assert.equal(rm.status, 204, rm.text);
    const mr = await b.next((f) => f.type === 'member_removed' && f.room_id === rid);
    assert.equal(mr.user_id, ma.member.user_id);
    await b.ping();
    const last = (await fx.getRoom(p.bob, rid)).last_seq;
    await waitUntil(() => timeline(b, rid).some((f) => f.seq === last), 10000, 'all room events');
    assertConsecutive(timeline(b, rid).map((f) => f.seq), sub.last_seq + 1, last, 'room events');
  });

  test('read over the socket moves the read position (unread_count)', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const rid = room.room_id;
    const b = await fx.connect(p.bob);
    await b.subscribe(rid);
    const unread = async () => {
      const res = await api(fx.base, 'GET', '/api/rooms?limit=100', { token: p.bob.token });
      assert.equal(res.status, 200, res.text);
      return res.json.items.find((r) => r.room_id === rid).unread_count;
    };
    const start = (await fx.getRoom(p.bob, rid)).last_seq;
    b.send({ type: 'read', room_id: rid, seq: start });
    await waitUntil(async () => (await unread()) === 0, 10000, 'unread 0 after read');
    const a = await fx.connect(p.alice);
    const acks = await sendMany(a, rid, 3, { concurrency: 1 });
    await waitUntil(async () => (await unread()) === 3, 10000, 'three unread');
    b.send({ type: 'read', room_id: rid, seq: acks[2].seq });
    await waitUntil(async () => (await unread()) === 0, 10000, 'unread 0 after reading all');
    await b.ping();
  });

  test('one commit of many large messages reaches a reader that keeps up, without a 1008', { timeout: 120000 }, async () => {
    // 200 messages of 8 KB wait behind a held write lock: about 1.6 MB for the
    // reader at once, more than its 1 MiB queue bound. They commit in batches
    // of at most 256 KiB of text, and each batch's frames are written while
    // the batch's events are handed out, not only once all have been.
    const names = Array.from({ length: 5 }, (_, i) => `bulk${i}`);
    const sessions = await fx.people('bulkreader', ...names);
    const room = await fx.room(p.alice, [['bulkreader', 'viewer'], ...names.map((n) => [n, 'editor'])]);
    const rid = room.room_id;
    const reader = await fx.connect(sessions.bulkreader);
    const start = (await reader.subscribe(rid)).last_seq;
    const senders = [];
    for (const n of names) senders.push(await fx.connect(sessions[n]));
    const lock = await holdWriteLock(join(fx.server.dir, 'task-reporter.db'));
    let acks;
    try {
      const content = 'x'.repeat(8000);
      acks = senders.flatMap((s) => Array.from({ length: 40 }, () => s.sendMessage(rid, content)));
      // A pong follows the sends on each connection: all 200 posts are queued.
      for (const s of senders) await s.ping();
    } finally {
      await lock.release();
    }
    const seqs = (await Promise.all(acks)).map((a) => a.seq);
    assert.equal(new Set(seqs).size, 200);
    const last = Math.max(...seqs);
    await waitUntil(() => reader.closeInfo || timeline(reader, rid).some((f) => f.seq === last), 60000, 'all 200 messages');
    assert.equal(reader.closeInfo, null, `the reader was closed: ${JSON.stringify(reader.closeInfo)}`);
    assertConsecutive(timeline(reader, rid).map((f) => f.seq), start + 1, last, 'the batch');
    await reader.ping();
  });

  test('a slow consumer is closed with 1008 without stalling the room, and catches up after reconnect', { timeout: 240000 }, async () => {
    // Enough senders that the whole volume fits in their rate-limit bursts.
    const senderNames = Array.from({ length: 40 }, (_, i) => `pump${i}`);
    const sessions = await fx.people('slowpoke', 'watcher', ...senderNames);
    const room = await fx.room(p.alice, [['slowpoke', 'viewer'], ['watcher', 'viewer'], ...senderNames.map((n) => [n, 'editor'])]);
    const rid = room.room_id;
    const watcher = await fx.connect(sessions.watcher);
    const slow = await fx.connect(sessions.slowpoke);
    const start = (await slow.subscribe(rid)).last_seq;
    await watcher.subscribe(rid);
    slow.pause(); // stops reading: the server's queue for it fills up

    const senders = await Promise.all(senderNames.map((n) => fx.connect(sessions[n])));
    // 10 MB to the room: several times the server's per-connection bound
    // (1 MiB by default) plus what the kernel buffers hold for a reader that
    // has stopped. The server then closes the slow one with 1008; its close
    // frame waits behind the full socket buffer, so the client resumes
    // reading soon after (before the server's close-handshake timeout tears
    // the TCP connection down) to see it.
    const payload = randomBytes(3500).toString('hex'); // 7000 bytes per message
    const maxMessages = Math.ceil((10 * 1024 * 1024) / 7000);
    const acks = [];
    let sent = 0;
    const deadline = Date.now() + 120000;
    await Promise.all(senders.map(async (s, i) => {
      while (sent < maxMessages && Date.now() < deadline) {
        sent++;
        acks.push(await s.sendMessageRetrying(rid, `${i} ${payload}`, { timeoutMs: 60000 }));
      }
    }));
    slow.resume();
    const maxSeq = Math.max(...acks.map((x) => x.seq));
    const closed = await slow.waitClose(30000);
    assert.equal(closed.code, 1008, `slow consumer closed with ${closed.code} (${closed.reason}) after ${acks.length} messages`);
    // The room was not stalled: the healthy subscriber got everything.
    await waitUntil(() => timeline(watcher, rid).some((f) => f.seq === maxSeq), 60000, 'watcher gets every message');
    assertConsecutive(timeline(watcher, rid).map((f) => f.seq), start + 1, maxSeq, 'watcher');
    assert.equal(watcher.isOpen, true);
    await watcher.next((f) => f.type === 'presence' && f.user_id === sessions.slowpoke.user.user_id && f.online === false);
    // What it did get is a gap-free prefix; then it catches up from there.
    const got = timeline(slow, rid).map((f) => f.seq);
    console.error(`slow consumer: ${acks.length} sent, ${got.length} read before the 1008 close`);
    assertConsecutive(got, start + 1, got.length ? got.at(-1) : start, 'slow prefix');
    const resumeFrom = got.length ? got.at(-1) : start;
    const again = await fx.connect(sessions.slowpoke);
    await again.subscribe(rid, { sinceSeq: resumeFrom });
    await waitUntil(() => {
      if (again.closeInfo) throw new Error(`closed ${JSON.stringify(again.closeInfo)} during catch-up after ${timeline(again, rid).length} of ${maxSeq - resumeFrom} events`);
      return timeline(again, rid).some((f) => f.seq === maxSeq);
    }, 60000, 'slowpoke catches up');
    await again.ping();
    assertConsecutive(timeline(again, rid).map((f) => f.seq), resumeFrom + 1, maxSeq, 'catch-up after 1008');
  });
});

// ---------------------------------------------------------------------------
describe('durability', () => {
  test('a client_id repeated after a server restart returns the same ack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tr-rt-restart-'));
    try {
      let fx = await new Fixture(await startServer({ dataDir: dir })).init();
      let p = await fx.people('alice', 'bob');
      const room = await fx.room(p.alice, [['bob', 'editor']]);
      const clientId = `restart-${randomUUID()}`;
      const c = await fx.connect(p.alice);
      const first = await c.sendMessage(room.room_id, 'before the restart', { clientId });
      await fx.closeAll();
      await fx.server.stop();

      fx = await new Fixture(await startServer({ dataDir: dir })).init();
      p = { alice: await fx.login('alice'), bob: await fx.login('bob') };
      const c2 = await fx.connect(p.alice);
      const sub = await c2.subscribe(room.room_id);
      const again = await c2.sendMessage(room.room_id, 'before the restart', { clientId });
      assert.deepEqual([again.message_id, again.seq], [first.message_id, first.seq]);
      assert.equal((await fx.getRoom(p.alice, room.room_id)).last_seq, sub.last_seq, 'nothing new stored');
      const stored = (await fx.allMessages(p.bob, room.room_id)).filter((m) => m.client_id === clientId);
      assert.equal(stored.length, 1);
      // The next send continues the seq without a gap.
      const next = await c2.sendMessage(room.room_id, 'after the restart');
      assert.equal(next.seq, sub.last_seq + 1);
      await fx.closeAll();
      await fx.server.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('SIGKILL mid-stream: every acked message is stored exactly once and seq has no gaps', { timeout: 180000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tr-rt-kill-'));
    try {
      let fx = await new Fixture(await startServer({ dataDir: dir })).init();
      const names = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
      const sessions = await fx.people('owner', ...names);
      const room = await fx.room(sessions.owner, names.map((n) => [n, 'editor']));
      const rid = room.room_id;
      const clients = await Promise.all(names.map((n) => fx.connect(sessions[n])));
      for (const c of clients) await c.subscribe(rid);

      const acked = new Map(); // client_id -> ack
      const attempted = new Map(); // client_id -> {name, content}
      let killed = false;
      let loopError = null;
      const killAt = 200;
      const loops = clients.map(async (c, ci) => {
        let i = 0;
        const inFlight = new Set();
        while (!killed && i < 2000) {
          while (inFlight.size < 8 && !killed) {
            const clientId = `${names[ci]}-${i}`;
            const content = `kill test ${names[ci]} #${i}`;
            i++;
            attempted.set(clientId, { name: names[ci], content });
            const pr = c.sendMessage(rid, content, { clientId, throwOnError: false, timeoutMs: 20000 })
              .then(async (r) => {
                if (!r.error) acked.set(clientId, r);
                else if (r.error.code === 'rate_limited') await sleep(50); // stays unacked; retried after restart
                else throw new Error(`unexpected error ${JSON.stringify(r.error)}`);
              })
              .catch((e) => {
                if (!killed) throw e;
              })
              .finally(() => inFlight.delete(pr));
            inFlight.add(pr);
          }
          await Promise.race(inFlight);
        }
        await Promise.allSettled(inFlight);
      });
      loops.forEach((l) => l.catch((e) => (loopError ??= e)));
      await waitUntil(() => {
        if (loopError) throw loopError;
        return acked.size >= killAt;
      }, 60000, `${killAt} acks`);
      killed = true;
      fx.server.child.kill('SIGKILL');
      const exit = await fx.server.exited;
      assert.equal(exit.signal, 'SIGKILL');
      await Promise.all(loops);
      const ackedAtKill = new Map(acked);
      assert.ok(ackedAtKill.size >= killAt);

      fx = await new Fixture(await startServer({ dataDir: dir })).init();
      const owner = await fx.login('owner');
      let messages = await fx.allMessages(owner, rid);
      const byClient = new Map();
      for (const m of messages) {
        if (!m.client_id || !attempted.has(m.client_id)) continue;
        byClient.set(m.client_id, [...(byClient.get(m.client_id) ?? []), m]);
      }
      for (const [clientId, ack] of ackedAtKill) {
        const found = byClient.get(clientId) ?? [];
        assert.equal(found.length, 1, `acked ${clientId} stored exactly once (found ${found.length})`);
        assert.equal(found[0].message_id, ack.message_id);
        assert.equal(found[0].seq, ack.seq);
        assert.equal(found[0].content, attempted.get(clientId).content);
      }
      for (const [clientId, found] of byClient) assert.equal(found.length, 1, `${clientId} not duplicated`);
      const events = await fx.allEvents(owner, rid);
      const last = (await fx.getRoom(owner, rid)).last_seq;
      assertConsecutive(events.map((e) => e.seq), 1, last, 'events after SIGKILL');

      // Clients retry whatever was not acknowledged: each lands exactly once.
      const retry = new Map();
      for (const n of names) retry.set(n, await fx.connect(await fx.login(n)));
      const pending = [...attempted].filter(([id]) => !ackedAtKill.has(id));
      await Promise.all(names.map(async (n) => {
        const c = retry.get(n);
        for (const [clientId, { content }] of pending.filter(([, v]) => v.name === n)) {
          const r = await c.sendMessageRetrying(rid, content, { clientId, timeoutMs: 60000 });
          const prior = byClient.get(clientId);
          if (prior) assert.equal(r.message_id, prior[0].message_id, 'a stored but unacked send returns its stored ack');
        }
      }));
      messages = await fx.allMessages(owner, rid);
      const counts = new Map();
      for (const m of messages) if (attempted.has(m.client_id)) counts.set(m.client_id, (counts.get(m.client_id) ?? 0) + 1);
      assert.equal(counts.size, attempted.size, 'every attempted send stored after retries');
      for (const [id, n] of counts) assert.equal(n, 1, `${id} exactly once`);
      const events2 = await fx.allEvents(owner, rid);
      assertConsecutive(events2.map((e) => e.seq), 1, (await fx.getRoom(owner, rid)).last_seq, 'events after retries');
      await fx.closeAll();
      await fx.server.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------
describe('REST messaging', () => {
  let fx;
  let p;

  before(async () => {
    fx = await new Fixture(await startServer()).init();
    p = await fx.people('alice', 'bob', 'carol', 'vic', 'nora');
  });
  afterEach(async () => fx.closeAll());
  after(async () => {
    await fx.closeAll();
    await fx.server.stop();
  });

  const post = (session, rid, body) => api(fx.base, 'POST', `/api/rooms/${rid}/messages`, { token: session.token, body });

  test('post returns the message; a repeated client_id returns the same one', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const res = await post(p.bob, room.room_id, { content: '3 號沖壓機卡料', client_id: 'rest-1' });
    assert.ok(res.status === 201 || res.status === 200, res.text);
    const m = res.json;
    for (const field of MESSAGE_FIELDS) assert.ok(field in m, `message has ${field}: ${res.text}`);
    assert.equal(m.room_id, room.room_id);
    assert.equal(m.sender_id, p.bob.user.user_id);
    assert.equal(m.sender_name, 'Display bob');
    assert.equal(m.type, 'text');
    assert.equal(m.content, '3 號沖壓機卡料');
    assert.equal(m.client_id, 'rest-1');
    assert.equal(m.deleted, false);
    assert.equal(m.edited_at, null);
    assert.equal(m.reply_to, null);
    assert.equal(m.seq, (await fx.getRoom(p.bob, room.room_id)).last_seq);
    const again = await post(p.bob, room.room_id, { content: '3 號沖壓機卡料', client_id: 'rest-1' });
    assert.equal(again.json.message_id, m.message_id);
    assert.equal((await fx.getRoom(p.bob, room.room_id)).last_seq, m.seq);
    const reply = await post(p.alice, room.room_id, { content: 'on my way', reply_to: m.message_id });
    assert.equal(reply.json.reply_to, m.message_id);
    const noClient = await post(p.alice, room.room_id, { content: 'no client id is fine' });
    assert.ok(noClient.status === 201 || noClient.status === 200);
  });

  test('bad message bodies are refused naming the problem', async () => {
    const room = await fx.room(p.alice);
    const rid = room.room_id;
    expectProblem(assert, await post(p.alice, rid, {}), 422, 'validation_failed');
    expectProblem(assert, await post(p.alice, rid, { content: 42 }), 422, 'validation_failed');
    expectProblem(assert, await post(p.alice, rid, { content: '' }), 422, 'validation_failed');
    expectProblem(assert, await api(fx.base, 'POST', `/api/rooms/${rid}/messages`, { token: p.alice.token, raw: '{"content":', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    const big = await post(p.alice, rid, { content: 'q'.repeat(9000) });
    assert.equal(big.json?.code, 'message_too_large', big.text);
    const badReply = await post(p.alice, rid, { content: 'x', reply_to: 'no-such-message' });
    assert.ok(badReply.status === 422 || badReply.status === 404, badReply.text);
  });

  test('roles: viewers and non-members cannot post; non-members cannot read', async () => {
    const room = await fx.room(p.alice, [['vic', 'viewer']]);
    const rid = room.room_id;
    expectProblem(assert, await post(p.vic, rid, { content: 'viewer' }), 403, 'forbidden');
    expectProblem(assert, await post(p.nora, rid, { content: 'stranger' }), 403, 'forbidden');
    expectProblem(assert, await api(fx.base, 'GET', `/api/rooms/${rid}/messages`, { token: p.nora.token }), 403, 'forbidden');
    expectProblem(assert, await api(fx.base, 'GET', `/api/rooms/${rid}/events?after_seq=0`, { token: p.nora.token }), 403, 'forbidden');
    expectProblem(assert, await api(fx.base, 'GET', `/api/rooms/${rid}/messages/search?q=x`, { token: p.nora.token }), 403, 'forbidden');
    assert.equal((await api(fx.base, 'GET', `/api/rooms/${rid}/messages`, { token: p.vic.token })).status, 200);
    // An admin reads every room.
    assert.equal((await api(fx.base, 'GET', `/api/rooms/${rid}/messages`, { token: fx.admin.token })).status, 200);
    expectProblem(assert, await api(fx.base, 'GET', `/api/rooms/${rid}/messages`), 401, 'unauthorized');
  });

  test('history pages with before_seq, after_seq and limit; has_more tells if there is more', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const rid = room.room_id;
    for (let i = 0; i < 12; i++) {
      const r = await post(i % 2 ? p.bob : p.alice, rid, { content: `line ${i}` });
      assert.ok(r.status === 201 || r.status === 200, r.text);
    }
    const all = await fx.allMessages(p.alice, rid);
    assert.ok(all.length >= 12);
    const seqs = all.map((m) => m.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'seq order');
    assert.equal(new Set(seqs).size, seqs.length);
    const get = async (q) => {
      const r = await api(fx.base, 'GET', `/api/rooms/${rid}/messages${q}`, { token: p.alice.token });
      assert.equal(r.status, 200, r.text);
      return r.json;
    };
    // No cursor: the newest `limit`, oldest first.
    const newest = await get('?limit=5');
    assert.deepEqual(newest.items.map((m) => m.seq), seqs.slice(-5));
    assert.equal(newest.has_more, true);
    assert.deepEqual(newest.items.map((m) => m.content), ['line 7', 'line 8', 'line 9', 'line 10', 'line 11']);
    // Scrolling up.
    const older = await get(`?before_seq=${newest.items[0].seq}&limit=5`);
    assert.deepEqual(older.items.map((m) => m.seq), seqs.slice(-10, -5));
    assert.equal(older.has_more, true);
    const oldest = await get(`?before_seq=${seqs[3]}&limit=50`);
    assert.deepEqual(oldest.items.map((m) => m.seq), seqs.slice(0, 3));
    assert.equal(oldest.has_more, false);
    // Forward from a seq.
    const fwd = await get(`?after_seq=${seqs[2]}&limit=4`);
    assert.deepEqual(fwd.items.map((m) => m.seq), seqs.slice(3, 7));
    assert.equal(fwd.has_more, true);
    const tail = await get(`?after_seq=${seqs.at(-3)}&limit=10`);
    assert.deepEqual(tail.items.map((m) => m.seq), seqs.slice(-2));
    assert.equal(tail.has_more, false);
    const none = await get(`?after_seq=${seqs.at(-1)}`);
    assert.deepEqual(none.items, []);
    assert.equal(none.has_more, false);
    for (const q of ['?limit=0', '?limit=abc', '?before_seq=x', '?after_seq=-1x']) {
      expectProblem(assert, await api(fx.base, 'GET', `/api/rooms/${rid}/messages${q}`, { token: p.alice.token }), 422, 'validation_failed');
    }
  });

  test('edit (author only) and delete (author, owner or admin; soft)', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor'], ['carol', 'editor']]);
    const rid = room.room_id;
    const m = (await post(p.bob, rid, { content: 'temperature 180C' })).json;
    const patch = (session, id, body) => api(fx.base, 'PATCH', `/api/rooms/${rid}/messages/${id}`, { token: session.token, body });
    const del = (session, id) => api(fx.base, 'DELETE', `/api/rooms/${rid}/messages/${id}`, { token: session.token });
    expectProblem(assert, await patch(p.carol, m.message_id, { content: 'carol edits' }), 403, 'forbidden');
    expectProblem(assert, await patch(p.alice, m.message_id, { content: 'owner edits' }), 403, 'forbidden');
    expectProblem(assert, await patch(p.bob, m.message_id, { content: '' }), 422, 'validation_failed');
    const edited = await patch(p.bob, m.message_id, { content: 'temperature 185C' });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.json.content, 'temperature 185C');
    assert.ok(edited.json.edited_at);
    assert.equal(edited.json.seq, m.seq, 'a message keeps the seq that created it');
    expectProblem(assert, await patch(p.bob, 'no-such-message', { content: 'x' }), 404, 'not_found');
    // Delete: another editor no; owner yes; author yes; admin yes.
    expectProblem(assert, await del(p.carol, m.message_id), 403, 'forbidden');
    const r1 = await del(p.alice, m.message_id);
    assert.ok(r1.status === 204 || r1.status === 200, r1.text);
    const m2 = (await post(p.carol, rid, { content: 'my own mistake' })).json;
    const r2 = await del(p.carol, m2.message_id);
    assert.ok(r2.status === 204 || r2.status === 200, r2.text);
    const m3 = (await post(p.bob, rid, { content: 'admin will remove this' })).json;
    const r3 = await del(fx.admin, m3.message_id);
    assert.ok(r3.status === 204 || r3.status === 200, r3.text);
    const all = await fx.allMessages(p.alice, rid);
    for (const id of [m.message_id, m2.message_id, m3.message_id]) {
      const found = all.find((x) => x.message_id === id);
      assert.ok(found, 'a deleted message stays in history');
      assert.equal(found.deleted, true);
      assert.ok(!found.content, `content removed: ${JSON.stringify(found)}`);
    }
    const late = await patch(p.bob, m.message_id, { content: 'edit after delete' });
    assert.ok([404, 409, 422].includes(late.status), `editing a deleted message is refused: ${late.status} ${late.text}`);
  });

  test('reactions: one per user per emoji, removable, validated', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor'], ['vic', 'viewer']]);
    const rid = room.room_id;
    const m = (await post(p.alice, rid, { content: 'line restarted' })).json;
    const react = (session, emoji) => api(fx.base, 'POST', `/api/rooms/${rid}/messages/${m.message_id}/reactions`, { token: session.token, body: { emoji } });
    const unreact = (session, emoji) => api(fx.base, 'DELETE', `/api/rooms/${rid}/messages/${m.message_id}/reactions/${encodeURIComponent(emoji)}`, { token: session.token });
    for (const s of [p.alice, p.bob]) {
      const r = await react(s, '👍');
      assert.ok(r.status === 200 || r.status === 201 || r.status === 204, r.text);
    }
    const again = await react(p.bob, '👍');
    assert.ok(again.status < 300 || again.status === 409, again.text);
    await react(p.bob, '👨‍🔧'); // a ZWJ sequence is one emoji
    const current = async () => (await fx.allMessages(p.alice, rid)).find((x) => x.message_id === m.message_id).reactions;
    let reactions = await current();
    const thumbs = reactions.find((r) => r.emoji === '👍');
    assert.equal(thumbs.count, 2);
    assert.deepEqual([...thumbs.user_ids].sort(), [p.alice.user.user_id, p.bob.user.user_id].sort());
    assert.equal(reactions.find((r) => r.emoji === '👨‍🔧')?.count, 1);
    expectProblem(assert, await react(p.vic, '👍'), 403, 'forbidden');
    expectProblem(assert, await react(p.bob, 'x'.repeat(64)), 422, 'validation_failed');
    expectProblem(assert, await react(p.bob, ''), 422, 'validation_failed');
    const del = await unreact(p.bob, '👍');
    assert.ok(del.status === 204 || del.status === 200, del.text);
    reactions = await current();
    assert.deepEqual(reactions.find((r) => r.emoji === '👍').user_ids, [p.alice.user.user_id]);
    assert.equal(reactions.find((r) => r.emoji === '👍').count, 1);
  });

  test('the events endpoint pages the room log with after_seq and limit', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const rid = room.room_id;
    const m = (await post(p.alice, rid, { content: 'event source' })).json;
    await api(fx.base, 'PATCH', `/api/rooms/${rid}/messages/${m.message_id}`, { token: p.alice.token, body: { content: 'event source (edited)' } });
    await api(fx.base, 'POST', `/api/rooms/${rid}/messages/${m.message_id}/reactions`, { token: p.bob.token, body: { emoji: '👀' } });
    await api(fx.base, 'DELETE', `/api/rooms/${rid}/messages/${m.message_id}`, { token: p.alice.token });
    const last = (await fx.getRoom(p.alice, rid)).last_seq;
    const all = await fx.allEvents(p.alice, rid);
    assertConsecutive(all.map((e) => e.seq), 1, last, 'events');
    for (const e of all) {
      assert.equal(e.room_id, rid);
      assert.ok(typeof e.type === 'string' && !NOT_TIMELINE.has(e.type), e.type);
    }
    const tail = all.filter((e) => e.seq >= m.seq).map((e) => e.type);
    assert.deepEqual(tail, ['message', 'message_edited', 'reaction_added', 'message_deleted']);
    const page = await api(fx.base, 'GET', `/api/rooms/${rid}/events?after_seq=0&limit=2`, { token: p.alice.token });
    assert.deepEqual(page.json.items.map((e) => e.seq), [1, 2]);
    assert.equal(page.json.has_more, true);
    const end = await api(fx.base, 'GET', `/api/rooms/${rid}/events?after_seq=${last - 1}&limit=5`, { token: p.alice.token });
    assert.deepEqual(end.json.items.map((e) => e.seq), [last]);
    assert.equal(end.json.has_more, false);
    expectProblem(assert, await api(fx.base, 'GET', `/api/rooms/${rid}/events?after_seq=abc`, { token: p.alice.token }), 422, 'validation_failed');
    // The same frames as the socket sends.
    const ws = await fx.connect(p.bob);
    await ws.subscribe(rid, { sinceSeq: m.seq - 1 });
    await waitUntil(() => timeline(ws, rid).some((f) => f.seq === last), 10000, 'replay');
    const frames = timeline(ws, rid);
    assert.deepEqual(frames, all.filter((e) => e.seq >= m.seq));
  });

  test('read position and unread_count on the room list', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const rid = room.room_id;
    const unread = async (s) => {
      const res = await api(fx.base, 'GET', '/api/rooms?limit=100', { token: s.token });
      assert.equal(res.status, 200, res.text);
      const item = res.json.items.find((r) => r.room_id === rid);
      assert.ok('unread_count' in item, JSON.stringify(item));
      return item.unread_count;
    };
    const read = async (s, seq) => {
      const r = await api(fx.base, 'POST', `/api/rooms/${rid}/read`, { token: s.token, body: { seq } });
      assert.ok(r.status === 204 || r.status === 200, r.text);
    };
    await read(p.bob, (await fx.getRoom(p.bob, rid)).last_seq);
    assert.equal(await unread(p.bob), 0);
    const ms = [];
    for (let i = 0; i < 3; i++) ms.push((await post(p.alice, rid, { content: `unread ${i}` })).json);
    assert.equal(await unread(p.bob), 3);
    await read(p.bob, ms[1].seq);
    assert.equal(await unread(p.bob), 1);
    await read(p.bob, ms[2].seq);
    assert.equal(await unread(p.bob), 0);
    expectProblem(assert, await api(fx.base, 'POST', `/api/rooms/${rid}/read`, { token: p.bob.token, body: { seq: 'x' } }), 422, 'validation_failed');
    expectProblem(assert, await api(fx.base, 'POST', `/api/rooms/${rid}/read`, { token: p.nora.token, body: { seq: 1 } }), 403, 'forbidden');
  });

  test('message search finds Chinese and English text', async () => {
    const room = await fx.room(p.alice, [['bob', 'editor']]);
    const rid = room.room_id;
    const texts = ['3 號沖壓機卡料，需要停線', 'Conveyor belt jammed at station 4', '品質異常：焊點不良', 'obsolete note about the press'];
    const ids = [];
    for (const t of texts) ids.push((await post(p.alice, rid, { content: t })).json.message_id);
    await api(fx.base, 'DELETE', `/api/rooms/${rid}/messages/${ids[3]}`, { token: p.alice.token });
    const search = async (q) => {
      const r = await api(fx.base, 'GET', `/api/rooms/${rid}/messages/search?q=${encodeURIComponent(q)}`, { token: p.bob.token });
      assert.equal(r.status, 200, r.text);
      return r.json.items.map((m) => m.message_id);
    };
    assert.deepEqual(await search('沖壓'), [ids[0]]);
    assert.deepEqual(await search('焊點'), [ids[2]]);
    assert.deepEqual(await search('jammed'), [ids[1]]);
    assert.deepEqual(await search('Conveyor'), [ids[1]]);
    assert.deepEqual(await search('obsolete'), [], 'deleted content is not searchable');
    assert.deepEqual(await search('nothing-like-this'), []);
    // Another room's messages are not found here.
    const other = await fx.room(p.alice);
    await post(p.alice, other.room_id, { content: '另一個沖壓問題' });
    assert.deepEqual(await search('沖壓'), [ids[0]]);
  });
});
