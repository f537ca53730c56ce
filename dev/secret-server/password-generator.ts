// Secret Server's password generator, as far as the stand-in reproduces it: a value drawn from a
// password requirement's allowed characters, with at least the number each rule asks for from its
// set, of a length between the requirement's minimum and maximum. Web Crypto only, so the handler
// stays runnable outside Node; unbiased (rejection sampling), so tests that check the rules are
// never flaky.
import type { SeedPasswordRequirement, SeedTemplateField } from "./seed.ts";
import type { Store } from "./store.ts";

/** A uniformly random integer in [0, n). */
function randomBelow(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  const word = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(word);
    if (word[0]! < limit) return word[0]! % n;
  }
}

const pick = (set: string[]) => set[randomBelow(set.length)]!;

export function generatePassword(requirement: SeedPasswordRequirement): string {
  const { minPasswordLength, maxPasswordLength, allowedCharacterSet, rules } = requirement;
  const length = minPasswordLength + randomBelow(maxPasswordLength - minPasswordLength + 1);
  const chars: string[] = [];
  for (const rule of rules) {
    const set = [...rule.characterSet.value];
    for (let i = 0; i < rule.minCharactersRequired; i++) chars.push(pick(set));
  }
  const allowed = [...allowedCharacterSet.value];
  while (chars.length < length) chars.push(pick(allowed));
  // Fisher–Yates, so the required characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}

/** The requirement a template field's generated values follow: its own, else the default one. */
export function requirementFor(store: Store, field: Pick<SeedTemplateField, "passwordRequirementId">): SeedPasswordRequirement {
  const requirements = store.seed.passwordRequirements;
  return requirements.find((r) => r.id === field.passwordRequirementId) ?? requirements.find((r) => r.isDefault)!;
}
