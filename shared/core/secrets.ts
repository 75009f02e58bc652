/**
 * The mesh's secrets as configuration reads them: the token secret (from its variable or a file)
 * and any secret file, with errors that name the variable and path, never the content.
 */
import { readFileSync } from "node:fs";

/** File name of the launcher-generated secret under DATA_DIR. */
export const meshSecretFileName = "mesh-token.secret";

/** Shorter secrets are refused: HS256 wants at least its hash length. */
export const minimumSecretLength = 32;

/**
 * The mesh secret from config: `MESH_TOKEN_SECRET` itself, or the file `MESH_TOKEN_SECRET_FILE`
 * names. Null when neither is set (identity checks off: development only).
 */
export function readMeshSecret(config: { MESH_TOKEN_SECRET?: string | undefined; MESH_TOKEN_SECRET_FILE?: string | undefined }): Uint8Array | null {
  // An empty variable counts as unset (a shell's `VAR=` clears it).
  const text = config.MESH_TOKEN_SECRET || (config.MESH_TOKEN_SECRET_FILE ? readSecretFile(config.MESH_TOKEN_SECRET_FILE, "MESH_TOKEN_SECRET_FILE") : undefined);
  if (text === undefined) return null;
  const secret = new TextEncoder().encode(text);
  if (secret.length < minimumSecretLength) throw new Error(`the mesh token secret must be at least ${minimumSecretLength} bytes`);
  return secret;
}

/** A secret file's content, trimmed; the error names the variable and path, never the content. */
export function readSecretFile(path: string, variable: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new Error(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
