import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../source/config/load-config.js';
import { repo } from '../support/local-fleet.js';

/** mulberry32: a small seeded generator, so every failure can be replayed from its seed. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const pieces = ['"', "'", '[', ']', '[[', ']]', '{', '}', '=', ',', '\n', '#', '.', ' ', '\\', '$(', ';', '"""', '0', '-1', 'true', '1e999', 'é', '\u0000', 'name', 'host', 'local', '🚂'];
const values = ['"x"', '7', 'true', '[]', '["a", "b"]', '{ a = 1 }', '"/opt/$(reboot)"', '-3', '"a b"', '""', '1.5'];

const mutations: ((text: string, next: () => number) => string)[] = [
	(text, next) => {
		const at = Math.floor(next() * text.length);
		return text.slice(0, at) + text.slice(at + 1);
	},
	(text, next) => {
		const at = Math.floor(next() * text.length);
		return text.slice(0, at) + pieces[Math.floor(next() * pieces.length)] + text.slice(at);
	},
	(text, next) => {
		const lines = text.split('\n');
		const at = Math.floor(next() * lines.length);
		lines.splice(at, 0, lines[Math.floor(next() * lines.length)]!);
		return lines.join('\n');
	},
	(text, next) => {
		const lines = text.split('\n');
		lines.splice(Math.floor(next() * lines.length), 1);
		return lines.join('\n');
	},
	(text, next) => {
		const lines = text.split('\n');
		const at = Math.floor(next() * lines.length);
		const line = lines[at]!;
		if (line.includes('=')) lines[at] = `${line.slice(0, line.indexOf('=') + 1)} ${values[Math.floor(next() * values.length)]}`;
		return lines.join('\n');
	},
	(text, next) => {
		const lines = text.split('\n');
		const at = Math.floor(next() * lines.length);
		lines[at] = lines[at]!.replace(/^(\s*)([a-z_]+)/, (_, space: string, key: string) => `${space}${key.split('').reverse().join('')}`);
		return lines.join('\n');
	},
];

const seeds = [
	readFileSync(path.join(repo, 'hosts.toml'), 'utf8'),
	`[[host]]\nname = "archvm"\nssh = "localhost"\nlocal = true\nmode = "local"\nuser = "wismut"\nfrontend = true\nweb_root = "/var/www/oqto"\nbinaries = ["oqto", "oqto-runner", "oqto-files"]\nservices = ["oqto", "oqto-runner"]\n`,
	`[app]\nname = "shop"\nkeep = 4\n[build]\ncommand = "make"\nartifact = "dist"\n[defaults]\ncanary = 1\nbatch = "25%"\nstrategy = "script"\nscript = "/srv/{service}/deploy.py"\n[health]\nhttp = [{ url = "http://x/health", expect = "ok" }]\n[env]\nK = { value = "v", secret = true }\n[[host]]\nname = "a"\nssh = "deploy@10.0.0.1:2222"\n[host.health]\ntimeout = 3\n[[host]]\nname = "b"\nlocal = true\nstrategy = "nix"\n`,
];

describe('config fuzz', () => {
	it('never throws anything but a located ConfigError, over 3000 seeded mutations', () => {
		let valid = 0;
		let rejected = 0;
		for (let seed = 1; seed <= 3000; seed += 1) {
			const next = random(seed);
			let text = seeds[seed % seeds.length]!;
			const rounds = 1 + Math.floor(next() * 4);
			for (let round = 0; round < rounds; round += 1) text = mutations[Math.floor(next() * mutations.length)]!(text, next);
			try {
				const config = parseConfig(text, '/fuzz/hosts.toml');
				valid += 1;
				for (const host of config.hosts) expect(host.name, `seed ${seed}`).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
			} catch (error) {
				if (!(error instanceof ConfigError)) throw new Error(`seed ${seed}: ${String(error)}\n--- config ---\n${text}`);
				rejected += 1;
				for (const problem of error.problems) {
					expect(problem.file, `seed ${seed}`).toBe('/fuzz/hosts.toml');
					expect(problem.message.length, `seed ${seed}`).toBeGreaterThan(5);
					// Located: a line, or for a key that is missing altogether, the key's name.
					expect(problem.line !== undefined || problem.key.length > 0, `seed ${seed}: ${problem.message}`).toBe(true);
				}
			}
		}
		expect(valid).toBeGreaterThan(100);
		expect(rejected).toBeGreaterThan(1000);
	});
});
