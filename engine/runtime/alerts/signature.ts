/** The alert signature: HMAC-SHA256 of the exact body bytes, as `sha256=<hex>`. */

const encoder = new TextEncoder();

/** The `X-Signature-256` header value of `body` under `secret`. */
export async function signAlert(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
