declare namespace Cloudflare {
  interface Env {
    /** Origin of the local CI issuer (test/fixtures/ci-issuer), started by vitest.config.ts. */
    TEST_CI_ISSUER: string;
  }
}
