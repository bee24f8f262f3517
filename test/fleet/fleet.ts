import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { startWanProxy, type WanCounters, type WanProxy, type WanShape } from './wan-proxy.js';
import { readWanCounters, startWanProxyProcess } from './wan-proxy-process.js';
import { descendantsOf } from '../support/processes.js';

/**
 * A fleet of real OpenSSH servers on 127.0.0.1, one sshd per host, each with its own host
 * keys, port and root directory, all trusting one generated user key. Tests and the
 * `npm run fleet` CLI use it; nothing here mocks SSH.
 */

export const sshdPath = '/usr/sbin/sshd';
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface FleetHostSpec {
	readonly name: string;
	/** sshd MaxSessions (channels per connection); default 10 like sshd. */
	readonly maxSessions?: number;
	/** Environment every session on this host gets (sshd's SetEnv, all on one line: sshd keeps the first of a keyword), e.g. a PATH without some tool (test/support/path-without.ts) or CURL_HOME for a .curlrc of its own. */
	readonly env?: Readonly<Record<string, string>>;
}

export interface FleetOptions {
	/** Where keys, configs, logs and host roots go; default test/.tmp/ssh-fleet-<random>. */
	readonly dir?: string;
	/** A count (hosts fleet-1 … fleet-N) or explicit hosts. Default 1. */
	readonly hosts?: number | readonly FleetHostSpec[];
	/** MaxSessions for hosts that don't set their own. */
	readonly maxSessions?: number;
	/** Leave the sshd processes running after this process exits (the CLI's `up`). */
	readonly detached?: boolean;
	/** Keep `dir` after stop() (always kept when detached). */
	readonly keepDir?: boolean;
	/**
	 * Put every host behind a shaping proxy (test/fleet/wan-proxy.ts): round trip, bandwidth per
	 * host and of the operator's link, bytes counted each way. ssh_config, known_hosts, `port`
	 * and `target` then name the proxy's ports.
	 */
	readonly wan?: WanShape;
	/** With `detached` and `wan`: the argv that runs `runWanProxyProcess(<config file>)` (the config file is appended). */
	readonly wanProxyCommand?: readonly string[];
	/** With `wan`: an object store on this port, reached by each host over its own link (see `WanProxyOptions.store`). */
	readonly wanStore?: { readonly port: number };
}

export interface FleetWan {
	readonly shape: WanShape;
	/** Bytes each way and connections per host since the start (or the last reset). */
	counters(): Record<string, WanCounters>;
	/** Counters back to zero; in-process proxies only (a detached fleet's readers subtract two snapshots). */
	reset(): void;
	/** Where a detached proxy writes its counters (JSON, name → counters). */
	readonly countersFile: string;
	/** With `wanStore`: the operator's port to the store, and each host's. */
	readonly storePort?: number;
	hostStorePort(name: string): number;
}

export interface FleetHostKey {
	/** e.g. "ssh-ed25519". */
	readonly type: string;
	/** Public key blob, base64, as known_hosts holds it. */
	readonly base64: string;
	readonly privateKeyFile: string;
}

export interface FleetHost {
	readonly name: string;
	readonly host: '127.0.0.1';
	/** The port clients connect to: the WAN proxy's when the fleet has one, else sshd's. */
	readonly port: number;
	/** sshd's own port (the same as `port` without a WAN proxy). */
	readonly sshdPort: number;
	readonly user: string;
	/** `user@127.0.0.1:port`, usable as `ssh = "…"` without any ssh_config. */
	readonly target: string;
	/** An empty directory for this host's deploys. */
	readonly root: string;
	readonly hostKeys: readonly FleetHostKey[];
	readonly sshdConfigFile: string;
	/** sshd's stderr (LogLevel VERBOSE). */
	readonly logFile: string;
	/** pid of the listening sshd, undefined while killed. */
	readonly pid: number | undefined;
}

export interface Fleet {
	readonly dir: string;
	readonly hosts: readonly FleetHost[];
	/** Generated ssh_config: `Host fleet-1 …` with HostName, Port, User, IdentityFile, UserKnownHostsFile. */
	readonly sshConfigFile: string;
	/** known_hosts with every host's keys (`[127.0.0.1]:port type key`). */
	readonly knownHostsFile: string;
	/** The user's private key (ed25519, no passphrase); its .pub is in every authorized_keys. */
	readonly userKeyFile: string;
	/** The shaping proxy in front of the hosts, when started with `wan`. */
	readonly wan: FleetWan | undefined;
	host(name: string): FleetHost;
	/** known_hosts lines for one host (all its key types), e.g. to build a custom known_hosts. */
	knownHostsLines(name: string, types?: readonly string[]): string[];
	/** SIGKILL the host's sshd and every session process under it: connections drop at once. */
	kill(name: string): Promise<void>;
	/** SIGSTOP the host's sshd and its sessions: a hung host whose TCP stays up (keepalive tests). */
	pause(name: string): void;
	/** SIGCONT what pause() stopped. */
	resume(name: string): void;
	/** Start a killed host again on the same port with the same keys. */
	restart(name: string): Promise<void>;
	/** Stop every server and (unless kept) remove the directory. */
	stop(): Promise<void>;
}

