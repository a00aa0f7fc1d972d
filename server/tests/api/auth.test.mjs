// Issue 3: authentication over real HTTP — local accounts, sessions, JWT,
// refresh rotation, revocation, throttling, users and the audit log.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runBinary, api, expectProblem } from './harness.mjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ADMIN = { username: 'admin', password: 'admin-test-password' };

async function login(base, creds, headers = {}) {
  return api(base, 'POST', '/api/auth/login', { body: creds, headers });
}

async function loginToken(base, creds) {
  const res = await login(base, creds);
  assert.equal(res.status, 200, res.text);
  return res.json;
}

describe('authentication (local accounts)', () => {
  let server;
  let admin;

  before(async () => {
    server = await startServer();
    admin = await loginToken(server.url, ADMIN);
    for (const [username, display] of [['operator1', '王小明'], ['engineer1', 'Line 3 Engineer'], ['victim', 'Victim'], ['disabled1', 'Soon Gone']]) {
      const res = await api(server.url, 'POST', '/api/admin/users', {
        token: admin.access_token,
        body: { username, password: `${username}-password`, display_name: display, email: `${username}@factory.local` },
      });
      assert.equal(res.status, 201, res.text);
    }
  });

  after(async () => server.stop());

  test('login returns the token shape of SPEC and a strict refresh cookie', async () => {
    const res = await login(server.url, { username: 'operator1', password: 'operator1-password' });
    assert.equal(res.status, 200);
    assert.equal(res.json.token_type, 'Bearer');
    assert.equal(res.json.expires_in, 900);
    assert.ok(res.json.access_token.split('.').length === 3);
    assert.ok(res.json.refresh_token.length >= 32);
    assert.deepEqual(Object.keys(res.json.user).sort(), ['disabled', 'display_name', 'email', 'is_admin', 'user_id', 'username']);
    assert.equal(res.json.user.display_name, '王小明');
    const cookie = res.headers.get('set-cookie');
    assert.match(cookie, /^tr_refresh=[^;]+; Path=\/api\/auth; HttpOnly; SameSite=Strict/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('the access token has the claims of SPEC', async () => {
    const { access_token } = await loginToken(server.url, ADMIN);
    const [h, p] = access_token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()));
    assert.equal(h.alg, 'HS256');
    assert.equal(h.typ, 'JWT');
    assert.ok(h.kid);
    for (const claim of ['sub', 'sid', 'exp', 'iat', 'jti', 'adm']) assert.ok(claim in p, claim);
    assert.equal(p.adm, true);
    assert.equal(p.exp - p.iat, 900);
  });

  test('bad credentials get one generic 401, for known and unknown users alike', async () => {
    const wrong = await login(server.url, { username: 'engineer1', password: 'nope-nope' });
    const unknown = await login(server.url, { username: 'no-such-user', password: 'nope-nope' });
    const empty = await login(server.url, { username: 'engineer1', password: '' });
    for (const res of [wrong, unknown, empty]) {
      expectProblem(assert, res, 401, 'invalid_credentials');
      assert.equal(res.json.detail, wrong.json.detail);
    }
  });

  test('bad login bodies are 400 or 422 naming the field', async () => {
    expectProblem(assert, await api(server.url, 'POST', '/api/auth/login', { raw: '{"username":', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    expectProblem(assert, await api(server.url, 'POST', '/api/auth/login', { raw: '', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    const missing = await login(server.url, { username: 'engineer1' });
    expectProblem(assert, missing, 422, 'validation_failed');
    assert.equal(missing.json.field, 'password');
    const wrongType = await login(server.url, { username: 42, password: 'x' });
    expectProblem(assert, wrongType, 422, 'validation_failed');
    assert.equal(wrongType.json.field, 'username');
  });

  test('every endpoint but login, refresh, health and static files needs a bearer token', async () => {
    for (const [method, path] of [['GET', '/api/auth/me'], ['GET', '/api/users'], ['GET', '/api/auth/sessions'], ['POST', '/api/auth/logout'], ['GET', '/api/admin/audit']]) {
      const res = await api(server.url, method, path);
      expectProblem(assert, res, 401, 'unauthorized');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
    assert.equal((await api(server.url, 'GET', '/healthz')).status, 200);
  });

  test('malformed, tampered, foreign and alg-none tokens are 401', async () => {
    const { access_token } = await loginToken(server.url, ADMIN);
    const [h, p, s] = access_token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: 'someone-else' })).toString('base64url');
    const header = JSON.parse(Buffer.from(h, 'base64url'));
    const none = Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url');
    for (const token of ['garbage', `${h}.${p}`, `${h}.${forged}.${s}`, `${none}.${p}.`, `${h}.${p}.${s.slice(0, -2)}xx`, 'Bearer', 'x'.repeat(5000)]) {
      const res = await api(server.url, 'GET', '/api/auth/me', { token });
      expectProblem(assert, res, 401, 'unauthorized');
    }
    const basic = await api(server.url, 'GET', '/api/auth/me', { headers: { authorization: 'Basic YWRtaW46eA==' } });
    expectProblem(assert, basic, 401, 'unauthorized');
  });

  test('me returns the user', async () => {
    const { access_token } = await loginToken(server.url, { username: 'engineer1', password: 'engineer1-password' });
    const res = await api(server.url, 'GET', '/api/auth/me', { token: access_token });
    assert.equal(res.status, 200);
    assert.equal(res.json.username, 'engineer1');
    assert.equal(res.json.is_admin, false);
  });

  test('refresh rotates the token; reusing the old one revokes the whole session', async () => {
    const first = await loginToken(server.url, { username: 'victim', password: 'victim-password' });
    const second = await api(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: first.refresh_token } });
    assert.equal(second.status, 200, second.text);
    assert.notEqual(second.json.refresh_token, first.refresh_token);
    assert.equal((await api(server.url, 'GET', '/api/auth/me', { token: second.json.access_token })).status, 200);
    // Someone replays the stolen, already used token.
    const replay = await api(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expectProblem(assert, replay, 401, 'unauthorized');
    // The legitimate holder is out too: access and refresh.
    expectProblem(assert, await api(server.url, 'GET', '/api/auth/me', { token: second.json.access_token }), 401, 'unauthorized');
    expectProblem(assert, await api(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: second.json.refresh_token } }), 401, 'unauthorized');
  });

  test('refresh also works from the cookie, and refuses nonsense', async () => {
    const res = await login(server.url, { username: 'engineer1', password: 'engineer1-password' });
    const cookie = res.headers.get('set-cookie').split(';')[0];
    const refreshed = await api(server.url, 'POST', '/api/auth/refresh', { headers: { cookie } });
    assert.equal(refreshed.status, 200, refreshed.text);
    expectProblem(assert, await api(server.url, 'POST', '/api/auth/refresh', {}), 401, 'unauthorized');
    expectProblem(assert, await api(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: 'made-up' } }), 401, 'unauthorized');
    expectProblem(assert, await api(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: 7 } }), 422, 'validation_failed');
  });

  test('logout revokes the session at once', async () => {
    const session = await loginToken(server.url, { username: 'engineer1', password: 'engineer1-password' });
    assert.equal((await api(server.url, 'GET', '/api/auth/me', { token: session.access_token })).status, 200);
    const out = await api(server.url, 'POST', '/api/auth/logout', { token: session.access_token });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
    expectProblem(assert, await api(server.url, 'GET', '/api/auth/me', { token: session.access_token }), 401, 'unauthorized');
    expectProblem(assert, await api(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: session.refresh_token } }), 401, 'unauthorized');
  });

  test('sessions are listed and can be ended one by one, only by their owner', async () => {
    const a = await loginToken(server.url, { username: 'operator1', password: 'operator1-password' });
    const b = await loginToken(server.url, { username: 'operator1', password: 'operator1-password' });
    const list = await api(server.url, 'GET', '/api/auth/sessions', { token: a.access_token });
    assert.equal(list.status, 200);
    const ids = list.json.items.map((s) => s.session_id);
    const bSid = JSON.parse(Buffer.from(b.access_token.split('.')[1], 'base64url')).sid;
    assert.ok(ids.includes(bSid));
    const current = list.json.items.find((s) => s.current);
    assert.ok(current && current.client_ip === '127.0.0.1' && 'user_agent' in current && current.last_seen_at >= current.created_at);
    const other = await loginToken(server.url, { username: 'engineer1', password: 'engineer1-password' });
    expectProblem(assert, await api(server.url, 'DELETE', `/api/auth/sessions/${bSid}`, { token: other.access_token }), 404, 'not_found');
    assert.equal((await api(server.url, 'DELETE', `/api/auth/sessions/${bSid}`, { token: a.access_token })).status, 204);
    expectProblem(assert, await api(server.url, 'GET', '/api/auth/me', { token: b.access_token }), 401, 'unauthorized');
    assert.equal((await api(server.url, 'GET', '/api/auth/me', { token: a.access_token })).status, 200);
  });

  test('user search finds Chinese and English names', async () => {
    const { access_token } = await loginToken(server.url, { username: 'engineer1', password: 'engineer1-password' });
    const zh = await api(server.url, 'GET', `/api/users?q=${encodeURIComponent('王')}`, { token: access_token });
    assert.equal(zh.status, 200);
    assert.deepEqual(zh.json.items.map((u) => u.username), ['operator1']);
    const en = await api(server.url, 'GET', '/api/users?q=line%203&limit=5', { token: access_token });
    assert.deepEqual(en.json.items.map((u) => u.username), ['engineer1']);
    expectProblem(assert, await api(server.url, 'GET', '/api/users?limit=0', { token: access_token }), 422, 'validation_failed');
    expectProblem(assert, await api(server.url, 'GET', '/api/users?limit=abc', { token: access_token }), 422, 'validation_failed');
  });

  test('only admins manage accounts; bad input names the field', async () => {
    const { access_token } = await loginToken(server.url, { username: 'engineer1', password: 'engineer1-password' });
    expectProblem(assert, await api(server.url, 'POST', '/api/admin/users', { token: access_token, body: { username: 'x1', password: 'password-1' } }), 403, 'forbidden');
    expectProblem(assert, await api(server.url, 'GET', '/api/admin/audit', { token: access_token }), 403, 'forbidden');
    const dup = await api(server.url, 'POST', '/api/admin/users', { token: admin.access_token, body: { username: 'OPERATOR1', password: 'password-1' } });
    expectProblem(assert, dup, 409, 'conflict');
    for (const [body, field] of [
      [{ username: 'bad name', password: 'password-1' }, 'username'],
      [{ username: 'ok1', password: 'short' }, 'password'],
      [{ username: 'ok1', password: 'password-1', is_admin: 'yes' }, 'is_admin'],
      [{ password: 'password-1' }, 'username'],
    ]) {
      const res = await api(server.url, 'POST', '/api/admin/users', { token: admin.access_token, body });
      expectProblem(assert, res, 422, 'validation_failed');
      assert.equal(res.json.field, field);
    }
    expectProblem(assert, await api(server.url, 'PATCH', '/api/admin/users/no-such-id', { token: admin.access_token, body: { display_name: 'x' } }), 404, 'not_found');
  });

  test('disabling a user ends their sessions and refuses their login', async () => {
    const victim = await loginToken(server.url, { username: 'disabled1', password: 'disabled1-password' });
    const res = await api(server.url, 'PATCH', `/api/admin/users/${victim.user.user_id}`, { token: admin.access_token, body: { disabled: true, display_name: '停用帳號' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.disabled, true);
    assert.equal(res.json.display_name, '停用帳號');
    expectProblem(assert, await api(server.url, 'GET', '/api/auth/me', { token: victim.access_token }), 401, 'unauthorized');
    expectProblem(assert, await login(server.url, { username: 'disabled1', password: 'disabled1-password' }), 401, 'invalid_credentials');
  });

  test('an admin can reset a password; old sessions end', async () => {
    const user = await loginToken(server.url, { username: 'operator1', password: 'operator1-password' });
    const res = await api(server.url, 'PATCH', `/api/admin/users/${user.user.user_id}`, { token: admin.access_token, body: { password: 'a-new-password' } });
    assert.equal(res.status, 200);
    expectProblem(assert, await api(server.url, 'GET', '/api/auth/me', { token: user.access_token }), 401, 'unauthorized');
    assert.equal((await login(server.url, { username: 'operator1', password: 'a-new-password' })).status, 200);
  });

  test('the audit log records logins, failures, logouts and revocations', async () => {
    const res = await api(server.url, 'GET', '/api/admin/audit?limit=500', { token: admin.access_token });
    assert.equal(res.status, 200);
    const actions = new Set(res.json.items.map((e) => e.action));
    for (const a of ['login.success', 'login.failure', 'logout', 'session.revoked']) assert.ok(actions.has(a), a);
    const failure = res.json.items.find((e) => e.action === 'login.failure');
    assert.equal(failure.client_ip, '127.0.0.1');
    assert.ok('user_agent' in failure && failure.at > 0);
    const filtered = await api(server.url, 'GET', '/api/admin/audit?action=logout&user=engineer1', { token: admin.access_token });
    assert.ok(filtered.json.items.length >= 1);
    assert.ok(filtered.json.items.every((e) => e.action === 'logout' && e.username === 'engineer1'));
    expectProblem(assert, await api(server.url, 'GET', '/api/admin/audit?limit=-1', { token: admin.access_token }), 422, 'validation_failed');
  });
});

