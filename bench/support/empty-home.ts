import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sshdPath, type Fleet } from '../../test/fleet/fleet.js';
import { run } from './run.js';

/**
 * sshd takes HOME from the password database; `SetEnv HOME=<empty dir>` hands the session
 * another one, so bash (started by sshd, hence reading ~/.bashrc) finds none. The fleet's
 * own sshd processes are replaced by ones with that line on the same ports.
 */
export async function relaunchWithEmptyHome(fleet: Fleet): Promise<ChildProcess[]> {
	const home = join(fleet.dir, 'empty-home');
	mkdirSync(home, { recursive: true });
	const children: ChildProcess[] = [];
	for (const host of fleet.hosts) {
		await fleet.kill(host.name);
		writeFileSync(host.sshdConfigFile, readFileSync(host.sshdConfigFile, 'utf8') + `SetEnv HOME=${home}\n`);
		writeFileSync(host.logFile, '');
		const log = openSync(host.logFile, 'a');
		const child = spawn(sshdPath, ['-D', '-e', '-f', host.sshdConfigFile], { stdio: ['ignore', 'ignore', log] });
		closeSync(log);
		children.push(child);
		const deadline = Date.now() + 10_000;
		while (!/Server listening on 127\.0\.0\.1/.test(readFileSync(host.logFile, 'utf8'))) {
			if (Date.now() > deadline || child.exitCode !== null) throw new Error(`sshd for ${host.name} did not restart: ${readFileSync(host.logFile, 'utf8')}`);
			await new Promise((done) => setTimeout(done, 20));
		}
	}
	const check = await run('ssh', ['-F', fleet.sshConfigFile, '-o', 'BatchMode=yes', fleet.hosts[0]!.name, 'echo $HOME']);
	if (check.stdout.trim() !== home) throw new Error(`SetEnv HOME did not take: ${check.stdout}${check.stderr}`);
	return children;
}
