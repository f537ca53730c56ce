import { DurableObject } from "cloudflare:workers";

export class TicketStore extends DurableObject<Env> {}
