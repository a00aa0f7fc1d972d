// Test harness for API suites: starts the real task-reporter binary on a free
// port with its own data folder, and offers small HTTP helpers.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export const BINARY = process.env.TR_BINARY ?? new URL('../../../build/test/task-reporter', import.meta.url).pathname;

// Starts a server; resolves once it listens. `env` adds environment variables.
export async function startServer({ args = [], env = {}, dataDir } = {}) {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'tr-api-')));
  const child = spawn(BINARY, ['--listen', '127.0.0.1:0', '--data-dir', dir, ...args], {
    env: { ...process.env, TR_ADMIN_PASSWORD: 'admin-test-password', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on http:\/\/[^\s]+:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${log}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    port,
    url,
    dir,
    child,
    logs: () => log,
    exited,
    // SIGTERM, then the exit code.
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const result = await exited;
      if (/ERROR: AddressSanitizer|LeakSanitizer|runtime error:/.test(log)) {
        throw new Error(`sanitizer report in server log:\n${log.slice(-4000)}`);
      }
      if (!keepData && !dataDir) await rm(dir, { recursive: true, force: true });
      return result;
    },
  };
}

// Runs the binary to completion (start-up failures, --help).
export function runBinary(args, env = {}, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${args.join(' ')}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// Sends raw bytes on a new connection; resolves with everything received
// until the server closes (or `waitMs` passes).
export function rawRequest(port, data, { waitMs = 10000, endAfterWrite = false } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const started = Date.now();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: received, closedByServer: false, ms: Date.now() - started });
    }, waitMs);
    socket.on('connect', () => {
      if (data) socket.write(data);
      if (endAfterWrite) socket.end();
    });
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (e.code === 'ECONNRESET') resolve({ text: received, closedByServer: true, reset: true, ms: Date.now() - started });
      else reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: received, closedByServer: true, ms: Date.now() - started });
    });
  });
}

// JSON helpers around fetch.
export async function api(base, method, path, { body, token, headers = {}, raw } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload = raw;
  if (body !== undefined) {
    h['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

// Asserts an RFC 9457 problem with the given status and code.
export function expectProblem(assert, res, status, code) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
  assert.equal(res.json.code, code);
  assert.equal(res.json.status, status);
  assert.ok(res.json.type && res.json.title && 'detail' in res.json);
}
