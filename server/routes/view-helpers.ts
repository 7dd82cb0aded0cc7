// Small helpers every template may use (set as locals in app.ts). Each escapes what it is given: templates
// print their output with <%- %>.
import { escapeHtml } from '../time-format.js';

/**
 * A long name (a scope URL, a qualified object name) with line-break opportunities after its slashes and
 * dots, so a narrow screen wraps it between its parts rather than mid-word.
 */
export function breakable(s: string): string {
  return escapeHtml(s).replace(/([/.])(?=[^/.])/g, '$1<wbr>');
}
