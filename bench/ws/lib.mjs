// Shared by the WebSocket load generators: a lean client, REST helpers,
// /proc readings of the server, percentiles and markdown tables.
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export const nowNs = () => process.hrtime.bigint(); // CLOCK_MONOTONIC: comparable across processes
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- REST ------------------------------------------------------------------
export async function api(base, method, path, { body, token } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export async function must(promise, what, ok = [200, 201, 204]) {
  const res = await promise;
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

// Runs fn over items with at most `limit` in flight; results in item order.
export async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

// ---- server readings ---------------------------------------------------------
let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  // keep 100
}

// {rssKb, hwmKb, cpuSec (user+system), threads} of a process.
export function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number((new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status) ?? [])[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]); // utime + stime (fields 14, 15)
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM'), threads: field('Threads'), cpuSec: ticks / clkTck, at: Date.now() };
}

// CPU use between two readings, in % of one core.
export function cpuPercent(a, b) {
  const wall = (b.at - a.at) / 1000;
  return wall > 0 ? ((b.cpuSec - a.cpuSec) / wall) * 100 : 0;
}

// ---- statistics ----------------------------------------------------------------
export function sortedCopy(values) {
  const a = Float64Array.from(values);
  a.sort();
  return a;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

// The same percentile from a histogram [[value, count], ...] (any order,
// values may repeat, e.g. several processes' histograms concatenated).
export function histogramPercentile(hist, p) {
  const sorted = [...hist].sort((a, b) => a[0] - b[0]);
  const n = sorted.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return NaN;
  const i = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  let seen = 0;
  for (const [value, count] of sorted) {
    seen += count;
    if (seen > i) return value;
  }
  return sorted.at(-1)[0];
}

export const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

export function table(title, headers, rows) {
  const lines = [`\n### ${title}\n`, `| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

// ---- a lean WebSocket client -----------------------------------------------------
export function wsUrl(base, token) {
  const u = new URL(base);
  u.protocol = 'ws:';
  u.pathname = '/ws';
  if (token) u.searchParams.set('token', token);
  return u.toString();
}

// A connection that hands every parsed frame to onFrame(frame, rawText) and
// can await one frame matching a predicate.
export class Conn {
  constructor(ws) {
    this.ws = ws;
    this.onFrame = null;
    this.waiter = null;
    this.closeCode = null;
    this.closed = new Promise((resolve) => ws.on('close', (code) => {
      this.closeCode = code;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        clearTimeout(w.timer);
        w.reject(new Error(`closed ${code} while waiting for ${w.what}`));
      }
      resolve(code);
    }));
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const text = data.toString();
      let f;
      try {
        f = JSON.parse(text);
      } catch {
        return;
      }
      if (this.waiter && this.waiter.match(f)) {
        const w = this.waiter;
        this.waiter = null;
        clearTimeout(w.timer);
        w.resolve(f);
      }
      if (this.onFrame) this.onFrame(f, text);
    });
  }

  static open(base, token, { localAddress, timeoutMs = 30000 } = {}) {
    const ws = new WebSocket(wsUrl(base, token), { perMessageDeflate: false, localAddress, handshakeTimeout: timeoutMs });
    const c = new Conn(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_q, res) => {
        reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  // One waiter at a time (enough for the generators' request/response steps).
  wait(match, timeoutMs, what) {
    if (this.closeCode !== null) return Promise.reject(new Error(`closed ${this.closeCode}`));
    return new Promise((resolve, reject) => {
      this.waiter = { match, resolve, reject, what };
      this.waiter.timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  async subscribe(roomId, sinceSeq, timeoutMs = 30000) {
    const f = { type: 'subscribe', room_id: roomId };
    if (sinceSeq !== undefined) f.since_seq = sinceSeq;
    const reply = this.wait((x) => (x.type === 'subscribed' && x.room_id === roomId) || (x.type === 'error' && x.ref === 'subscribe'), timeoutMs, 'subscribed');
    this.send(f);
    const r = await reply;
    if (r.type === 'error') throw new Error(`subscribe refused: ${JSON.stringify(r)}`);
    return r;
  }

  terminate() {
    this.ws.terminate();
    return this.closed;
  }
}

// Source addresses on the loopback network: more ephemeral ports for many
// connections to one server port.
export function localAddress(index, spread = 0) {
  if (!spread) return undefined;
  return `127.0.0.${2 + (index % spread)}`;
}
