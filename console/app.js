// iam-groups console. Plain JavaScript, no build step, no dependencies. It speaks only the
// public Keystone v3 API of the service that serves it, so it doubles as an example of it.
// The token lives in this module's memory only: a reload means logging in again.

const PAGE_SIZE = 20;

const session = { token: null, user: null, roles: [], isAdmin: false };

// ---------------------------------------------------------------- the API

/** A refusal from the server, with Keystone's code, title and message. */
class ApiFailure extends Error {
  constructor(status, title, message) {
    super(message);
    this.status = status;
    this.title = title;
  }
}

async function api(method, path, body, extraHeaders = {}) {
  const headers = { Accept: 'application/json', ...extraHeaders };
  if (session.token) headers['X-Auth-Token'] = session.token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiFailure(0, 'Network error', 'The service could not be reached.');
  }
  if (response.status === 401 && session.token && path !== '/v3/auth/tokens') {
    forgetSession();
    show('#/login');
    throw new ApiFailure(401, 'Unauthorized', 'Your session has ended. Please log in again.');
  }
  if (!response.ok) {
    let title = response.statusText;
    let message = `The request failed with status ${response.status}.`;
    try {
      const error = (await response.json()).error;
      if (error) ({ title = title, message = message } = error);
    } catch (e) { /* not JSON: keep the generic text */ }
    throw new ApiFailure(response.status, title, message);
  }
  const text = response.status === 204 ? '' : await response.text();
  return { body: text ? JSON.parse(text) : null, headers: response.headers };
}

const get = async (path) => (await api('GET', path)).body;
const enc = encodeURIComponent;

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The marker of a Keystone `links.next`/`links.previous` URL: undefined without a link. */
function markerOf(link) {
  if (!link) return undefined;
  return new URL(link, location.href).searchParams.get('marker') || '';
}

// ---------------------------------------------------------------- DOM helpers

/** Builds an element; strings become text nodes, never HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const $ = (id) => document.getElementById(id);

function say(message) {
  $('status').textContent = message;
}

function clearMessages() {
  $('alert').hidden = true;
  $('alert').replaceChildren();
  $('status').textContent = '';
}

/** Shows a server refusal (or any failure) where it cannot be missed. */
function showError(e) {
  const alert = $('alert');
  const heading = e instanceof ApiFailure
    ? (e.status ? `The server refused: ${e.status} ${e.title}` : e.title)
    : 'Something went wrong';
  alert.replaceChildren(h('strong', { text: heading }), h('span', { text: e.message }));
  alert.hidden = false;
}

/** Runs an action, showing any failure; returns true if it succeeded. */
async function attempt(action) {
  clearMessages();
  try {
    await action();
    return true;
  } catch (e) {
    showError(e);
    return false;
  }
}

function page(title, ...content) {
  const heading = h('h1', { tabindex: '-1', text: title });
  $('main').replaceChildren(heading, ...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
  document.title = `${title} · iam-groups console`;
  heading.focus();
}

function table(caption, headings, rows, emptyText) {
  if (!rows.length) return h('p', { class: 'empty', text: emptyText });
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('caption', { text: caption }),
      h('thead', {}, h('tr', {}, headings.map(([text, cls]) => h('th', { scope: 'col', class: cls, text })))),
      h('tbody', {}, rows)));
}

function field(label, attrs) {
  return h('label', {}, label, h(attrs.rows ? 'textarea' : 'input', attrs));
}

function dateOf(ms) {
  if (typeof ms !== 'number') return h('span', { class: 'muted', text: '—' });
  const d = new Date(ms);
  return h('time', { datetime: d.toISOString(), title: d.toISOString(), text: d.toISOString().slice(0, 10) });
}

function confirmDialog(title, text, okLabel) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

function pager(base, params, links) {
  const next = markerOf(links && links.next);
  const previous = markerOf(links && links.previous);
  if (next === undefined && previous === undefined) return null;
  const go = (marker) => () => show(`${base}${query({ ...params, marker })}`);
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('button', { type: 'button', class: 'secondary', disabled: previous === undefined, onclick: go(previous) }, 'Previous page'),
    h('button', { type: 'button', class: 'secondary', disabled: next === undefined, onclick: go(next) }, 'Next page'));
}

// ---------------------------------------------------------------- session

function forgetSession() {
  session.token = null;
  session.user = null;
  session.roles = [];
  session.isAdmin = false;
  $('nav').hidden = true;
  $('session').hidden = true;
}

