// Reads the forms of a page the way a browser would submit them. Made for the pages this project
// renders itself (the local provider's sign-in form, the Worker's consent page), not for arbitrary
// HTML: <form>, <input> and <button> with quoted attributes; no <select> or <textarea>.

export type FormInput = { name: string; type: string; value: string; checked: boolean };

export type HtmlForm = {
  action: URL;
  method: "GET" | "POST";
  inputs: FormInput[];
  /** Named submit buttons; the one clicked adds its name and value to the submission. */
  buttons: { name: string; value: string }[];
};

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] !== "#") return ENTITIES[entity.toLowerCase()] ?? whole;
    const code = entity[1] === "x" || entity[1] === "X" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of tag.matchAll(/([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = m[1];
    if (name !== undefined) found.set(name.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ""));
  }
  return found;
}

function readForm(attrs: Map<string, string>, body: string, pageUrl: URL): HtmlForm {
  const inputs: FormInput[] = [];
  const buttons: HtmlForm["buttons"] = [];
  for (const [, kind, tag] of body.matchAll(/<(input|button)\b([^>]*)>/gi)) {
    const a = attributes(tag ?? "");
    const name = a.get("name");
    if (name === undefined) continue;
    const type = (a.get("type") ?? (kind?.toLowerCase() === "button" ? "submit" : "text")).toLowerCase();
    if (type === "submit") buttons.push({ name, value: a.get("value") ?? "" });
    else inputs.push({ name, type, value: a.get("value") ?? (type === "checkbox" ? "on" : ""), checked: a.has("checked") });
  }
  return {
    action: new URL(attrs.get("action") || pageUrl.href, pageUrl),
    method: attrs.get("method")?.toUpperCase() === "POST" ? "POST" : "GET",
    inputs,
    buttons,
  };
}

export function readForms(html: string, pageUrl: URL): HtmlForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, tag, body]) =>
    readForm(attributes(tag ?? ""), body ?? "", pageUrl),
  );
}

export type FormButton = { name: string; value?: string };

/**
 * What submitting `form` sends: its inputs (checkboxes and radios only when checked), with
 * `values` replacing or adding fields, plus the clicked button's name and value.
 */
export function formData(form: HtmlForm, values: Record<string, string> = {}, button?: FormButton): URLSearchParams {
  const data = new URLSearchParams();
  for (const input of form.inputs) {
    if ((input.type === "checkbox" || input.type === "radio") && !input.checked) continue;
    if (!(input.name in values)) data.append(input.name, input.value);
  }
  for (const [name, value] of Object.entries(values)) data.append(name, value);
  if (button === undefined) return data;
  const clicked = form.buttons.find((b) => b.name === button.name && (button.value === undefined || b.value === button.value));
  if (clicked === undefined) throw new Error(`the form has no button ${button.name}=${button.value ?? "*"}`);
  data.append(clicked.name, clicked.value);
  return data;
}

/** The form with a button of this name (and value, when given). */
export function formWithButton(forms: readonly HtmlForm[], button: FormButton): HtmlForm | undefined {
  return forms.find((f) => f.buttons.some((b) => b.name === button.name && (button.value === undefined || b.value === button.value)));
}
