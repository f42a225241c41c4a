// Drives the console in Debian's headless Chromium, as a person would: an admin logs in,
// creates a group, adds two users, removes one, renames the group, meets a refusal, deletes
// the group, manages users, then a non-admin sees only their own groups. Screenshots go to
// CONSOLE_SCREENSHOTS. Started by tests/api/console.rs, which seeds the data and passes:
//   CONSOLE_BASE, CONSOLE_ADMIN_PASSWORD, CONSOLE_USER, CONSOLE_USER_PASSWORD,
//   CONSOLE_SCREENSHOTS, CHROMIUM (default /usr/bin/chromium)
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const base = env('CONSOLE_BASE');
const adminPassword = env('CONSOLE_ADMIN_PASSWORD');
const user = env('CONSOLE_USER');
const userPassword = env('CONSOLE_USER_PASSWORD');
const shots = env('CONSOLE_SCREENSHOTS');
const executablePath = env('CHROMIUM', '/usr/bin/chromium');
mkdirSync(shots, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), 'iam-console-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
context.setDefaultTimeout(10_000);

const page = context.pages()[0] ?? await context.newPage();
const consoleErrors = [];
page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
let lastToken = null;
page.on('response', (r) => {
  if (r.url().endsWith('/v3/auth/tokens') && r.request().method() === 'POST' && r.status() === 201) {
    lastToken = r.headers()['x-subject-token'];
  }
});

let step = 'start';
const steps = [];
async function check(name, body) {
  step = name;
  await body();
  steps.push(name);
  console.log(`ok - ${name}`);
}
// Full pages, except where a modal's backdrop only covers the viewport.
const shot = (name, fullPage = true) => page.screenshot({ path: join(shots, `${name}.png`), fullPage });
const h1 = (name) => page.getByRole('heading', { level: 1, name, exact: true });
const button = (name) => page.getByRole('button', { name, exact: true });
const label = (name) => page.getByLabel(name, { exact: true });
function noConsoleErrors() {
  if (consoleErrors.length) throw new Error(`console errors: ${consoleErrors.join(' | ')}`);
}
async function rowNames(tableName) {
  return page.getByRole('table', { name: tableName }).locator('tbody tr td:first-child').allInnerTexts();
}
async function expectRows(tableName, expected) {
  const deadline = Date.now() + 5000;
  let names = [];
  while (Date.now() < deadline) {
    names = (await rowNames(tableName)).sort();
    if (JSON.stringify(names) === JSON.stringify([...expected].sort())) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`table "${tableName}" lists ${JSON.stringify(names)}, expected ${JSON.stringify(expected)}`);
}

