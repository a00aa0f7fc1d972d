// A small WebSocket test client for the realtime API (SPEC section 4), on the
// npm `ws` package. It keeps every frame it receives, lets a test await the
// next frame matching a predicate, and records how the connection was closed.
//
//   const c = await WsClient.connect(server.url, { token });          // ?token=
//   const c = await WsClient.connect(server.url, { token, authFrame: true }); // auth frame
//   await c.subscribe(roomId, { sinceSeq: 0 });
//   const ack = await c.sendMessage(roomId, 'hello');                 // awaits the ack
//   const f = await c.next((f) => f.type === 'message', 5000);
//   const { code } = await c.closed;
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';

export const DEFAULT_TIMEOUT_MS = 15000;

// A frame predicate from a type name, an object of fields to match, or a function.
function matcher(pred) {
  if (typeof pred === 'function') return pred;
  if (typeof pred === 'string') return (f) => f.type === pred;
  if (pred && typeof pred === 'object') {
    return (f) => Object.entries(pred).every(([k, v]) => f[k] === v);
  }
  return () => true;
}

function describe(pred) {
  if (typeof pred === 'string') return `type=${pred}`;
  if (pred && typeof pred === 'object') return JSON.stringify(pred);
  return String(pred).slice(0, 160);
}

export function wsUrl(base, token) {
  const u = new URL(base);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/ws';
  if (token) u.searchParams.set('token', token);
  return u.toString();
}