function startSession(token, body) {
  session.token = token;
  session.user = body.token.user;
  session.roles = (body.token.roles || []).map((r) => r.name);
  // What the console offers follows the token's roles; the server decides all the same.
  session.isAdmin = session.roles.includes('admin');
  const links = session.isAdmin
    ? [['#/groups', 'Groups'], ['#/users', 'Users'], ['#/mine', 'My groups']]
    : [['#/mine', 'My groups']];
  $('nav').replaceChildren(...links.map(([href, text]) => h('a', { href, text })));
  $('nav').hidden = false;
  $('who').textContent = `${session.user.name} (${session.user.domain.name})`;
  $('session').hidden = false;
}

function loginPage(notice) {
  const name = field('User name', { name: 'name', autocomplete: 'username', required: true });
  const domain = field('Domain', { name: 'domain', value: 'Default', required: true });
  const password = field('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      await attempt(async () => {
        const { body, headers } = await api('POST', '/v3/auth/tokens', {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: data.get('name'), domain: { name: data.get('domain') }, password: data.get('password') } },
            },
          },
        });
        startSession(headers.get('X-Subject-Token'), body);
        show(session.isAdmin ? '#/groups' : '#/mine');
      });
    },
  }, name, domain, password, h('button', { type: 'submit' }, 'Log in'));
  $('main').replaceChildren(h('section', { class: 'login' },
    h('h1', { tabindex: '-1', text: 'Log in' }),
    notice ? h('p', { class: 'muted', text: notice }) : null,
    form));
  document.title = 'Log in · iam-groups console';
  form.querySelector('input').focus();
}

async function logout() {
  const token = session.token;
  // Revoke the token on the server, then forget it here whatever the answer.
  try {
    await api('DELETE', '/v3/auth/tokens', undefined, { 'X-Subject-Token': token });
  } catch (e) { /* the token may already be gone */ }
  forgetSession();
  location.hash = '#/login';
  say('You are logged out.');
}

// ---------------------------------------------------------------- groups

async function groupsPage(params) {
  const q = params.get('q') || '';
  const marker = params.get('marker') || '';
  const list = await get(`/v3/groups${query({ name__icontains: q, limit: PAGE_SIZE, marker })}`);
  const counts = await Promise.all(list.groups.map((g) =>
    get(`/v3/groups/${enc(g.id)}/users`).then((b) => b.users.length, () => null)));
  const search = h('form', { class: 'row', role: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    show(`#/groups${query({ q: new FormData(ev.target).get('q') })}`);
  } }, field('Search groups by name', { type: 'search', name: 'q', value: q }), h('button', { type: 'submit' }, 'Search'));
  const create = h('form', { class: 'row', onsubmit: (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    attempt(async () => {
      const { body } = await api('POST', '/v3/groups', { group: { name: data.get('name'), description: data.get('description') } });
      show(`#/groups/${enc(body.group.id)}`, `Group ${body.group.name} created.`);
    });
  } }, field('New group name', { name: 'name', required: true, maxlength: 128 }),
  field('Description', { name: 'description' }), h('button', { type: 'submit' }, 'Create group'));
  const rows = list.groups.map((g, i) => h('tr', {},
    h('td', {}, h('a', { href: `#/groups/${enc(g.id)}`, text: g.name })),
    h('td', { class: 'hide-narrow', text: g.description || '' }),
    h('td', { class: 'num', text: counts[i] === null ? '—' : String(counts[i]) }),
    h('td', {}, dateOf(g.create_time))));
  page('Groups',
    search,
    table(`${list.groups.length} group${list.groups.length === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}`,
      [['Name'], ['Description', 'hide-narrow'], ['Members', 'num'], ['Created']], rows,
      q ? `No group matches “${q}”.` : 'There are no groups yet.'),
    pager('#/groups', { q }, list.links),
    h('h2', { text: 'Create a group' }), create);
}

