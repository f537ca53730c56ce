// What a snippet is made from, checked before a single line of shell code is written. Every field
// ends up inside shell code, so each is held to the narrowest shape that needs no quoting tricks;
// only the agent's `command` is free text, and the renderers quote it as a whole.
import { z } from "zod";
import { isSecureOrLoopback } from "../secure-url";
import { ClaimcheckError } from "../errors";

export const SHELLS = ["bash", "zsh", "sh", "fish", "powershell", "cmd"] as const;
export type Shell = (typeof SHELLS)[number];

/** Tickets are opaque here; these characters mean nothing to any shell we render for. */
const TICKET_PATTERN = /^[A-Za-z0-9._~-]{1,512}$/;

const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

// Names a shell, the dynamic loader, cmd or a prompt reads as code, a search path or a setting: a
// secret placed there would be executed or echoed (PROMPT_COMMAND, PS1, BASH_ENV, LD_PRELOAD) or
// would break the shell the agent works in (PATH, IFS, HOME). Then names that are read-only or
// special in one of the shells, where an assignment fails or is silently ignored (fish's `read`
// into `status` reports success). Case-insensitive: zsh ties `path` to PATH, Windows ignores case.
const RESERVED_NAMES = [
  "_", "PATH", "PATHEXT", "IFS", "ENV", "HOME", "SHELL", "SHELLOPTS", "CDPATH", "FPATH", "MANPATH",
  "MAILPATH", "GLOBIGNORE", "PWD", "OLDPWD", "OPTIND", "OPTARG", "TERM", "TMPDIR", "ZDOTDIR",
  "COMSPEC", "PSMODULEPATH", "PROMPT\\w*", "RPROMPT\\w*", "PS\\d", "RPS\\d", "HIST\\w*",
  "BASH\\w*", "ZSH\\w*", "FISH\\w*", "LD_\\w+", "DYLD_\\w+",
  "STATUS\\w*", "PIPESTATUS", "ARGV", "VERSION", "HOSTNAME", "LAST_PID", "SHLVL", "UMASK",
  "CMD_DURATION", "EUID", "UID", "PPID", "RANDOM", "SECONDS", "LINENO", "USERNAME",
];
const RESERVED_NAME = new RegExp(`^(?:${RESERVED_NAMES.join("|")})$`, "i");

/** A redeem URL is origin + path, nothing a shell or cmd's `%` could read as syntax. */
const URL_CHARACTERS = /^[A-Za-z0-9:/._~[\]-]+$/;

/** cmd's line limit is 8191 characters; half of it leaves room for the snippet around the command. */
const MAX_COMMAND_CHARS = 4096;

/** A claimcheck URL: the redeem or deposit endpoint, or an approval page. */
function isClaimcheckUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    isSecureOrLoopback(url) &&
    url.username === "" &&
    url.password === "" &&
    URL_CHARACTERS.test(url.href)
  );
}

// The fields that redeem and deposit requests share, so both are held to the same rules; `field`
// is the name a refusal starts with.

export const shellSchema = z.enum(SHELLS, { error: `shell must be one of ${SHELLS.join(", ")}` });

export const ticketSchema = z.string({ error: "ticket is malformed" }).regex(TICKET_PATTERN, { error: "ticket is malformed" });

/** An endpoint the snippet calls, normalised to the URL it will hold. */
export function endpointUrlSchema(field: string) {
  return z
    .string({ error: `${field} must be a string` })
    .max(2048, { error: `${field} is too long` })
    .refine(isClaimcheckUrl, {
      error: `${field} must be https (http only on loopback) with no credentials, query, fragment or escapes`,
    })
    .transform((value) => new URL(value).href);
}

/** An environment variable the snippet sets or reads. */
export function variableNameSchema(field: string) {
  return z
    .string({ error: `${field} must be a string` })
    .regex(VARIABLE_NAME_PATTERN, {
      error: `${field} must be letters, digits and underscores, not starting with a digit (at most 128)`,
    })
    .refine((name) => !RESERVED_NAME.test(name), {
      error: `${field} is one a shell, loader or prompt interprets; choose another name`,
    });
}

/** The ticket waits for approval: print where to approve, then wait up to `waitSeconds`. */
export const approvalSchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .refine(isClaimcheckUrl, { error: "approval url must be https (http only on loopback) with no credentials, query or escapes" })
      .transform((value) => new URL(value).href),
    waitSeconds: z.number().int().min(1).max(24 * 3600),
  })
  .optional();

const snippetRequestSchema = z
  .object({
    shell: shellSchema,
    ticket: ticketSchema,
    redeemUrl: endpointUrlSchema("redeemUrl"),
    variableName: variableNameSchema("variableName"),
    approval: approvalSchema,
    /**
     * The command form conceals the value in the command's output unless this is false (the
     * user's explicit choice). Meaningless without `command`.
     */
    mask: z.boolean({ error: "mask must be true or false" }).default(true),
    /** Where a command-form snippet reports how much it concealed; without it, nothing is reported. */
    reportUrl: endpointUrlSchema("reportUrl").optional(),
    command: z
      .string({ error: "command must be a string" })
      .min(1, { error: "command must not be empty" })
      .max(MAX_COMMAND_CHARS, { error: `command must be at most ${MAX_COMMAND_CHARS} characters` })
      .refine((command) => !command.includes("\0"), { error: "command must not contain NUL" })
      .optional(),
  })
  // A cmd line ends at a line break: a second line would run even when redemption failed.
  .refine((request) => request.shell !== "cmd" || !/[\r\n]/.test(request.command ?? ""), {
    error: "command must be a single line for cmd",
    path: ["command"],
  });

export type SnippetRequest = z.input<typeof snippetRequestSchema>;
/** A checked request: `redeemUrl` is the normalised URL the snippet will call. */
export type CheckedSnippetRequest = z.output<typeof snippetRequestSchema>;

/** Checks a request; refuses it with BAD_REQUEST naming the field, never echoing its value. */
export function checkSnippetRequest(request: SnippetRequest): CheckedSnippetRequest {
  return parseOrRefuse(snippetRequestSchema, request, "snippet request");
}

/** Parses with `schema` or throws BAD_REQUEST with the first issue's message (never the input). */
export function parseOrRefuse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join(".") || "request";
  throw new ClaimcheckError("BAD_REQUEST", { message: issue.message, detail: `${what}: bad ${field}` });
}

/**
 * What the caller shows: the code to run, the code that removes the variables, their names, and
 * whether the command's output is concealed (only ever true for a command form that conceals).
 */
export type Snippet = { script: string; cleanup: string; variables: string[]; masked: boolean };
