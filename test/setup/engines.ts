// Builds the engines once before the test workers start, so they never race.
import { ensureEngines } from '../harness/engines.js';

export default function setup(): void {
  ensureEngines();
}
