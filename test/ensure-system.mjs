#!/usr/bin/env node
// First step of `npm test`: makes sure the system tools the tests need are there (Chromium,
// unshare, ip for the browser tests; redis-server for the signal nodes sharing Redis in the unit
// tests). On a fresh Debian machine as root it installs the missing ones from Debian's packages;
// otherwise it says in one sentence what to install. A browser given through
// PUPPETEER_EXECUTABLE_PATH or CHROME_PATH counts as present.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = (tool) => spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${tool}`], { stdio: 'ignore' }).status === 0;
const chromium = process.env.PUPPETEER_EXECUTABLE_PATH || process.env.CHROME_PATH || existsSync('/usr/bin/chromium');
const missing = [];
if (!chromium) missing.push('chromium');
if (!onPath('unshare')) missing.push('util-linux');
if (!onPath('ip')) missing.push('iproute2');
if (!onPath('redis-server') && !existsSync('/usr/bin/redis-server')) missing.push('redis-server');
if (missing.length === 0) process.exit(0);

const isRoot = process.getuid?.() === 0;
if (!isRoot || !onPath('apt-get')) {
  console.error(
    `The tests need ${missing.join(', ')}: install ${missing.length > 1 ? 'them' : 'it'} (on Debian: apt-get install ${missing.join(' ')})${missing.includes('chromium') ? ', or point PUPPETEER_EXECUTABLE_PATH at a Chromium' : ''}.`,
  );
  process.exit(1);
}
console.log(`==> installing ${missing.join(', ')} from Debian's packages`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`apt-get ${args[0]} failed; install ${missing.join(' ')} by hand and run the tests again.`);
    process.exit(1);
  }
}
