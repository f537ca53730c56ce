// What a bench ran on, for RESULTS.md: figures from a 2-core shared VM and a quiet workstation are
// not comparable, so every result names its machine and how busy it was.
import { readFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";

export type Machine = { cores: number; cpuModel: string; node: string; loadAverage: number };

async function cpuModel(): Promise<string> {
  try {
    const cpuinfo = await readFile("/proc/cpuinfo", "utf8");
    return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU (no /proc/cpuinfo)";
  }
}

export async function describeMachine(): Promise<Machine> {
  return { cores: availableParallelism(), cpuModel: await cpuModel(), node: process.version, loadAverage: loadavg()[0]! };
}

export function machineLine(m: Machine): string {
  return `${m.cores} cores, ${m.cpuModel}, Node ${m.node}, 1-min load average ${m.loadAverage.toFixed(2)} at start`;
}
