/**
 * Turns the results of a benchmark run into the report: a markdown table of ops/s per driver and
 * runtime with the ratios mywire / peer, the peak memory of the streaming workload, the JS types
 * each driver returned, and an SVG bar chart (hand-written SVG, one panel per workload).
 */
import type { ChildResult } from "./child.ts";
import type { Timing, WorkloadId } from "./workloads.ts";

/** A driver on a runtime. */
export interface Target {
  runtime: "node" | "bun" | "deno";
  driver: "mywire" | "mysql2" | "mariadb" | "bunsql";
  label: string;
}

export const TARGETS: readonly Target[] = [
  { runtime: "node", driver: "mywire", label: "Node mywire" },
  { runtime: "node", driver: "mysql2", label: "Node mysql2" },
  { runtime: "node", driver: "mariadb", label: "Node mariadb" },
  { runtime: "bun", driver: "mywire", label: "Bun mywire" },
  { runtime: "bun", driver: "bunsql", label: "Bun Bun.SQL" },
  { runtime: "deno", driver: "mywire", label: "Deno mywire" },
];

/** mywire against a peer on the same runtime, and the issue's goal for the ratio where it sets one. */
const COMPARISONS: readonly {
  runtime: Target["runtime"];
  peer: Target["driver"];
  label: string;
  goal?: { ratio: number; workloads: readonly WorkloadId[] };
}[] = [
  {
    runtime: "node",
    peer: "mysql2",
    label: "mywire / mysql2",
    goal: {
      ratio: 1.3,
      workloads: [
        "mixed",
        "mixedPrepared",
        "wide",
        "large",
        "largeArrays",
        "largePrepared",
        "largePreparedArrays",
      ],
    },
  },
  {
    runtime: "node",
    peer: "mariadb",
    label: "mywire / mariadb",
    goal: { ratio: 1.0, workloads: ["mixed", "mixedPrepared", "wide"] },
  },
  {
    runtime: "bun",
    peer: "bunsql",
    label: "mywire / Bun.SQL",
    goal: {
      ratio: 1.0,
      workloads: [
        "select1",
        "mixed",
        "mixedPrepared",
        "wide",
        "stream",
        "insert",
        "large",
        "largeArrays",
        "largePrepared",
        "largePreparedArrays",
      ],
    },
  },
];

export interface WorkloadInfo {
  id: WorkloadId;
  letter: string;
  title: string;
  unit: string;
  description: string;
}

export interface BenchReport {
  date: string;
  quick: boolean;
  cpuProfiled: boolean;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string };
  server: string;
  versions: Record<string, string>;
  timing: Timing;
  /** Wall time of the whole run. */
  seconds: number;
  workloads: WorkloadInfo[];
  targets: Target[];
  results: (ChildResult & { seconds: number })[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function find(report: BenchReport, workload: string, runtime: string, driver: string) {
  return report.results.find((r) => r.workload === workload && r.runtime === runtime && r.driver === driver);
}

/** The median ops/s of a cell, or undefined when it did not run, is n/a or failed. */
function figure(report: BenchReport, workload: string, runtime: string, driver: string): number | undefined {
  const r = find(report, workload, runtime, driver);
  return r?.status === "ok" && r.rounds.length ? median(r.rounds) : undefined;
}

export function formatOps(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toLocaleString("en-US", { maximumFractionDigits: 1 });
}

const mb = (bytes: number | undefined) => (bytes === undefined ? "?" : (bytes / 2 ** 20).toFixed(0));

function cell(report: BenchReport, workload: string, target: Target): string {
  const r = find(report, workload, target.runtime, target.driver);
  if (!r) return "";
  if (r.status === "n/a") return "n/a";
  if (r.status === "failed") return "failed";
  return formatOps(median(r.rounds));
}

function activeComparisons(report: BenchReport) {
  const has = (runtime: string, driver: string) =>
    report.targets.some((t) => t.runtime === runtime && t.driver === driver);
  return COMPARISONS.filter((c) => has(c.runtime, "mywire") && has(c.runtime, c.peer));
}

function ratio(report: BenchReport, workload: string, runtime: string, peer: string): number | undefined {
  const mine = figure(report, workload, runtime, "mywire");
  const theirs = figure(report, workload, runtime, peer);
  return mine !== undefined && theirs !== undefined && theirs > 0 ? mine / theirs : undefined;
}

/** The columns of the main table: each target, with the ratio columns after a runtime's last peer. */
function columns(report: BenchReport): { header: string; value: (workload: string) => string }[] {
  const comparisons = activeComparisons(report);
  const cols: { header: string; value: (workload: string) => string }[] = [];
  report.targets.forEach((target, i) => {
    cols.push({ header: target.label, value: (w) => cell(report, w, target) });
    const next = report.targets[i + 1];
    if (next?.runtime === target.runtime) return;
    for (const c of comparisons.filter((c) => c.runtime === target.runtime)) {
      cols.push({
        header: c.label,
        value: (w) => {
          const r = ratio(report, w, c.runtime, c.peer);
          return r === undefined ? "" : `${r.toFixed(2)}x`;
        },
      });
    }
  });
  return cols;
}

function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly string[],
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const rule = header.map((_, i) => align?.[i] ?? (i === 0 ? "---" : "---:"));
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}

