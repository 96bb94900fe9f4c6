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

  const status = document.getElementById('status');
  if (status) status.textContent = 'app.js loaded';
  root.dataset.app = 'ready';
})();
