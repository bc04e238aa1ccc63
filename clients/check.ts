// A bot's code using the types that openapi-typescript makes of /api/openapi.json:
// tests/test_generated_clients.py generates them as api.d.ts beside a copy of this file and
// compiles both with `tsc --noEmit --strict`.
import type { components, operations } from "./api";

type Schemas = components["schemas"];

export const intake: Schemas["ContactIn"] = {
  lead: {
    external_id: "tg-9001",
    email: "Anna@Example.com",
    phone: "+7 999 123-45-67",
    name: "Anna",
    verified: ["external_id", "phone"],
  },
  message: "Hello, I want to order",
  external_id: "msg-8812",
};

export const byPhoneOnly: Schemas["ContactIn"] = { lead: { phone: "+7 999 123-45-67" } };

// @ts-expect-error: a field the API does not take
export const unknownField: Schemas["ContactIn"] = { lead: { external_id: "tg-1" }, colour: "red" };

// @ts-expect-error: not the name of an identifier
export const notAnIdentifier: Schemas["LeadIn"] = { external_id: "tg-1", verified: ["name"] };

export function describe(contact: Schemas["Contact"]): string {
  const operator = contact.operator === null ? "the queue" : contact.operator.name;
  const closed = contact.closed_at === null ? "" : `, closed at ${contact.closed_at}`;
  return `${contact.id} (${contact.status}) from ${contact.bot.name} with ${operator}${closed}`;
}

type Intake = operations["createContact"]["responses"];

export function created(answer: Intake[201]["content"]["application/json"]): boolean {
  return answer.lead.created;
}

export function conflicting(answer: Intake[409]["content"]["application/json"]): number {
  return answer.contact_id;
}

export function refusedFields(answer: Intake[400]["content"]["application/json"]): string[] {
  return Object.keys(answer.fields ?? {});
}

type Event = Schemas["ContactAssigned"] | Schemas["ContactWaiting"] | Schemas["ContactClosed"];

export function onEvent(event: Event): string {
  switch (event.type) {
    case "contact.assigned":
      return `${event.id}: ${describe(event.data.contact)}`;
    case "contact.waiting":
      return `${event.id}: waiting since ${event.data.contact.created_at}`;
    case "contact.closed":
      return `${event.id}: closed (${event.data.reason})`;
  }
}
