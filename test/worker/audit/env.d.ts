declare namespace Cloudflare {
  interface Env {
    /** Origin of the alert receiver (dev/alert-receiver) that ALERT_WEBHOOK_URL points at. */
    TEST_ALERT_RECEIVER: string;
  }
}
