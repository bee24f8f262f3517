import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
	checkHostKey,
	entryMatchesHost,
	fingerprintSha256,
	hashKnownHostName,
	keyTypeOf,
	knownHostName,
	knownHostsLine,
	lookupKnownHost,
	parseKnownHosts,
	preferredHostKeyAlgorithms,
} from '../../source/transport/known-hosts.js';

/** A wire-format public key blob: string type, then some key bytes. */
function blob(type: string, fill: string): Buffer {
	const name = Buffer.from(type);
	const length = Buffer.alloc(4);
	length.writeUInt32BE(name.length);
	return Buffer.concat([length, name, Buffer.from(fill.repeat(32))]);
}

const ed = blob('ssh-ed25519', 'a');
const edOther = blob('ssh-ed25519', 'b');
const ecdsa = blob('ecdsa-sha2-nistp256', 'c');
const b64 = (key: Buffer) => key.toString('base64');

describe('parseKnownHosts', () => {
	test('reads plain, comma lists, [host]:port, markers; skips comments, blanks and junk', () => {
		const entries = parseKnownHosts(
			[
				'# comment',
				'',
				`web1,10.0.0.5 ssh-ed25519 ${b64(ed)} comment here`,
				`[127.0.0.1]:2201 ecdsa-sha2-nistp256 ${b64(ecdsa)}`,
				`@revoked * ssh-ed25519 ${b64(edOther)}`,
				`@cert-authority *.example.com ssh-ed25519 ${b64(ed)}`,
				'@unknown-marker host ssh-ed25519 AAAA',
				'truncated-line ssh-ed25519',
			].join('\n'),
		);
		expect(entries.map((entry) => [entry.marker, entry.hosts, entry.type, entry.line])).toEqual([
			[undefined, 'web1,10.0.0.5', 'ssh-ed25519', 3],
			[undefined, '[127.0.0.1]:2201', 'ecdsa-sha2-nistp256', 4],
			['revoked', '*', 'ssh-ed25519', 5],
			['cert-authority', '*.example.com', 'ssh-ed25519', 6],
		]);
	});
});

describe('host matching', () => {
	test('port 22 uses the bare name, other ports [host]:port', () => {
		expect(knownHostName('web1', 22)).toBe('web1');
		expect(knownHostName('127.0.0.1', 2201)).toBe('[127.0.0.1]:2201');
		expect(knownHostName('::1', 2201)).toBe('[::1]:2201');
	});

	test('comma lists, wildcards, negation, case-insensitive; a bare entry does not match another port', () => {
		expect(entryMatchesHost('web1,10.0.0.5', '10.0.0.5', 22)).toBe(true);
		expect(entryMatchesHost('web1,10.0.0.5', '10.0.0.5', 2222)).toBe(false);
		expect(entryMatchesHost('[10.0.0.5]:2222', '10.0.0.5', 2222)).toBe(true);
		expect(entryMatchesHost('*.example.com,!bad.example.com', 'good.example.com', 22)).toBe(true);
		expect(entryMatchesHost('*.example.com,!bad.example.com', 'bad.example.com', 22)).toBe(false);
		expect(entryMatchesHost('web?', 'web1', 22)).toBe(true);
		expect(entryMatchesHost('web?', 'web12', 22)).toBe(false);
		expect(entryMatchesHost('WEB1', 'web1', 22)).toBe(true);
		expect(entryMatchesHost('web1.example.com', 'web1xexample.com', 22)).toBe(false);
	});

	test('hashed names: HMAC-SHA1 of the name under the salt, as ssh-keygen -H writes them', () => {
		const salt = Buffer.from('0123456789abcdef0123');
		const hashed = hashKnownHostName('[127.0.0.1]:2201', salt);
		expect(hashed).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+$/);
		expect(entryMatchesHost(hashed, '127.0.0.1', 2201)).toBe(true);
		expect(entryMatchesHost(hashed, '127.0.0.1', 2202)).toBe(false);
		expect(entryMatchesHost(hashed, '127.0.0.2', 2201)).toBe(false);
	});

	test('a hashed entry produced by OpenSSH is recognised', () => {
		// The salt is stored as given and the HMAC-SHA1 is 20 bytes (28 base64 characters).
		const salt = Buffer.alloc(20, 7);
		const field = hashKnownHostName('github.com', salt);
		const [, , saltText, hashText] = field.split('|');
		expect(Buffer.from(saltText ?? '', 'base64')).toEqual(salt);
		expect(hashText).toHaveLength(28);
		expect(entryMatchesHost(field, 'github.com', 22)).toBe(true);
	});
});

