/**
 * Prints where a CPU profile spent its time: the top functions by self time (and their total time,
 * callees included), and self time per file. For the profiles that `node bench/run.ts --cpu-prof`
 * writes to bench/results/profiles/.
 *
 *   node bench/profile.ts bench/results/profiles/mywire-mixed.cpuprofile [--top 25]
 */
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function where(frame: CallFrame): string {
  if (!frame.url) return "";
  let path = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
  if (path.startsWith(ROOT)) path = relative(ROOT, path);
  return `${path}:${frame.lineNumber + 1}`;
}

function key(frame: CallFrame): string {
  return `${frame.functionName || "(anonymous)"} ${where(frame)}`.trim();
}

function summarize(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const perFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const k = key(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + us);
    const file = where(node.callFrame).replace(/:\d+$/, "") || node.callFrame.functionName;
    perFile.set(file, (perFile.get(file) ?? 0) + us);
    // Count this sample once in every distinct function on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const kk = key(byId.get(cur)!.callFrame);
      if (seen.has(kk)) continue;
      seen.add(kk);
      inclusive.set(kk, (inclusive.get(kk) ?? 0) + us);
    }
  }

  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const lines: string[] = [];
  lines.push(`${(total / 1000).toFixed(0)} ms sampled`);
  lines.push("", "  self  total  function");
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`${pct(us)} ${pct(inclusive.get(k) ?? 0)}  ${k}`);
  }
  lines.push("", "  self  file");
  for (const [file, us] of [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    lines.push(`${pct(us)}  ${file}`);
  }
  return lines.join("\n");
}

const args = process.argv.slice(2);
let top = 25;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--top") top = Number(args[++i]);
  else files.push(args[i]);
}
if (!files.length) {
  console.error("usage: node bench/profile.ts <file.cpuprofile>... [--top N]");
  process.exit(2);
}
for (const file of files) {
  console.log(`== ${file}`);
  console.log(summarize(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, top));
  console.log("");
}
