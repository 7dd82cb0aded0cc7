// Progressive enhancement only (CSP: script-src 'self', no inline script): copy buttons and script tabs
// on /setup, and a busy label on buttons that start slow work. Every page works without it.

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button || button.getAttribute('aria-disabled') === 'true') return;
  const source = document.getElementById(button.getAttribute('data-copy') || '');
  if (!source) return;
  const note = button.parentElement ? button.parentElement.querySelector('.copied') : null;
  const say = (text) => {
    if (note) note.textContent = text;
  };
  // A masked script would put the mask, not the client secret, into Snowflake: never copy one.
  if (source.querySelector('.secret-masked')) {
    say('Reveal the client secret above first: a masked script does not run.');
    return;
  }
  navigator.clipboard.writeText(source.textContent || '').then(
    () => say('Copied.'),
    () => say('Copy failed: select the text and copy it by hand.'),
  );
});

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const button = form.querySelector('button[data-busy]');
  if (button) {
    button.textContent = button.getAttribute('data-busy');
    button.setAttribute('aria-busy', 'true');
  }
});

// /setup: the scripts are a <details> accordion (one open at a time). A tab, a link or the reveal's anchor
// (#script-…) opens the script it names; the tabs show which one is open.
const scripts = () => Array.from(document.querySelectorAll('details.script'));

function markCurrentTab() {
  const open = scripts().find((d) => d.open);
  for (const tab of document.querySelectorAll('.script-tab')) {
    const current = open !== undefined && tab.getAttribute('data-script') === open.id.replace(/^script-/, '');
    tab.classList.toggle('current', current);
    if (current) tab.setAttribute('aria-current', 'true');
    else tab.removeAttribute('aria-current');
  }
}

function openFromHash() {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id ? document.getElementById(id) : null;
  if (!(target instanceof HTMLDetailsElement) || !target.classList.contains('script')) return;
  // Browsers without exclusive <details name> get the same one-at-a-time behaviour here.
  for (const d of scripts()) if (d !== target) d.open = false;
  target.open = true;
  markCurrentTab();
}

if (document.querySelector('details.script')) {
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
  for (const d of scripts())
    d.addEventListener('toggle', () => {
      if (d.open) for (const other of scripts()) if (other !== d) other.open = false;
      markCurrentTab();
    });
}
