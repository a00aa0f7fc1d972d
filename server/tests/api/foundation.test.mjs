// Issue 2: the server foundation seen from outside, over real HTTP.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, runBinary, rawRequest, api, expectProblem } from './harness.mjs';

describe('HTTP foundation', () => {
  let server;
  let webRoot;

  before(async () => {
    webRoot = await mkdtemp(join(tmpdir(), 'tr-web-'));
    await mkdir(join(webRoot, 'dist', 'assets'), { recursive: true });
    await writeFile(join(webRoot, 'dist', 'index.html'), '<!doctype html><title>Task Reporter</title>');
    await writeFile(join(webRoot, 'dist', 'assets', 'index-3f2a.js'), 'console.log("app")');
    await writeFile(join(webRoot, 'secret.txt'), 'TOP-SECRET-OUTSIDE-DIST');
    server = await startServer({ args: ['--web-dir', join(webRoot, 'dist'), '--idle-timeout-ms', '500'] });
  });

  after(async () => {
    await server.stop();
    await rm(webRoot, { recursive: true, force: true });
  });

  test('healthz answers 200 with a request id', async () => {
    const res = await api(server.url, 'GET', '/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'ok' });
    assert.match(res.headers.get('x-request-id'), /^[A-Za-z0-9_-]{8,}$/);
  });

  test('a plain client request id is echoed back', async () => {
    const res = await api(server.url, 'GET', '/healthz', { headers: { 'x-request-id': 'line3-abc.1' } });
    assert.equal(res.headers.get('x-request-id'), 'line3-abc.1');
    const odd = await api(server.url, 'GET', '/healthz', { headers: { 'x-request-id': 'has space<script>' } });
    assert.notEqual(odd.headers.get('x-request-id'), 'has space<script>');
  });

  test('readyz answers 200 when the database answers', async () => {
    const res = await api(server.url, 'GET', '/readyz');
    assert.equal(res.status, 200);
  });

  test('metrics are in Prometheus text format', async () => {
    await api(server.url, 'GET', '/healthz');
    const res = await api(server.url, 'GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    assert.match(res.text, /tr_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    assert.match(res.text, /tr_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+/);
    assert.match(res.text, /tr_http_open_connections \d+/);
    assert.match(res.text, /tr_worker_queue_depth \d+/);
    assert.match(res.text, /tr_db_pool_in_use \d+/);
  });

  test('an unknown API route is a 404 problem', async () => {
    expectProblem(assert, await api(server.url, 'GET', '/api/no-such-thing'), 404, 'not_found');
    expectProblem(assert, await api(server.url, 'POST', '/api/no-such-thing', { body: {} }), 404, 'not_found');
  });

  test('a wrong method is a 405 problem with Allow', async () => {
    const res = await api(server.url, 'DELETE', '/healthz');
    expectProblem(assert, res, 405, 'method_not_allowed');
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });

  test('a body over the limit is refused with 413 before it is read', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const res = await api(server.url, 'POST', '/api/version', { raw: big, headers: { 'content-type': 'application/json' } });
    expectProblem(assert, res, 413, 'payload_too_large');
  });

  test('a chunked body over the limit is refused with 413 while streaming', async () => {
    const chunk = 'y'.repeat(64 * 1024);
    let head = 'POST /api/version HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
    let body = '';
    for (let i = 0; i < 20; i++) body += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    const res = await rawRequest(server.port, head + body + '0\r\n\r\n');
    assert.match(res.text, /^HTTP\/1\.1 413/);
    assert.match(res.text, /payload_too_large/);
  });

  test('a header over the limit is refused with 431', async () => {
    const res = await rawRequest(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\n\r\n`);
    assert.match(res.text, /^HTTP\/1\.1 431/);
    assert.match(res.text, /header_too_large/);
  });

  test('keep-alive serves several requests on one connection', async () => {
    const req = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    const res = await rawRequest(server.port, req + req + 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(res.text.match(/HTTP\/1\.1 200 OK/g).length, 3);
    assert.ok(res.closedByServer);
  });

  test('an idle connection is closed by the server', async () => {
    const res = await rawRequest(server.port, '', { waitMs: 15000 });
    assert.ok(res.closedByServer, 'server kept an idle connection open');
    assert.equal(res.text, '');
  });

  test('a half-sent request head is closed too (slowloris)', async () => {
    const res = await rawRequest(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', { waitMs: 15000 });
    assert.ok(res.closedByServer);
  });

  test('garbage instead of HTTP closes the connection without a crash', async () => {
    const res = await rawRequest(server.port, '\x00\x01\x02 NOT HTTP\r\n\r\n');
    assert.ok(res.closedByServer);
    assert.equal((await api(server.url, 'GET', '/healthz')).status, 200);
  });

  test('the browser app is served with types, ETag and cache headers', async () => {
    const index = await api(server.url, 'GET', '/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const etag = index.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(server.url + '/', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    const js = await api(server.url, 'GET', '/assets/index-3f2a.js');
    assert.match(js.headers.get('content-type'), /^text\/javascript/);
    assert.match(js.headers.get('cache-control'), /max-age=31536000, immutable/);
  });

  test('client routes get index.html, API paths never do', async () => {
    const page = await api(server.url, 'GET', '/rooms/123/members');
    assert.equal(page.status, 200);
    assert.match(page.text, /Task Reporter/);
    expectProblem(assert, await api(server.url, 'GET', '/api/rooms-nope'), 404, 'not_found');
    expectProblem(assert, await api(server.url, 'GET', '/metrics/x'), 404, 'not_found');
    expectProblem(assert, await api(server.url, 'GET', '/assets/missing-1.js'), 404, 'not_found');
  });

  test('path traversal never leaves the app folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/....//secret.txt',
    ]) {
      const res = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.doesNotMatch(res.text, /TOP-SECRET-OUTSIDE-DIST/, path);
      assert.match(res.text, /^HTTP\/1\.1 (200|400|404)/, path);
    }
  });
});

describe('start-up and shutdown', () => {
  test('--help lists every option', async () => {
    const res = await runBinary(['--help']);
    assert.equal(res.code, 0);
    for (const opt of ['--listen', '--data-dir', '--database-url', '--directory', '--storage', '--log-format', 'TR_JWT_SECRET', 'TR_LDAP_URLS', 'TR_S3_BUCKET']) {
      assert.ok(res.stdout.includes(opt), `--help does not mention ${opt}`);
    }
  });

  test('invalid configuration stops start-up with one line and exit code 2', async () => {
    for (const [args, env, word] of [
      [['--directory', 'kerberos'], {}, '--directory'],
      [['--listen', 'nonsense'], {}, '--listen'],
      [['--no-such-flag'], {}, 'no-such-flag'],
      [[], { TR_LOG_FORMAT: 'xml' }, '--log-format'],
      [[], { TR_IDLE_TIMEOUT_MS: 'soon' }, 'idle-timeout'],
      [['--directory', 'ldap'], {}, 'TR_LDAP_URLS'],
    ]) {
      const res = await runBinary(args, env);
      assert.equal(res.code, 2, `${args} ${JSON.stringify(env)}: ${res.stderr}`);
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
      assert.ok(res.stderr.includes(word), res.stderr);
    }
  });

  test('an unreachable database stops start-up with one clear line and exit code 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tr-api-'));
    const res = await runBinary(['--listen', '127.0.0.1:0', '--data-dir', dir, '--database-url', 'postgresql://tr:wrong-secret@127.0.0.1:1/none']);
    await rm(dir, { recursive: true, force: true });
    assert.equal(res.code, 1, res.stderr);
    const critical = res.stderr.split('\n').filter((l) => /critical/.test(l));
    assert.equal(critical.length, 1, res.stderr);
    assert.match(critical[0], /cannot open database/);
    assert.doesNotMatch(res.stderr, /wrong-secret/);
  });

  test('a port already in use stops start-up with exit code 1', async () => {
    const first = await startServer();
    const res = await runBinary(['--listen', `127.0.0.1:${first.port}`, '--data-dir', first.dir]);
    await first.stop();
    assert.equal(res.code, 1);
    assert.match(res.stderr, /cannot listen on/);
  });

  test('SIGTERM shuts down gracefully and closes idle keep-alive connections', async () => {
    const srv = await startServer();
    const idle = rawRequest(srv.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: 20000 });
    await new Promise((r) => setTimeout(r, 300));
    const { code } = await srv.stop();
    assert.equal(code, 0);
    const res = await idle;
    assert.match(res.text, /HTTP\/1\.1 200/);
    assert.ok(res.closedByServer);
    assert.match(srv.logs(), /stopped/);
  });

  test('json logs are one JSON object per line and never contain secrets', async () => {
    const srv = await startServer({
      args: ['--log-format', 'json'],
      env: { TR_JWT_SECRET: 'jwt-secret-value-123', TR_ADMIN_PASSWORD: 'admin-pass-value-456' },
    });
    await api(srv.url, 'GET', '/healthz', { headers: { authorization: 'Bearer token-value-789' } });
    await srv.stop();
    const lines = srv.logs().trim().split('\n');
    assert.ok(lines.length > 3);
    for (const line of lines) {
      const entry = JSON.parse(line);
      assert.ok(entry.time && entry.level && typeof entry.msg === 'string');
    }
    assert.ok(lines.some((l) => /GET \/healthz 200/.test(l)), 'no access log line');
    for (const secret of ['jwt-secret-value-123', 'admin-pass-value-456', 'token-value-789']) {
      assert.ok(!srv.logs().includes(secret), `log contains ${secret}`);
    }
  });
});
