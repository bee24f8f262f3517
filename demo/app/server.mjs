// The demo service: serves its release on / and /health. It runs from inside its generation
// (bin/service.sh starts it from `current`), so it always reports the files it was started from.
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';

const env = Object.fromEntries(
	readFileSync('.env', 'utf8')
		.split('\n')
		.map((line) => /^([A-Za-z_][A-Za-z0-9_]*)="(.*)"$/.exec(line))
		.filter(Boolean)
		.map((match) => [match[1], match[2].replace(/\\(.)/g, '$1')]),
);
const generation = JSON.parse(readFileSync('.switchyard/generation.json', 'utf8'));
const release = env.SWITCHYARD_RELEASE;
const port = Number(env.PORT ?? 7100);

// `touch <root>/shared/data/break-new` makes every generation created after the touch unhealthy,
// so the next deploy of that host fails its health check and is rolled back automatically.
function broken() {
	try {
		return new Date(generation.created).getTime() > statSync('data/break-new').mtimeMs;
	} catch {
		return false;
	}
}

const page = readFileSync('frontend/index.html', 'utf8');
createServer((request, response) => {
	if (request.url === '/health') {
		const sick = broken();
		response.writeHead(sick ? 500 : 200, { 'content-type': 'text/plain' });
		response.end(sick ? `unhealthy ${release} (data/break-new is newer than this generation)\n` : `ok ${release} generation ${generation.id}\n`);
		console.log(`${new Date().toISOString()} GET /health ${sick ? 500 : 200}`);
		return;
	}
	response.writeHead(200, { 'content-type': 'text/html' });
	response.end(page);
}).listen(port, '127.0.0.1', () => console.log(`${new Date().toISOString()} ${env.SWITCHYARD_HOST} serving ${release} (generation ${generation.id}) on :${port}`));
