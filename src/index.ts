import { Hono } from "hono";

export { TicketStore } from "./tickets/ticket-store";

const app = new Hono<{ Bindings: Env }>();
app.get("/health", (c) => c.json({ ok: true }));

export default app;