try {
  await check('the login page loads without errors', async () => {
    await page.goto(`${base}/console/`);
    await h1('Log in').waitFor();
    if (await button('Log out').isVisible()) throw new Error('Log out is offered before logging in');
    await shot('login');
    noConsoleErrors();
  });

  await check('an admin logs in and lands on the groups page', async () => {
    await label('User name').fill('admin');
    await label('Domain').fill('Default');
    await label('Password').fill(adminPassword);
    await button('Log in').click();
    await h1('Groups').waitFor();
    await page.getByRole('link', { name: 'Users', exact: true }).waitFor();
    await shot('groups');
  });

  await check('the groups list shows member counts and creation dates', async () => {
    const row = page.getByRole('row').filter({ hasText: 'auditors' });
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    if (cells[2] !== '1') throw new Error(`auditors member count ${cells[2]}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(cells[3])) throw new Error(`auditors created ${cells[3]}`);
  });

  await check('search by name narrows the list', async () => {
    await label('Search groups by name').fill('audit');
    await button('Search').click();
    await expectRows('1 group matching “audit”', ['auditors']);
  });

  await check('an admin creates a group', async () => {
    await label('New group name').fill('console-ops');
    await label('Description').fill('Made in the browser');
    await button('Create group').click();
    await h1('console-ops').waitFor();
    await page.getByRole('status').filter({ hasText: 'Group console-ops created.' }).waitFor();
  });

  await check('two users are added by searching their names', async () => {
    for (const name of ['ada', 'brian']) {
      await label('Find users by name').fill(name);
      await button('Find users').click();
      await page.getByRole('button', { name: `Add ${name} to console-ops` }).click();
      await page.getByRole('status').filter({ hasText: `${name} added to console-ops.` }).waitFor();
    }
    await expectRows('Members of console-ops', ['ada', 'brian']);
    await shot('group');
  });

  await check('one member is removed', async () => {
    await page.getByRole('button', { name: 'Remove brian from console-ops' }).click();
    await page.getByRole('status').filter({ hasText: 'brian removed from console-ops.' }).waitFor();
    await expectRows('Members of console-ops', ['ada']);
  });

  await check('the group is renamed and its description edited', async () => {
    await label('Name').fill('console-operators');
    await label('Description').fill('Renamed in the browser');
    await button('Save changes').click();
    await h1('console-operators').waitFor();
    await page.getByText('Renamed in the browser', { exact: true }).first().waitFor();
  });

  await check('a server refusal is shown clearly', async () => {
    await label('Name').fill('auditors');
    await button('Save changes').click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'The server refused: 409 Conflict' }).waitFor();
    await shot('refusal');
    // Chromium logs every 4xx fetch as "Failed to load resource"; that one was meant.
    const others = consoleErrors.filter((e) => !e.includes('status of 409'));
    consoleErrors.length = 0;
    consoleErrors.push(...others);
    noConsoleErrors();
  });

  await check('the role grants of a group on projects and domains are listed', async () => {
    await page.goto(`${base}/console/#/groups`);
    await page.getByRole('link', { name: 'auditors', exact: true }).click();
    await h1('auditors').waitFor();
    const grants = await page.getByRole('table', { name: 'Roles this group holds' }).locator('tbody tr').allInnerTexts();
    const text = grants.join('\n');
    if (!/reader\s+project admin/.test(text) || !/member\s+domain Default/.test(text)) {
      throw new Error(`grants shown: ${text}`);
    }
    await shot('group-grants');
  });

  await check('deleting a group asks first, then deletes it', async () => {
    await page.goto(`${base}/console/#/groups`);
    await page.getByRole('link', { name: 'console-operators', exact: true }).click();
    await h1('console-operators').waitFor();
    await button('Delete group…').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await shot('delete-confirm', false);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await h1('console-operators').waitFor();
    await button('Delete group…').click();
    await dialog.getByRole('button', { name: 'Delete group', exact: true }).click();
    await h1('Groups').waitFor();
    await page.getByRole('status').filter({ hasText: 'Group console-operators deleted.' }).waitFor();
    if (await page.getByRole('link', { name: 'console-operators' }).count()) throw new Error('still listed');
  });

  await check('users: search, create and disable', async () => {
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await h1('Users').waitFor();
    await label('New user name').fill('dora');
    await label('Password').fill('dora-password-1');
    await button('Create user').click();
    await page.getByRole('status').filter({ hasText: 'User dora created.' }).waitFor();
    await page.getByRole('button', { name: 'Disable dora' }).click();
    await page.getByRole('status').filter({ hasText: 'dora disabled.' }).waitFor();
    await page.getByRole('button', { name: 'Enable dora' }).waitFor();
    await shot('users');
    await label('Search users by name').fill('car');
    await button('Search').click();
    await expectRows('1 user matching “car”', [user]);
  });

  await check("a user's page lists their groups", async () => {
    await page.getByRole('link', { name: user, exact: true }).click();
    await h1(user).waitFor();
    await expectRows(`Groups ${user} belongs to`, ['auditors']);
    await shot('user');
  });

  await check('the console reads at a phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/console/#/groups`);
    await h1('Groups').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) throw new Error(`page is ${overflow}px wider than the phone`);
    await shot('groups-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await check('logging out revokes the token', async () => {
    const token = lastToken;
    await button('Log out').click();
    await h1('Log in').waitFor();
    if (await button('Log out').isVisible()) throw new Error('Log out is still offered');
    const r = await fetch(`${base}/v3/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
    if (r.status === 200) throw new Error('the token still validates after logout');
  });

  await check('a non-admin logs in with the keyboard and sees only their own groups', async () => {
    await page.keyboard.type(user);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.type(userPassword);
    await page.keyboard.press('Enter');
    await h1('My groups').waitFor();
    await expectRows('1 group', ['auditors']);
    const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();
    if (JSON.stringify(nav) !== JSON.stringify(['My groups'])) throw new Error(`offered: ${nav}`);
    if (await page.getByRole('link', { name: 'auditors' }).count()) throw new Error('offered a group page it may not read');
    await shot('my-groups');
    // An admin page typed into the address bar is not offered either.
    await page.goto(`${base}/console/#/users`);
    await h1('My groups').waitFor();
    noConsoleErrors();
  });

  await check('no console errors anywhere', async () => noConsoleErrors());
  console.log(`console: ${steps.length} passed, 0 failed`);
} catch (e) {
  console.error(`not ok - ${step}: ${e.message}`);
  await shot(`failed-${step.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
  console.log(`console: ${steps.length} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
