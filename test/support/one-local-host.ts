import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { parseConfig } from '../../source/config/load-config.js';
import type { Config } from '../../source/config/types.js';

/**
 * A config with one `local = true` host `h` in a temp dir (removed after each test), an empty
 * artifact dir beside it and `hostToml` in the host's block: `const newHost = oneLocalHosts('x-')` at the top of a test file, then `newHost(toml)`.
 */
export function oneLocalHosts(prefix: string): (hostToml: string, appToml?: string) => { dir: string; root: string; config: Config } {
	const dirs: string[] = [];
	afterEach(() => {
		for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
	});
	return (hostToml, appToml = '') => {
		const dir = mkdtempSync(path.join(tmpdir(), prefix));
		dirs.push(dir);
		const root = path.join(dir, 'root');
		mkdirSync(path.join(dir, 'artifact'));
		const file = path.join(dir, 'hosts.toml');
		writeFileSync(file, ['[app]', 'name = "rt"', appToml, '', '[build]', 'command = "true"', 'artifact = "artifact"', '', '[[host]]', 'name = "h"', 'local = true', `root = ${JSON.stringify(root)}`, hostToml, ''].join('\n'));
		return { dir, root, config: parseConfig(readFileSync(file, 'utf8'), file) };
	};
}
