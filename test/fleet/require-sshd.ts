import { accessSync, appendFileSync, constants, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot, sshdPath } from './fleet.js';

/**
 * Gate for every test that talks to a real sshd. Without sshd the tests are skipped, and the
 * skip is written down (test/.tmp/sshd-skips.log and a warning) rather than passing silently;
 * in CI (CI=true) a missing sshd fails the suite instead, so SSH coverage cannot vanish.
 *
 *   describe.runIf(requireSshd('ssh exec'))('ssh exec', () => { … })
 */
export function requireSshd(suite: string, probe: { sshd?: string; env?: NodeJS.ProcessEnv; skipLog?: string } = {}): boolean {
	const sshd = probe.sshd ?? sshdPath;
	if (isExecutable(sshd)) return true;
	const message = `${suite}: skipped, ${sshd} is not installed (apt-get install openssh-server)`;
	if (isCi(probe.env ?? process.env)) throw new Error(`${message} — CI must run the SSH tests`);
	const skipLog = probe.skipLog ?? join(repoRoot, 'test', '.tmp', 'sshd-skips.log');
	mkdirSync(dirname(skipLog), { recursive: true });
	appendFileSync(skipLog, `${new Date().toISOString()} ${message}\n`);
	console.warn(`⚠ ${message}`);
	return false;
}

function isExecutable(path: string): boolean {
	try {
		accessSync(path, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

function isCi(env: NodeJS.ProcessEnv): boolean {
	const value = env.CI;
	return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
