// Children never outlive the process that started them, whichever way it ends.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runChild, spawnChild } from "../../../dev/stack/child-process.ts";
import { assertPortFree, findFreePort, PortInUseError } from "../../../dev/stack/ports.ts";
import { startNodeService } from "../../../dev/stack/service.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/spawn-and-linger.ts", import.meta.url));

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Runs the fixture in a separate Node process; resolves to that process and its child's pid. */
async function startFixture(mode: "exit" | "wait") {
  const parent = spawn(process.execPath, [FIXTURE, mode], { stdio: ["ignore", "pipe", "inherit"] });
  const childPid = await new Promise<number>((resolve, reject) => {
    parent.stdout.setEncoding("utf8").on("data", (line: string) => {
      const match = /child (\d+)/.exec(line);
      if (match?.[1]) resolve(Number(match[1]));
    });
    parent.once("exit", () => reject(new Error("fixture exited before printing its child's pid")));
  });
  return { parent, childPid };
}

describe("child processes", () => {
  it("stops the whole process group, grandchildren included", async () => {
    const child = spawnChild({ name: "shell", command: "sh", args: ["-c", "sleep 300 & sleep 300 & wait"] });
    expect(groupAlive(child.pid)).toBe(true);
    await child.stop();
    expect(groupAlive(child.pid)).toBe(false);
  });

  it("keeps everything the child printed on stdout and stderr", async () => {
    const output = await runChild({
      name: "printer",
      command: "sh",
      args: ["-c", "echo to-stdout; echo to-stderr >&2"],
      timeoutMs: 10_000,
    });
    expect(output).toContain("to-stdout");
    expect(output).toContain("to-stderr");
  });

  it("reports a failed command with its output", async () => {
    await expect(
      runChild({ name: "failing", command: "sh", args: ["-c", "echo broken-thing; exit 3"], timeoutMs: 10_000 }),
    ).rejects.toThrow(/failing failed \(exit 3\):\nbroken-thing/);
  });

  it("kills a command that overruns its time limit", async () => {
    await expect(runChild({ name: "slow", command: "sleep", args: ["300"], timeoutMs: 300 })).rejects.toThrow(
      /slow did not finish within 300 ms/,
    );
  });

  it("kills children when their parent process exits", async () => {
    const { parent, childPid } = await startFixture("exit");
    await new Promise((resolve) => parent.once("exit", resolve));
    expect(await eventually(() => !groupAlive(childPid))).toBe(true);
  });

  it("kills children when their parent process is terminated by a signal", async () => {
    const { parent, childPid } = await startFixture("wait");
    const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.once("exit", (_code, signal) => resolve(signal)));
    parent.kill("SIGTERM");
    expect(await exited).toBe("SIGTERM");
    expect(await eventually(() => !groupAlive(childPid))).toBe(true);
  });
});

describe("services", () => {
  it("waits until a Node service answers, restarts it on the same port, and stops it", async () => {
    const port = await findFreePort();
    const script = `require("node:http").createServer((q, s) => { console.log("hit " + q.url); s.end("ok"); }).listen(${port}, "127.0.0.1")`;
    const service = await startNodeService({ name: "tiny", script: "-e", args: [script], readyUrl: `http://127.0.0.1:${port}/ready` });
    const firstPid = service.pid();
    await expect(assertPortFree(port, "TINY_PORT")).rejects.toBeInstanceOf(PortInUseError);
    await service.restart();
    expect(service.pid()).not.toBe(firstPid);
    expect((await fetch(`http://127.0.0.1:${port}/again`)).status).toBe(200);
    await service.close();
    expect(service.logs()).toMatch(/hit \/ready[\s\S]*hit \/ready[\s\S]*hit \/again/);
    await expect(assertPortFree(port, "TINY_PORT")).resolves.toBeUndefined();
  });

  it("fails clearly when the service exits before it is ready", async () => {
    await expect(
      startNodeService({ name: "crasher", script: "-e", args: ["console.error('boom'); process.exit(1)"], readyUrl: "http://127.0.0.1:9/" }),
    ).rejects.toThrow(/crasher exited before it was ready\. Its output:\nboom/);
  });
});