interface HostState {
	spec: Required<FleetHostSpec>;
	port: number;
	root: string;
	hostKeys: FleetHostKey[];
	sshdConfigFile: string;
	logFile: string;
	pid: number | undefined;
}

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
	const dir = resolve(options.dir ?? join(repoRoot, 'test', '.tmp', `ssh-fleet-${randomBytes(4).toString('hex')}`));
	const given: readonly FleetHostSpec[] =
		typeof options.hosts === 'object' ? options.hosts : Array.from({ length: options.hosts ?? 1 }, (_, index) => ({ name: `fleet-${index + 1}` }));
	const specs: Required<FleetHostSpec>[] = given.map((spec) => ({ name: spec.name, maxSessions: spec.maxSessions ?? options.maxSessions ?? 10, env: spec.env ?? {} }));
	const user = userInfo().username;

	mkdirSync(dir, { recursive: true });
	// sshd's privilege separation directory; absent on a fresh container.
	try {
		mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
	} catch {
		// Not root: sshd runs unprivileged and does not need it.
	}
	const userKeyFile = join(dir, 'id_ed25519');
	generateKey(userKeyFile, 'ed25519');
	const authorizedKeysFile = join(dir, 'authorized_keys');
	writeFileSync(authorizedKeysFile, readFileSync(`${userKeyFile}.pub`));
	chmodSync(authorizedKeysFile, 0o600);

	const hosts = new Map<string, HostState>();
	for (const spec of specs) {
		const hostDir = join(dir, spec.name);
		mkdirSync(hostDir, { recursive: true });
		const root = join(dir, 'roots', spec.name);
		mkdirSync(root, { recursive: true });
		const hostKeys = (['ed25519', 'ecdsa'] as const).map((kind) => {
			const file = join(hostDir, `ssh_host_${kind}_key`);
			generateKey(file, kind);
			const [type = '', base64 = ''] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
			return { type, base64, privateKeyFile: file };
		});
		hosts.set(spec.name, {
			spec,
			port: 0,
			root,
			hostKeys,
			sshdConfigFile: join(hostDir, 'sshd_config'),
			logFile: join(hostDir, 'sshd.log'),
			pid: undefined,
		});
	}

	const launch = async (state: HostState, keepPort: boolean): Promise<void> => {
		// A free port can be taken between our probe and sshd's bind; try a few.
		for (let attempt = 0; ; attempt++) {
			if (!keepPort) state.port = await freePort();
			writeFileSync(state.sshdConfigFile, sshdConfig(state, authorizedKeysFile, dir));
			try {
				state.pid = await runSshd(state, options.detached ?? false);
				return;
			} catch (error) {
				if (keepPort || attempt >= 3 || !/Address already in use/i.test((error as Error).message)) throw error;
			}
		}
	};

	const started: HostState[] = [];
	try {
		for (const state of hosts.values()) {
			await launch(state, false);
			started.push(state);
		}
	} catch (error) {
		for (const state of started) killTree(state.pid);
		throw error;
	}

	const wan = options.wan === undefined ? undefined : await startWan(options, dir, [...hosts.values()].map((state) => ({ name: state.spec.name, port: state.port })));
	const frontPort = (state: HostState): number => wan?.port(state.spec.name) ?? state.port;

	const knownHostsLines = (name: string, types?: readonly string[]): string[] => {
		const state = stateOf(name);
		return state.hostKeys
			.filter((key) => !types || types.includes(key.type))
			.map((key) => `[127.0.0.1]:${frontPort(state)} ${key.type} ${key.base64}`);
	};
	const stateOf = (name: string): HostState => {
		const state = hosts.get(name);
		if (!state) throw new Error(`no fleet host named ${name}`);
		return state;
	};
	const view = (state: HostState): FleetHost => ({
		name: state.spec.name,
		host: '127.0.0.1',
		port: frontPort(state),
		sshdPort: state.port,
		user,
		target: `${user}@127.0.0.1:${frontPort(state)}`,
		root: state.root,
		hostKeys: state.hostKeys,
		sshdConfigFile: state.sshdConfigFile,
		logFile: state.logFile,
		pid: state.pid,
	});

	const knownHostsFile = join(dir, 'known_hosts');
	writeFileSync(knownHostsFile, [...hosts.keys()].flatMap((name) => knownHostsLines(name)).join('\n') + '\n');
	const sshConfigFile = join(dir, 'ssh_config');
	writeFileSync(
		sshConfigFile,
		[...hosts.values()]
			.map((state) =>
				[
					`Host ${state.spec.name}`,
					'  HostName 127.0.0.1',
					`  Port ${frontPort(state)}`,
					`  User ${user}`,
					`  IdentityFile ${userKeyFile}`,
					'  IdentitiesOnly yes',
					`  UserKnownHostsFile ${knownHostsFile}`,
					'  StrictHostKeyChecking yes',
					'',
				].join('\n'),
			)
			.join('\n'),
	);
	writeFileSync(
		join(dir, 'fleet.json'),
		JSON.stringify(
			{
				dir,
				hosts: [...hosts.values()].map((state) => ({ name: state.spec.name, port: frontPort(state), sshdPort: state.port, pid: state.pid, root: state.root })),
				...(wan && { wan: { shape: wan.shape, pid: wan.pid, countersFile: wan.countersFile } }),
			},
			null,
			2,
		),
	);

	return {
		dir,
		get hosts() {
			return [...hosts.values()].map(view);
		},
		sshConfigFile,
		knownHostsFile,
		userKeyFile,
		wan: wan && { shape: wan.shape, counters: wan.counters, reset: wan.reset, countersFile: wan.countersFile, ...(options.wanStore ? { storePort: wan.port('store') } : {}), hostStorePort: (name) => wan.port(`${name}@store`) },
		host: (name) => view(stateOf(name)),
		knownHostsLines,
		async kill(name) {
			const state = stateOf(name);
			await killTree(state.pid);
			state.pid = undefined;
		},
		pause(name) {
			signalTree(stateOf(name).pid, 'SIGSTOP');
		},
		resume(name) {
			signalTree(stateOf(name).pid, 'SIGCONT');
		},
		async restart(name) {
			const state = stateOf(name);
			if (state.pid !== undefined) {
				await killTree(state.pid);
				state.pid = undefined;
			}
			await launch(state, true);
		},
		async stop() {
			await Promise.all([...hosts.values()].map((state) => killTree(state.pid)));
			for (const state of hosts.values()) state.pid = undefined;
			await wan?.close();
			if (!options.keepDir && !options.detached) rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** Stops a fleet started by another process (the CLI's `down`), from its fleet.json. */
export async function stopFleetDir(dir: string): Promise<number> {
	const file = join(dir, 'fleet.json');
	if (!existsSync(file)) return 0;
	const recorded = JSON.parse(readFileSync(file, 'utf8')) as { hosts: { pid?: number }[]; wan?: { pid?: number } };
	if (recorded.wan?.pid !== undefined && isWanProxy(recorded.wan.pid)) await killTree(recorded.wan.pid);
	let stopped = 0;
	for (const host of recorded.hosts) {
		if (host.pid !== undefined && isSshd(host.pid)) {
			await killTree(host.pid);
			stopped += 1;
		}
	}
	return stopped;
}

function sshdConfig(state: HostState, authorizedKeysFile: string, dir: string): string {
	return [
		'ListenAddress 127.0.0.1',
		`Port ${state.port}`,
		...state.hostKeys.map((key) => `HostKey ${key.privateKeyFile}`),
		`AuthorizedKeysFile ${authorizedKeysFile}`,
		`PidFile ${join(dir, state.spec.name, 'sshd.pid')}`,
		'UsePAM no',
		// CI runs as root.
		'PermitRootLogin yes',
		// Keys and configs live in a temp dir whose modes sshd would otherwise reject.
		'StrictModes no',
		'PasswordAuthentication no',
		'KbdInteractiveAuthentication no',
		'PubkeyAuthentication yes',
		'AllowTcpForwarding yes',
		`MaxSessions ${state.spec.maxSessions}`,
		...(Object.keys(state.spec.env).length > 0 ? [`SetEnv ${Object.entries(state.spec.env).map(([key, value]) => `${key}=${value}`).join(' ')}`] : []),
		'PrintMotd no',
		'LogLevel VERBOSE',
		'Subsystem sftp internal-sftp',
		'',
	].join('\n');
}

/** Starts `sshd -D -e` and resolves with its pid once it logs "Server listening". */
async function runSshd(state: HostState, detached: boolean): Promise<number> {
	writeFileSync(state.logFile, '');
	const log = openSync(state.logFile, 'a');
	const child = spawn(sshdPath, ['-D', '-e', '-f', state.sshdConfigFile], { stdio: ['ignore', 'ignore', log], detached });
	closeSync(log);
	if (detached) child.unref();
	let exited: string | undefined;
	child.once('exit', (code, signal) => (exited = `sshd exited (${signal ?? code})`));
	child.once('error', (error) => (exited = error.message));
	// sshd -e writes to a file here (so a detached server outlives us); poll it for readiness.
	const deadline = Date.now() + 10_000;
	for (;;) {
		const text = readFileSync(state.logFile, 'utf8');
		if (/Server listening on 127\.0\.0\.1/.test(text) && child.pid !== undefined) return child.pid;
		if (exited !== undefined || Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`sshd for ${state.spec.name} did not start (${exited ?? 'no "Server listening" within 10 s'}): ${text.trim().split('\n').slice(-3).join(' | ')}`);
		}
		await new Promise((done) => setTimeout(done, 20));
	}
}

function generateKey(file: string, kind: 'ed25519' | 'ecdsa'): void {
	rmSync(file, { force: true });
	rmSync(`${file}.pub`, { force: true });
	execFileSync('ssh-keygen', ['-q', '-t', kind, '-N', '', '-C', `switchyard-fleet-${kind}`, '-f', file], { stdio: 'ignore' });
}

/**
 * Kills a process and all its descendants. sshd's per-connection processes start their own
 * sessions (setsid), so a process-group kill would leave live connections behind.
 */
async function killTree(pid: number | undefined): Promise<void> {
	if (pid === undefined) return;
	const victims = [pid, ...descendantsOf(pid)];
	for (const victim of victims) {
		try {
			process.kill(victim, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
	// Wait until the listener is really gone so a restart can bind the same port.
	for (let i = 0; i < 250 && isAlive(pid); i++) await new Promise((done) => setTimeout(done, 20));
}

function signalTree(pid: number | undefined, signal: NodeJS.Signals): void {
	if (pid === undefined) return;
	for (const victim of [pid, ...descendantsOf(pid)]) {
		try {
			process.kill(victim, signal);
		} catch {
			// Already gone.
		}
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		// A zombie still answers kill(0); it has let go of its port already.
		return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return false;
	}
}

interface RunningWan extends Omit<FleetWan, 'reset' | 'storePort' | 'hostStorePort'> {
	reset(): void;
	port(name: string): number;
	/** The proxy's own process, when detached. */
	readonly pid: number | undefined;
	close(): Promise<void>;
}

/** The shaping proxy, in this process or (for a detached fleet) in its own. */
async function startWan(options: FleetOptions, dir: string, upstreams: { name: string; port: number }[]): Promise<RunningWan> {
	const shape = options.wan as WanShape;
	const countersFile = join(dir, 'wan-counters.json');
	if (!options.detached) {
		const proxy: WanProxy = await startWanProxy(shape, upstreams, { countersFile, ...(options.wanStore ? { store: options.wanStore } : {}) });
		return { shape, countersFile, pid: undefined, port: proxy.port, counters: proxy.counters, reset: proxy.reset, close: proxy.close };
	}
	if (!options.wanProxyCommand) throw new Error('a detached fleet with wan needs wanProxyCommand (a process to run the proxy in)');
	const config = { shape, upstreams, countersFile, readyFile: join(dir, 'wan-proxy.ready.json'), ...(options.wanStore ? { store: options.wanStore } : {}) };
	const ready = await startWanProxyProcess(options.wanProxyCommand, join(dir, 'wan-proxy.json'), config, join(dir, 'wan-proxy.log'));
	return {
		shape,
		countersFile,
		pid: ready.pid,
		port: (name) => {
			const port = ready.ports[name];
			if (port === undefined) throw new Error(`no WAN proxy for ${name}`);
			return port;
		},
		counters: () => readWanCounters(countersFile),
		reset: () => {
			throw new Error('a detached WAN proxy cannot reset its counters: subtract two counters() snapshots');
		},
		close: () => killTree(ready.pid),
	};
}

function isWanProxy(pid: number): boolean {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('wan-proxy');
	} catch {
		return false;
	}
}

function isSshd(pid: number): boolean {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sshd');
	} catch {
		return false;
	}
}
