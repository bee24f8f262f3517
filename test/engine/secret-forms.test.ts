import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../source/config/load-config.js';
import { mask, textCleaner } from '../../source/engine/clean-output.js';
import { envFileText } from '../../source/engine/generation-env.js';
import { hasTool } from '../support/require-tool.js';

/*
 * A secret goes into the generation's `.env` escaped for double quotes (`\$ \" \` \\`). What
 * reaches the logs is that text after whatever the host's tools make of it: `cat` prints it as
 * written, dash's `echo` and `read` (without -r) take backslashes away again, bash's `printf %q`
 * and `set -x` add their own. Each is run here in a real shell and must come out masked.
 */
const secret = 'pa$$w"rd`x\\\\y\\n-9f3k\'q';
const dir = mkdtempSync(path.join(tmpdir(), 'sy-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = parseConfig(`[env]\nTOKEN = { value = ${JSON.stringify(secret)}, secret = true }\n[[host]]\nname = "a"\nlocal = true\n`, path.join(dir, 'hosts.toml'));
const clean = textCleaner(config.hosts);

/** What `command` prints in a shell that has the generation's `.env` in its cwd, line by line, as the run shows it. */
function printed(shell: string, command: string): string[] {
	writeFileSync(path.join(dir, '.env'), envFileText({ TOKEN: secret }));
	const output = execFileSync(shell, ['-c', command], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
	return output.split('\n').map(clean);
}

/** No piece of the secret that says anything: its words, with or without escapes. */
function expectMasked(lines: readonly string[]): void {
	for (const line of lines) {
		expect(line).toContain(mask);
		for (const piece of ['pa', 'rd', '9f3k', 'w"', 'w\\"']) expect(line.replace(/^\+ /, '').replace(mask, ''), line).not.toContain(piece);
	}
}

describe('a secret in every form the host prints it', () => {
	it('the value is what hosts.toml says, and `.env` holds it escaped', () => {
		expect(config.hosts[0]!.env.TOKEN).toEqual({ value: secret, secret: true });
		expect(envFileText({ TOKEN: secret })).toBe('TOKEN="pa\\$\\$w\\"rd\\`x\\\\\\\\y\\\\n-9f3k\'q"\n');
	});

	it.each([
		['cat .env (as written)', 'sh', 'grep TOKEN .env'],
		['the value read back by sh', 'sh', '. ./.env; printf "%s\\n" "$TOKEN"'],
		['dash echo of the .env line (backslashes taken away)', 'sh', 'echo "$(grep TOKEN .env)"'],
		['dash echo of the value', 'sh', '. ./.env; echo "$TOKEN"'],
		['read without -r', 'sh', 'IFS= read line < .env; printf "%s\\n" "$line"'],
		['sh set -x (shell-quoted)', 'sh', '. ./.env; exec 2>&1; set -x; : "$TOKEN"'],
	])('%s', (_what, shell, command) => {
		expectMasked(printed(shell, command));
	});

	it.runIf(hasTool('bash', 'apt-get install bash'))('bash printf %q and declare -p', () => {
		expectMasked(printed('bash', 'set -a; . ./.env; printf "%q\\n" "$TOKEN"; declare -p TOKEN; exec 2>&1; set -x; : "$TOKEN"'));
	});

	it('JSON-escaped, as a tool that logs JSON prints it', () => {
		expectMasked([clean(`{"token":${JSON.stringify(secret)}}`)]);
	});
});
