// Signing in from the demo, against a mocked core: the sign-in screen, a refusal said
// plainly (the password not kept in the form), then the tenant's workspace.
import { afterEach, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import type { Session } from "../src/lib/bindings";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const settle = async () => { for (let i = 0; i < 5; i++) await tick(); };

afterEach(async () => { cleanup(); await tick(); clearMocks(); });

it("signs in from the demo: a wrong password is said plainly, then the tenant opens", async () => {
  let demo = true;
  const session = (): Session => ({
    user: { id: 2, tenant_id: 1, name: "Ana", email: "ana@acme.test", email_verified_at: null, role: "sales_agent",
      is_active: true, created_at: null, updated_at: null },
    tenant: { id: 1, name: demo ? "Northwind Solar (demo)" : "Acme Roofing", status: "active", timezone: "UTC",
      created_at: null, updated_at: null },
    role: "sales_agent", permissions: ["leads.view"], demo,
  });
  const attempts: unknown[] = [];
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "account_state": return { overview: { session: session(), server_url: null, leads: 0, pending_changes: 0, rejected_changes: 0 }, signed_in: true };
      case "session": return session();
      case "board": return { columns: [] };
      case "phone_status": return { state: "off", reason: "x" };
      case "pending_wrap_ups": case "changes": return [];
      case "sign_in": {
        attempts.push(args);
        const { password } = args as { password: string };
        if (password !== "right") throw { kind: "refused", message: "wrong email or password" };
        demo = false;
        return session();
      }
      default: return null;
    }
  }, { shouldMockEvents: true });
  render(App);
  await settle();
  expect(screen.getByTestId("tenant-name").textContent).toBe("Northwind Solar (demo)");
  await fireEvent.click(screen.getByTestId("sign-in"));
  await settle();
  await fireEvent.input(screen.getByTestId("signin-server"), { target: { value: "https://crm.acme.test" } });
  await fireEvent.input(screen.getByTestId("signin-email"), { target: { value: "ana@acme.test" } });
  await fireEvent.input(screen.getByTestId("signin-password"), { target: { value: "wrong" } });
  await fireEvent.click(screen.getByTestId("signin-submit"));
  await settle();
  expect(screen.getByTestId("signin-error").textContent).toBe("Wrong email or password.");
  await fireEvent.input(screen.getByTestId("signin-password"), { target: { value: "right" } });
  await fireEvent.click(screen.getByTestId("signin-submit"));
  await settle();
  expect(attempts.at(-1)).toEqual({ server: "https://crm.acme.test", email: "ana@acme.test", password: "right" });
  expect(screen.getByTestId("tenant-name").textContent).toBe("Acme Roofing");
  expect(screen.queryByTestId("signin-password")).toBeNull();
});

it("after signing out of a tenant, offers the demo instead", async () => {
  let signedIn = false;
  const invoked: string[] = [];
  mockIPC((cmd) => {
    invoked.push(cmd);
    const session: Session = {
      user: { id: 2, tenant_id: 1, name: "Sam", email: "sam@demo.test", email_verified_at: null, role: "sales_agent",
        is_active: true, created_at: null, updated_at: null },
      tenant: { id: 1, name: "Northwind Solar (demo)", status: "active", timezone: "UTC", created_at: null, updated_at: null },
      role: "sales_agent", permissions: ["leads.view"], demo: true,
    };
    switch (cmd) {
      case "account_state":
        return { overview: { session, server_url: "https://crm.acme.test", leads: 0, pending_changes: 0, rejected_changes: 0 }, signed_in: signedIn };
      case "try_demo": signedIn = true; return session;
      case "session": return session;
      case "board": return { columns: [] };
      case "phone_status": return { state: "off", reason: "x" };
      case "pending_wrap_ups": case "changes": return [];
      default: return null;
    }
  }, { shouldMockEvents: true });
  render(App);
  await settle();
  expect((screen.getByTestId("signin-server") as HTMLInputElement).value).toBe("https://crm.acme.test");
  await fireEvent.click(screen.getByTestId("try-demo"));
  await settle();
  expect(invoked).toContain("try_demo");
  expect(screen.getByTestId("tenant-name").textContent).toBe("Northwind Solar (demo)");
});
