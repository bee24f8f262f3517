import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../source/config/load-config.js';
import { problemsOf } from '../support/config-problems.js';

const file = '/srv/project/hosts.toml';
const hosts = '[[host]]\nname = "a"\nlocal = true\n[[host]]\nname = "b"\nlocal = true\npull = "never"\n';

describe('[store] and pull', () => {
	it('reads the bucket, the prefix and the defaults; hosts pull "auto" unless they say otherwise', () => {
		const config = parseConfig(`[store]\nurl = "s3://switchyard-artifacts/shop/eu/"\nendpoint = "http://127.0.0.1:9000/"\n${hosts}`, file);
		expect(config.store).toEqual({ url: 's3://switchyard-artifacts/shop/eu/', bucket: 'switchyard-artifacts', prefix: 'shop/eu', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', urlTtlSeconds: 900 });
		expect(config.hosts.map((host) => host.pull)).toEqual(['auto', 'never']);
	});

	it('leaves the region to the AWS chain without an endpoint; a bucket alone is a prefix of nothing', () => {
		const config = parseConfig(`[store]\nurl = "s3://artifacts"\nurl_ttl = 60\n[defaults]\npull = "always"\n${hosts}`, file);
		expect(config.store).toEqual({ url: 's3://artifacts', bucket: 'artifacts', prefix: '', urlTtlSeconds: 60 });
		expect(config.hosts.map((host) => host.pull)).toEqual(['always', 'never']);
	});

	it('pushes to every host when there is no [store]', () => {
		const config = parseConfig('[[host]]\nname = "a"\nlocal = true\npull = "auto"\n', file);
		expect(config.store).toBeUndefined();
		expect(config.hosts[0]!.pull).toBe('never');
	});

	const malformed: { what: string; text: string; line: number | undefined; key: string; says: RegExp }[] = [
		{ what: 'an https URL for the store', text: `[store]\nurl = "https://s3.amazonaws.com/bucket"\n${hosts}`, line: 2, key: 'store.url', says: /must be s3:\/\/<bucket>\/<prefix> .*found "https:\/\/s3.amazonaws.com\/bucket"/ },
		{ what: 'an upper-case bucket', text: `[store]\nurl = "s3://Artifacts/shop"\n${hosts}`, line: 2, key: 'store.url', says: /lowercase letters/ },
		{ what: 'no url', text: `[store]\nregion = "eu-west-1"\n${hosts}`, line: 1, key: 'store.url', says: /is required/ },
		{ what: 'an endpoint with a path', text: `[store]\nurl = "s3://a-bucket"\nendpoint = "http://127.0.0.1:9000/bucket"\n${hosts}`, line: 3, key: 'store.endpoint', says: /server alone/ },
		{ what: 'url_ttl past a week', text: `[store]\nurl = "s3://a-bucket"\nurl_ttl = 700000\n${hosts}`, line: 3, key: 'store.url_ttl', says: /at most 604800 seconds .*found 700000/ },
		{ what: 'an unknown [store] key', text: `[store]\nurl = "s3://a-bucket"\nbukket = "x"\n${hosts}`, line: 3, key: 'store.bukket', says: /^unknown key; allowed here: url, endpoint, region, url_ttl$/ },
		{ what: 'a pull mode that is none', text: `[store]\nurl = "s3://a-bucket"\n[[host]]\nname = "a"\nlocal = true\npull = "yes"\n`, line: 6, key: '[[host]] "a" pull', says: /must be one of "auto", "always", "never", found "yes"/ },
		{ what: 'pull = "always" without a store', text: '[defaults]\npull = "always"\n[[host]]\nname = "a"\nlocal = true\n', line: 2, key: '[[host]] "a" pull', says: /needs a \[store\] to pull from/ },
	];

	for (const { what, text, line, key, says } of malformed) {
		it(`points at the problem: ${what}`, () => {
			const [problem] = problemsOf(text);
			expect(problem).toMatchObject({ file, line, key });
			expect(problem!.message).toMatch(says);
		});
	}
});
