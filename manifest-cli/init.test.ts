import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeployNetError } from '../core/errors.js';
import { addGitignoreLines, addNpmScript } from './init-files.js';
import { initProject } from './init.js';
import { loadPrivateKey, loadPublicKey } from './keys.js';
import { readProjectConfig } from './project-config.js';
import { cleanup, tempDir } from './site.test-kit.js';

afterEach(cleanup);

const NOW = Date.UTC(2026, 10, 22, 5, 30, 0);

describe('initProject', () => {
  it('writes a key pair, a config every command accepts, a .gitignore line and an npm script', async () => {
    const dir = await tempDir();
    const pkg = '{\n    "name": "shop",\n    "scripts": {\n        "build": "esbuild src/app.ts --outdir=dist"\n    }\n}\n';
    await writeFile(join(dir, 'package.json'), pkg);
    const r = await initProject({ dir, siteDir: join(dir, 'public'), signal: 'https://signal.example.com/' });

    expect((await stat(r.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect((await loadPrivateKey(r.privateKeyPath)).keyId).toBe(r.keyId);
    expect((await loadPublicKey(r.publicKeyPath)).keyId).toBe(r.keyId);

    const config = await readProjectConfig(undefined, { cwd: dir });
    expect(config).toMatchObject({
      siteDir: join(dir, 'public'),
      keyFile: join(dir, 'deploynet.key'),
      pubFile: join(dir, 'deploynet.pub'),
      signal: 'https://signal.example.com',
      chunkSize: 262144,
      firstVisit: 'reload',
      expires: '30d',
      uploadRateBytesPerSec: 0,
    });
    // Paths are written relative, so the project can move.
    expect(JSON.parse(await readFile(r.configFile, 'utf8'))).toMatchObject({ siteDir: 'public', keyFile: 'deploynet.key', pubFile: 'deploynet.pub' });

    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('# DeployNet private key: never commit it\n/deploynet.key\n');
    expect(r.gitignore).toEqual({ path: join(dir, '.gitignore'), added: ['/deploynet.key'] });

    // The script is added; the file keeps its 4-space indentation and everything else.
    expect(r.script).toEqual({ name: 'deploynet', command: 'deploynet build', status: 'added' });
    expect(await readFile(join(dir, 'package.json'), 'utf8')).toBe(
      '{\n    "name": "shop",\n    "scripts": {\n        "build": "esbuild src/app.ts --outdir=dist",\n        "deploynet": "deploynet build"\n    }\n}\n',
    );
  });

  it('refuses an existing config or key without force, before writing anything', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'deploynet.config.json'), '{"siteDir": "mine"}');
    const e1 = await initProject({ dir }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(DeployNetError);
    expect((e1 as DeployNetError).message).toBe('deploynet.config.json already exists; edit it, or pass --force to write a new one');
    expect(await readdir(dir)).toEqual(['deploynet.config.json']);
    expect(await readFile(join(dir, 'deploynet.config.json'), 'utf8')).toBe('{"siteDir": "mine"}');

    const other = await tempDir();
    await writeFile(join(other, 'deploynet.key'), 'my precious key');
    const e2 = await initProject({ dir: other }).catch((e: unknown) => e);
    expect((e2 as DeployNetError).code).toBe('KEY_EXISTS');
    expect((e2 as DeployNetError).message).toMatch(/deploynet\.key already exists; pass --force to make a new key \(the old one is kept, renamed\)$/);
    expect(await readdir(other)).toEqual(['deploynet.key']);
  });

  it('with force: a new config and key, the old key renamed aside and git-ignored, lines never doubled', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.gitignore'), 'node_modules\r\ndeploynet.key'); // CRLF, no final newline
    await writeFile(join(dir, 'deploynet.key'), 'my precious key');
    await writeFile(join(dir, 'deploynet.config.json'), '{"siteDir": "mine"}');
    const r = await initProject({ dir, force: true, now: NOW });
    expect(r.replacedKey).toBe(join(dir, 'deploynet.key.20261122T053000Z.old'));
    expect(await readFile(r.replacedKey!, 'utf8')).toBe('my precious key');
    expect((await loadPrivateKey(r.privateKeyPath)).keyId).toBe(r.keyId);
    expect(JSON.parse(await readFile(r.configFile, 'utf8'))).toMatchObject({ siteDir: 'dist' });
    // `deploynet.key` already covered /deploynet.key; only the renamed key is added, in CRLF.
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe(
      'node_modules\r\ndeploynet.key\r\n# DeployNet private key: never commit it\r\n/deploynet.key.20261122T053000Z.old\r\n',
    );
    expect(r.script.status).toBe('no-package-json');

    const again = await initProject({ dir, force: true, now: NOW + 1000 });
    expect(again.gitignore?.added).toEqual(['/deploynet.key.20261122T053001Z.old']);
    const text = await readFile(join(dir, '.gitignore'), 'utf8');
    expect(text.split('# DeployNet private key').length).toBe(2); // the comment once
  });

  it('leaves a different script of the same name alone, and stops on a broken package.json', async () => {
    const dir = await tempDir();
    const pkg = '{"scripts":{"deploynet":"deploynet build out --inject"}}';
    await writeFile(join(dir, 'package.json'), pkg);
    const r = await initProject({ dir });
    expect(r.script.status).toBe('kept');
    expect(await readFile(join(dir, 'package.json'), 'utf8')).toBe(pkg);

    const broken = await tempDir();
    await writeFile(join(broken, 'package.json'), '{"name": "x",}');
    await expect(initProject({ dir: broken })).rejects.toThrow(/package\.json is not valid JSON; fix it, or run deploynet init where there is none$/);
    expect(await readdir(broken)).toEqual(['package.json']);
  });

  it('a key outside the project needs no .gitignore line; another config name goes into the script', async () => {
    const dir = await tempDir();
    const keys = await tempDir();
    await writeFile(join(dir, 'package.json'), '{\n\t"name": "x"\n}');
    const ok = await initProject({ dir, keyDir: keys, configFile: join(dir, 'conf', 'dn.json') }); // conf/ is created
    expect(ok.gitignore).toBeNull();
    expect(ok.privateKeyPath).toBe(join(keys, 'deploynet.key'));
    expect(JSON.parse(await readFile(ok.configFile, 'utf8'))).toMatchObject({ keyFile: join(keys, 'deploynet.key'), siteDir: '../dist' });
    expect(ok.script.command).toBe('deploynet build --config conf/dn.json');
    expect(await readFile(join(dir, 'package.json'), 'utf8')).toBe('{\n\t"name": "x",\n\t"scripts": {\n\t\t"deploynet": "deploynet build --config conf/dn.json"\n\t}\n}');
  });
});

