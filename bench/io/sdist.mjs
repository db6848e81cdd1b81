// Real instrument files that other projects ship in their PyPI source distributions (and assert values
// on in their own tests): fetched once into the git-ignored bench/.cache/, checked against the sha256
// PyPI publishes for that exact file, and unpacked there. Used by bench/spm/real-files.mjs and
// bench/io/mrc-files.mjs; the files never enter the repository.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CACHE = join(dirname(fileURLToPath(import.meta.url)), "..", ".cache");

function sha256(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * The unpacked sdist of `name`==`version` from PyPI: its folder under bench/.cache/ (download verified
 * against the sha256 of PyPI's JSON API; a cached tarball is re-verified each run). Throws when PyPI
 * has no sdist for that version or the digest differs.
 */
export async function sdist(name, version) {
  mkdirSync(CACHE, { recursive: true });
  const meta = join(CACHE, `${name.toLowerCase()}-${version}.pypi.json`);
  if (!existsSync(meta)) {
    const r = await fetch(`https://pypi.org/pypi/${name}/json`);
    if (!r.ok) throw new Error(`sdist(${name} ${version}): PyPI JSON API answered ${r.status}`);
    const files = (await r.json()).releases?.[version] ?? [];
    const sd = files.find((u) => u.packagetype === "sdist");
    if (!sd) throw new Error(`sdist(${name} ${version}): PyPI lists no sdist for this version`);
    writeFileSync(meta, JSON.stringify({ url: sd.url, sha256: sd.digests.sha256, size: sd.size, filename: sd.filename }));
  }
  const { url, sha256: want, filename } = JSON.parse(readFileSync(meta, "utf8"));
  const tarball = join(CACHE, filename);
  if (!existsSync(tarball) || sha256(tarball) !== want) {
    console.log(`fetching ${url} ...`);
    const r = await fetch(url);
    if (!r.ok) throw new Error(`sdist(${name} ${version}): ${url} answered ${r.status}`);
    writeFileSync(tarball, Buffer.from(await r.arrayBuffer()));
    const got = sha256(tarball);
    if (got !== want) throw new Error(`sdist(${name} ${version}): sha256 ${got} of ${filename} is not PyPI's ${want}`);
  }
  const dir = join(CACHE, filename.replace(/\.tar\.gz$/, ""));
  if (!existsSync(join(dir, ".unpacked"))) {
    execFileSync("tar", ["-xzf", tarball, "-C", CACHE]);
    writeFileSync(join(dir, ".unpacked"), want);
  }
  return { dir, sha256: want, url };
}
