/** Time-ordered ids (uuid v7) for rows and events, so primary keys sort by creation. */
import { v7 as uuidv7 } from "uuid";

export function newId(): string {
  return uuidv7();
}
