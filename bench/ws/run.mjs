// WebSocket benchmarks of issue 5 item 8 against a running server:
//   idle        N authenticated, subscribed connections → server RSS per connection
//   fanout      1 sender → S subscribers at R msg/s for T s → delivery latency, lost,
//               duplicated; with the C++ client also the acks' p50 (the path through the commit)
//   throughput  K senders in M rooms, W sends in flight each → acknowledged msg/s
//   catchup     C clients reconnect with since_seq after E missed events each → exact, p99
// Prints one markdown table per scenario with the server's RSS and CPU (from
// /proc/PID) and the core count. Progress goes to stderr.
//
// node run.mjs --url http://127.0.0.1:PORT --pid SERVER_PID --scenario idle|fanout|throughput|catchup
//   [--quick] [--client cpp|node] [--procs N] [--cppProcs N] [--cppTpProcs N] [--spread N]
//   [--readers poll|block] and per-scenario sizes (see DEFAULTS).
//
// This script sets everything up through the REST API (users, rooms, tokens)
// and prints the tables. The connections are held by load generators:
//   --client cpp (default)  fanout and throughput run in tr_wsload, the C++
//       client of bench/wsload (build/release/bench/wsload/tr_wsload, or
//       TR_WSLOAD_BINARY): the sender in one process, the subscribers split
//       over --cppProcs processes (default 1); the throughput senders over
//       --cppTpProcs. Its subscribers read bare sockets through io_uring:
//       reading the full fan-out (50,000 frames/s) takes about 0.25–0.3 core
//       (measured with --readers block), where an epoll set took 0.4, Node's
//       workers 0.9 and Beast's reads 0.5. With --readers poll the thread
//       spins between frames on the rest of that core.
//       One receiving process keeps up; a second one only adds a runnable
//       process that competes with the server for the two cores.
//       --readers poll (default): the subscribers' thread polls its ring and
//       never sleeps (a core busy for the run), so that no frame waits for
//       the load generator to wake up; --readers block: it sleeps between
//       frames, and its wake-ups count in the latency (see
//       bench/wsload/raw_subscribers.hpp and bench/machine.sh's fan-out floor).
//   --client node           fanout and throughput in Node (worker.mjs, npm ws)
//       as before, over --procs processes — kept for comparison.
// idle and catchup always run in the Node workers.
import { fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { api, must, pool, procStats, cpuPercent, sortedCopy, percentile, histogramPercentile, fmt, table, sleep } from './lib.mjs';

const DEFAULTS = {
  full: { connections: 10000, users: 200, rooms: 100, subscribers: 500, rate: 100, seconds: 30, senders: 50, tpRooms: 10, window: 8, tpSeconds: 10, clients: 1000, missed: 50, cuRooms: 20, cuUsers: 100, procs: 4, cppProcs: 1, cppTpProcs: 2, settle: 5, idleSeconds: 10 },
  quick: { connections: 1000, users: 20, rooms: 10, subscribers: 100, rate: 100, seconds: 5, senders: 10, tpRooms: 2, window: 8, tpSeconds: 3, clients: 100, missed: 50, cuRooms: 4, cuUsers: 10, procs: 2, cppProcs: 1, cppTpProcs: 2, settle: 2, idleSeconds: 3 },
};

function parseArgs(argv) {
  const a = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!k.startsWith('--')) throw new Error(`unexpected argument ${k}`);
    const key = k.slice(2);
    if (key === 'quick') a.quick = true;
    else a[key] = argv[++i];
  }
  const d = DEFAULTS[a.quick ? 'quick' : 'full'];
  const o = { ...d };
  for (const [k, v] of Object.entries(a)) if (k in d) o[k] = Number(v);
  o.url = a.url;
  o.pid = Number(a.pid);
  o.scenario = a.scenario;
  o.quick = a.quick;
  o.spread = Number(a.spread ?? 50);
  o.client = a.client ?? 'cpp';
  if (!['cpp', 'node'].includes(o.client)) throw new Error(`--client must be cpp or node, not ${o.client}`);
  o.readers = a.readers ?? 'poll';
  if (!['poll', 'block'].includes(o.readers)) throw new Error(`--readers must be poll or block, not ${o.readers}`);
  o.adminPassword = a['admin-password'] ?? process.env.TR_ADMIN_PASSWORD ?? 'bench-admin-password';
  o.database = a.database ?? (process.env.TR_DATABASE_URL?.startsWith('postgres') ? 'PostgreSQL' : 'SQLite');
  if (!o.url || !o.pid || !o.scenario) throw new Error('usage: run.mjs --url URL --pid PID --scenario idle|fanout|throughput|catchup [--quick]');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const log = (...m) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${opts.scenario}:`, ...m);
const cores = availableParallelism();
const MB = (kb) => fmt(kb / 1024, 1);

// ---- workers -------------------------------------------------------------------
class Worker {
  constructor(i) {
    this.i = i;
    this.child = fork(new URL('./worker.mjs', import.meta.url).pathname, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.pending = new Map();
    this.seq = 0;
    this.child.on('message', (m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`worker ${i}: ${m.error}`));
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`worker ${i} exited with ${code}`));
      this.pending.clear();
    });
  }

  call(cmd, args = {}, timeoutMs = 600000) {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${this.i}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.send({ id, cmd, ...args });
    });
  }

  stop() {
    this.child.kill('SIGTERM');
  }
}

const workers = [];
function startWorkers(n) {
  for (let i = 0; i < n; i++) workers.push(new Worker(i));
  return workers;
}
const all = (cmd, argsFor = () => ({}), timeoutMs) => Promise.all(workers.map((w, i) => w.call(cmd, argsFor(i), timeoutMs)));
const split = (items, n) => Array.from({ length: n }, (_, i) => items.filter((_, k) => k % n === i));

async function loadgenCpu() {
  const r = await all('cpu');
  return { cpuSec: r.reduce((s, x) => s + x.cpuSec, 0), at: Date.now() };
}

// ---- the C++ load generator (bench/wsload) ------------------------------------------
const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const WSLOAD = process.env.TR_WSLOAD_BINARY ?? `${repoRoot}/build/release/bench/wsload/tr_wsload`;
const usesWsload = () => opts.client === 'cpp' && ['fanout', 'throughput'].includes(opts.scenario);

function checkWsload() {
  if (!existsSync(WSLOAD)) {
    throw new Error(`no C++ load generator at ${WSLOAD}. Build it with\n` +
      `  cd ${repoRoot} && cmake --preset release && cmake --build --preset release --target tr_wsload\n` +
      `(bench/realtime.sh without --no-build builds it), set TR_WSLOAD_BINARY, or pass --client node.`);
  }
}

// One tr_wsload process: its job is the first stdin line, commands follow
// ({"cmd":"start"}, {"cmd":"finish"}); its stdout is one JSON event per line
// (ready, sent, result — see bench/wsload/scenario.hpp); its errors go to our stderr.
class LoadProc {
  constructor(name, job) {
    this.name = `tr_wsload ${name}`;
    this.events = [];
    this.waiter = null;
    this.ended = null;
    this.child = spawn(WSLOAD, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdin.on('error', () => {}); // a process that died is reported when it closes
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line));
      } catch {
        this.events.push({ event: 'unreadable', line });
      }
      this.poke();
    });
    this.child.on('error', (e) => {
      this.ended = `could not run ${WSLOAD}: ${e.message}`;
      this.poke();
    });
    this.child.on('close', (code, signal) => {
      this.ended ??= `exited with ${signal ?? `status ${code}`}`;
      this.poke();
    });
    this.command(job);
  }

  command(obj) {
    if (!this.ended) this.child.stdin.write(`${JSON.stringify(obj)}\n`);
  }

  // The next event, which must be `name`.
  next(name, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`${this.name}: no '${name}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = { name, resolve: (v) => (clearTimeout(timer), resolve(v)), reject: (e) => (clearTimeout(timer), reject(e)) };
      this.poke();
    });
  }

  poke() {
    const w = this.waiter;
    if (!w) return;
    if (this.events.length) {
      this.waiter = null;
      const e = this.events.shift();
      if (e.event === w.name) w.resolve(e);
      else w.reject(new Error(`${this.name}: expected '${w.name}', got ${JSON.stringify(e).slice(0, 300)}`));
    } else if (this.ended) {
      this.waiter = null;
      w.reject(new Error(`${this.name} ${this.ended} before '${w.name}' (its error is above)`));
    }
  }

  cpuSec() {
    return procStats(this.child.pid).cpuSec;
  }

  stop() {
    if (!this.ended) this.child.kill('SIGTERM');
  }
}