export class WsClient {
  constructor(ws, { name = 'client' } = {}) {
    this.ws = ws;
    this.name = name;
    this.frames = []; // every parsed frame, in arrival order
    this.raw = []; // frames that were not JSON (should stay empty)
    this.consumed = new Set(); // indexes of frames handed out by next()
    this.waiters = [];
    this.listeners = [];
    this.closeInfo = null; // {code, reason} once closed
    this.errors = [];
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error(`${this.name}: connection closed (${code} ${reason}) while waiting for ${w.what}; last frames: ${this.tail()}`));
        }
        resolve(this.closeInfo);
      });
    });
    ws.on('error', (e) => this.errors.push(e));
    ws.on('message', (data, isBinary) => {
      let frame;
      try {
        frame = JSON.parse(isBinary ? data.toString() : data.toString('utf8'));
      } catch {
        this.raw.push(data);
        return;
      }
      const index = this.frames.push(frame) - 1;
      for (const l of this.listeners) l(frame);
      for (let i = 0; i < this.waiters.length; i++) {
        const w = this.waiters[i];
        if (w.match(frame)) {
          this.waiters.splice(i, 1);
          clearTimeout(w.timer);
          this.consumed.add(index);
          w.resolve(frame);
          return;
        }
      }
    });
  }

  // Opens a connection. Options: token, authFrame (send the token as the first
  // frame instead of the query), localAddress, perMessageDeflate (off by
  // default: frame sizes in tests mean what they say), handshakeTimeout.
  static connect(base, { token, authFrame = false, name, localAddress, perMessageDeflate = false, timeoutMs = DEFAULT_TIMEOUT_MS, headers } = {}) {
    const url = wsUrl(base, authFrame ? undefined : token);
    const ws = new WebSocket(url, { perMessageDeflate, localAddress, handshakeTimeout: timeoutMs, headers });
    const client = new WsClient(ws, { name });
    return new Promise((resolve, reject) => {
      const onError = (e) => reject(e);
      ws.once('unexpected-response', (_req, res) => {
        ws.off('error', onError);
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          const e = new Error(`${name ?? 'client'}: upgrade refused with HTTP ${res.statusCode}: ${body}`);
          e.statusCode = res.statusCode;
          e.body = body;
          reject(e);
        });
        ws.terminate?.();
      });
      ws.once('error', onError);
      ws.once('open', () => {
        ws.off('error', onError);
        if (authFrame && token !== undefined) client.send({ type: 'auth', token });
        resolve(client);
      });
    });
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  tail(n = 5) {
    return JSON.stringify(this.frames.slice(-n)).slice(0, 1500);
  }

  // Sends a JSON frame (or a raw string / Buffer as is).
  send(obj, { binary = false } = {}) {
    const data = typeof obj === 'string' || Buffer.isBuffer(obj) ? obj : JSON.stringify(obj);
    this.ws.send(data, { binary });
  }

  // Resolves with the first frame not handed out yet that matches; waits for
  // it (rejects after timeoutMs, or when the connection closes).
  next(pred, timeoutMs = DEFAULT_TIMEOUT_MS) {
    const match = matcher(pred);
    for (let i = 0; i < this.frames.length; i++) {
      if (!this.consumed.has(i) && match(this.frames[i])) {
        this.consumed.add(i);
        return Promise.resolve(this.frames[i]);
      }
    }
    const what = describe(pred);
    if (this.closeInfo) {
      return Promise.reject(new Error(`${this.name}: connection already closed (${this.closeInfo.code}) while waiting for ${what}; last frames: ${this.tail()}`));
    }
    return new Promise((resolve, reject) => {
      const w = { match, resolve, reject, what };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`${this.name}: no frame ${what} within ${timeoutMs} ms; last frames: ${this.tail()}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  // Collects `count` matching frames (in order).
  async collect(pred, count, timeoutMs = DEFAULT_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    const out = [];
    while (out.length < count) {
      out.push(await this.next(pred, Math.max(1, deadline - Date.now())));
    }
    return out;
  }

  // Every frame received so far that matches (consumed or not).
  all(pred) {
    return this.frames.filter(matcher(pred));
  }

  // Resolves true if a matching frame arrives (or arrived and was not
  // handed out) within ms, false otherwise. For "nothing arrives" checks.
  async maybe(pred, ms) {
    try {
      await this.next(pred, ms);
      return true;
    } catch (e) {
      if (this.closeInfo) throw e;
      return false;
    }
  }

  // Waits for the close; rejects if it does not come within timeoutMs.
  async waitClose(timeoutMs = DEFAULT_TIMEOUT_MS) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name}: not closed within ${timeoutMs} ms; last frames: ${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ping → pong round trip (proves the connection is open and being read).
  async ping(timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.send({ type: 'ping' });
    return this.next('pong', timeoutMs);
  }

  // subscribe → `subscribed {room_id, last_seq}`; an error frame rejects.
  async subscribe(roomId, { sinceSeq, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    const frame = { type: 'subscribe', room_id: roomId };
    if (sinceSeq !== undefined) frame.since_seq = sinceSeq;
    this.send(frame);
    const reply = await this.next((f) => (f.type === 'subscribed' && f.room_id === roomId) || (f.type === 'error' && f.ref === 'subscribe'), timeoutMs);
    if (reply.type === 'error') {
      const e = new Error(`${this.name}: subscribe ${roomId} refused: ${JSON.stringify(reply)}`);
      e.frame = reply;
      throw e;
    }
    return reply;
  }

  // send → the ack for its client_id; an error frame with that ref resolves
  // as {error: frame} (so tests can assert on it) unless throwOnError.
  async sendMessage(roomId, content, { clientId = randomUUID(), replyTo, timeoutMs = DEFAULT_TIMEOUT_MS, throwOnError = true } = {}) {
    const frame = { type: 'send', room_id: roomId, client_id: clientId, content };
    if (replyTo !== undefined) frame.reply_to = replyTo;
    this.send(frame);
    const reply = await this.next((f) => (f.type === 'ack' || f.type === 'error') && (f.client_id === clientId || f.ref === clientId), timeoutMs);
    if (reply.type === 'error') {
      if (throwOnError) {
        const e = new Error(`${this.name}: send ${clientId} refused: ${JSON.stringify(reply)}`);
        e.frame = reply;
        throw e;
      }
      return { error: reply, clientId };
    }
    return reply;
  }

  // send, retrying (same client_id) while the server answers rate_limited.
  async sendMessageRetrying(roomId, content, { clientId = randomUUID(), timeoutMs = 30000, backoffMs = 60 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.sendMessage(roomId, content, { clientId, throwOnError: false, timeoutMs: Math.max(1, deadline - Date.now()) });
      if (!r.error) return r;
      if (r.error.code !== 'rate_limited' || Date.now() > deadline) {
        const e = new Error(`${this.name}: send ${clientId} refused: ${JSON.stringify(r.error)}`);
        e.frame = r.error;
        throw e;
      }
      await new Promise((res) => setTimeout(res, backoffMs));
    }
  }

  // Stops reading from the socket (a slow consumer); resume() reads again.
  pause() {
    this.ws._socket.pause();
  }

  resume() {
    this.ws._socket.resume();
  }

  close(code = 1000, reason = '') {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    return this.closed;
  }

  terminate() {
    this.ws.terminate();
    return this.closed;
  }
}
