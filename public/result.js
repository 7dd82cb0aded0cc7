// The result page while Snowflake's check runs (CSP: script-src 'self', no inline script). It hears the
// check's stages from /result/<id>/events (Server-Sent Events) and adds each to the list; the last event
// carries the page as it now renders, which replaces this one's content without a reload. Without
// scripts, the page reloads itself until the check is done (a meta refresh inside <noscript>).

(() => {
  const box = document.getElementById('check-progress');
  const list = document.getElementById('check-stages');
  if (!box || !list || typeof EventSource !== 'function') return;
  const waiting = document.getElementById('check-waiting');
  const source = new EventSource(box.getAttribute('data-events') || '');
  let done = false;

  source.addEventListener('stage', (event) => {
    const stage = JSON.parse(event.data);
    if (list.querySelector(`[data-stage="${stage.stage}"]`)) return; // a reconnect replays the stages
    const item = document.createElement('li');
    item.setAttribute('data-stage', stage.stage);
    if (typeof stage.ok === 'boolean') item.setAttribute('data-ok', String(stage.ok));
    item.textContent = stage.label;
    list.appendChild(item);
  });

  source.addEventListener('done', (event) => {
    done = true;
    source.close();
    const page = new DOMParser().parseFromString(JSON.parse(event.data).html, 'text/html');
    const next = page.querySelector('main');
    const main = document.querySelector('main');
    if (!next || !main) {
      window.location.reload();
      return;
    }
    // A parsed document has scripting off, so its <noscript> holds elements: never bring those in.
    for (const n of next.querySelectorAll('noscript')) n.remove();
    main.replaceWith(document.adoptNode(next));
    document.title = page.title;
  });

  source.addEventListener('error', () => {
    // EventSource retries by itself after a dropped connection; it gives up (CLOSED) when the app answers
    // with an error, e.g. after a restart, when the result is gone.
    if (!done && source.readyState === EventSource.CLOSED && waiting)
      waiting.textContent = 'The connection to the app was lost: reload the page to see the result.';
  });
})();
