// Real MRC files from mrcfile 1.5.4's PyPI sdist (tests/test_data: EMDB maps EMD-3197 and EMD-3001, an
// FEI extended-header stack and an EPU 2.9 file), read by ours (readImageStack / readImage) and by
// mrcfile (bench/io/mrc_ref.py, in bench/io/.venv) in the same run: shapes, every voxel (whole arrays,
// so a flip or transpose shows), pixel sizes; then truncated copies (60 % of the file, the 1024-byte
// header alone) and the compressed copies must give an error naming the file, never numbers.
//
//   node bench/io/mrc-files.mjs [--rebuild]   (rewrites the section "MRC files from mrcfile's sdist" of bench/io/RESULTS.md)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { referencePython } from "../reference-venv.mjs";
import { sdist } from "./sdist.mjs";
import { loadReaders, orientation, truncatedCopy, writeSection } from "./build.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { dir, sha256 } = await sdist("mrcfile", "1.5.4");
const data = path.join(dir, "tests", "test_data");
const files = ["EMD-3197.map", "EMD-3001.map", "fei-extended.mrc", "epu2.9_example.mrc"].map((f) => path.join(data, f));
const compressed = ["emd_3197.map.gz", "EMD-3197.map.bz2"].map((f) => path.join(data, f));
const { io } = loadReaders(process.argv.includes("--rebuild"));
const py = referencePython(here);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-mrc-"));
const r = spawnSync(py, [path.join(here, "mrc_ref.py"), tmp, ...files], { encoding: "utf8", maxBuffer: 1 << 26 });
if (r.status !== 0) throw new Error(`mrc_ref.py failed: ${r.stderr}`);
const refs = JSON.parse(r.stdout);

