/**
 * PATH with /usr/sbin at its end: Debian installs nats-server there and a non-root PATH may lack
 * it. The vitest configs give it to every test, so the tests and the launchers they spawn find it.
 *   defineConfig({ test: { env: { PATH: pathWithSbin() } } })
 */
import { delimiter } from "node:path";

export function pathWithSbin(path: string = process.env["PATH"] ?? ""): string {
  const dirs = path.split(delimiter).filter((dir) => dir !== "");
  return dirs.includes("/usr/sbin") ? path : [...dirs, "/usr/sbin"].join(delimiter);
}
