// Small helpers every template may use (set as locals in app.ts). Each escapes what it is given: templates
// print their output with <%- %>.
import { escapeHtml } from '../time-format.js';

/**
 * A long name (a scope URL, a qualified object name) with line-break opportunities after its slashes, dots
 * and underscores, so a narrow screen wraps it between words rather than mid-word.
 */
export function breakable(s: string): string {
  return escapeHtml(s).replace(/([/._])(?=[^/._])/g, '$1<wbr>');
}
