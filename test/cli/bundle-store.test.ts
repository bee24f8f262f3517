import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repo } from '../support/local-fleet.js';

/** Every file of the bundle that loads with `dist/cli.js` before anything asks for more (static imports only). */
function loadedAtStart(entry: string): string[] {
	const seen = new Set<string>();
	const visit = (file: string) => {
		if (seen.has(file)) return;
		seen.add(file);
		const text = readFileSync(file, 'utf8');
		// Static imports only: `import … from "./x.js"` and `import "./x.js"`; `import("./x.js")` is what loads later.
		for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*"(\.\.?\/[^"]+\.js)"/g)) visit(path.resolve(path.dirname(file), match[1]!));
	};
	visit(entry);
	return [...seen];
}

describe('the bundle', () => {
	it('keeps the AWS SDK out of what the console loads at start: it is a chunk loaded only when a [store] is set', () => {
		const entry = path.join(repo, 'dist', 'cli.js');
		expect(existsSync(entry), 'npm run build first').toBe(true);
		const files = loadedAtStart(entry);
		expect(files.length).toBeGreaterThan(1);
		const sdk = /S3Client|X-Amz-Content-Sha256|AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED/;
		expect(files.filter((file) => sdk.test(readFileSync(file, 'utf8'))).map((file) => path.basename(file))).toEqual([]);
		// …and it is there, behind a dynamic import.
		const chunks = readdirSync(path.join(repo, 'dist', 'chunks')).filter((name) => name.endsWith('.js'));
		const sdkChunks = chunks.filter((name) => sdk.test(readFileSync(path.join(repo, 'dist', 'chunks', name), 'utf8')));
		expect(sdkChunks).toEqual([expect.stringMatching(/^s3-store-/)]);
		expect(chunks.some((name) => readFileSync(path.join(repo, 'dist', 'chunks', name), 'utf8').includes(`import("./${sdkChunks[0]}")`))).toBe(true);
	});
});
