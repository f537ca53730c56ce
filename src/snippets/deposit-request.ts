// What a deposit snippet is made from, checked before a line of shell code is written. The
// deposit snippet sends a value the agent holds (piped in, in an environment variable, or in a
// file) to claimcheck with a single-use deposit ticket. Ticket, URLs, variable names and approval
// follow the redeem snippets' rules (snippet-request.ts); the file path is the one free-text field,
// and the renderers quote it so that it is never expanded.
import { z } from "zod";
import {
  approvalSchema,
  endpointUrlSchema,
  parseOrRefuse,
  shellSchema,
  ticketSchema,
  variableNameSchema,
} from "./snippet-request";

/** Linux's PATH_MAX; Windows' long paths are shorter. */
const MAX_PATH_CHARS = 4096;

/**
 * curl keeps variable names shorter than 128 characters, and skips a longer `--variable` with a
 * warning: cmd's env form would then send an empty value.
 */
const MAX_CURL_VARIABLE_CHARS = 127;

/** The cmd form's own variables (environment and curl): a source of that name would be overwritten. */
const OWN_NAMES = /^CLAIMCHECK_DEPOSIT_/i;

/**
 * In cmd a `%` is expanded even inside quotes, a `!` too where delayed expansion is on, and a `"`
 * cannot be quoted at all: a path holding one could not be written without being interpreted.
 * None of the three is common in Windows file names (`"` is not allowed in them).
 */
const CMD_UNSAFE_PATH = /[%!"]/;

const sourceSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("stdin") }),
    z.object({
      kind: z.literal("env"),
      name: variableNameSchema("source.name").refine((name) => !OWN_NAMES.test(name), {
        error: "source.name is one the deposit snippet uses itself; choose another name",
      }),
    }),
    z.object({
      kind: z.literal("file"),
      path: z
        .string({ error: "source.path must be a string" })
        .min(1, { error: "source.path must not be empty" })
        .max(MAX_PATH_CHARS, { error: `source.path must be at most ${MAX_PATH_CHARS} characters` })
        .refine((path) => !/[\0\r\n]/.test(path), { error: "source.path must not contain NUL or a line break" }),
    }),
  ],
  { error: 'source must be { kind: "stdin" }, { kind: "env", name } or { kind: "file", path }' },
);

/**
 * What cmd cannot carry (README, "Deposit snippets"). Its stdin form would need a line break
 * between ticket and value that only a temporary file or curl 8.13's `64dec` could supply, and
 * Windows' C runtime reads stdin as text (CRLF becomes LF, Ctrl-Z ends it): refused, not mangled.
 */
function cmdRefusal(source: z.output<typeof sourceSchema>): { message: string; path: string[] } | undefined {
  switch (source.kind) {
    case "stdin":
      return {
        message: "source stdin is not supported for cmd, which cannot pipe a value byte for byte; use env or file, or PowerShell",
        path: ["source"],
      };
    case "env":
      return source.name.length > MAX_CURL_VARIABLE_CHARS
        ? { message: `source.name must be at most ${MAX_CURL_VARIABLE_CHARS} characters for cmd`, path: ["source", "name"] }
        : undefined;
    case "file":
      return CMD_UNSAFE_PATH.test(source.path)
        ? { message: 'source.path must not contain %, ! or " for cmd, which would interpret them', path: ["source", "path"] }
        : undefined;
  }
}

const depositRequestSchema = z
  .object({
    shell: shellSchema,
    ticket: ticketSchema,
    depositUrl: endpointUrlSchema("depositUrl"),
    source: sourceSchema,
    approval: approvalSchema,
  })
  .superRefine((request, context) => {
    const refusal = request.shell === "cmd" ? cmdRefusal(request.source) : undefined;
    if (refusal) context.addIssue({ code: "custom", message: refusal.message, path: refusal.path });
  });

export type DepositRequest = z.input<typeof depositRequestSchema>;
/** A checked request: `depositUrl` and `approval.url` are the normalised URLs the snippet will call. */
export type CheckedDepositRequest = z.output<typeof depositRequestSchema>;
export type DepositSource = CheckedDepositRequest["source"];

/** Checks a request; refuses it with BAD_REQUEST naming the field, never echoing its value. */
export function checkDepositRequest(request: DepositRequest): CheckedDepositRequest {
  return parseOrRefuse(depositRequestSchema, request, "deposit snippet request");
}

/** The code the agent runs: `some-command | <script>` for stdin, `<script>` for env and file. */
export type DepositSnippet = { script: string };
