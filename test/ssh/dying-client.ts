import { SshTransport } from '../../source/transport/ssh.js';

/**
 * A Switchyard-like process for ssh-disconnect.test.ts to SIGKILL: it connects, arms the
 * disconnect script(s) it is given (the last one wins), then runs `script` and prints its lines,
 * or closes cleanly when `close` is set. It says what it has done on stdout, one word a line.
 */
export interface DyingClientPlan {
	readonly target: string;
	readonly configFile: string;
	readonly home: string;
	readonly persistentShell: boolean;
	readonly onDisconnect: readonly (string | undefined)[];
	readonly script?: string;
	readonly close?: boolean;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as DyingClientPlan;
const ssh = new SshTransport({
	target: plan.target,
	configFile: plan.configFile,
	home: plan.home,
	agentSocket: '',
	persistentShell: plan.persistentShell,
});
await ssh.connect();
for (const script of plan.onDisconnect) {
	if (!(await ssh.onDisconnect(script))) throw new Error('the disconnect script could not be armed');
}
console.log('armed');
if (plan.script) {
	void ssh.exec(plan.script, { onLine: (line) => console.log(line) });
} else if (plan.close) {
	await ssh.close();
	console.log('closed');
} else console.log('idle');
// Kept alive until the test kills it.
setInterval(() => {}, 60_000);
