// The local CI issuer, driven from inside workerd through its control routes: mint tokens with
// GitHub's or GitLab's claims, rotate keys, take an issuer down, count its fetches.
import { env } from "cloudflare:workers";
import type { MintOptions } from "../../fixtures/ci-issuer/jobs";
import { TEST_CI_AUDIENCE } from "../../fixtures/ci-issuer/test-trust";

export { GITHUB_JOB, GITLAB_JOB } from "../../fixtures/ci-issuer/jobs";
export { TEST_CI_AUDIENCE };

export function ciIssuer(name: string) {
  const url = `${env.TEST_CI_ISSUER}/${name}`;
  const control = async (path: string, body?: unknown) => {
    const answer = await fetch(`${url}/_issuer/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
    if (!answer.ok) throw new Error(`ci issuer ${path}: ${answer.status} ${await answer.text()}`);
    return answer.json();
  };
  return {
    url,
    async mint(options: Partial<MintOptions> = {}): Promise<string> {
      const { token } = (await control("mint", { audience: TEST_CI_AUDIENCE, ...options })) as { token: string };
      return token;
    },
    rotate: async (keepPrevious = false) => ((await control("rotate", { keepPrevious })) as { kid: string }).kid,
    down: (down: boolean) => control("down", { down }),
    stats: async () => (await control("stats")) as { discovery: number; jwks: number },
  };
}