export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [];
  const v = report.versions;
  const t = report.timing;
  const m = report.machine;
  const when = report.date.slice(0, 16).replace("T", " ");
  const runtimes = ["node", "bun", "deno"].filter((r) => v[r]).map((r) => `${runtimeName(r)} ${v[r]}`);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const count = (n: number) => n.toLocaleString("en-US");
  out.push("# mywire benchmarks", "");
  out.push(
    `${when} UTC, ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}; ${report.server} on the same `
      + `machine. mywire ${v.mywire} (${v.mywireCommit}), mysql2 ${v.mysql2}, mariadb ${v.mariadb}; `
      + `${runtimes.join(", ")}.`,
    "",
  );
  out.push(
    `Ops per second, higher is better: the median of ${plural(t.rounds, "round")} of ${t.roundMs} ms after `
      + `${t.warmupMs} ms of warm-up for (a) to (d), of ${plural(t.countedRounds, "round")} for (e) `
      + `(${count(t.streamRows)} rows each) and (f) (${count(t.inserts)} inserts each), of `
      + `${plural(t.largeRounds, "round")} of one query for (g) to (j) (${
        count(t.largeRows ?? 100_000)
      } rows). `
      + "Each cell ran in its "
      + "own process. The ratio columns are mywire / peer on the same runtime (above 1: mywire is faster). "
      + `Run in ${report.seconds} s.`,
  );
  if (report.quick) out.push("", "**Quick run (`--quick`): short rounds, not figures to quote.**");
  if (report.cpuProfiled) {
    out.push("", "**Node children ran under `--cpu-prof`: timings are not comparable.**");
  }
  out.push("");

  const cols = columns(report);
  out.push(table(
    ["workload", "unit", ...cols.map((c) => c.header)],
    report.workloads.map((w) => [`(${w.letter}) ${w.title}`, w.unit, ...cols.map((c) => c.value(w.id))]),
    ["---", "---", ...cols.map(() => "---:")],
  ));

  const stream = report.workloads.find((w) => w.id === "stream");
  if (stream) {
    out.push("");
    out.push(
      "Memory of (e), MB: resident set size after connecting (the runtime's own), and the peak of the "
        + "process over the whole run (VmHWM).",
    );
    out.push("");
    const ran = report.targets.filter((target) => find(report, "stream", target.runtime, target.driver));
    out.push(table(
      ["", ...ran.map((target) => target.label)],
      [
        [
          "RSS after connect",
          ...ran.map((target) => mb(find(report, "stream", target.runtime, target.driver)?.baselineRss)),
        ],
        [
          "peak RSS",
          ...ran.map((target) => {
            const r = find(report, "stream", target.runtime, target.driver);
            return r?.status === "ok" ? mb(r.peakRss) : "n/a";
          }),
        ],
      ],
    ));
  }

  const memoryTable = largeMemoryTable(report);
  if (memoryTable) out.push("", memoryTable);

  const goals = goalLines(report);
  if (goals.length) {
    out.push("", "Goals of issues 3 and 13 (benchmark targets, not test assertions):", "", ...goals);
  }

  const types = typeTable(report);
  if (types) out.push("", types);

  const notes: string[] = [];
  for (const r of report.results) {
    const target = report.targets.find((t) => t.runtime === r.runtime && t.driver === r.driver);
    const workload = report.workloads.find((w) => w.id === r.workload);
    const where = `${target?.label ?? `${r.runtime} ${r.driver}`}, (${workload?.letter ?? r.workload})`;
    if (r.error) notes.push(`- ${where}: failed: ${r.error}`);
    for (const note of r.notes) notes.push(`- ${where}: ${note}`);
  }
  if (notes.length) out.push("", "Notes:", "", ...notes);

  out.push("", "Workloads:", "");
  for (const w of report.workloads) out.push(`- (${w.letter}) ${w.description}`);
  out.push("");
  return out.join("\n");
}

