// The people who can sign in at the local OpenID provider. Demo accounts only: their passwords are
// printed in the README and by `npm start`, and can be overridden for a local run.
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";

export const DemoUser = z.object({
  /** Stable, opaque subject identifier (no `:`: the Worker's OAuth library refuses it in user ids). */
  sub: z.string().regex(/^[A-Za-z0-9._-]+$/),
  email: z.email(),
  name: z.string().min(1),
  password: z.string().min(1),
  groups: z.array(z.string().min(1)),
});
export type DemoUser = z.infer<typeof DemoUser>;

export const DEFAULT_ALICE_PASSWORD = "alice-demo-password";
export const DEFAULT_BOB_PASSWORD = "bob-demo-password";

/** Alice may read database secrets; Bob is a contractor the default policy grants nothing. */
export function demoUsers(passwords: { alice?: string; bob?: string } = {}): DemoUser[] {
  return [
    {
      sub: "demo-alice",
      email: "alice@demo.test",
      name: "Alice Example",
      password: passwords.alice ?? DEFAULT_ALICE_PASSWORD,
      groups: ["engineering", "db-admins"],
    },
    {
      sub: "demo-bob",
      email: "bob@demo.test",
      name: "Bob Example",
      password: passwords.bob ?? DEFAULT_BOB_PASSWORD,
      groups: ["contractors"],
    },
  ];
}

// Hashing first gives both sides the same length, which timingSafeEqual requires.
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export type UserDirectory = {
  /** The user whose email (any case) and password match, else undefined. */
  authenticate(email: string, password: string): DemoUser | undefined;
  findBySub(sub: string): DemoUser | undefined;
};

export function userDirectory(users: readonly DemoUser[]): UserDirectory {
  const parsed = z.array(DemoUser).parse(users);
  return {
    authenticate(email, password) {
      const user = parsed.find((u) => u.email.toLowerCase() === email.trim().toLowerCase());
      // Compare even for an unknown email so both failures take the same time.
      const ok = sameSecret(user?.password ?? "", password);
      return user !== undefined && ok ? user : undefined;
    },
    findBySub(sub) {
      return parsed.find((u) => u.sub === sub);
    },
  };
}
