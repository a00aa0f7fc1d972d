// A load-generator process (forked by run.mjs): holds WebSocket connections
// and runs one part of a scenario on command. Talks to its parent over IPC
// ({id, cmd, ...} → {id, ok, result | error}).
import { Conn, nowNs, pool, sleep, localAddress } from './lib.mjs';

const NOT_TIMELINE = new Set(['subscribed', 'ack', 'error', 'pong', 'typing', 'presence', 'room_activity']);
let conns = [];

const commands = {
  // Opens and subscribes connections. track: 'none' | 'fanout'.
  async open({ base, specs, concurrency = 100, spread = 0, track = 'none', expected = 0 }) {
    let failed = 0;
    const errors = [];
    const started = Date.now();
    await pool(specs, concurrency, async (spec) => {
      try {
        const c = await Conn.open(base, spec.token, { localAddress: localAddress(spec.index, spread) });
        c.spec = spec;
        if (track === 'fanout') {
          c.counts = new Uint8Array(expected);
          c.lat = [];
          c.onFrame = (f) => {
            if (f.type !== 'message' || !f.message || typeof f.message.content !== 'string') return;
            const content = f.message.content;
            if (!content.startsWith('bench|')) return;
            const at = nowNs();
            const parts = content.split('|', 3);
            const i = Number(parts[1]);
            if (i >= 0 && i < expected && c.counts[i] < 255) c.counts[i]++;
            if (c.counts[i] === 1) c.lat.push(Number(at - BigInt(parts[2])) / 1e6);
          };
        }
        const sub = await c.subscribe(spec.room_id, spec.since_seq);
        c.lastSeq = sub.last_seq;
        conns.push(c);
      } catch (e) {
        failed++;
        if (errors.length < 5) errors.push(String(e.message ?? e));
      }
    });
    return { opened: conns.length, failed, errors, ms: Date.now() - started, lastSeqs: conns.map((c) => [c.spec.index, c.lastSeq]) };
  },

  async openCount() {
    return { open: conns.filter((c) => c.closeCode === null).length, closed: conns.filter((c) => c.closeCode !== null).map((c) => c.closeCode) };
  },

  // Fan-out receipts: latencies (ms) of first deliveries; distinct and duplicate counts.
  async fanoutStats({ acked }) {
    const ackedSet = new Uint8Array(acked.length ? Math.max(...acked) + 1 : 0);
    for (const i of acked) ackedSet[i] = 1;
    let distinct = 0;
    let dups = 0;
    let lost = 0;
    const lat = [];
    for (const c of conns) {
      for (let i = 0; i < c.counts.length; i++) {
        const n = c.counts[i];
        if (n > 1) dups += n - 1;
        if (n >= 1) distinct++;
        else if (ackedSet[i]) lost++;
      }
      for (const l of c.lat) lat.push(l);
    }
    return { subscribers: conns.length, distinct, dups, lost, latencies: Float64Array.from(lat), closed: conns.filter((c) => c.closeCode !== null).length };
  },

  async closeAll() {
    const all = conns;
    conns = [];
    await Promise.all(all.map((c) => c.terminate()));
    return { closed: all.length };
  },

  // Reconnects every spec at once with since_seq and times the catch-up to target.
  async catchup({ base, specs, spread = 0, timeoutMs = 60000 }) {
    const durations = [];
    let exact = 0;
    let inexact = 0;
    let failed = 0;
    const errors = [];
    const held = [];
    await Promise.all(specs.map(async (spec) => {
      const t0 = nowNs();
      try {
        const c = await Conn.open(base, spec.token, { localAddress: localAddress(spec.index, spread), timeoutMs });
        held.push(c);
        const seqs = [];
        let done;
        const reached = new Promise((resolve) => (done = resolve));
        c.onFrame = (f) => {
          if (f.room_id !== spec.room_id || !Number.isInteger(f.seq) || NOT_TIMELINE.has(f.type)) return;
          seqs.push(f.seq);
          if (f.seq >= spec.target) done();
        };
        await c.subscribe(spec.room_id, spec.since, timeoutMs);
        let timer;
        await Promise.race([reached, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`catch-up not done in ${timeoutMs} ms (${seqs.length} events)`)), timeoutMs)))]);
        clearTimeout(timer);
        durations.push(Number(nowNs() - t0) / 1e6);
        let ok = seqs.length === spec.target - spec.since;
        for (let k = 0; ok && k < seqs.length; k++) ok = seqs[k] === spec.since + 1 + k;
        if (ok) exact++;
        else {
          inexact++;
          if (errors.length < 5) errors.push(`inexact: since ${spec.since} target ${spec.target} got ${seqs.slice(0, 8).join(',')}… (${seqs.length})`);
        }
      } catch (e) {
        failed++;
        if (errors.length < 5) errors.push(String(e.message ?? e));
      }
    }));
    await Promise.all(held.map((c) => c.terminate()));
    return { durations: Float64Array.from(durations), exact, inexact, failed, errors };
  },

  // Senders keep `window` sends in flight each; counts acks inside the
  // measured window (after warmup) and their latency.
  async throughput({ base, senders, window = 8, warmupMs = 1000, durationMs = 10000, payloadBytes = 100, spread = 0 }) {
    const pad = 'x'.repeat(Math.max(0, payloadBytes - 40));
    const opened = await Promise.all(senders.map((s) => Conn.open(base, s.token, { localAddress: localAddress(s.index, spread) })));
    const tStart = Date.now() + warmupMs;
    const tEnd = tStart + durationMs;
    let acked = 0;
    let ackedTotal = 0;
    const lat = [];
    const errors = {};
    let stop = false;
    const done = opened.map((c, si) => new Promise((resolve) => {
      const pending = new Map(); // client_id -> hrtime of the send
      let n = 0;
      const sendOne = (clientId = `t${si}-${n++}`) => {
        pending.set(clientId, nowNs());
        c.send({ type: 'send', room_id: senders[si].room_id, client_id: clientId, content: `tp ${clientId} ${pad}` });
      };
      const finish = () => {
        if (pending.size === 0) resolve();
      };
      c.onFrame = (f) => {
        if (f.type === 'ack' && pending.has(f.client_id)) {
          const t = pending.get(f.client_id);
          pending.delete(f.client_id);
          const now = Date.now();
          ackedTotal++;
          if (now >= tStart && now < tEnd) {
            acked++;
            lat.push(Number(nowNs() - t) / 1e6);
          }
          if (!stop) sendOne();
          else finish();
        } else if (f.type === 'error' && pending.has(f.ref)) {
          errors[f.code] = (errors[f.code] ?? 0) + 1;
          const id = f.ref;
          pending.delete(id);
          if (stop) finish();
          else setTimeout(() => (stop ? finish() : sendOne(id)), f.code === 'rate_limited' ? 20 : 0);
        }
      };
      c.closed.then((code) => {
        if (!stop) errors[`closed_${code}`] = (errors[`closed_${code}`] ?? 0) + 1;
        resolve();
      });
      for (let k = 0; k < window; k++) sendOne();
    }));
    await sleep(tEnd - Date.now());
    stop = true;
    await Promise.race([Promise.all(done), sleep(10000)]); // bounded drain of what is in flight
    await Promise.all(opened.map((c) => c.terminate()));
    return { acked, ackedTotal, seconds: durationMs / 1000, latencies: Float64Array.from(lat), errors };
  },

  // One sender at a fixed rate (fan-out); content carries index and send time.
  async sendRate({ base, token, room_id, rate, count, padBytes = 0 }) {
    const c = await Conn.open(base, token);
    const pad = 'p'.repeat(padBytes);
    const acked = [];
    const errors = {};
    let outstanding = 0;
    c.onFrame = (f) => {
      if (f.type === 'ack' && typeof f.client_id === 'string' && f.client_id.startsWith('f')) {
        acked.push(Number(f.client_id.slice(1)));
        outstanding--;
      } else if (f.type === 'error') {
        errors[f.code] = (errors[f.code] ?? 0) + 1;
        outstanding--;
      }
    };
    const t0 = Date.now();
    for (let i = 0; i < count && c.closeCode === null; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      outstanding++;
      c.send({ type: 'send', room_id, client_id: `f${i}`, content: `bench|${i}|${nowNs()}|${pad}` });
    }
    const sendSeconds = (Date.now() - t0) / 1000;
    const deadline = Date.now() + 15000;
    while (outstanding > 0 && Date.now() < deadline && c.closeCode === null) await sleep(20);
    await c.terminate();
    return { sent: count, acked, errors, sendSeconds };
  },

  async cpu() {
    const u = process.cpuUsage();
    return { cpuSec: (u.user + u.system) / 1e6, at: Date.now(), rssKb: Math.round(process.memoryUsage().rss / 1024) };
  },
};

process.on('message', async (msg) => {
  try {
    const result = await commands[msg.cmd](msg);
    process.send({ id: msg.id, ok: true, result });
  } catch (e) {
    process.send({ id: msg.id, ok: false, error: String(e.stack ?? e) });
  }
});
process.on('disconnect', () => process.exit(0));