const loadProcs = [];
const wsloadJob = (mode, fields) => {
  const u = new URL(opts.url);
  return { mode, host: u.hostname, port: Number(u.port || 80), concurrency: 64, connect_timeout_ms: 30000, timeout_ms: 900000, ...fields };
};
const startLoadProc = (name, job) => {
  const p = new LoadProc(name, job);
  loadProcs.push(p);
  return p;
};
const loadProcsCpu = () => ({ cpuSec: loadProcs.reduce((s, p) => s + p.cpuSec(), 0), at: Date.now() });
const countsText = (counts) => Object.entries(counts).map(([k, v]) => `${k}:${v}`).join(' ') || '0';
function mergeCounts(list) {
  const out = {};
  for (const c of list) for (const [k, v] of Object.entries(c)) out[k] = (out[k] ?? 0) + v;
  return out;
}

// ---- setup through the API --------------------------------------------------------
const prefix = `b${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
let adminToken;

async function adminLogin() {
  const r = await must(api(opts.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: opts.adminPassword } }), 'admin login (set TR_ADMIN_PASSWORD to the admin password of this database)');
  adminToken = r.access_token;
}

// Creates n users and logs each in once: [{username, token, user_id}].
async function makeUsers(n, tag) {
  const names = Array.from({ length: n }, (_, i) => `${prefix}${tag}${i}`);
  const t0 = Date.now();
  const out = await pool(names, 4, async (username) => {
    const password = `${username}-pw-123`;
    const user = await must(api(opts.url, 'POST', '/api/admin/users', { token: adminToken, body: { username, password, display_name: username } }), `create ${username}`);
    const s = await must(api(opts.url, 'POST', '/api/auth/login', { body: { username, password } }), `login ${username}`);
    return { username, token: s.access_token, user_id: user.user_id };
  });
  log(`${n} users created and logged in (${Date.now() - t0} ms)`);
  return out;
}

// A room owned by the admin with the given users as editors.
async function makeRoom(title, users) {
  const room = await must(api(opts.url, 'POST', '/api/rooms', {
    token: adminToken,
    body: { title, incident_type: 'equipment_failure', severity: 'high', location: 'bench', members: users.map((u) => ({ username: u.username, role: 'editor' })) },
  }), `create room ${title}`);
  return room;
}

async function roomLastSeq(roomId) {
  return (await must(api(opts.url, 'GET', `/api/rooms/${roomId}`, { token: adminToken }), 'get room')).last_seq;
}

// ---- scenarios -----------------------------------------------------------------------
async function idle() {
  const n = opts.connections;
  const users = await makeUsers(opts.users, 'i');
  const rooms = [];
  for (let r = 0; r < opts.rooms; r++) rooms.push(await makeRoom(`idle ${r}`, users.filter((_, u) => u % opts.rooms === r)));
  const specs = Array.from({ length: n }, (_, i) => {
    const u = i % users.length;
    return { index: i, token: users[u].token, room_id: rooms[u % rooms.length].room_id };
  });
  startWorkers(opts.procs);
  await sleep(1000);
  const s0 = procStats(opts.pid);
  log(`opening ${n} connections from ${opts.procs} processes (server RSS ${MB(s0.rssKb)} MB)`);
  const parts = split(specs, workers.length);
  const opened = await all('open', (i) => ({ base: opts.url, specs: parts[i], concurrency: 64, spread: opts.spread }));
  const ok = opened.reduce((s, r) => s + r.opened, 0);
  const failed = opened.reduce((s, r) => s + r.failed, 0);
  const errors = opened.flatMap((r) => r.errors).slice(0, 3);
  const openMs = Math.max(...opened.map((r) => r.ms));
  log(`${ok} open, ${failed} failed in ${openMs} ms ${errors.length ? JSON.stringify(errors) : ''}`);
  await sleep(opts.settle * 1000);
  const s1 = procStats(opts.pid);
  const l1 = await loadgenCpu();
  await sleep(opts.idleSeconds * 1000);
  const s2 = procStats(opts.pid);
  const l2 = await loadgenCpu();
  const still = (await all('openCount')).reduce((s, r) => s + r.open, 0);
  const perConn = ok ? (s1.rssKb - s0.rssKb) / ok : NaN;
  console.log(table(`idle: ${n} authenticated, subscribed WebSocket connections (target ≤ 4 KB server memory per connection)`,
    ['connections open', 'failed', 'still open after idle', 'open time s', 'server RSS at start MB', 'server RSS after setup MB', 'server RSS with connections MB', 'KB per connection', 'server CPU % while idle', 'server threads', 'load-gen CPU %', 'cores'],
    [[ok, failed, still, fmt(openMs / 1000, 1), MB(startStats.rssKb), MB(s0.rssKb), MB(s1.rssKb), fmt(perConn, 2), fmt(cpuPercent(s1, s2), 1), s2.threads, fmt(cpuPercent(l1, l2), 1), cores]]));
  await all('closeAll');
}

async function fanout() {
  const count = Math.round(opts.rate * opts.seconds);
  const subUsers = await makeUsers(Math.max(1, Math.ceil(opts.subscribers / 10)), 'f');
  const [sender] = await makeUsers(1, 's');
  const room = await makeRoom('fan-out', [...subUsers, sender]);
  const specs = Array.from({ length: opts.subscribers }, (_, i) => ({ index: i, token: subUsers[i % subUsers.length].token, room_id: room.room_id }));
  const r = opts.client === 'cpp' ? await fanoutCpp(count, specs, sender, room) : await fanoutNode(count, specs, sender, room);
  const expected = r.ackedCount * r.ok;
  console.log(table(`fan-out: 1 sender → ${r.ok} subscribers, ${opts.rate} msg/s for ${opts.seconds} s (targets p50 ≤ 3 ms, p99 ≤ 15 ms, 0 lost, 0 duplicated)`,
    ['subscribers', 'readers', 'sent', 'acked', 'send errors', 'deliveries expected', 'delivered', 'lost', 'duplicated', 'subscribers closed', 'p50 ms', 'p99 ms', 'max ms', 'ack p50 ms', 'server CPU %', 'server RSS MB', 'server peak RSS MB', 'load-gen CPU %', 'cores'],
    [[r.ok, opts.client === 'cpp' ? opts.readers : 'block (Node)', r.sent, r.ackedCount, countsText(r.sendErrors), expected, r.delivered, r.lost, r.dups, r.closed, fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.max, 2),
      r.ackP50 === undefined ? '–' : fmt(r.ackP50, 2), fmt(cpuPercent(r.s0, r.s1), 1), MB(r.s1.rssKb), MB(r.s1.hwmKb), fmt(cpuPercent(r.l0, r.l1), 1), cores]]));
}

// Fan-out in Node workers: one sends, the others hold the subscribers.
async function fanoutNode(count, specs, sender, room) {
  startWorkers(Math.max(2, Math.min(opts.procs, 3)));
  const receivers = workers.slice(1);
  const parts = split(specs, receivers.length);
  const opened = await Promise.all(receivers.map((w, i) => w.call('open', { base: opts.url, specs: parts[i], concurrency: 64, spread: opts.spread, track: 'fanout', expected: count })));
  const ok = opened.reduce((s, r) => s + r.opened, 0);
  log(`${ok} subscribers open (${opened.reduce((s, r) => s + r.failed, 0)} failed) in ${receivers.length} Node processes; sending ${count} messages at ${opts.rate}/s`);
  await sleep(1000);
  const s0 = procStats(opts.pid);
  const l0 = await loadgenCpu();
  const sent = await workers[0].call('sendRate', { base: opts.url, token: sender.token, room_id: room.room_id, rate: opts.rate, count });
  const s1 = procStats(opts.pid);
  const l1 = await loadgenCpu();
  // Let the last deliveries arrive (bounded).
  const expected = sent.acked.length * ok;
  let stats;
  for (let k = 0; k < 50; k++) {
    await sleep(200);
    stats = await Promise.all(receivers.map((w) => w.call('fanoutStats', { acked: sent.acked })));
    if (stats.reduce((s, r) => s + r.distinct, 0) >= expected) break;
  }
  const lat = sortedCopy(stats.flatMap((r) => Array.from(r.latencies)));
  await Promise.all(receivers.map((w) => w.call('closeAll')));
  return {
    ok, sent: sent.sent, ackedCount: sent.acked.length, sendErrors: sent.errors,
    delivered: stats.reduce((s, r) => s + r.distinct, 0), lost: stats.reduce((s, r) => s + r.lost, 0),
    dups: stats.reduce((s, r) => s + r.dups, 0), closed: stats.reduce((s, r) => s + r.closed, 0),
    p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat.at(-1), s0, s1, l0, l1,
  };
}

// Fan-out in tr_wsload: one process sends (its content carries the
// CLOCK_MONOTONIC send time), --cppProcs processes hold the subscribers and
// report exact per-message delivery counts and a latency histogram.
async function fanoutCpp(count, specs, sender, room) {
  const parts = split(specs, Math.max(1, Math.min(opts.cppProcs, specs.length)));
  const receivers = parts.map((part, i) => startLoadProc(`receiver ${i}`, wsloadJob('fanout', { subscribers: part, spread: opts.spread, count, readers: opts.readers })));
  const senderProc = startLoadProc('sender', wsloadJob('fanout', {
    subscribers: [], sender: { index: specs.length, token: sender.token, room_id: room.room_id }, count, rate: opts.rate,
  }));
  const ready = await Promise.all(receivers.map((p) => p.next('ready', 300000)));
  await senderProc.next('ready', 60000);
  const ok = ready.reduce((s, r) => s + r.opened, 0);
  log(`${ok} subscribers open in ${receivers.length} tr_wsload processes (${Math.max(...ready.map((r) => r.ms)).toFixed(0)} ms); sending ${count} messages at ${opts.rate}/s`);
  await sleep(1000);
  const s0 = procStats(opts.pid);
  const l0 = loadProcsCpu();
  for (const p of loadProcs) p.command({ cmd: 'start' });
  const sent = await senderProc.next('sent', (count / opts.rate) * 1000 + 60000);
  const s1 = procStats(opts.pid);
  const l1 = loadProcsCpu();
  // Each receiver waits (bounded) for the last deliveries of the acked messages.
  for (const p of loadProcs) p.command({ cmd: 'finish', acked: sent.acked });
  const stats = await Promise.all(receivers.map((p) => p.next('result', 60000)));
  await senderProc.next('result', 60000);
  const hist = stats.flatMap((r) => r.latency_us);
  const closeCodes = mergeCounts(stats.map((r) => r.close_codes));
  if (Object.keys(closeCodes).length) log(`subscribers closed by the server, by close code: ${countsText(closeCodes)}`);
  const unexpected = stats.reduce((s, r) => s + r.unexpected, 0);
  if (unexpected) log(`${unexpected} deliveries of unexpected bench messages`);
  const ms = (us) => us / 1000;
  return {
    ok, sent: sent.sent, ackedCount: sent.acked.length, sendErrors: sent.errors,
    delivered: stats.reduce((s, r) => s + r.distinct, 0), lost: stats.reduce((s, r) => s + r.lost, 0),
    dups: stats.reduce((s, r) => s + r.duplicated, 0), closed: stats.reduce((s, r) => s + r.closed, 0),
    p50: ms(histogramPercentile(hist, 50)), p99: ms(histogramPercentile(hist, 99)), max: ms(histogramPercentile(hist, 100)), s0, s1, l0, l1,
    ackP50: ms(histogramPercentile(sent.ack_latency_us, 50)),
  };
}

async function throughput() {
  const users = await makeUsers(opts.senders, 't');
  const rooms = [];
  for (let r = 0; r < opts.tpRooms; r++) rooms.push(await makeRoom(`throughput ${r}`, users.filter((_, u) => u % opts.tpRooms === r)));
  const senders = users.map((u, i) => ({ index: i, token: u.token, room_id: rooms[i % rooms.length].room_id }));
  const r = opts.client === 'cpp' ? await throughputCpp(senders) : await throughputNode(senders);
  // Spot check: the stored log has no gaps in one room.
  const last = await roomLastSeq(rooms[0].room_id);
  console.log(table(`throughput: ${opts.senders} senders in ${opts.tpRooms} rooms, ${opts.window} in flight each, ack after commit, ${opts.database} (target ≥ 20,000/s SQLite, ≥ 5,000/s PostgreSQL)`,
    ['database', 'senders', 'rooms', 'seconds', 'acked in window', 'acked msg/s', 'ack p50 ms', 'ack p99 ms', 'errors', 'room 0 last_seq', 'server CPU %', 'server RSS MB', 'load-gen CPU %', 'cores'],
    [[opts.database, opts.senders, opts.tpRooms, opts.tpSeconds, r.acked, fmt(r.acked / opts.tpSeconds, 0), fmt(r.p50, 2), fmt(r.p99, 2), countsText(r.errors), last,
      fmt(cpuPercent(r.s0, r.s1), 1), MB(r.s1.rssKb), fmt(cpuPercent(r.l0, r.l1), 1), cores]]));
}

async function throughputNode(senders) {
  startWorkers(Math.max(1, Math.min(opts.procs, 2)));
  const parts = split(senders, workers.length);
  const warmupMs = 1000;
  const run = all('throughput', (i) => ({ base: opts.url, senders: parts[i], window: opts.window, warmupMs, durationMs: opts.tpSeconds * 1000, spread: opts.spread }));
  await sleep(warmupMs);
  const s0 = procStats(opts.pid);
  const l0 = await loadgenCpu();
  await sleep(opts.tpSeconds * 1000);
  const s1 = procStats(opts.pid);
  const l1 = await loadgenCpu();
  const res = await run;
  const lat = sortedCopy(res.flatMap((r) => Array.from(r.latencies)));
  return {
    acked: res.reduce((s, r) => s + r.acked, 0), errors: mergeCounts(res.map((r) => r.errors)),
    p50: percentile(lat, 50), p99: percentile(lat, 99), s0, s1, l0, l1,
  };
}

// Throughput in tr_wsload: the senders split over --cppTpProcs processes, all
// started at once; each counts the acks of its own window (after warmup).
async function throughputCpp(senders) {
  const warmupMs = 1000;
  const parts = split(senders, Math.max(1, Math.min(opts.cppTpProcs, senders.length)));
  const procs = parts.map((part, i) => startLoadProc(`throughput ${i}`, wsloadJob('throughput', {
    senders: part, spread: opts.spread, window: opts.window, warmup_ms: warmupMs, duration_ms: opts.tpSeconds * 1000, payload_bytes: 100,
  })));
  await Promise.all(procs.map((p) => p.next('ready', 120000)));
  log(`${senders.length} senders open in ${procs.length} tr_wsload processes`);
  for (const p of procs) p.command({ cmd: 'start' });
  await sleep(warmupMs);
  const s0 = procStats(opts.pid);
  const l0 = loadProcsCpu();
  await sleep(opts.tpSeconds * 1000);
  const s1 = procStats(opts.pid);
  const l1 = loadProcsCpu();
  for (const p of procs) p.command({ cmd: 'finish' });
  const res = await Promise.all(procs.map((p) => p.next('result', 60000)));
  const hist = res.flatMap((r) => r.latency_us);
  return {
    acked: res.reduce((s, r) => s + r.acked, 0), errors: mergeCounts(res.map((r) => r.errors)),
    p50: histogramPercentile(hist, 50) / 1000, p99: histogramPercentile(hist, 99) / 1000, s0, s1, l0, l1,
  };
}

async function catchup() {
  const users = await makeUsers(opts.cuUsers, 'c');
  const roomSenders = await makeUsers(opts.cuRooms, 'cs');
  const rooms = [];
  for (let r = 0; r < opts.cuRooms; r++) rooms.push(await makeRoom(`catch-up ${r}`, [...users.filter((_, u) => u % opts.cuRooms === r), roomSenders[r]]));
  const specs = Array.from({ length: opts.clients }, (_, i) => {
    const u = i % users.length;
    return { index: i, token: users[u].token, room_id: rooms[u % rooms.length].room_id };
  });
  startWorkers(opts.procs);
  const parts = split(specs, workers.length);
  // 1. Everyone is connected and subscribed, and remembers last_seq.
  const opened = await all('open', (i) => ({ base: opts.url, specs: parts[i], concurrency: 64, spread: opts.spread }));
  const since = new Map(opened.flatMap((r) => r.lastSeqs));
  log(`${since.size} clients subscribed; disconnecting`);
  await all('closeAll');
  // 2. While they are away, each room gets `missed` new events.
  await Promise.all(rooms.map((room, r) => workers[r % workers.length].call('sendRate', { base: opts.url, token: roomSenders[r].token, room_id: room.room_id, rate: 200, count: opts.missed })));
  const targets = new Map();
  for (const room of rooms) targets.set(room.room_id, await roomLastSeq(room.room_id));
  const cuSpecs = specs.filter((s) => since.has(s.index)).map((s) => ({ ...s, since: since.get(s.index), target: targets.get(s.room_id) }));
  const missedEach = [...new Set(cuSpecs.map((s) => s.target - s.since))].join('/');
  log(`${cuSpecs.length} clients reconnect at once with since_seq (${missedEach} missed events each)`);
  // 3. All reconnect at once.
  const s0 = procStats(opts.pid);
  const l0 = await loadgenCpu();
  const t0 = Date.now();
  const cparts = split(cuSpecs, workers.length);
  const res = await all('catchup', (i) => ({ base: opts.url, specs: cparts[i], spread: opts.spread, timeoutMs: 60000 }));
  const wall = Date.now() - t0;
  const s1 = procStats(opts.pid);
  const l1 = await loadgenCpu();
  const d = sortedCopy(res.flatMap((r) => Array.from(r.durations)));
  const exact = res.reduce((s, r) => s + r.exact, 0);
  const inexact = res.reduce((s, r) => s + r.inexact, 0);
  const failed = res.reduce((s, r) => s + r.failed, 0);
  const errors = res.flatMap((r) => r.errors).slice(0, 3);
  if (errors.length) log('errors:', JSON.stringify(errors));
  console.log(table(`catch-up: ${cuSpecs.length} clients reconnect with since_seq after ${missedEach} missed events each (target: all exact, p99 ≤ 2 s)`,
    ['clients', 'missed each', 'caught up exactly', 'inexact', 'failed', 'p50 ms', 'p99 ms', 'max ms', 'all done s', 'server CPU %', 'server RSS MB', 'load-gen CPU %', 'cores'],
    [[cuSpecs.length, missedEach, exact, inexact, failed, fmt(percentile(d, 50), 1), fmt(percentile(d, 99), 1), fmt(d.at(-1), 1), fmt(wall / 1000, 2),
      fmt(cpuPercent(s0, s1), 1), MB(s1.rssKb), fmt(cpuPercent(l0, l1), 1), cores]]));
}

const scenarios = { idle, fanout, throughput, catchup };
const startStats = procStats(opts.pid); // the fresh server, before any setup
let status = 0;
try {
  if (!scenarios[opts.scenario]) throw new Error(`unknown scenario ${opts.scenario}`);
  if (usesWsload()) checkWsload();
  await adminLogin();
  await scenarios[opts.scenario]();
} catch (e) {
  console.error(`${opts.scenario} failed: ${e.stack ?? e}`);
  status = 1;
} finally {
  for (const w of workers) w.stop();
  for (const p of loadProcs) p.stop();
}
process.exit(status);