/** Memory and GC of the result-size workloads, (e) and (g) to (j): peak RSS and the GC share of the run. */
function largeMemoryTable(report: BenchReport): string | undefined {
  const ids = ["stream", "large", "largeArrays", "largePrepared", "largePreparedArrays"];
  const shown = report.workloads.filter((w) => ids.includes(w.id));
  const ran = report.targets.filter((target) =>
    shown.some((w) => find(report, w.id, target.runtime, target.driver)?.status === "ok")
  );
  if (!shown.length || !ran.length) return undefined;
  const rows = shown.map((w) => [
    `(${w.letter}) ${w.title}`,
    ...ran.map((target) => {
      const r = find(report, w.id, target.runtime, target.driver);
      if (r?.status !== "ok") return r ? "n/a" : "";
      const gc = r.gcMs !== undefined && r.workloadMs
        ? `, GC ${Math.round((100 * r.gcMs) / r.workloadMs)} %`
        : "";
      return `${mb(r.peakRss)}${gc}`;
    }),
  ]);
  return "Peak RSS of the process in MB (VmHWM; (g) to (j) hold a whole 100,000-row result), and on Node "
    + "the share of the workload's wall time spent in garbage collection (`gc` performance entries):\n\n"
    + table(["workload", ...ran.map((target) => target.label)], rows);
}

function goalLines(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const c of activeComparisons(report)) {
    if (!c.goal) continue;
    const parts: string[] = [];
    for (const w of report.workloads.filter((w) => c.goal!.workloads.includes(w.id))) {
      const r = ratio(report, w.id, c.runtime, c.peer);
      if (r === undefined) continue;
      parts.push(`(${w.letter}) ${r.toFixed(2)}x ${r >= c.goal.ratio ? "met" : "**not met**"}`);
    }
    if (parts.length) lines.push(`- ${c.label} >= ${c.goal.ratio.toFixed(1)}x: ${parts.join(", ")}`);
  }
  return lines;
}

/** Which JS type each driver gave each column of (b) and (c): "b / c" where the protocols differ. */
function typeTable(report: BenchReport): string | undefined {
  const targets = report.targets.filter((target) =>
    find(report, "mixed", target.runtime, target.driver)?.types
    || find(report, "mixedPrepared", target.runtime, target.driver)?.types
  );
  if (!targets.length) return undefined;
  const columnsSeen: string[] = [];
  for (const target of targets) {
    for (const w of ["mixed", "mixedPrepared"]) {
      for (const key of Object.keys(find(report, w, target.runtime, target.driver)?.types ?? {})) {
        if (!columnsSeen.includes(key)) columnsSeen.push(key);
      }
    }
  }
  const rows = columnsSeen.map((column) => [
    `\`${column}\``,
    ...targets.map((target) => {
      const text = find(report, "mixed", target.runtime, target.driver)?.types?.[column] ?? "?";
      const bin = find(report, "mixedPrepared", target.runtime, target.driver)?.types?.[column] ?? "?";
      return text === bin ? text : `${text} / ${bin}`;
    }),
  ]);
  return "JS types of one row of (b), and of (c) where they differ (`text / prepared`):\n\n"
    + table(["column", ...targets.map((target) => target.label)], rows, ["---", ...targets.map(() => "---")]);
}

// ---------------------------------------------------------------------------------------------
// SVG

const COLORS: Record<Target["driver"], string> = {
  mywire: "#2563eb",
  mysql2: "#ea7a1a",
  mariadb: "#3f8f5b",
  bunsql: "#b8860b",
};

/** "10.11.19-MariaDB-0+deb12u1-log" → "MariaDB 10.11.19"; MySQL's bare version → "MySQL 8.4.0". */
function serverName(version: string): string {
  const m = /^(\d+\.\d+\.\d+)(-MariaDB)?/i.exec(version);
  if (!m) return version;
  return `${m[2] ? "MariaDB" : "MySQL"} ${m[1]}`;
}

