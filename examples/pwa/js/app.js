// Field Notes: notes kept in localStorage, listed newest first, deletable. No network requests,
// and no service worker of its own: DeployNet's deploynet-sw.js (scope /) is the app's worker,
// and a second registration at the same scope would replace it.
// It fills #status so a test (or a person) can see that the page's JavaScript ran.
(() => {
  'use strict';
  const KEY = 'field-notes.v1';

  /** Only well-formed notes survive a read: the stored JSON may be old, edited or corrupt. */
  function parseNotes(text) {
    let value;
    try { value = JSON.parse(text ?? '[]'); } catch { return []; }
    if (!Array.isArray(value)) return [];
    return value.filter((n) => n && typeof n.id === 'string' && typeof n.text === 'string' && Number.isFinite(n.created));
  }
  function load() {
    try { return parseNotes(localStorage.getItem(KEY)); } catch { return []; }
  }
  function save(notes) {
    try {
      localStorage.setItem(KEY, JSON.stringify(notes));
      return true;
    } catch {
      return false; // storage full or blocked: the note is kept on screen only until reload
    }
  }

  const listEl = document.getElementById('notes');
  const emptyEl = document.getElementById('empty');
  const countEl = document.getElementById('note-count');
  const status = document.getElementById('status');
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  let notes = load();

  function noteItem(note) {
    const li = document.createElement('li');
    li.className = 'note';
    li.dataset.id = note.id;
    const text = document.createElement('p');
    text.className = 'note-text';
    text.textContent = note.text; // textContent, never innerHTML: a note is not markup
    const time = document.createElement('time');
    time.dateTime = new Date(note.created).toISOString();
    time.textContent = dateFormat.format(note.created);
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'delete';
    del.textContent = 'Delete';
    del.setAttribute('aria-label', `Delete note from ${time.textContent}`);
    li.append(text, time, del);
    return li;
  }

  function render() {
    if (countEl) countEl.textContent = String(notes.length);
    if (!listEl) return;
    listEl.replaceChildren(...[...notes].sort((a, b) => b.created - a.created).map(noteItem));
    if (emptyEl) emptyEl.hidden = notes.length > 0;
  }

  const form = document.getElementById('note-form');
  const input = document.getElementById('note-text');
  form?.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    notes = [...notes, { id, text, created: Date.now() }];
    const saved = save(notes);
    input.value = '';
    render();
    if (status) status.textContent = saved ? 'note saved' : 'note not saved: storage is full or blocked';
  });

  listEl?.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.delete') : null;
    const id = button?.closest('li')?.dataset.id;
    if (!id) return;
    notes = notes.filter((n) => n.id !== id);
    save(notes);
    render();
    if (status) status.textContent = 'note deleted';
  });

  // Another tab or window of the app changed the notes: show the same list here.
  window.addEventListener('storage', (event) => {
    if (event.key !== KEY) return;
    notes = parseNotes(event.newValue);
    render();
  });

  const connection = document.getElementById('connection');
  const showConnection = () => {
    if (connection) connection.textContent = navigator.onLine ? 'online' : 'offline: notes are saved on this device';
  };
  window.addEventListener('online', showConnection);
  window.addEventListener('offline', showConnection);
  showConnection();

  render();
  if (status) status.textContent = 'app ready';
  document.documentElement.dataset.app = 'ready';
})();
