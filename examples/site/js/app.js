// The example site's own script: a theme toggle and a clock. No network requests.
// It fills #status so a test (or a person) can see that the page's JavaScript ran.
(() => {
  'use strict';
  const root = document.documentElement;
  const KEY = 'example-theme';

  function readTheme() {
    try { return localStorage.getItem(KEY); } catch { return null; }
  }
  function applyTheme(theme) {
    root.dataset.theme = theme;
    const button = document.getElementById('theme-toggle');
    if (button) button.textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
  }

  const saved = readTheme();
  const prefersDark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  applyTheme(saved === 'dark' || saved === 'light' ? saved : prefersDark ? 'dark' : 'light');

  document.getElementById('theme-toggle')?.addEventListener('click', () => {
    const next = root.dataset.theme === 'dark' ? 'light' : 'dark';
    applyTheme(next);
    try { localStorage.setItem(KEY, next); } catch { /* private mode: not remembered */ }
  });

  const clock = document.getElementById('clock');
  if (clock) {
    const tick = () => { clock.textContent = new Date().toLocaleTimeString(); };
    tick();
    setInterval(tick, 1000);
  }

  // A progress bar for the panorama: DeployNet's deploynet:progress events say how much has
  // arrived and from where (peers, origin, cache). Without DeployNet no event comes, and the image's
  // own load event fills the bar.
  const bar = document.getElementById('panorama-progress');
  const sources = document.getElementById('panorama-sources');
  const panorama = document.querySelector('img[src="/media/panorama.png"]');
  if (bar && panorama) {
    const mib = (n) => (n / 1048576).toFixed(1) + ' MiB';
    window.addEventListener('deploynet:progress', (event) => {
      const { url, loaded, total, bytes } = event.detail;
      if (new URL(url).pathname !== '/media/panorama.png') return;
      bar.value = total > 0 ? loaded / total : 1;
      if (sources) {
        const parts = Object.entries(bytes).filter(([, n]) => n > 0).map(([source, n]) => source + ' ' + mib(n));
        sources.textContent = mib(loaded) + ' of ' + mib(total) + (parts.length ? ' (' + parts.join(', ') + ')' : '');
      }
    });
    const done = () => { bar.value = 1; };
    if (panorama.complete) done();
    else panorama.addEventListener('load', done);
  }

  const status = document.getElementById('status');
  if (status) status.textContent = 'app.js loaded';
  root.dataset.app = 'ready';
})();
