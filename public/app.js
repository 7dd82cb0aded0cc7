// Progressive enhancement only (CSP: script-src 'self', no inline script): copy buttons on /setup and
// a busy label on buttons that start slow work. Every page works without it.

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
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