describe('login throttling', () => {
  test('5 failures lock a username (the right password too) with Retry-After; unknown names alike', async () => {
    const server = await startServer();
    try {
      const admin = await loginToken(server.url, ADMIN);
      await api(server.url, 'POST', '/api/admin/users', { token: admin.access_token, body: { username: 'target', password: 'target-password' } });
      for (let i = 0; i < 5; i++) {
        expectProblem(assert, await login(server.url, { username: 'target', password: `wrong-${i}` }), 401, 'invalid_credentials');
        expectProblem(assert, await login(server.url, { username: 'ghost', password: `wrong-${i}` }), 401, 'invalid_credentials');
      }
      const locked = await login(server.url, { username: 'target', password: 'target-password' });
      expectProblem(assert, locked, 429, 'too_many_attempts');
      const retry = Number(locked.headers.get('retry-after'));
      assert.ok(retry > 0 && retry <= 900, `Retry-After ${retry}`);
      const ghost = await login(server.url, { username: 'ghost', password: 'whatever' });
      expectProblem(assert, ghost, 429, 'too_many_attempts');
      assert.equal(ghost.json.detail, locked.json.detail);
      // Another user from the same address is still let in (10 failures < 20).
      assert.equal((await login(server.url, ADMIN)).status, 200);
      const audit = await api(server.url, 'GET', '/api/admin/audit?action=login.lockout', { token: admin.access_token });
      assert.ok(audit.json.items.some((e) => e.username === 'target'));
    } finally {
      await server.stop();
    }
  });

  test('20 failures from one address lock that address', async () => {
    const server = await startServer();
    try {
      for (let i = 0; i < 20; i++) await login(server.url, { username: `user${i}`, password: 'wrong-password' });
      expectProblem(assert, await login(server.url, ADMIN), 429, 'too_many_attempts');
    } finally {
      await server.stop();
    }
  });
});

