import { createHash } from 'node:crypto';
import { manifestText, type Artifact } from './artifact.js';

/** One checksum for everything an artifact ships (files, modes, links, or its Nix store path): equal digests, equal deploys. */
export function artifactDigest(artifact: Artifact): string {
	const hash = createHash('sha256');
	if (artifact.storePath) hash.update(`nix ${artifact.storePath}\n`);
	hash.update(manifestText(artifact));
	for (const file of artifact.files) hash.update(`mode ${file.mode.toString(8)} ${file.path}\n`);
	for (const link of artifact.links) hash.update(`link ${link.path} -> ${link.target}\n`);
	for (const dir of artifact.emptyDirs ?? []) hash.update(`dir ${dir.mode.toString(8)} ${dir.path}\n`);
	return `sha256:${hash.digest('hex')}`;
}
