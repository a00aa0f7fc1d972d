// Issue 4: incident rooms over real HTTP — rooms, members and roles,
// templates, search in Chinese and English, bad input — with an owner, an
// editor, a viewer, an outsider and an admin.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, expectProblem } from './harness.mjs';

const ADMIN = { username: 'admin', password: 'admin-test-password' };
const PEOPLE = {
  owner: ['wang', '王小明'],
  editor: ['li', '李四'],
  viewer: ['chen', '陳美玲'],
  outsider: ['outsider', 'Outsider'],
  spare: ['lin', '林主任'],
};

const ROOM_FIELDS = [
  'room_id', 'title', 'incident_type', 'severity', 'status', 'location', 'description',
  'resolution_notes', 'created_by', 'created_at', 'updated_at', 'resolved_at', 'archived_at',
  'last_activity_at', 'last_seq', 'member_count', 'current_user_role', 'version',
];
const MEMBER_FIELDS = ['user_id', 'username', 'display_name', 'role', 'added_at', 'added_by'];

describe('incident rooms', () => {
  let server;
  const token = {};
  const user = {};

  // Call the API as one of the people above (or 'admin').
  const as = (who, method, path, opts = {}) => api(server.url, method, path, { ...opts, token: token[who] });

  async function newRoom(body = {}, who = 'owner') {
    const res = await as(who, 'POST', '/api/rooms', {
      body: {
        title: '沖壓機異常停機',
        incident_type: 'equipment_failure',
        severity: 'high',
        location: 'A棟 沖壓線',
        members: [{ username: 'li', role: 'editor' }, { username: 'chen', role: 'viewer' }],
        ...body,
      },
    });
    assert.equal(res.status, 201, res.text);
    return res.json;
  }

  before(async () => {
    server = await startServer();
    const admin = await api(server.url, 'POST', '/api/auth/login', { body: ADMIN });
    assert.equal(admin.status, 200, admin.text);
    token.admin = admin.json.access_token;
    user.admin = admin.json.user;
    for (const [who, [username, display_name]] of Object.entries(PEOPLE)) {
      const created = await as('admin', 'POST', '/api/admin/users', {
        body: { username, password: `${username}-password`, display_name },
      });
      assert.equal(created.status, 201, created.text);
      user[who] = created.json;
      const login = await api(server.url, 'POST', '/api/auth/login', {
        body: { username, password: `${username}-password` },
      });
      assert.equal(login.status, 200, login.text);
      token[who] = login.json.access_token;
    }
  });

  after(async () => server.stop());

  describe('create', () => {
    test('the creator is owner and the room has every field of SPEC', async () => {
      const res = await as('owner', 'POST', '/api/rooms', {
        body: {
          title: '  沖壓機異常停機  ',
          incident_type: 'equipment_failure',
          severity: 'critical',
          location: 'A棟 沖壓線',
          description: '上模具卡料',
          members: [{ username: 'li', role: 'editor' }, { username: 'CHEN', role: 'viewer' }],
        },
      });
      assert.equal(res.status, 201, res.text);
      const room = res.json;
      for (const f of ROOM_FIELDS) assert.ok(f in room, `missing ${f}`);
      assert.equal(room.title, '沖壓機異常停機');
      assert.equal(room.status, 'active');
      assert.equal(room.current_user_role, 'owner');
      assert.equal(room.created_by, user.owner.user_id);
      assert.equal(room.member_count, 3);
      assert.equal(room.version, 1);
      assert.equal(room.last_seq, 1);
      assert.equal(room.resolved_at, null);
      assert.equal(room.archived_at, null);
      assert.equal(typeof room.created_at, 'number');
      assert.equal(res.headers.get('etag'), '"1"');

      const members = await as('viewer', 'GET', `/api/rooms/${room.room_id}/members`);
      assert.equal(members.status, 200);
      assert.equal(members.json.items.length, 3);
      for (const f of MEMBER_FIELDS) assert.ok(f in members.json.items[0], `missing ${f}`);
      const byName = Object.fromEntries(members.json.items.map((m) => [m.username, m]));
      assert.equal(byName.wang.role, 'owner');
      assert.equal(byName.wang.display_name, '王小明');
      assert.equal(byName.li.role, 'editor');
      assert.equal(byName.chen.role, 'viewer');
      assert.equal(byName.chen.added_by, user.owner.user_id);
    });

    test('bad input is a 422 naming the field; nothing is created', async () => {
      const before = (await as('owner', 'GET', '/api/rooms?limit=100')).json.total;
      const base = { title: 'Line 3 conveyor', incident_type: 'other', severity: 'low' };
      const cases = [
        [{ ...base, title: undefined }, 'title'],
        [{ ...base, title: '   ' }, 'title'],
        [{ ...base, title: 'x'.repeat(201) }, 'title'],
        [{ ...base, title: 42 }, 'title'],
        [{ ...base, incident_type: 'fire' }, 'incident_type'],
        [{ ...base, incident_type: undefined }, 'incident_type'],
        [{ ...base, severity: 'urgent' }, 'severity'],
        [{ ...base, severity: undefined }, 'severity'],
        [{ ...base, location: 'x'.repeat(201) }, 'location'],
        [{ ...base, template_id: 'no-such-template' }, 'template_id'],
        [{ ...base, members: 'li' }, 'members'],
        [{ ...base, members: [{ role: 'editor' }] }, 'members[0].username'],
        [{ ...base, members: [{ username: 'li', role: 'boss' }] }, 'members[0].role'],
        [{ ...base, members: [{ username: 'li' }, { username: 'nobody-here' }] }, 'members[1].username'],
      ];
      for (const [body, field] of cases) {
        const res = await as('owner', 'POST', '/api/rooms', { body });
        expectProblem(assert, res, 422, 'validation_failed');
        assert.equal(res.json.field, field, `${JSON.stringify(body).slice(0, 80)} -> ${res.text}`);
      }
      assert.equal((await as('owner', 'POST', '/api/rooms', { raw: '{"title":', headers: { 'content-type': 'application/json' } })).status, 400);
      expectProblem(assert, await api(server.url, 'POST', '/api/rooms', { body: base }), 401, 'unauthorized');
      assert.equal((await as('owner', 'GET', '/api/rooms?limit=100')).json.total, before);
    });
  });

  describe('templates', () => {
    test('three templates ship with zh-TW names and everyone can read them', async () => {
      const res = await as('viewer', 'GET', '/api/room-templates');
      assert.equal(res.status, 200);
      const byId = Object.fromEntries(res.json.items.map((t) => [t.template_id, t]));
      assert.equal(byId.tpl_equipment_failure.name, '設備故障');
      assert.equal(byId.tpl_equipment_failure.incident_type, 'equipment_failure');
      assert.equal(byId.tpl_material_shortage.name, '缺料');
      assert.equal(byId.tpl_quality_issue.name, '品質異常');
      for (const t of res.json.items) {
        for (const f of ['template_id', 'name', 'incident_type', 'severity', 'description', 'default_members']) {
          assert.ok(f in t, `missing ${f}`);
        }
      }
      const one = await as('viewer', 'GET', '/api/room-templates/tpl_quality_issue');
      assert.equal(one.status, 200);
      assert.match(one.json.description, /不良現象/);
    });

    test('a template supplies defaults and the request wins', async () => {
      const tpl = await as('admin', 'POST', '/api/room-templates', {
        body: {
          name: '沖壓線停機',
          incident_type: 'equipment_failure',
          severity: 'critical',
          description: '設備名稱：',
          default_members: [{ username: 'lin', role: 'viewer' }, { username: 'li', role: 'viewer' }],
        },
      });
      assert.equal(tpl.status, 201, tpl.text);
      const id = tpl.json.template_id;

      const plain = await as('owner', 'POST', '/api/rooms', { body: { title: '2 號沖壓機卡料', template_id: id } });
      assert.equal(plain.status, 201, plain.text);
      assert.equal(plain.json.incident_type, 'equipment_failure');
      assert.equal(plain.json.severity, 'critical');
      assert.equal(plain.json.description, '設備名稱：');
      assert.equal(plain.json.member_count, 3);

      const custom = await as('owner', 'POST', '/api/rooms', {
        body: {
          title: '3 號沖壓機卡料', template_id: id, severity: 'low', description: '自訂',
          incident_type: 'other', members: [{ username: 'li', role: 'editor' }],
        },
      });
      assert.equal(custom.status, 201, custom.text);
      assert.equal(custom.json.severity, 'low');
      assert.equal(custom.json.incident_type, 'other');
      assert.equal(custom.json.description, '自訂');
      const members = (await as('owner', 'GET', `/api/rooms/${custom.json.room_id}/members`)).json.items;
      assert.equal(members.find((m) => m.username === 'li').role, 'editor');
      assert.equal(members.find((m) => m.username === 'lin').role, 'viewer');
    });

    test('only admins create, edit and delete templates', async () => {
      const body = { name: '客訴處理', incident_type: 'quality_issue', severity: 'high' };
      expectProblem(assert, await as('owner', 'POST', '/api/room-templates', { body }), 403, 'forbidden');
      const created = await as('admin', 'POST', '/api/room-templates', { body });
      assert.equal(created.status, 201, created.text);
      const id = created.json.template_id;
      expectProblem(assert, await as('editor', 'PATCH', `/api/room-templates/${id}`, { body: { name: 'x' } }), 403, 'forbidden');
      const patched = await as('admin', 'PATCH', `/api/room-templates/${id}`, { body: { severity: 'critical' } });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.json.severity, 'critical');
      assert.equal(patched.json.name, '客訴處理');
      expectProblem(assert, await as('viewer', 'DELETE', `/api/room-templates/${id}`), 403, 'forbidden');
      assert.equal((await as('admin', 'DELETE', `/api/room-templates/${id}`)).status, 204);
      expectProblem(assert, await as('admin', 'GET', `/api/room-templates/${id}`), 404, 'not_found');
      expectProblem(assert, await as('admin', 'DELETE', `/api/room-templates/${id}`), 404, 'not_found');
    });

    test('bad template input names the field', async () => {
      const cases = [
        [{ incident_type: 'other', severity: 'low' }, 'name'],
        [{ name: 'x', severity: 'low' }, 'incident_type'],
        [{ name: 'x', incident_type: 'fire', severity: 'low' }, 'incident_type'],
        [{ name: 'x', incident_type: 'other', severity: 'meh' }, 'severity'],
        [{ name: 'x', incident_type: 'other', severity: 'low', default_members: [{ username: 'ghost' }] }, 'default_members[0].username'],
        [{ name: 'x', incident_type: 'other', severity: 'low', default_members: [{ username: 'li', role: 'boss' }] }, 'default_members[0].role'],
      ];
      for (const [body, field] of cases) {
        const res = await as('admin', 'POST', '/api/room-templates', { body });
        expectProblem(assert, res, 422, 'validation_failed');
        assert.equal(res.json.field, field, res.text);
      }
      const dup = await as('admin', 'POST', '/api/room-templates', { body: { name: '缺料', incident_type: 'other', severity: 'low' } });
      expectProblem(assert, dup, 409, 'conflict');
    });
  });

  describe('access', () => {
    test('outsiders get 403 on everything about a room, and each attempt is audited', async () => {
      const room = await newRoom();
      const id = room.room_id;
      const attempts = [
        ['GET', `/api/rooms/${id}`],
        ['PATCH', `/api/rooms/${id}`, { title: 'mine now' }],
        ['DELETE', `/api/rooms/${id}`],
        ['GET', `/api/rooms/${id}/members`],
        ['POST', `/api/rooms/${id}/members`, { username: 'outsider', role: 'editor' }],
        ['PATCH', `/api/rooms/${id}/members/${user.viewer.user_id}`, { role: 'editor' }],
        ['DELETE', `/api/rooms/${id}/members/${user.viewer.user_id}`],
        ['POST', `/api/rooms/${id}/transfer-ownership`, { user_id: user.outsider.user_id }],
      ];
      for (const [method, path, body] of attempts) {
        expectProblem(assert, await as('outsider', method, path, { body }), 403, 'forbidden');
      }
      const audit = await as('admin', 'GET', `/api/admin/audit?action=room.access_denied&user=${user.outsider.user_id}&limit=50`);
      assert.equal(audit.status, 200, audit.text);
      const mine = audit.json.items.filter((e) => e.target === id);
      assert.equal(mine.length, attempts.length);
      assert.equal(mine[0].username, 'outsider');
      assert.ok(mine[0].client_ip);
      // Nothing changed.
      const after = await as('owner', 'GET', `/api/rooms/${id}`);
      assert.equal(after.json.version, 1);
      assert.equal(after.json.member_count, 3);
    });

    test('admins read any room; unknown rooms are 404', async () => {
      const room = await newRoom();
      const res = await as('admin', 'GET', `/api/rooms/${room.room_id}`);
      assert.equal(res.status, 200);
      assert.equal(res.json.current_user_role, null);
      expectProblem(assert, await as('admin', 'GET', '/api/rooms/no-such-room'), 404, 'not_found');
      expectProblem(assert, await as('owner', 'GET', '/api/rooms/no-such-room'), 404, 'not_found');
      expectProblem(assert, await as('owner', 'PATCH', '/api/rooms/no-such-room', { body: { title: 'x' } }), 404, 'not_found');
    });
  });

  describe('update', () => {
    test('PATCH changes fields, bumps the version and honours If-Match', async () => {
      const room = await newRoom();
      const id = room.room_id;
      const got = await as('editor', 'GET', `/api/rooms/${id}`);
      assert.equal(got.headers.get('etag'), '"1"');
      assert.equal(got.json.current_user_role, 'editor');

      const res = await as('editor', 'PATCH', `/api/rooms/${id}`, {
        body: { severity: 'critical', location: 'A棟 2 號沖壓機', description: '模具破裂' },
        headers: { 'if-match': got.headers.get('etag') },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.version, 2);
      assert.equal(res.json.severity, 'critical');
      assert.equal(res.json.location, 'A棟 2 號沖壓機');
      assert.equal(res.headers.get('etag'), '"2"');
      assert.equal(res.json.last_seq, room.last_seq + 2); // room_updated + system message
      assert.ok(res.json.updated_at >= room.updated_at);

      const stale = await as('owner', 'PATCH', `/api/rooms/${id}`, { body: { title: 'stale' }, headers: { 'if-match': '"1"' } });
      expectProblem(assert, stale, 412, 'precondition_failed');
      const bare = await as('owner', 'PATCH', `/api/rooms/${id}`, { body: { title: '新標題' }, headers: { 'if-match': '2' } });
      assert.equal(bare.status, 200, bare.text);
      assert.equal(bare.json.version, 3);
      const noMatch = await as('owner', 'PATCH', `/api/rooms/${id}`, { body: { resolution_notes: 'x' } });
      assert.equal(noMatch.json.version, 4);

      // A patch that changes nothing writes nothing.
      const same = await as('owner', 'PATCH', `/api/rooms/${id}`, { body: { title: '新標題' } });
      assert.equal(same.json.version, 4);
      assert.equal(same.json.last_seq, noMatch.json.last_seq);
    });

    test('viewers cannot edit; bad values are 422', async () => {
      const room = await newRoom();
      const id = room.room_id;
      expectProblem(assert, await as('viewer', 'PATCH', `/api/rooms/${id}`, { body: { title: 'x' } }), 403, 'forbidden');
      for (const [body, field] of [
        [{ title: '' }, 'title'],
        [{ title: 'x'.repeat(201) }, 'title'],
        [{ severity: 'huge' }, 'severity'],
        [{ status: 'closed' }, 'status'],
        [{ description: 7 }, 'description'],
        [{ description: 'd'.repeat(10001) }, 'description'],
      ]) {
        const res = await as('owner', 'PATCH', `/api/rooms/${id}`, { body });
        expectProblem(assert, res, 422, 'validation_failed');
        assert.equal(res.json.field, field);
      }
      assert.equal((await as('owner', 'PATCH', `/api/rooms/${id}`, { raw: 'nope', headers: { 'content-type': 'application/json' } })).status, 400);
      assert.equal((await as('owner', 'GET', `/api/rooms/${id}`)).json.version, 1);
    });

    test('status: resolve, reopen, archive, and nothing else', async () => {
      const room = await newRoom();
      const id = room.room_id;
      const resolved = await as('editor', 'PATCH', `/api/rooms/${id}`, { body: { status: 'resolved', resolution_notes: '更換模具' } });
      assert.equal(resolved.status, 200, resolved.text);
      assert.equal(resolved.json.status, 'resolved');
      assert.equal(typeof resolved.json.resolved_at, 'number');
      assert.equal(resolved.json.resolution_notes, '更換模具');

      const reopened = await as('editor', 'PATCH', `/api/rooms/${id}`, { body: { status: 'active' } });
      assert.equal(reopened.json.status, 'active');
      assert.equal(reopened.json.resolved_at, null);

      expectProblem(assert, await as('editor', 'PATCH', `/api/rooms/${id}`, { body: { status: 'archived' } }), 403, 'forbidden');
      expectProblem(assert, await as('editor', 'DELETE', `/api/rooms/${id}`), 403, 'forbidden');
      expectProblem(assert, await as('viewer', 'PATCH', `/api/rooms/${id}`, { body: { status: 'resolved' } }), 403, 'forbidden');

      const archived = await as('owner', 'DELETE', `/api/rooms/${id}`);
      assert.equal(archived.status, 200, archived.text);
      assert.equal(archived.json.status, 'archived');
      assert.equal(typeof archived.json.archived_at, 'number');
      // Archiving twice changes nothing.
      assert.equal((await as('owner', 'DELETE', `/api/rooms/${id}`)).json.version, archived.json.version);

      expectProblem(assert, await as('owner', 'PATCH', `/api/rooms/${id}`, { body: { status: 'resolved' } }), 409, 'invalid_transition');
    });

    test('an archived room is read-only until an owner or admin reopens it', async () => {
      const room = await newRoom();
      const id = room.room_id;
      assert.equal((await as('owner', 'PATCH', `/api/rooms/${id}`, { body: { status: 'archived' } })).status, 200);
      assert.equal((await as('viewer', 'GET', `/api/rooms/${id}`)).status, 200);
      expectProblem(assert, await as('editor', 'PATCH', `/api/rooms/${id}`, { body: { title: 'x' } }), 409, 'room_archived');
      expectProblem(assert, await as('owner', 'POST', `/api/rooms/${id}/members`, { body: { username: 'outsider' } }), 409, 'room_archived');
      expectProblem(assert, await as('owner', 'PATCH', `/api/rooms/${id}/members/${user.viewer.user_id}`, { body: { role: 'editor' } }), 409, 'room_archived');
      expectProblem(assert, await as('viewer', 'DELETE', `/api/rooms/${id}/members/${user.viewer.user_id}`), 409, 'room_archived');
      expectProblem(assert, await as('owner', 'POST', `/api/rooms/${id}/transfer-ownership`, { body: { user_id: user.editor.user_id } }), 409, 'room_archived');
      expectProblem(assert, await as('editor', 'PATCH', `/api/rooms/${id}`, { body: { status: 'active' } }), 403, 'forbidden');

      const reopened = await as('admin', 'PATCH', `/api/rooms/${id}`, { body: { status: 'active' } });
      assert.equal(reopened.status, 200, reopened.text);
      assert.equal(reopened.json.status, 'active');
      assert.equal(reopened.json.archived_at, null);
      assert.equal((await as('editor', 'PATCH', `/api/rooms/${id}`, { body: { title: '可以改了' } })).status, 200);
    });
  });

  describe('members', () => {
    test('editors add editors and viewers by username; owners may add owners', async () => {
      const room = await newRoom();
      const id = room.room_id;
      const added = await as('editor', 'POST', `/api/rooms/${id}/members`, { body: { username: 'outsider', role: 'viewer' } });
      assert.equal(added.status, 201, added.text);
      for (const f of MEMBER_FIELDS) assert.ok(f in added.json, `missing ${f}`);
      assert.equal(added.json.user_id, user.outsider.user_id);
      assert.equal(added.json.role, 'viewer');
      assert.equal(added.json.added_by, user.editor.user_id);
      // The new member can read the room now.
      const seen = await as('outsider', 'GET', `/api/rooms/${id}`);
      assert.equal(seen.status, 200);
      assert.equal(seen.json.current_user_role, 'viewer');
      assert.equal(seen.json.member_count, 4);
      assert.equal(seen.json.last_seq, room.last_seq + 2);

      expectProblem(assert, await as('editor', 'POST', `/api/rooms/${id}/members`, { body: { username: 'lin', role: 'owner' } }), 403, 'forbidden');
      expectProblem(assert, await as('viewer', 'POST', `/api/rooms/${id}/members`, { body: { username: 'lin' } }), 403, 'forbidden');
      const owner2 = await as('owner', 'POST', `/api/rooms/${id}/members`, { body: { username: 'lin', role: 'owner' } });
      assert.equal(owner2.status, 201, owner2.text);
      assert.equal(owner2.json.role, 'owner');
    });

    test('adding a member twice, nobody, or with bad input fails cleanly', async () => {
      const room = await newRoom();
      const id = room.room_id;
      expectProblem(assert, await as('owner', 'POST', `/api/rooms/${id}/members`, { body: { username: 'li' } }), 409, 'conflict');
      const nobody = await as('owner', 'POST', `/api/rooms/${id}/members`, { body: { username: 'no-such-person' } });
      expectProblem(assert, nobody, 422, 'validation_failed');
      assert.equal(nobody.json.field, 'username');
      const noName = await as('owner', 'POST', `/api/rooms/${id}/members`, { body: { role: 'viewer' } });
      expectProblem(assert, noName, 422, 'validation_failed');
      assert.equal(noName.json.field, 'username');
      const badRole = await as('owner', 'POST', `/api/rooms/${id}/members`, { body: { username: 'lin', role: 'king' } });
      expectProblem(assert, badRole, 422, 'validation_failed');
      assert.equal(badRole.json.field, 'role');
      assert.equal((await as('owner', 'GET', `/api/rooms/${id}`)).json.last_seq, room.last_seq);
    });

    test('owners change roles; the last owner can neither be demoted nor leave', async () => {
      const room = await newRoom();
      const id = room.room_id;
      const promoted = await as('owner', 'PATCH', `/api/rooms/${id}/members/${user.viewer.user_id}`, { body: { role: 'editor' } });
      assert.equal(promoted.status, 200, promoted.text);
      assert.equal(promoted.json.role, 'editor');
      expectProblem(assert, await as('editor', 'PATCH', `/api/rooms/${id}/members/${user.viewer.user_id}`, { body: { role: 'viewer' } }), 403, 'forbidden');
      expectProblem(assert, await as('owner', 'PATCH', `/api/rooms/${id}/members/${user.owner.user_id}`, { body: { role: 'editor' } }), 409, 'last_owner');
      expectProblem(assert, await as('owner', 'DELETE', `/api/rooms/${id}/members/${user.owner.user_id}`), 409, 'last_owner');
      const unknown = await as('owner', 'PATCH', `/api/rooms/${id}/members/${user.outsider.user_id}`, { body: { role: 'viewer' } });
      expectProblem(assert, unknown, 404, 'not_found');
      assert.equal(unknown.json.field, 'user_id');
      const noRole = await as('owner', 'PATCH', `/api/rooms/${id}/members/${user.viewer.user_id}`, { body: {} });
      expectProblem(assert, noRole, 422, 'validation_failed');
      assert.equal(noRole.json.field, 'role');
    });

    test('members leave, owners remove others, editors cannot', async () => {
      const room = await newRoom();
      const id = room.room_id;
      expectProblem(assert, await as('editor', 'DELETE', `/api/rooms/${id}/members/${user.viewer.user_id}`), 403, 'forbidden');
      assert.equal((await as('viewer', 'DELETE', `/api/rooms/${id}/members/${user.viewer.user_id}`)).status, 204);
      expectProblem(assert, await as('viewer', 'GET', `/api/rooms/${id}`), 403, 'forbidden');
      assert.equal((await as('owner', 'DELETE', `/api/rooms/${id}/members/${user.editor.user_id}`)).status, 204);
      expectProblem(assert, await as('owner', 'DELETE', `/api/rooms/${id}/members/${user.editor.user_id}`), 404, 'not_found');
      const left = await as('owner', 'GET', `/api/rooms/${id}`);
      assert.equal(left.json.member_count, 1);
      assert.equal(left.json.last_seq, room.last_seq + 4);
    });

    test('transfer ownership', async () => {
      const room = await newRoom();
      const id = room.room_id;
      expectProblem(assert, await as('editor', 'POST', `/api/rooms/${id}/transfer-ownership`, { body: { user_id: user.editor.user_id } }), 403, 'forbidden');
      const stranger = await as('owner', 'POST', `/api/rooms/${id}/transfer-ownership`, { body: { user_id: user.outsider.user_id } });
      expectProblem(assert, stranger, 422, 'validation_failed');
      assert.equal(stranger.json.field, 'user_id');
      const missing = await as('owner', 'POST', `/api/rooms/${id}/transfer-ownership`, { body: {} });
      expectProblem(assert, missing, 422, 'validation_failed');
      assert.equal(missing.json.field, 'user_id');

      const res = await as('owner', 'POST', `/api/rooms/${id}/transfer-ownership`, { body: { user_id: user.editor.user_id } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.current_user_role, 'editor');
      const members = Object.fromEntries((await as('owner', 'GET', `/api/rooms/${id}/members`)).json.items.map((m) => [m.username, m.role]));
      assert.equal(members.li, 'owner');
      assert.equal(members.wang, 'editor');
      // The new owner may archive; the old one may not.
      expectProblem(assert, await as('owner', 'DELETE', `/api/rooms/${id}`), 403, 'forbidden');
      assert.equal((await as('editor', 'DELETE', `/api/rooms/${id}`)).status, 200);
    });

    test('the room list is never stale: every kind of change shows on the next list', async () => {
      // Lists are cached per user and query until something changes; ask
      // twice each time, so that the second answer comes from the cache.
      const list = async (who, query = '?limit=100') => {
        const first = await as(who, 'GET', `/api/rooms${query}`);
        assert.equal(first.status, 200, first.text);
        const again = await as(who, 'GET', `/api/rooms${query}`);
        assert.deepEqual(again.json, first.json);
        return first.json;
      };
      const find = (page, id) => page.items.find((r) => r.room_id === id);

      const before = await list('editor');
      const room = await newRoom({ title: '快取測試 cache check' });
      const id = room.room_id;
      const created = await list('editor');
      assert.equal(created.total, before.total + 1);
      assert.equal(created.items[0].room_id, id, 'the new room has the newest activity');

      assert.equal((await as('owner', 'PATCH', `/api/rooms/${id}`, { body: { severity: 'critical' } })).status, 200);
      assert.equal(find(await list('editor'), id).severity, 'critical');
      assert.equal(find(await list('editor', '?severity=critical&limit=100'), id).room_id, id);

      const seqBefore = find(await list('editor'), id);
      const posted = await as('owner', 'POST', `/api/rooms/${id}/messages`, { body: { content: '請支援' } });
      assert.equal(posted.status, 201, posted.text);
      const afterPost = find(await list('editor'), id);
      assert.equal(afterPost.last_seq, seqBefore.last_seq + 1);
      assert.equal(afterPost.unread_count, seqBefore.unread_count + 1);

      assert.equal((await as('editor', 'POST', `/api/rooms/${id}/read`, { body: { seq: afterPost.last_seq } })).status, 204);
      assert.equal(find(await list('editor'), id).unread_count, 0);

      assert.equal((await as('owner', 'PATCH', `/api/rooms/${id}/members/${user.editor.user_id}`, { body: { role: 'viewer' } })).status, 200);
      assert.equal(find(await list('editor'), id).current_user_role, 'viewer');

      // Another user asking the same thing gets their own list.
      assert.equal(find(await list('viewer'), id).current_user_role, 'viewer');
      assert.equal(find(await list('outsider'), id), undefined);

      assert.equal((await as('owner', 'DELETE', `/api/rooms/${id}/members/${user.editor.user_id}`)).status, 204);
      const removed = await list('editor');
      assert.equal(find(removed, id), undefined);
      assert.equal(removed.total, before.total);

      // Admins: all rooms, and their own (none of these) without all=true.
      assert.equal(find(await list('admin', '?all=true&limit=100&sort=created_at'), id).room_id, id);
      assert.equal((await as('owner', 'DELETE', `/api/rooms/${id}`)).status, 200);
      assert.equal(find(await list('admin', '?all=true&limit=100&sort=created_at'), id).status, 'archived');
    });
  });

  describe('list and search', () => {
    let server2;
    const t2 = {};
    const as2 = (who, method, path, opts = {}) => api(server2.url, method, path, { ...opts, token: t2[who] });

    // A fresh server, so that totals are exact.
    before(async () => {
      server2 = await startServer();
      t2.admin = (await api(server2.url, 'POST', '/api/auth/login', { body: ADMIN })).json.access_token;
      for (const [username, display_name] of [['wang', '王小明'], ['li', '李四'], ['out', 'Out']]) {
        assert.equal((await as2('admin', 'POST', '/api/admin/users', { body: { username, password: `${username}-password`, display_name } })).status, 201);
        t2[username] = (await api(server2.url, 'POST', '/api/auth/login', { body: { username, password: `${username}-password` } })).json.access_token;
      }
      const rooms = [
        ['沖壓機異常停機', 'equipment_failure', 'critical', 'A棟 沖壓線', '上模具卡料'],
        ['Line 3 conveyor jam', 'equipment_failure', 'high', 'Building B', 'Belt stopped near station 4'],
        ['焊接不良', 'quality_issue', 'medium', 'Line 7', '焊點氣孔'],
        ['原料 A-100 缺料', 'material_shortage', 'low', '倉庫 2F', ''],
      ];
      for (const [title, incident_type, severity, location, description] of rooms) {
        const res = await as2('wang', 'POST', '/api/rooms', {
          body: { title, incident_type, severity, location, description, members: [{ username: 'li', role: 'viewer' }] },
        });
        assert.equal(res.status, 201, res.text);
        await new Promise((r) => setTimeout(r, 5)); // distinct activity times
      }
      const other = await as2('out', 'POST', '/api/rooms', { body: { title: '沖壓機 B 線', incident_type: 'other', severity: 'low' } });
      assert.equal(other.status, 201);
    });

    after(async () => server2.stop());

    const titles = async (who, query) => {
      const res = await as2(who, 'GET', `/api/rooms${query}`);
      assert.equal(res.status, 200, res.text);
      return res.json.items.map((r) => r.title);
    };

    test('users see their rooms, newest activity first, with role, count, seq and unread', async () => {
      const res = await as2('li', 'GET', '/api/rooms');
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.json).sort(), ['items', 'limit', 'offset', 'total']);
      assert.equal(res.json.total, 4);
      assert.equal(res.json.limit, 20);
      assert.equal(res.json.offset, 0);
      assert.deepEqual(res.json.items.map((r) => r.title), ['原料 A-100 缺料', '焊接不良', 'Line 3 conveyor jam', '沖壓機異常停機']);
      for (const item of res.json.items) {
        assert.equal(item.current_user_role, 'viewer');
        assert.equal(item.member_count, 2);
        assert.equal(item.last_seq, 1);
        assert.equal(item.unread_count, 1);  // the opening system message, written by the creator
      }
    });

    test('search finds Chinese and English substrings of title, description and location', async () => {
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('沖壓')), ['沖壓機異常停機']);
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('沖壓機')), ['沖壓機異常停機']);
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('line 3')), ['Line 3 conveyor jam']);
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('LINE 3 CONVEYOR')), ['Line 3 conveyor jam']);
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('模具卡料')), ['沖壓機異常停機']);
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('station 4')), ['Line 3 conveyor jam']);
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('2F')), ['原料 A-100 缺料']);
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('line')), ['焊接不良', 'Line 3 conveyor jam']);
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('%')), []);
      assert.deepEqual(await titles('wang', '?q=' + encodeURIComponent('不存在')), []);
      // Only the caller's rooms, unless an admin asks for all.
      assert.deepEqual(await titles('admin', '?all=true&q=' + encodeURIComponent('沖壓機')), ['沖壓機 B 線', '沖壓機異常停機']);
    });

    test('filters, sort, limit and offset', async () => {
      assert.deepEqual(await titles('wang', '?incident_type=equipment_failure'), ['Line 3 conveyor jam', '沖壓機異常停機']);
      assert.deepEqual(await titles('wang', '?severity=critical'), ['沖壓機異常停機']);
      assert.deepEqual(await titles('wang', '?location=' + encodeURIComponent('line 7')), ['焊接不良']);
      assert.deepEqual(await titles('wang', '?status=active&severity=low'), ['原料 A-100 缺料']);
      assert.deepEqual(await titles('wang', '?status=resolved'), []);
      assert.deepEqual(await titles('wang', '?sort=severity'), ['沖壓機異常停機', 'Line 3 conveyor jam', '焊接不良', '原料 A-100 缺料']);
      assert.deepEqual(await titles('wang', '?sort=created_at'), ['原料 A-100 缺料', '焊接不良', 'Line 3 conveyor jam', '沖壓機異常停機']);
      const page = await as2('wang', 'GET', '/api/rooms?limit=2&offset=1');
      assert.deepEqual(page.json.items.map((r) => r.title), ['焊接不良', 'Line 3 conveyor jam']);
      assert.equal(page.json.total, 4);
      assert.equal(page.json.limit, 2);
      assert.equal(page.json.offset, 1);
      const pages = [];
      for (let offset = 0; offset < 4; offset += 3) pages.push(...(await titles('wang', `?limit=3&offset=${offset}`)));
      assert.deepEqual(pages, await titles('wang', ''));
    });

    test('admins see every room with all=true; others may not ask', async () => {
      const all = await as2('admin', 'GET', '/api/rooms?all=true');
      assert.equal(all.json.total, 5);
      assert.equal(all.json.items[0].current_user_role, null);
      assert.equal((await as2('admin', 'GET', '/api/rooms')).json.total, 0);
      expectProblem(assert, await as2('li', 'GET', '/api/rooms?all=true'), 403, 'forbidden');
    });

    test('bad query parameters are 422 naming the parameter', async () => {
      for (const [query, field] of [
        ['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=ten', 'limit'], ['offset=-1', 'offset'],
        ['status=open', 'status'], ['severity=x', 'severity'], ['incident_type=fire', 'incident_type'],
        ['sort=title', 'sort'], ['all=maybe', 'all'], [`q=${'q'.repeat(201)}`, 'q'],
      ]) {
        const res = await as2('wang', 'GET', `/api/rooms?${query}`);
        expectProblem(assert, res, 422, 'validation_failed');
        assert.equal(res.json.field, field, query);
      }
      assert.equal((await as2('wang', 'GET', '/api/rooms?limit=100')).status, 200);
      assert.equal((await as2('wang', 'GET', '/api/rooms?limit=1')).status, 200);
    });
  });
});
