// Forms read and submitted as a browser would, on pages shaped like ours.
import { describe, expect, it } from "vitest";
import { formData, readForms } from "./html-forms.ts";
import { CookieJar } from "./cookie-jar.ts";
import { pressButton } from "./page-handlers.ts";

const PAGE = new URL("http://127.0.0.1:8787/callback?x=1");
const CONSENT = `<form method="post" action="/consent">
  <input type="hidden" name="handle" value="a&amp;b&quot;c">
  <input type="checkbox" name="remember" value="yes">
  <input type="checkbox" name="ticked" checked>
  <button type="submit" name="decision" value="deny">Deny</button>
  <button type="submit" name="decision" value="approve" class="approve">Approve</button>
</form>
<form action="search"><input name="q" value="db"></form>`;

describe("forms", () => {
  it("reads action, method, inputs and buttons, decoding entities", () => {
    const [consent, search] = readForms(CONSENT, PAGE);
    expect(consent?.action.href).toBe("http://127.0.0.1:8787/consent");
    expect(consent?.method).toBe("POST");
    expect(consent?.inputs.find((i) => i.name === "handle")?.value).toBe('a&b"c');
    expect(consent?.buttons.map((b) => b.value)).toEqual(["deny", "approve"]);
    expect(search?.action.href).toBe("http://127.0.0.1:8787/search");
    expect(search?.method).toBe("GET");
  });

  it("submits hidden and checked fields and only the button pressed", () => {
    const [consent] = readForms(CONSENT, PAGE);
    if (consent === undefined) throw new Error("no form");
    const body = formData(consent, {}, { name: "decision", value: "approve" });
    expect([...body]).toEqual([
      ["handle", 'a&b"c'],
      ["ticked", "on"],
      ["decision", "approve"],
    ]);
    expect(() => formData(consent, {}, { name: "decision", value: "maybe" })).toThrow(/no button decision=maybe/);
  });

  it("presses a button only on the page it is told to", () => {
    const page = { url: PAGE, status: 200, headers: new Headers(), html: CONSENT, forms: readForms(CONSENT, PAGE) };
    const approve = { name: "decision", value: "approve" };
    expect(pressButton(approve, { onPath: "/elsewhere" })(page)).toBeUndefined();
    const nav = pressButton(approve, { onPath: "/callback" })(page);
    expect(nav?.method).toBe("POST");
    expect(nav?.body?.get("decision")).toBe("approve");
  });
});

describe("cookie jar", () => {
  const at = (path: string) => new URL(path, "http://127.0.0.1:8791");
  const setting = (...lines: string[]) => {
    const headers = new Headers();
    for (const line of lines) headers.append("Set-Cookie", line);
    return headers;
  };

  it("sends cookies by host and path, across ports, as browsers do", () => {
    const jar = new CookieJar();
    jar.store(at("/auth"), setting("_session=s1; path=/; httponly", "_interaction=i1; path=/interaction/abc"));
    expect(jar.headerFor(at("/interaction/abc/login"))).toBe("_interaction=i1; _session=s1");
    expect(jar.headerFor(at("/interaction/abcd"))).toBe("_session=s1");
    expect(jar.headerFor(new URL("http://127.0.0.1:8787/callback"))).toBe("_session=s1");
    expect(jar.headerFor(new URL("http://localhost:8791/"))).toBeUndefined();
  });

  it("forgets a cookie that is expired or cleared, and keeps values byte for byte", () => {
    const jar = new CookieJar();
    jar.store(at("/"), setting("a=x%3Ay; path=/", "b=1; path=/"));
    jar.store(at("/"), setting("b=; path=/; max-age=0"));
    expect(jar.headerFor(at("/"))).toBe("a=x%3Ay");
    jar.store(at("/"), setting("a=gone; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT"));
    expect(jar.headerFor(at("/"))).toBeUndefined();
  });
});