describe('addGitignoreLines and addNpmScript', () => {
  it('creates .gitignore when missing and adds nothing twice', async () => {
    const dir = await tempDir();
    const path = join(dir, '.gitignore');
    expect(await addGitignoreLines(path, ['/a.key', '/a.key'])).toEqual(['/a.key']);
    expect(await addGitignoreLines(path, ['/a.key'])).toEqual([]);
    await writeFile(path, 'dist/\n**/b.key\n');
    expect(await addGitignoreLines(path, ['/b.key', '/c.key'])).toEqual(['/c.key']);
    expect(await readFile(path, 'utf8')).toBe('dist/\n**/b.key\n# DeployNet private key: never commit it\n/c.key\n');
  });

  it('reports the same script as present and refuses a package.json whose scripts is not an object', async () => {
    const dir = await tempDir();
    const path = join(dir, 'package.json');
    await writeFile(path, '{"scripts":{"deploynet":"deploynet build"}}');
    expect(await (await addNpmScript(path, 'deploynet', 'deploynet build')).write()).toBe('present');
    await writeFile(path, '{"scripts":"nope"}');
    await expect(addNpmScript(path, 'deploynet', 'deploynet build')).rejects.toThrow(/has a "scripts" that is not an object/);
    await writeFile(path, '[]');
    await expect(addNpmScript(path, 'deploynet', 'deploynet build')).rejects.toThrow(/does not hold a JSON object/);
  });
});
