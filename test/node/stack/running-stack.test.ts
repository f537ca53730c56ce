// The record `npm start` leaves for `npm run demo`: found for the same port and URL while its
// process lives, and not otherwise.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordRunningStack, runningStackStateDir } from "../../../dev/stack/running-stack.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "claimcheck-running-stacks-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const URL_8787 = "http://127.0.0.1:8787";

describe("the running-stack record", () => {
  it("gives the state folder for the same port and URL while the process lives, and nothing once forgotten", () => {
    const forget = recordRunningStack(8787, { publicUrl: URL_8787, stateDir: "/srv/state-a" }, dir);
    expect(runningStackStateDir(8787, URL_8787, dir)).toBe("/srv/state-a");
    expect(runningStackStateDir(8787, "http://127.0.0.1:9999", dir)).toBeUndefined();
    expect(runningStackStateDir(9787, URL_8787, dir)).toBeUndefined();
    forget();
    expect(runningStackStateDir(8787, URL_8787, dir)).toBeUndefined();
  });

  it("ignores a record whose process is gone, or that is not one of ours", async () => {
    await writeFile(join(dir, "8787.json"), JSON.stringify({ pid: 2 ** 22 + 12345, publicUrl: URL_8787, stateDir: "/srv/gone" }));
    expect(runningStackStateDir(8787, URL_8787, dir)).toBeUndefined();
    await writeFile(join(dir, "8787.json"), "not json");
    expect(runningStackStateDir(8787, URL_8787, dir)).toBeUndefined();
  });
});
