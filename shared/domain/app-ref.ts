/**
 * The one reader of an app reference as operators type it: `<project>/<app>`, the app's id.
 * Used by every CLI command that takes an app (rollout, service-keys); pure, so any side may use it.
 */

export type AppRef = { readonly ok: true; readonly appId: string } | { readonly ok: false; readonly message: string };

/** `acme/chat` → its id; anything else (no slash, two slashes, blanks) → a message showing the shape. */
export function parseAppRef(raw: string): AppRef {
  if (/^[^/\s]+\/[^/\s]+$/.test(raw)) return { ok: true, appId: raw };
  return { ok: false, message: `the app must be <project>/<app>, e.g. acme/chat (got '${raw}')` };
}