function runtimeName(runtime: string): string {
  return runtime[0].toUpperCase() + runtime.slice(1);
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Horizontal bars, one panel per workload, each panel scaled to its own fastest driver. */
export function renderSvg(report: BenchReport): string {
  const width = 960;
  const panelCols = 2;
  const panelWidth = (width - 30) / panelCols;
  const labelWidth = 104;
  const valueWidth = 96;
  const barHeight = 16;
  const barGap = 5;
  const titleHeight = 36;
  const panelHeight = titleHeight + report.targets.length * (barHeight + barGap) + 18;
  const top = 80;
  const rowsOfPanels = Math.ceil(report.workloads.length / panelCols);
  const height = top + rowsOfPanels * panelHeight + 10;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" `
      + `font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(
    `<text x="15" y="24" font-size="17" font-weight="600" fill="#111">mywire vs mysql2, mariadb and Bun.SQL</text>`,
  );
  const v = report.versions;
  const subtitle = "Median ops/s, higher is better; each panel is scaled to its fastest driver"
    + (report.quick ? " (quick run: not figures to quote)" : "") + ".";
  const setting = `${report.date.slice(0, 10)}, ${serverName(report.server)}, ${report.machine.cores} cores; `
    + `mywire ${
      v.mywireCommit.replace(" + uncommitted changes", "+")
    }, mysql2 ${v.mysql2}, mariadb ${v.mariadb}`
    + ["node", "bun", "deno"].filter((r) => v[r]).map((r) => `, ${runtimeName(r)} ${v[r]}`).join("");
  parts.push(`<text x="15" y="43" fill="#555">${esc(subtitle)}</text>`);
  parts.push(`<text x="15" y="59" fill="#555">${esc(setting)}</text>`);

  report.workloads.forEach((w, index) => {
    const px = 15 + (index % panelCols) * panelWidth;
    const py = top + Math.floor(index / panelCols) * panelHeight;
    const values = report.targets.map((target) => figure(report, w.id, target.runtime, target.driver));
    const max = Math.max(0, ...values.filter((x): x is number => x !== undefined));
    const withMemory = w.id === "stream";
    const barMax = panelWidth - labelWidth - (withMemory ? valueWidth + 86 : valueWidth) - 10;
    parts.push(`<g transform="translate(${px.toFixed(1)},${py})">`);
    parts.push(
      `<text x="0" y="14" font-size="13" font-weight="600" fill="#111">(${w.letter}) ${esc(w.title)}</text>`,
    );
    parts.push(`<text x="0" y="29" fill="#666">${esc(w.unit)}</text>`);
    report.targets.forEach((target, i) => {
      const y = titleHeight + i * (barHeight + barGap);
      const value = values[i];
      parts.push(
        `<text x="${labelWidth - 6}" y="${y + barHeight - 4}" text-anchor="end" fill="#333">${
          esc(target.label)
        }</text>`,
      );
      if (value === undefined || max === 0) {
        const r = find(report, w.id, target.runtime, target.driver);
        const text = r?.status === "failed" ? "failed" : r ? "n/a" : "not run";
        parts.push(
          `<text x="${labelWidth}" y="${y + barHeight - 4}" fill="#999" font-style="italic">${text}</text>`,
        );
        return;
      }
      const barWidth = Math.max(1, (value / max) * barMax);
      const opacity = target.runtime === "node" ? 1 : target.runtime === "bun" ? 0.8 : 0.6;
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${barWidth.toFixed(1)}" height="${barHeight}" rx="2" `
          + `fill="${COLORS[target.driver]}" fill-opacity="${opacity}"><title>${esc(target.label)}: `
          + `${esc(formatOps(value))} ${esc(w.unit)}</title></rect>`,
      );
      const peak = withMemory ? find(report, w.id, target.runtime, target.driver)?.peakRss : undefined;
      const memory = peak === undefined ? "" : `  (peak RSS ${mb(peak)} MB)`;
      parts.push(
        `<text x="${(labelWidth + barWidth + 5).toFixed(1)}" y="${
          y + barHeight - 4
        }" fill="#222" xml:space="preserve">`
          + `${esc(formatOps(value))}<tspan fill="#777">${esc(memory)}</tspan></text>`,
      );
    });
    parts.push("</g>");
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
