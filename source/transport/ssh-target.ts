import type SSHConfig from 'ssh-config';

/**
 * Turns a host's `ssh = "…"` value into everything needed to connect, the way `ssh` itself
 * reads ~/.ssh/config. Pure: the parsed config and the local environment are passed in.
 */

/** One machine to open an SSH connection to (the target, or a jump host on the way). */
export interface SshEndpoint {
	/** What the operator wrote (alias or user@host:port), for messages. */
	readonly name: string;
	/** Network address to connect to (HostName). */
	readonly host: string;
	readonly port: number;
	readonly user: string;
	/** IdentityFile entries, absolute; empty means "the default key files". */
	readonly identityFiles: readonly string[];
	/** UserKnownHostsFile entries, absolute; new keys are recorded in the first. */
	readonly knownHostsFiles: readonly string[];
}

export interface SshTarget extends SshEndpoint {
	/** ProxyJump hops, outermost first: connect to jumps[0], through it to jumps[1], … then the target. */
	readonly jumps: readonly SshEndpoint[];
}

export interface LocalIdentity {
	readonly home: string;
	/** Local user name: the default remote user, as with `ssh`. */
	readonly user: string;
}

export interface TargetSpec {
	readonly user?: string;
	readonly host: string;
	readonly port?: number;
}

/** Parses `[user@]host[:port]`, `[user@][v6addr][:port]` and `ssh://[user@]host[:port]`. */
export function parseTargetSpec(spec: string): TargetSpec {
	let rest = spec.trim().replace(/^ssh:\/\//, '');
	if (rest === '') throw new Error('empty SSH target');
	let user: string | undefined;
	const at = rest.lastIndexOf('@');
	if (at >= 0) {
		user = rest.slice(0, at);
		rest = rest.slice(at + 1);
		if (user === '') throw new Error(`SSH target "${spec}" has an empty user`);
	}
	let host = rest;
	let portText: string | undefined;
	const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
	if (bracketed?.[1]) {
		host = bracketed[1];
		portText = bracketed[2];
	} else if ((rest.match(/:/g) ?? []).length === 1) {
		// Exactly one colon is host:port; more is a bare IPv6 address without a port.
		[host = '', portText] = rest.split(':');
	}
	if (host === '') throw new Error(`SSH target "${spec}" has no host`);
	if (portText === undefined) return { user, host };
	const port = Number(portText);
	if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new Error(`SSH target "${spec}" has an invalid port "${portText}"`);
	return { user, host, port };
}

/** Resolves a target and its ProxyJump hops through ssh_config (or no config at all). */
export function resolveSshTarget(spec: string, config: SSHConfig | undefined, local: LocalIdentity): SshTarget {
	const target = resolveEndpoint(spec, config, local);
	const proxyJump = single(computeFor(spec, config).proxyjump);
	const jumps =
		proxyJump === undefined || proxyJump.toLowerCase() === 'none'
			? []
			: proxyJump
					.split(',')
					.map((hop) => hop.trim())
					.filter((hop) => hop !== '')
					.map((hop) => resolveEndpoint(hop, config, local));
	return { ...target, jumps };
}

function resolveEndpoint(spec: string, config: SSHConfig | undefined, local: LocalIdentity): SshEndpoint {
	const parsed = parseTargetSpec(spec);
	const options = computeFor(spec, config);
	const user = parsed.user ?? single(options.user) ?? local.user;
	const configPort = single(options.port);
	const port = parsed.port ?? (configPort === undefined ? 22 : Number(configPort));
	if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`ssh_config gives "${parsed.host}" an invalid Port "${configPort}"`);
	const tokens = { home: local.home, localUser: local.user, alias: parsed.host, remoteUser: user };
	const hostName = single(options.hostname);
	const host = hostName === undefined ? parsed.host : expandTokens(hostName, tokens);
	const identityFiles = list(options.identityfile)
		.filter((file) => file.toLowerCase() !== 'none')
		.map((file) => expandPath(expandTokens(file, { ...tokens, alias: host }), local.home));
	const knownHosts = list(options.userknownhostsfile).flatMap((value) => value.split(/\s+/));
	const knownHostsFiles = (knownHosts.length > 0 ? knownHosts : ['~/.ssh/known_hosts'])
		.filter((file) => file !== '' && file.toLowerCase() !== 'none')
		.map((file) => expandPath(expandTokens(file, { ...tokens, alias: host }), local.home));
	return { name: spec, host, port, user, identityFiles: unique(identityFiles), knownHostsFiles: unique(knownHostsFiles) };
}

/** ssh_config options for a spec: looked up by its host part, as `ssh user@alias` does. Keys are lower-case. */
function computeFor(spec: string, config: SSHConfig | undefined): Record<string, string | string[]> {
	if (!config) return {};
	const { host } = parseTargetSpec(spec);
	// Match exec would run shell commands from the config just to resolve a name: never do that.
	return config.compute(host, { ignoreCase: true, matchExec: false });
}

interface Tokens {
	readonly home: string;
	readonly localUser: string;
	readonly alias: string;
	readonly remoteUser: string;
}

/** The ssh_config % tokens that make sense here (%d %u %h %r %%). */
export function expandTokens(value: string, tokens: Tokens): string {
	return value.replace(/%([duhr%])/g, (_match, token: string) => {
		if (token === 'd') return tokens.home;
		if (token === 'u') return tokens.localUser;
		if (token === 'h') return tokens.alias;
		if (token === 'r') return tokens.remoteUser;
		return '%';
	});
}

/** `~` and `~/x` become the home directory; everything else is left as written. */
export function expandPath(path: string, home: string): string {
	if (path === '~') return home;
	if (path.startsWith('~/')) return `${home.replace(/\/$/, '')}/${path.slice(2)}`;
	return path;
}

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const unique = (values: string[]): string[] => [...new Set(values)];
