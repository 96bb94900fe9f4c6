// The swarm dashboard: polls window.deploynet.stats() once a second and listens to
// deploynet:progress events, and draws where this visitor's bytes came from over time.
// Without DeployNet (no window.deploynet), it says so and draws nothing.
(() => {
  'use strict';
  const SOURCES = ['cache', 'peer', 'origin'];
  const HISTORY = 120; // seconds kept in the chart
  const $ = (id) => document.getElementById(id);
  const fmt = (n) => (n >= 1048576 ? (n / 1048576).toFixed(1) + ' MiB' : n >= 1024 ? (n / 1024).toFixed(0) + ' KiB' : n + ' B');
  const history = [];
  const transfers = new Map();

  function show(id, text) {
    const el = $(id);
    if (el) el.textContent = text;
  }

  function drawChart() {
    const svg = $('dash-chart');
    if (!svg || history.length === 0) return;
    const max = Math.max(1, ...history.map((h) => h.cache + h.peer + h.origin));
    const x = (i) => (i / Math.max(1, HISTORY - 1)) * 600;
    const y = (v) => 200 - (v / max) * 190;
    // Stacked areas: cache at the bottom, then peers, then origin.
    const paths = SOURCES.map((source, level) => {
      const top = history.map((h, i) => [x(i), y(SOURCES.slice(0, level + 1).reduce((sum, s) => sum + h[s], 0))]);
      const bottom = history.map((h, i) => [x(i), y(SOURCES.slice(0, level).reduce((sum, s) => sum + h[s], 0))]).reverse();
      const points = [...top, ...bottom].map(([px, py]) => px.toFixed(1) + ',' + py.toFixed(1)).join(' ');
      return '<polygon class="area ' + source + '" points="' + points + '"></polygon>';
    });
    svg.innerHTML = '<title>Bytes received by source over time</title>' + paths.join('');
  }

  function drawTransfers() {
    const body = $('dash-transfers');
    if (!body) return;
    const rows = [...transfers.values()].slice(-8).reverse();
    body.replaceChildren(
      ...rows.map((t) => {
        const tr = document.createElement('tr');
        const from = SOURCES.filter((s) => t.bytes[s] > 0).map((s) => s + ' ' + fmt(t.bytes[s])).join(', ');
        for (const text of [new URL(t.url).pathname, fmt(t.loaded) + ' of ' + fmt(t.total), from || '…']) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
  }

  async function tick() {
    const api = window.deploynet;
    if (!api) {
      show('dash-manifest', 'DeployNet is not running on this page.');
      return;
    }
    const s = await api.stats();
    show('dash-manifest', s.manifestVersion === null ? 'none in force' + (s.manifestError ? ' (' + s.manifestError + ')' : '') : 'version ' + s.manifestVersion + (s.pageManifestVersion !== s.manifestVersion ? ' (this page: ' + s.pageManifestVersion + ')' : ''));
    show('dash-peers', s.peers + ' connected' + (s.peersAnnounced < s.peers ? ' (' + s.peersAnnounced + ' announced)' : '') + ' · ' + s.state + (s.bannedPeers ? ' · ' + s.bannedPeers + ' banned' : ''));
    show('dash-uploaded', fmt(s.uploadedBytes));
    show('dash-fill', s.fill.state + ' · ' + s.fill.done + ' of ' + s.fill.total + ' files' + (s.fill.failed ? ' (' + s.fill.failed + ' failed)' : ''));
    // Bytes still arriving (progress events) count too, so a big transfer shows while it runs.
    const live = { cache: 0, peer: 0, origin: 0 };
    for (const t of transfers.values()) if (t.loaded < t.total) for (const source of SOURCES) live[source] += t.bytes[source];
    history.push({ cache: s.bytes.cache + live.cache, peer: s.bytes.peer + live.peer, origin: s.bytes.origin + live.origin });
    if (history.length > HISTORY) history.shift();
    const last = history[history.length - 1];
    show('dash-totals', SOURCES.map((source) => source + ' ' + fmt(last[source])).join(' · '));
    drawChart();
  }

  window.addEventListener('deploynet:progress', (event) => {
    transfers.set(event.detail.url, event.detail);
    drawTransfers();
  });
  $('dash-fetch')?.addEventListener('click', () => {
    void fetch('/media/panorama.png').then((r) => r.arrayBuffer()).catch(() => undefined);
  });
  const loop = () => void tick().catch(() => undefined).finally(() => setTimeout(loop, 1000));
  if (window.deploynet) loop();
  else window.addEventListener('load', loop, { once: true });
})();
