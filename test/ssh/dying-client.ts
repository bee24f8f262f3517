import { LocalTransport } from '../../source/transport/local.js';
import { SshTransport } from '../../source/transport/ssh.js';
import type { Transport } from '../../source/transport/transport.js';

/**
 * A Switchyard-like process for the disconnect tests to SIGKILL (see dying-client-runner.ts): it
 * connects (over SSH, or to this machine with `local`), arms the disconnect script(s) it is given
 * (the last one wins), then runs `script` and prints its lines, or closes cleanly when `close` is
 * set. It says what it has done on stdout, one word a line.
 */
export interface DyingClientPlan {
	readonly ssh?: { readonly target: string; readonly configFile: string; readonly home: string; readonly persistentShell: boolean };
	readonly onDisconnect: readonly (string | undefined)[];
	readonly script?: string;
	readonly ifDisconnected?: 'stop' | 'finish';
	readonly close?: boolean;
	/** Local only: more hosts in the same process, each with its disconnect script, closed cleanly first when `close` is set on them. */
	readonly others?: readonly { readonly onDisconnect: string; readonly close: boolean }[];
	/** Local only: a long-lived shell per host (the default where setsid exists) or a process per script. */
	readonly localShell?: boolean;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as DyingClientPlan;
const local = () => new LocalTransport({ persistentShell: plan.localShell });
const transport: Transport = plan.ssh ? new SshTransport({ ...plan.ssh, agentSocket: '' }) : local();
await transport.connect();
for (const script of plan.onDisconnect) {
	if (!(await transport.onDisconnect(script))) throw new Error('the disconnect script could not be armed');
}
for (const other of plan.others ?? []) {
	const host = local();
	await host.onDisconnect(other.onDisconnect);
	// A command that ran and ended: the host is in use, as a deploy's would be.
	await host.exec('true');
	if (other.close) await host.close();
}
console.log('armed');
if (plan.script) {
	void transport.exec(plan.script, { ifDisconnected: plan.ifDisconnected, onLine: (line) => console.log(line) });
} else if (plan.close) {
	await transport.close();
	console.log('closed');
} else console.log('idle');
// Kept alive until the test kills it.
setInterval(() => {}, 60_000);