describe('lookup and verdicts', () => {
	const text = [
		`[127.0.0.1]:2201 ssh-ed25519 ${b64(ed)}`,
		`[127.0.0.1]:2202 ecdsa-sha2-nistp256 ${b64(ecdsa)}`,
		`${hashKnownHostName('[127.0.0.1]:2203', Buffer.alloc(20, 1))} ssh-ed25519 ${b64(ed)}`,
		`@revoked [127.0.0.1]:2204 ssh-ed25519 ${b64(ed)}`,
		`[127.0.0.1]:2204 ssh-ed25519 ${b64(ed)}`,
		`@cert-authority [127.0.0.1]:2205 ssh-ed25519 ${b64(ed)}`,
	].join('\n');
	const entries = parseKnownHosts(text);
	const verdict = (port: number, key: Buffer) => checkHostKey(lookupKnownHost(entries, '127.0.0.1', port), key);

	test('the recorded key is trusted', () => expect(verdict(2201, ed)).toEqual({ kind: 'trusted' }));
	test('a different key of the same type is "changed"', () =>
		expect(verdict(2201, edOther)).toEqual({ kind: 'changed', knownTypes: ['ssh-ed25519'] }));
	test('a key of a type we have no entry for, on a known host, is "changed" too (never silently added)', () =>
		expect(verdict(2202, ed)).toEqual({ kind: 'changed', knownTypes: ['ecdsa-sha2-nistp256'] }));
	test('hashed entries are looked up', () => expect(verdict(2203, ed)).toEqual({ kind: 'trusted' }));
	test('@revoked wins over a matching plain entry', () => expect(verdict(2204, ed)).toEqual({ kind: 'revoked' }));
	test('@cert-authority lines are not host keys: the host is unknown', () => expect(verdict(2205, ed)).toEqual({ kind: 'unknown' }));
	test('an absent host is unknown', () => expect(verdict(2299, ed)).toEqual({ kind: 'unknown' }));
});

describe('keys and fingerprints', () => {
	test('key type comes from the blob', () => {
		expect(keyTypeOf(ecdsa)).toBe('ecdsa-sha2-nistp256');
		expect(keyTypeOf(Buffer.alloc(2))).toBe('unknown');
	});

	test('SHA256 fingerprint is base64 without padding, like OpenSSH', () => {
		const expected = createHash('sha256').update(ed).digest('base64').replace(/=+$/, '');
		expect(fingerprintSha256(ed)).toBe(`SHA256:${expected}`);
		expect(fingerprintSha256(ed)).not.toContain('=');
	});

	test('accept-new lines: [host]:port for other ports, bare name for 22', () => {
		expect(knownHostsLine('127.0.0.1', 2201, ed)).toBe(`[127.0.0.1]:2201 ssh-ed25519 ${b64(ed)}`);
		expect(knownHostsLine('web1', 22, ed)).toBe(`web1 ssh-ed25519 ${b64(ed)}`);
	});

	test('host key algorithms: known types first, the rest after, no duplicates', () => {
		expect(preferredHostKeyAlgorithms([])[0]).toBe('ssh-ed25519');
		const rsaFirst = preferredHostKeyAlgorithms(['ssh-rsa']);
		expect(rsaFirst.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
		expect(new Set(rsaFirst).size).toBe(rsaFirst.length);
		expect(preferredHostKeyAlgorithms(['ecdsa-sha2-nistp256'])[0]).toBe('ecdsa-sha2-nistp256');
	});
});
