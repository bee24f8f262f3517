import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { startWanProxy, type WanCounters, type WanShape, type WanUpstream } from './wan-proxy.js';

/**
 * The WAN proxy as its own process, for a fleet that outlives the command that started it
 * (`npm run fleet -- up … --rtt 40`). It writes its ports to a ready file and its counters to
 * a JSON file (every 250 ms while they change, and when it stops); `readWanCounters` reads them.
 */

export interface WanProxyProcessConfig {
	readonly shape: WanShape;
	readonly upstreams: readonly WanUpstream[];
	readonly countersFile: string;
	readonly readyFile: string;
	readonly store?: { readonly port: number };
}

export interface WanProxyReady {
	readonly pid: number;
	readonly ports: Record<string, number>;
}

/** The proxy process's body: runs until SIGTERM or SIGINT. */
export async function runWanProxyProcess(configFile: string): Promise<void> {
	const config = JSON.parse(readFileSync(configFile, 'utf8')) as WanProxyProcessConfig;
	const proxy = await startWanProxy(config.shape, config.upstreams, { countersFile: config.countersFile, ...(config.store ? { store: config.store } : {}) });
	proxy.saveCounters();
	let saved = JSON.stringify(proxy.counters());
	const timer = setInterval(() => {
		const now = JSON.stringify(proxy.counters());
		if (now !== saved) proxy.saveCounters();
		saved = now;
	}, 250);
	const names = [...config.upstreams.map((upstream) => upstream.name), ...(config.store ? ['store', ...config.upstreams.map((upstream) => `${upstream.name}@store`)] : [])];
	const ready: WanProxyReady = { pid: process.pid, ports: Object.fromEntries(names.map((name) => [name, name === 'store' ? proxy.storePort() : name.endsWith('@store') ? proxy.hostStorePort(name.slice(0, -'@store'.length)) : proxy.port(name)])) };
	writeFileSync(config.readyFile, JSON.stringify(ready));
	const stop = () => {
		clearInterval(timer);
		proxy.saveCounters();
		void proxy.close().finally(() => process.exit(0));
	};
	process.once('SIGTERM', stop).once('SIGINT', stop);
}

/** Starts `command… configFile` detached and resolves once the proxy listens. */
export async function startWanProxyProcess(command: readonly string[], configFile: string, config: WanProxyProcessConfig, logFile: string): Promise<WanProxyReady> {
	const [program, ...args] = command;
	if (!program) throw new Error('no command to start the WAN proxy with');
	rmSync(config.readyFile, { force: true });
	writeFileSync(configFile, JSON.stringify(config, null, 2));
	const log = openSync(logFile, 'a');
	const child = spawn(program, [...args, configFile], { stdio: ['ignore', log, log], detached: true });
	closeSync(log);
	child.unref();
	let exited: string | undefined;
	child.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
	child.once('error', (error) => (exited = error.message));
	const deadline = Date.now() + 10_000;
	while (!existsSync(config.readyFile)) {
		if (exited !== undefined || Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`WAN proxy did not start (${exited ?? 'no ready file within 10 s'}): ${readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ')}`);
		}
		await new Promise((done) => setTimeout(done, 20));
	}
	return JSON.parse(readFileSync(config.readyFile, 'utf8')) as WanProxyReady;
}

/** Counters a proxy process wrote last (at most 250 ms old while traffic flows). */
export function readWanCounters(countersFile: string): Record<string, WanCounters> {
	return JSON.parse(readFileSync(countersFile, 'utf8')) as Record<string, WanCounters>;
}
