import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * known_hosts as OpenSSH reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), as pure functions
 * over text and key blobs so every rule is unit-tested without a server.
 */

export interface KnownHostKey {
	/** e.g. "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa". */
	readonly type: string;
	/** The key blob, base64, exactly as written in the file. */
	readonly base64: string;
}

export interface KnownHostEntry extends KnownHostKey {
	readonly marker?: 'revoked' | 'cert-authority';
	/** Host field as written: a comma list of patterns, or one hashed `|1|salt|hash`. */
	readonly hosts: string;
	/** 1-based line in its file, for messages. */
	readonly line: number;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
	const entries: KnownHostEntry[] = [];
	text.split(/\r?\n/).forEach((raw, index) => {
		const line = raw.trim();
		if (line === '' || line.startsWith('#')) return;
		const fields = line.split(/\s+/);
		let marker: KnownHostEntry['marker'];
		if (fields[0]?.startsWith('@')) {
			const name = fields.shift();
			if (name === '@revoked') marker = 'revoked';
			else if (name === '@cert-authority') marker = 'cert-authority';
			else return; // unknown marker: OpenSSH skips the line
		}
		const [hosts, type, base64] = fields;
		if (!hosts || !type || !base64) return;
		entries.push({ marker, hosts, type, base64, line: index + 1 });
	});
	return entries;
}

/** The name known_hosts uses for a host: bare for port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
	return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether an entry's host field names this host (plain patterns or a hashed name). */
export function entryMatchesHost(hosts: string, host: string, port: number): boolean {
	const name = knownHostName(host, port);
	if (hosts.startsWith('|1|')) return hashedNameMatches(hosts, name);
	return matchPatternList(hosts.split(','), name.toLowerCase());
}

/** OpenSSH's match_hostname: any positive pattern matches and no negated (`!`) one does. */
function matchPatternList(patterns: readonly string[], name: string): boolean {
	let matched = false;
	for (const pattern of patterns) {
		const negated = pattern.startsWith('!');
		if (!matchPattern(negated ? pattern.slice(1) : pattern, name)) continue;
		if (negated) return false;
		matched = true;
	}
	return matched;
}

/** `*` is any run of characters, `?` exactly one; everything else is literal. */
function matchPattern(pattern: string, name: string): boolean {
	const literal = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
	const source = pattern.toLowerCase().split('').map((char) => (char === '*' ? '.*' : char === '?' ? '.' : literal(char))).join('');
	return new RegExp(`^${source}$`).test(name);
}

function hashedNameMatches(field: string, name: string): boolean {
	const [, , salt, hash] = field.split('|');
	if (!salt || !hash) return false;
	const expected = Buffer.from(hash, 'base64');
	const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
	return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** `|1|salt|hash` for a name, as `ssh-keygen -H` writes it; the salt is given so tests are exact. */
export function hashKnownHostName(name: string, salt: Buffer): string {
	const hash = createHmac('sha1', salt).update(name).digest('base64');
	return `|1|${salt.toString('base64')}|${hash}`;
}

export interface KnownHostLookup {
	/** Keys trusted for this host (cert-authority lines are not host keys and are left out). */
	readonly keys: readonly KnownHostKey[];
	readonly revoked: readonly KnownHostKey[];
}

export function lookupKnownHost(entries: readonly KnownHostEntry[], host: string, port: number): KnownHostLookup {
	const keys: KnownHostKey[] = [];
	const revoked: KnownHostKey[] = [];
	for (const entry of entries) {
		if (entry.marker === 'revoked') {
			// @revoked applies to any host pattern, even "*": the key is never acceptable.
			if (entryMatchesHost(entry.hosts, host, port)) revoked.push(entry);
		} else if (entry.marker === undefined && entryMatchesHost(entry.hosts, host, port)) {
			keys.push(entry);
		}
	}
	return { keys, revoked };
}

/** The key type named inside an SSH wire-format public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
	if (blob.length < 4) return 'unknown';
	const length = blob.readUInt32BE(0);
	return blob.subarray(4, 4 + length).toString('latin1');
}

/** `SHA256:<base64 without padding>`, the fingerprint OpenSSH prints. */
export function fingerprintSha256(blob: Buffer): string {
	return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyVerdict =
	| { readonly kind: 'trusted' }
	| { readonly kind: 'revoked' }
	| { readonly kind: 'changed'; readonly knownTypes: readonly string[] }
	| { readonly kind: 'unknown' };

/**
 * Decides on a server's key like OpenSSH's StrictHostKeyChecking: a known key is trusted;
 * a revoked one never is; a host we know with other keys has "changed" (a possible
 * man-in-the-middle, never overridable); only a host with no keys at all is "unknown".
 */
export function checkHostKey(lookup: KnownHostLookup, blob: Buffer): HostKeyVerdict {
	const base64 = blob.toString('base64');
	const type = keyTypeOf(blob);
	if (lookup.revoked.some((key) => key.base64 === base64)) return { kind: 'revoked' };
	if (lookup.keys.some((key) => key.type === type && key.base64 === base64)) return { kind: 'trusted' };
	if (lookup.keys.length > 0) return { kind: 'changed', knownTypes: [...new Set(lookup.keys.map((key) => key.type))] };
	return { kind: 'unknown' };
}

/** The line OpenSSH's accept-new appends for a host. */
export function knownHostsLine(host: string, port: number, blob: Buffer): string {
	return `${knownHostName(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}

// ssh2's default host key algorithm order (lib/protocol/constants.js), ed25519 first.
const defaultHostKeyAlgorithms = [
	'ssh-ed25519',
	'ecdsa-sha2-nistp256',
	'ecdsa-sha2-nistp384',
	'ecdsa-sha2-nistp521',
	'rsa-sha2-512',
	'rsa-sha2-256',
	'ssh-rsa',
] as const;

export type HostKeyAlgorithm = (typeof defaultHostKeyAlgorithms)[number];

/** Signature algorithms that produce a key of this known_hosts key type. */
function algorithmsForKeyType(type: string): HostKeyAlgorithm[] {
	if (type === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
	return defaultHostKeyAlgorithms.filter((algorithm) => algorithm === type);
}

/**
 * Host key algorithms to offer, with the types known_hosts already holds for this host first
 * (as OpenSSH does): otherwise ssh2 prefers ed25519 and a host we know by its ECDSA or RSA key
 * would present a key we have never seen.
 */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): HostKeyAlgorithm[] {
	const first = knownTypes.flatMap(algorithmsForKeyType);
	return [...new Set([...first, ...defaultHostKeyAlgorithms])];
}