const lines = [];
const say = (s) => { console.log(s); lines.push(s); };
say(`Files: mrcfile 1.5.4 sdist (sha256 ${sha256.slice(0, 16)}…, verified), tests/test_data. Reference: mrcfile 1.5.4 (permissive=True), numpy 2.4.6.`);
say("");
say("| file | mode | shape (ref / ours) | voxels equal | orientation | column spacing: mrcfile voxel size Å (axis mapc) / ours nm | notes |");
say("|---|---|---|---|---|---|---|");
let failures = 0;
for (const [i, ref] of refs.entries()) {
  const name = path.basename(ref.path);
  if (ref.error) { say(`| ${name} | | mrcfile error: ${ref.error} | | | | |`); continue; }
  let stack;
  try {
    stack = await io.readImageStack(ref.path);
  } catch (e) {
    failures++;
    say(`| ${name} | ${ref.mode} | ${ref.shape.join("×")} / error | | | | ${e.message.replace(/\|/g, "/")} |`);
    continue;
  }
  const want = new Float64Array(fs.readFileSync(path.join(tmp, `${i}.f64`)).buffer.slice(0));
  const [ny, nx] = ref.shape.slice(-2);
  const nz = ref.shape.length === 3 ? ref.shape[0] : 1;
  const shapeOk = stack.length === nz && stack.every((im) => im.width === nx && im.height === ny);
  let worst = { transform: "identity", maxAbs: 0, rel: 0 };
  let unequal = 0;
  if (shapeOk) {
    for (let z = 0; z < nz; z++) {
      const page = want.subarray(z * nx * ny, (z + 1) * nx * ny);
      const o = orientation(stack[z].data, page, ny, nx);
      if (o.transform !== "identity" || o.maxAbs > 0) unequal++;
      if (o.maxAbs > worst.maxAbs || o.transform !== "identity") worst = o;
    }
  }
  const single = await io.readImage(ref.path, nz > 1 ? { page: nz - 1 } : {});
  const firstOk = single.width === nx && single.data.every((v, k) => Object.is(v, stack[nz - 1].data[k]));
  const px = stack[0].calibration?.pixelSize;
  // mrcfile's voxel size is in X, Y, Z order; the columns run along axis mapc (MRC2014), so that is the one to match.
  const colAxis = [...ref.mapcrs].sort().join() === "1,2,3" ? ref.mapcrs[0] - 1 : 0;
  const pxWant = ref.voxel[colAxis];
  const pxOk = px !== undefined && Math.abs(px * 10 - pxWant) <= 1e-6 * pxWant;
  if (!shapeOk || unequal || !pxOk || !firstOk) failures++;
  const notes = [ref.nsymbt ? `extended header ${ref.nsymbt} B (${ref.exttyp.replace(/[^\x20-\x7e]/g, "").trim() || "no type"})` : "", ref.valid ? "" : `mrcfile.validate: ${ref.validation.slice(-1)[0] ?? "invalid"}`,
    firstOk ? "" : `readImage page ${nz - 1} ≠ readImageStack`, ...(stack[0].source?.warnings ?? [])].filter(Boolean).join("; ").replace(/\|/g, "/");
  say(`| ${name} | ${ref.mode} (${ref.dtype}) | ${ref.shape.join("×")} / ${stack.length > 1 ? `${stack.length}×` : ""}${ny}×${nx} | ${shapeOk ? (unequal ? `${unequal}/${nz} sections differ (max ${worst.maxAbs})` : `all ${nx * ny * nz}`) : "shape differs"} | ${worst.transform} | ${pxWant} (${"xyz"[colAxis]}) / ${px}${pxOk ? "" : " **≠**"} | ${notes} |`);
}
say("");
say("Truncated and compressed copies (each must be an error naming the file; a value returned is a failure):");
say("");
say("| file | cut | result |");
say("|---|---|---|");
for (const f of files) {
  const size = fs.statSync(f).size;
  for (const [tag, n] of [["60%", Math.floor(0.6 * size)], ["header only", 1024], ["100 bytes", 100]]) {
    const cut = truncatedCopy(f, tmp, n, tag.replace(/\W/g, ""));
    let result;
    try {
      const s = await io.readImageStack(cut);
      result = `**returned ${s.length} image(s)**`;
      failures++;
    } catch (e) {
      result = `error: ${e.message.replace(path.dirname(cut) + "/", "").replace(/\|/g, "/").slice(0, 220)}`;
    }
    say(`| ${path.basename(f)} | ${tag} (${n} B) | ${result} |`);
  }
}
for (const f of compressed) {
  let result;
  try {
    const s = await io.readImageStack(f);
    result = `read ${s.length} image(s) ${s[0].width}×${s[0].height}`;
  } catch (e) {
    result = `error: ${e.message.replace(data + "/", "").replace(/\|/g, "/").slice(0, 220)}`;
  }
  say(`| ${path.basename(f)} | compressed | ${result} |`);
}
fs.rmSync(tmp, { recursive: true, force: true });
say("");
say(`${failures} disagreement(s).`);
say("");
say("Fixed in this commit (tests/io/mrc-axes.test.ts): EMD-3001 is stored with (mapc, mapr, maps) = (3, 1, 2), so its columns run along Z; ours gave the column spacing as cella.x / mx (0.044825 nm) instead of cella.z / mz (0.045875 nm, MRC2014: CELLA and MX/MY/MZ are per X, Y, Z and MAPC names the column axis). mrcfile returns the data as stored too and its voxel_size is in X, Y, Z order, so the table compares with its Z entry. fei-extended.mrc was called non-square because its float32 cell lengths give x and y spacings that differ by 2e-8 relative; the check now allows 1e-6. The 100-byte cuts and the .gz/.bz2 copies are refused as unknown formats (a compressed MRC is not read; gunzip first).");
writeSection(path.join(here, "RESULTS.md"), "MRC files from mrcfile's sdist (bench/io/mrc-files.mjs)", [`Run ${new Date().toISOString().slice(0, 16)} UTC, node ${process.version}, load ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs.`, "", ...lines]);
