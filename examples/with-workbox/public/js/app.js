// The site's own script. It registers the site's own service worker (/sw.js), which imports
// DeployNet; deploynet.js, built with `--sw-mode embed`, registers nothing and waits for it.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error) => console.warn('service worker not registered', error));
}

async function showLatest() {
  const status = document.getElementById('status');
  try {
    const response = await fetch('/data/latest.json');
    const data = await response.json();
    const latest = document.getElementById('latest');
    if (latest) latest.textContent = data.readings.map((r) => `${r.station} ${r.temperature_c} °C`).join(', ');
    status.textContent = 'app ready';
  } catch {
    status.textContent = 'offline, no readings yet';
  }
}

void showLatest();
