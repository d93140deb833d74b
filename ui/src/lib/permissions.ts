// What the signed-in role may do: the window hides or disables the rest (the core refuses it
// too).

import type { Permission, Session } from "./bindings";

export function can(session: Session | null, permission: Permission): boolean {
  return session?.permissions.includes(permission) ?? false;
}