describe('accounts from the command line and across restarts', () => {
  test('user add reads the password from stdin; tokens survive a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tr-api-'));
    try {
      const add = await new Promise((resolve) => {
        const child = spawn(process.env.TR_BINARY ?? 'task-reporter', ['--data-dir', dir, 'user', 'add', 'lineops', '--display-name', '產線主管', '--admin'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.stdin.end('cli-password-1\n');
        child.on('exit', (code) => resolve({ code, out }));
      });
      assert.equal(add.code, 0, add.out);
      const again = await runBinary(['--data-dir', dir, 'user', 'add', 'x', '--admin']);
      assert.notEqual(again.code, 0);  // empty password on stdin
      const first = await startServer({ dataDir: dir });
      const session = await loginToken(first.url, { username: 'lineops', password: 'cli-password-1' });
      assert.equal(session.user.is_admin, true);
      assert.equal(session.user.display_name, '產線主管');
      await first.stop();
      const second = await startServer({ dataDir: dir });
      const me = await api(second.url, 'GET', '/api/auth/me', { token: session.access_token });
      assert.equal(me.status, 200, 'restart logged everyone out');
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the first start without TR_ADMIN_PASSWORD prints a generated admin password once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tr-api-'));
    try {
      const srv = await startServer({ dataDir: dir, env: { TR_ADMIN_PASSWORD: '' } });
      const m = /created account 'admin' with password (\S+)/.exec(srv.logs());
      assert.ok(m, srv.logs());
      assert.equal((await login(srv.url, { username: 'admin', password: m[1] })).status, 200);
      await srv.stop();
      const again = await startServer({ dataDir: dir, env: { TR_ADMIN_PASSWORD: '' } });
      assert.doesNotMatch(again.logs(), /created account 'admin'/);
      await again.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('authentication against Active Directory (OpenLDAP slapd with AD attributes)', () => {
  const url = process.env.TR_TEST_SLAPD_URL;
  let server;

  before(async () => {
    assert.ok(url, 'TR_TEST_SLAPD_URL is not set: run scripts/test.sh (it starts slapd)');
    server = await startServer({
      args: ['--directory', 'ldap'],
      env: {
        TR_LDAP_URLS: `ldap://127.0.0.1:1 ${url}`,
        TR_LDAP_BASE_DN: process.env.TR_TEST_SLAPD_BASE_DN,
        TR_LDAP_BIND_DN: process.env.TR_TEST_SLAPD_BIND_DN,
        TR_LDAP_BIND_PASSWORD: process.env.TR_TEST_SLAPD_BIND_PASSWORD,
        TR_LDAP_ADMIN_GROUP: process.env.TR_TEST_SLAPD_ADMIN_GROUP,
        TR_LDAP_ALLOWED_GROUP: process.env.TR_TEST_SLAPD_ALLOWED_GROUP,
        TR_LDAP_TIMEOUT_MS: '2000',
      },
    });
  });

  after(async () => server?.stop());

  const pw = () => process.env.TR_TEST_SLAPD_USER_PASSWORD;

  test('a directory user logs in (after failover) and gets their attributes', async () => {
    const res = await login(server.url, { username: 'wang', password: pw() });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.user.display_name, '王小明');
    assert.equal(res.json.user.email, 'wang@factory.local');
    assert.equal(res.json.user.is_admin, false);
    const admin = await login(server.url, { username: 'alice', password: pw() });
    assert.equal(admin.json.user.is_admin, true);
  });

  test('wrong password, unknown user, injection and outsiders get the generic 401', async () => {
    for (const creds of [
      { username: 'bob', password: 'wrong' },
      { username: 'nobody', password: pw() },
      { username: '*)(uid=*', password: pw() },
      { username: '*', password: pw() },
      { username: 'carol', password: pw() },
      { username: 'bob', password: '' },
    ]) {
      expectProblem(assert, await login(server.url, creds), 401, 'invalid_credentials');
    }
  });

  test('local account creation is refused when accounts come from the directory', async () => {
    const admin = await loginToken(server.url, { username: 'alice', password: pw() });
    expectProblem(assert, await api(server.url, 'POST', '/api/admin/users', { token: admin.access_token, body: { username: 'x1', password: 'password-1' } }), 409, 'conflict');
  });

  test('a directory that is down answers 503 directory_unavailable, never a hang', async () => {
    const down = await startServer({
      args: ['--directory', 'ldap'],
      env: { TR_LDAP_URLS: 'ldap://127.0.0.1:1', TR_LDAP_BASE_DN: 'dc=factory,dc=local', TR_LDAP_BIND_DN: 'cn=x', TR_LDAP_BIND_PASSWORD: 'x', TR_LDAP_TIMEOUT_MS: '1000' },
    });
    try {
      const res = await login(down.url, { username: 'bob', password: 'whatever' });
      expectProblem(assert, res, 503, 'directory_unavailable');
    } finally {
      await down.stop();
    }
  });
});