async function groupPage(id) {
  const [{ group }, { users }, assignments] = await Promise.all([
    get(`/v3/groups/${enc(id)}`),
    get(`/v3/groups/${enc(id)}/users`),
    get(`/v3/role_assignments${query({ 'group.id': id, include_names: 'true' })}`)
      .then((b) => b.role_assignments, (e) => e),
  ]);
  const memberIds = new Set(users.map((u) => u.id));

  const edit = h('form', { class: 'row', onsubmit: (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    attempt(async () => {
      const { body } = await api('PATCH', `/v3/groups/${enc(id)}`,
        { group: { name: data.get('name'), description: data.get('description') } });
      show(`#/groups/${enc(id)}`, `Group ${body.group.name} saved.`);
    });
  } }, field('Name', { name: 'name', value: group.name, required: true, maxlength: 128 }),
  field('Description', { name: 'description', value: group.description || '' }),
  h('button', { type: 'submit' }, 'Save changes'));

  const memberRows = users.map((u) => h('tr', {},
    h('td', {}, session.isAdmin ? h('a', { href: `#/users/${enc(u.id)}`, text: u.name }) : u.name),
    h('td', {}, u.enabled ? 'enabled' : h('span', { class: 'badge off', text: 'disabled' })),
    session.isAdmin ? h('td', {}, h('button', {
      type: 'button', class: 'secondary', 'aria-label': `Remove ${u.name} from ${group.name}`,
      onclick: () => attempt(async () => {
        await api('DELETE', `/v3/groups/${enc(id)}/users/${enc(u.id)}`);
        show(`#/groups/${enc(id)}`, `${u.name} removed from ${group.name}.`);
      }),
    }, 'Remove')) : null));

  const results = h('ul', { class: 'results', 'aria-label': 'Users found' });
  const find = h('form', { class: 'row', role: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    const q = new FormData(ev.target).get('q');
    attempt(async () => {
      const found = await get(`/v3/users${query({ name__icontains: q, limit: 10 })}`);
      results.replaceChildren(...(found.users.length ? found.users.map((u) => h('li', {},
        h('span', { text: u.name }),
        h('button', {
          type: 'button', disabled: memberIds.has(u.id), 'aria-label': `Add ${u.name} to ${group.name}`,
          onclick: () => attempt(async () => {
            await api('PUT', `/v3/groups/${enc(id)}/users/${enc(u.id)}`);
            show(`#/groups/${enc(id)}`, `${u.name} added to ${group.name}.`);
          }),
        }, memberIds.has(u.id) ? 'Member' : 'Add'))) : [h('li', { class: 'muted', text: `No user matches “${q}”.` })]));
    });
  } }, field('Find users by name', { type: 'search', name: 'q', required: true }), h('button', { type: 'submit' }, 'Find users'));

  const grants = assignments instanceof Error
    ? h('p', { class: 'muted', text: `Role grants are not shown: ${assignments.message}` })
    : table('Roles this group holds', [['Role'], ['On'], ['Inherited']],
      assignments.map((a) => {
        const on = a.scope.project
          ? `project ${a.scope.project.name || a.scope.project.id}`
          : a.scope.domain ? `domain ${a.scope.domain.name || a.scope.domain.id}` : 'system';
        const inherited = Boolean(a.scope['OS-INHERIT:inherited_to']);
        return h('tr', {}, h('td', { text: a.role.name || a.role.id }), h('td', { text: on }), h('td', { text: inherited ? 'yes, to projects' : 'no' }));
      }), 'This group holds no roles.');

  page(group.name,
    h('dl', { class: 'facts' },
      h('dt', { text: 'ID' }), h('dd', {}, h('code', { text: group.id })),
      h('dt', { text: 'Domain' }), h('dd', { text: group.domain_id }),
      h('dt', { text: 'Description' }), h('dd', { text: group.description || '—' }),
      h('dt', { text: 'Created' }), h('dd', {}, dateOf(group.create_time))),
    session.isAdmin ? [h('h2', { text: 'Edit' }), edit] : null,
    h('h2', { text: `Members (${users.length})` }),
    table(`Members of ${group.name}`, [['Name'], ['State'], ...(session.isAdmin ? [['Action']] : [])], memberRows, 'This group has no members.'),
    session.isAdmin ? [h('h2', { text: 'Add a member' }), find, results] : null,
    h('h2', { text: 'Role grants' }), grants,
    session.isAdmin ? [h('h2', { text: 'Delete' }), h('button', {
      type: 'button', class: 'danger', onclick: async () => {
        const sure = await confirmDialog(`Delete group ${group.name}?`,
          `Its ${users.length} membership${users.length === 1 ? '' : 's'} and its role grants go with it. This cannot be undone.`,
          'Delete group');
        if (!sure) return;
        attempt(async () => {
          await api('DELETE', `/v3/groups/${enc(id)}`);
          show('#/groups', `Group ${group.name} deleted.`);
        });
      },
    }, 'Delete group…')] : null);
}

// ---------------------------------------------------------------- users

