// The values the Secret Server stand-in is seeded with (dev/secret-server/seed.json): what a
// redeemed variable must hold byte for byte, and what no answer, log line or audit row may hold.
import { loadSeed } from "../../../dev/secret-server/seed.ts";

/** A value to search for, and how to name it in a failure without printing it. */
export type Needle = { label: string; value: string };

export type SeededValues = {
  /** The seeded value of secret `id`'s field `slug`. */
  valueOf(id: number, slug: string): string;
  /**
   * Every seeded field value at least `minLength` characters long (shorter ones match by chance),
   * and each line of a multi-line value on its own, since a leak may be cut at a line break.
   */
  needles(minLength: number): Needle[];
};

export async function loadSeededValues(): Promise<SeededValues> {
  const seed = await loadSeed();
  const items = seed.secrets.flatMap((s) => s.items.map((i) => ({ label: `secret ${s.id} field ${i.slug}`, id: s.id, ...i })));
  return {
    valueOf(id, slug) {
      const item = items.find((i) => i.id === id && i.slug === slug);
      if (item === undefined) throw new Error(`the seed has no secret ${id} with a field ${slug}`);
      return item.itemValue;
    },
    needles: (minLength) =>
      items.flatMap(({ label, itemValue }) => {
        const lines = itemValue.split("\n");
        const parts = lines.length > 1 ? lines.map((line, n) => ({ label: `${label} (line ${n + 1})`, value: line })) : [];
        return [{ label, value: itemValue }, ...parts].filter((needle) => needle.value.length >= minLength);
      }),
  };
}