async function usersPage(params) {
  const q = params.get('q') || '';
  const marker = params.get('marker') || '';
  const list = await get(`/v3/users${query({ name__icontains: q, limit: PAGE_SIZE, marker })}`);
  const search = h('form', { class: 'row', role: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    show(`#/users${query({ q: new FormData(ev.target).get('q') })}`);
  } }, field('Search users by name', { type: 'search', name: 'q', value: q }), h('button', { type: 'submit' }, 'Search'));
  const create = h('form', { class: 'row', onsubmit: (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    attempt(async () => {
      const user = { name: data.get('name') };
      if (data.get('password')) user.password = data.get('password');
      if (data.get('description')) user.description = data.get('description');
      const { body } = await api('POST', '/v3/users', { user });
      show(`#/users${query({ q })}`, `User ${body.user.name} created.`);
    });
  } }, field('New user name', { name: 'name', required: true, maxlength: 255, autocomplete: 'off' }),
  field('Password', { name: 'password', type: 'password', autocomplete: 'new-password' }),
  field('Description', { name: 'description' }), h('button', { type: 'submit' }, 'Create user'));
  const rows = list.users.map((u) => h('tr', {},
    h('td', {}, h('a', { href: `#/users/${enc(u.id)}`, text: u.name })),
    h('td', { class: 'hide-narrow', text: u.domain_id }),
    h('td', {}, u.enabled ? 'enabled' : h('span', { class: 'badge off', text: 'disabled' })),
    h('td', {}, u.id === session.user.id ? h('span', { class: 'muted', text: 'you' }) : h('button', {
      type: 'button', class: 'secondary', 'aria-label': `${u.enabled ? 'Disable' : 'Enable'} ${u.name}`,
      onclick: () => attempt(async () => {
        await api('PATCH', `/v3/users/${enc(u.id)}`, { user: { enabled: !u.enabled } });
        show(`#/users${query({ q, marker })}`, `${u.name} ${u.enabled ? 'disabled' : 'enabled'}.`);
      }),
    }, u.enabled ? 'Disable' : 'Enable'))));
  page('Users',
    search,
    table(`${list.users.length} user${list.users.length === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}`,
      [['Name'], ['Domain', 'hide-narrow'], ['State'], ['Action']], rows, q ? `No user matches “${q}”.` : 'There are no users.'),
    pager('#/users', { q }, list.links),
    h('h2', { text: 'Create a user' }), create);
}

function groupRows(groups) {
  return groups.map((g) => h('tr', {},
    // Only admins may open a group (identity:get_group), so only they get a link.
    h('td', {}, session.isAdmin ? h('a', { href: `#/groups/${enc(g.id)}`, text: g.name }) : g.name),
    h('td', { class: 'hide-narrow', text: g.description || '' }),
    h('td', {}, dateOf(g.create_time))));
}

async function userPage(id) {
  const [{ user }, { groups }] = await Promise.all([
    get(`/v3/users/${enc(id)}`),
    get(`/v3/users/${enc(id)}/groups`),
  ]);
  page(user.name,
    h('dl', { class: 'facts' },
      h('dt', { text: 'ID' }), h('dd', {}, h('code', { text: user.id })),
      h('dt', { text: 'Domain' }), h('dd', { text: user.domain_id }),
      h('dt', { text: 'State' }), h('dd', { text: user.enabled ? 'enabled' : 'disabled' }),
      h('dt', { text: 'Description' }), h('dd', { text: user.description || '—' })),
    h('h2', { text: `Groups (${groups.length})` }),
    table(`Groups ${user.name} belongs to`, [['Name'], ['Description', 'hide-narrow'], ['Created']],
      groupRows(groups), `${user.name} belongs to no group.`));
}

async function myGroupsPage() {
  // Any user may list their own groups (identity:list_groups_for_user allows the owner).
  const { groups } = await get(`/v3/users/${enc(session.user.id)}/groups`);
  page('My groups',
    h('p', { class: 'muted', text: `Groups ${session.user.name} belongs to.` }),
    table(`${groups.length} group${groups.length === 1 ? '' : 's'}`, [['Name'], ['Description', 'hide-narrow'], ['Created']],
      groupRows(groups), 'You belong to no group.'));
}

// ---------------------------------------------------------------- routing

let pendingNotice = '';

/** Goes to a route; `notice` is announced once the page is drawn. */
function show(hash, notice = '') {
  pendingNotice = notice;
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const notice = pendingNotice;
  pendingNotice = '';
  if (!session.token) {
    loginPage(parts[0] && parts[0] !== 'login' ? 'Please log in to continue.' : '');
    return;
  }
  for (const a of $('nav').querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${parts[0] || ''}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const admin = session.isAdmin;
  const ok = await attempt(async () => {
    if (parts[0] === 'groups' && parts[1]) await groupPage(parts[1]);
    else if (parts[0] === 'groups' && admin) await groupsPage(params);
    else if (parts[0] === 'users' && parts[1]) await userPage(parts[1]);
    else if (parts[0] === 'users' && admin) await usersPage(params);
    else if (parts[0] === 'mine' || !admin) await myGroupsPage();
    else await groupsPage(params);
  });
  if (ok && notice) say(notice);
  if (!ok && session.token) $('main').replaceChildren(h('p', {}, h('a', { href: admin ? '#/groups' : '#/mine', text: 'Back to the list' })));
}

window.addEventListener('hashchange', route);
$('logout').addEventListener('click', logout);
route();
