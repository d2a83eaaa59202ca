'use strict';
// The operator's page: plain JavaScript over the sidecar's own API, no build step and nothing from
// elsewhere. Paths are relative, so the page works at nginx's /sidecar/ and at the sidecar's own /.
// Every value from the API goes into the page as text (textContent), never as HTML.

const REFRESH_MS = 3000;
const state = { me: null, nodes: [], node: null, self: null, plans: [], targets: [], runs: [], restores: [], drillRuns: [], copies: [],
  // a button's key -> when its POST answered (null while it is under way): locked until a refresh
  // that began after the answer shows the job itself
  pending: new Map(), restore: null };
let refreshing = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    // through the style object, not the attribute: the page's Content-Security-Policy allows no inline style
    else if (k === 'style') e.style.cssText = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Every time is shown in the plans' zone (from api/me), with the zone's short name: never the
// browser's zone unsaid.
let zoneFormat = null;
// An instant as the plans' zone writes it, for a datetime-local input: 2026-11-22T19:05:09.
function localInput(iso) {
  const zone = (state.me && state.me.timeZone) || 'UTC';
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
    .formatToParts(new Date(iso)).map(x => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

function when(iso) {
  if (!iso) return '-';
  const zone = (state.me && state.me.timeZone) || 'UTC';
  if (!zoneFormat || zoneFormat.resolvedOptions().timeZone !== zone) {
    zoneFormat = new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
  }
  const part = Object.fromEntries(zoneFormat.formatToParts(new Date(iso)).map(p => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

// Texts from the API that carry an instant ("its dump of 2026-11-22T02:00:04Z") read as the page does.
const readable = text => String(text).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z/g, when);

const plural = (n, one, many) => `${n} ${n === 1 ? one : (many || `${one}s`)}`;

// An empty table says so, across all its columns.
function rowsOr(tbody, rows, empty) {
  const columns = tbody.parentElement.querySelectorAll('thead th').length;
  tbody.replaceChildren(...(rows.length ? rows : [el('tr', { class: 'empty' }, el('td', { class: 'quiet', colspan: columns }, empty))]));
}

function ago(iso) {
  const min = Math.round((Date.now() - new Date(iso).getTime()) / 60000);
  if (min < 60) return `${Math.max(0, min)} min ago`;
  return min < 48 * 60 ? `${Math.round(min / 60)} h ago` : `${Math.round(min / 1440)} days ago`;
}

function size(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${bytes} B` : `${v.toFixed(1)} ${units[u]}`;
}

function seconds(s) {
  if (s === null || s === undefined) return '-';
  return s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function outcome(stateName) {
  const cls = /SUCCEEDED|passed|fresh|true/.test(stateName) ? 'good'
    : /RUNNING|QUEUED|running|SKIPPED/.test(stateName) ? 'busy' : 'bad';
  return el('span', { class: cls }, stateName);
}

// -- talking to the API ----------------------------------------------------------------------------

// In a swarm the page shows one node at a time (state.node); every call but who-am-I and the nodes
// themselves goes to that node through this sidecar (/api/nodes/<node>/...).
function onNode(path) {
  if (!state.node || state.node === state.self || /^api\/(me|nodes)(\/|$)/.test(path)) return path;
  return path.replace(/^api\//, `api/nodes/${encodeURIComponent(state.node)}/`);
}

async function api(method, givenPath, body) {
  const path = onNode(givenPath);
  // X-Requested-By: what a form on another site cannot send (the sidecar refuses a change without it)
  const init = { method, headers: { Accept: 'application/json', 'X-Requested-By': 'sidecar-page' } };
  if (method !== 'GET') {
    // one key for this change, however often it is asked: the sidecar does it once
    init.headers['Idempotency-Key'] = freshKey();
  }
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await reach(method, path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { error: text }; }
  if (!response.ok) {
    const why = data && data.error ? data.error : `${response.status} ${response.statusText}`;
    throw new Error(`${method} ${path} answered ${response.status}: ${why}`);
  }
  return data;
}

function freshKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join('');
}

// A request the network dropped (a connection closed under it, nginx reloaded, the machine's network
// changed) is asked again, up to three times in all. A change carries its Idempotency-Key: the sidecar
// answers a repeat with its first answer and starts nothing twice, or, while it is still answering the
// first, with 409 and Retry-After, and it is asked again a moment later (for up to 30 s).
async function reach(method, path, init) {
  let drops = 0;
  const until = Date.now() + 30000;
  for (;;) {
    let response = null;
    try {
      response = await fetch(path, init);
    } catch (dropped) {
      drops++;
      if (drops === 3) {
        throw new Error(`${method} ${path} got no answer, 3 times (${dropped.message}): is the sidecar up?`);
      }
    }
    const stillAnswering = response !== null && drops > 0 && response.status === 409 && response.headers.has('Retry-After');
    if (response !== null && (!stillAnswering || Date.now() > until)) {
      return response;
    }
    await new Promise(resolve => setTimeout(resolve, 1000 * Math.max(1, drops)));
  }
}

function showError(message) {
  const box = document.getElementById('errors');
  const line = el('div', { class: 'error' }, message, ' ', el('button', { onclick: () => line.remove() }, 'dismiss'));
  box.append(line);
  return line;
}

const may = role => state.me && { viewer: 0, operator: 1, admin: 2 }[state.me.role] >= { viewer: 0, operator: 1, admin: 2 }[role];

// One refresh at a time: a slow API (a repo check under way) must not pile requests up.
function refresh() {
  if (!refreshing) {
    refreshing = load().finally(() => { refreshing = null; });
  }
  return refreshing;
}

// Who is signed in, and so what the page may offer. Without it no button is drawn: a page whose
// first ask went unanswered (the sidecar restarting, the network dropping it) asks again with each
// refresh rather than stay without buttons until it is reloaded.
async function whoAmI() {
  state.me = await api('GET', 'api/me');
  document.getElementById('me').textContent = `${state.me.who} (${state.me.role})`;
  document.getElementById('zone').textContent = `times in ${state.me.timeZone}`;
  // the error said when the first ask went unanswered is no longer true
  if (state.meUnanswered) {
    state.meUnanswered.remove();
    state.meUnanswered = null;
  }
}

async function load() {
  const began = Date.now();
  if (!state.me) {
    // the tables below are drawn either way; the error is said once, and taken back once answered
    await whoAmI().catch(e => {
      if (!state.meUnanswered) {
        state.meUnanswered = showError(`${e.message} (asked again with each refresh: until it answers, the page offers no buttons)`);
      }
    });
  }
  try {
    const [nodes, plans, targets, runs, restores, drillRuns, drills, checks, readBack, copies] = await Promise.all([
      api('GET', 'api/nodes'), api('GET', 'api/plans'), api('GET', 'api/targets'), api('GET', 'api/runs'),
      api('GET', 'api/restores'), api('GET', 'api/drills/runs'), api('GET', 'api/drills'),
      api('GET', 'api/repos/checks'), api('GET', 'api/repos/read-back'), api('GET', 'api/repos/copies')]);
    Object.assign(state, { nodes, plans, targets, runs, restores, drillRuns, drills, checks, readBack, copies });
    state.self = (nodes.find(n => !n.address) || {}).node;
    // nginx in a swarm talks to the repos task, which backs up nothing: the page opens on a node
    if (!state.node && (nodes.find(n => n.node === state.self) || {}).role === 'repos') {
      const first = nodes.find(n => n.role === 'node' && n.state === 'up');
      if (first) {
        state.node = first.node;
        return load();
      }
    }
    for (const [key, answered] of state.pending) {
      if (answered !== null && answered <= began) state.pending.delete(key);
    }
    render();
    document.getElementById('refreshed').textContent = `refreshed ${when(new Date())}`;
  } catch (e) {
    // the node asked for (Show) is said even when its calls failed: the rows below are still the last ones
    renderNodes();
    document.getElementById('refreshed').textContent = `not refreshed: ${e.message}`;
  }
}

// -- what is busy ----------------------------------------------------------------------------------

const runningRun = plan => state.runs.find(r => r.plan === plan && !r.endedAt);
const runningDrill = plan => state.drillRuns.find(d => d.plan === plan && !d.endedAt);
const runningRestore = target => state.restores.find(r => r.target === target && !r.endedAt);
const planBusy = plan => !!(runningRun(plan) || runningDrill(plan)) || state.pending.has(`plan:${plan}`);
const targetBusy = t => planBusy(t.plan) || !!runningRestore(t.name) || state.pending.has(`target:${t.name}`)
  || (state.restore && state.restore.target === t.name);

// -- rendering -------------------------------------------------------------------------------------

function progressOf(title, job, attrs) {
  const p = job.progress;
  const bar = el('div', { class: p && p.percent !== null && p.percent !== undefined ? 'bar' : 'bar unknown' },
    el('div', { style: p && p.percent !== null && p.percent !== undefined ? `width:${p.percent}%` : null }));
  return el('div', Object.assign({ class: 'job' }, attrs), el('b', {}, title), ' ', job.phase || '',
    bar, el('div', { class: 'small progress-line' }, p ? p.line : ''));
}

function renderUnderWay() {
  const box = document.getElementById('under-way');
  const jobs = [
    ...state.runs.filter(r => !r.endedAt).map(r => progressOf(`Backup of plan ${r.plan}`, r, { 'data-run': r.id })),
    ...state.restores.filter(r => !r.endedAt).map(r => progressOf(`Restore of ${r.target}`, r, { 'data-restore': r.id })),
    ...state.drillRuns.filter(d => !d.endedAt).map(d => progressOf(`Drill of plan ${d.plan}`, d, { 'data-drill': d.id })),
    ...state.copies.filter(c => c.running).map(c => progressOf(`Copy of repo ${c.repo} to ${c.copy}`,
      { phase: '', progress: c.progress }, { 'data-copy': c.key })),
  ];
  box.replaceChildren(...(jobs.length ? jobs : [el('p', { class: 'quiet' }, 'Nothing is running.')]));
}

function lastDrill(drills) {
  if (!drills || !drills.length) return 'never';
  const passed = drills.filter(d => d.passed).length;
  const last = drills.map(d => d.at).sort().slice(-1)[0];
  return `${passed === drills.length ? `passed ${passed}/${drills.length}` : `${drills.length - passed} of ${drills.length} FAILED`}, ${when(last)}`;
}

// The swarm at a glance: every node (a node that does not answer shown DOWN with its plans late by
// their objectives), and which one the rest of the page shows.
function lateOf(n) {
  return (n.plans || []).filter(p => n.state === 'up' ? p.freshness !== 'fresh'
    : !p.lastSuccess || Date.parse(p.lastSuccess) + durationMillis(p.recoveryPointObjective) < Date.now()).map(p => p.id);
}

// "PT2H30M" as "2h30m", as the sidecar says it
function durationWords(iso) {
  return (iso || '').replace(/^PT/, '').toLowerCase();
}

function durationMillis(iso) {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(iso || '');
  return m ? ((+(m[1] || 0)) * 3600 + (+(m[2] || 0)) * 60 + (+(m[3] || 0))) * 1000 : 0;
}

function renderNodes() {
  const section = document.getElementById('nodes-section');
  section.hidden = state.nodes.length < 2;
  const shown = state.node || state.self;
  document.getElementById('node-shown').textContent = `(below: ${shown})`;
  const rows = state.nodes.map(n => {
    const late = lateOf(n);
    const running = (n.running || []).map(r => `${r.plan}: ${r.phase || ''}`).join('; ');
    return el('tr', { 'data-node': n.node, class: n.node === shown ? 'shown' : null },
      el('td', {}, n.node),
      el('td', {}, n.state === 'up' ? el('span', { class: 'good' }, 'up') : el('span', { class: 'bad', title: n.problem || '' },
        `DOWN since ${when(n.seenAt)}`)),
      el('td', {}, n.role),
      el('td', {}, late.length ? el('span', { class: 'bad' }, late.join(', ')) : '-'),
      el('td', {}, running || '-'),
      el('td', {}, n.state === 'up' && n.node !== shown ? el('button', { onclick: () => {
        state.node = n.node;
        state.restore = null;
        refresh();
      } }, 'Show') : ''));
  });
  document.querySelector('#nodes tbody').replaceChildren(...rows);
}

function renderPlans() {
  const rows = state.plans.map(p => {
    const busy = planBusy(p.id);
    const last = p.lastRun;
    const lastCell = last ? el('td', {}, outcome(last.state), ` ${when(last.endedAt)}`,
      el('div', { class: 'small' }, last.targets.map(t => `${t.target}: ${t.outcome === 'SUCCEEDED' ? 'ok' : t.outcome === 'SKIPPED' ? 'skipped' : 'FAILED'}`).join(', ')
        || 'no target'),
      last.error ? el('div', { class: 'small bad' }, last.error) : null) : el('td', { class: 'quiet' }, 'none yet');
    const stateText = runningRun(p.id) ? 'running' : p.freshness === 'fresh' ? 'fresh' : 'LATE';
    const actions = el('td', { class: 'actions' },
      may('operator') ? el('button', { 'data-action': 'backup', 'data-plan': p.id, disabled: busy,
        onclick: () => start(`plan:${p.id}`, 'POST', `api/plans/${encodeURIComponent(p.id)}/runs`) }, 'Back up now') : null,
      may('operator') ? el('button', { 'data-action': 'drill', 'data-plan': p.id, disabled: busy,
        onclick: () => start(`plan:${p.id}`, 'POST', `api/plans/${encodeURIComponent(p.id)}/drills`) }, 'Drill now') : null);
    return el('tr', { 'data-plan': p.id },
      el('td', {}, el('b', {}, p.id)),
      el('td', {}, el('span', { class: 'schedule nowrap' }, p.scheduleWords ? `${p.scheduleWords} ` : '',
        el('span', { class: 'small' }, `(${p.schedule}, ${p.timeZone})`))),
      el('td', { class: 'nowrap' }, when(p.nextRun)),
      el('td', { title: p.freshness }, outcome(stateText), stateText === 'LATE' ? el('div', { class: 'small' }, p.freshness) : null),
      el('td', {}, p.lastSuccess ? `${when(p.lastSuccess)} (${ago(p.lastSuccess)})` : 'never'),
      lastCell,
      el('td', {}, lastDrill(p.lastDrills), el('div', { class: p.restoreTime && p.restoreTime.includes(' over ')
        ? 'small bad rto' : 'small rto' }, p.restoreTime || `recovery-time objective ${durationWords(p.recoveryTimeObjective)}`)),
      el('td', {}, `${p.repo}${p.repoBytes !== null && p.repoBytes !== undefined ? `, ${size(p.repoBytes)}` : ''}`,
        ...(p.copies || []).map(c => el('div', { class: c.pastRetention > 0 ? 'small bad copy' : 'small copy', 'data-copy': c.key },
          `copy ${c.copy}: ${c.newestSnapshotTime ? `newest ${ago(c.newestSnapshotTime)}` : 'nothing copied yet'}`
          + (c.retentionNote ? ` · ${c.retentionNote}` : '')
          + (c.pastRetention > 0 ? ` · ${c.pastRetention} snapshots past its tiers for over a week` : '')))),
      actions);
  });
  rowsOr(document.querySelector('#plans tbody'), rows, 'no plans');
}

function renderTargets() {
  const rows = state.targets.map(t => el('tr', { 'data-target': t.name },
    el('td', {}, el('b', {}, t.name)), el('td', {}, t.container), el('td', {}, t.plan || '-'),
    el('td', {}, t.strategy || '-'), el('td', {}, t.status),
    el('td', {}, t.lastOutcome ? [outcome(t.lastOutcome), ` ${when(t.lastBackupAt)}`,
      t.lastError ? el('div', { class: 'small bad' }, t.lastError) : null] : '-'),
    el('td', { class: t.problems.length ? 'bad' : '' }, t.problems.join('; ')),
    el('td', { class: 'actions' }, may('admin') && t.status !== 'invalid' ? el('button', { 'data-action': 'restore',
      'data-target': t.name, disabled: targetBusy(t), onclick: () => openRestore(t) }, 'Restore…') : null)));
  rowsOr(document.querySelector('#targets tbody'), rows, 'no targets found: no container carries the backup labels');
}

function renderDrills() {
  rowsOr(document.querySelector('#drills tbody'), state.drills.map(d => el('tr', { 'data-drill-target': d.target },
    el('td', {}, d.target), el('td', {}, d.plan), el('td', {}, outcome(d.outcome), d.failure ? el('div', { class: 'small bad' }, d.failure) : null,
      (d.unproven || []).length ? el('div', { class: 'small' }, `not compared: ${d.unproven.join('; ')}`) : null),
    el('td', {}, when(d.at)), el('td', {}, when(d.backupTime)), el('td', {}, seconds(d.restoreSeconds)),
    el('td', { class: 'small' }, (d.checks || []).join('; ')))), 'no drills yet');
  rowsOr(document.querySelector('#checks tbody'), state.checks.map(c => el('tr', { 'data-check': `${c.repo}/${c.kind}` },
    el('td', {}, c.repo), el('td', {}, c.part ? `${c.kind} (part ${c.part})` : c.kind),
    el('td', {}, outcome(c.passed ? 'passed' : 'FAILED')), el('td', {}, when(c.at)), el('td', {}, readBackOf(c)))),
  'no repo checks yet');
}

// Every byte of a repo read back within N data checks (drills.readBackIn): when it last was, and a
// part whose read failed, read again at each data check until it passes.
function readBackOf(check) {
  const r = check.kind === 'data' && (state.readBack || []).find(b => b.repo === check.repo);
  if (!r) return '';
  const full = r.lastFull ? `in full ${when(r.lastFull)}` : 'never in full yet';
  const due = r.due ? `${r.overdue ? 'OVERDUE since' : 'next due by'} ${when(r.due)}` : '';
  return el('span', { class: r.overdue || r.failedPart || r.failure ? 'bad' : '' },
    [full, due, r.failedPart ? `part ${r.failedPart} failed, read again until clean` : ''].filter(Boolean).join('; '));
}

function renderActivity() {
  const items = [
    ...state.runs.map(r => ({ at: r.startedAt || r.queuedAt, attrs: { 'data-run': r.id }, what: `backup of plan ${r.plan} (${r.trigger.toLowerCase()})`,
      state: r.state, took: r.endedAt && r.startedAt ? (new Date(r.endedAt) - new Date(r.startedAt)) / 1000 : null,
      details: r.error || r.failedTargets || (r.endedAt ? `${plural(r.targets.length, 'target')}, ${size(r.bytesAdded)} added` : r.phase) })),
    ...state.restores.filter(r => !r.dryRun).map(r => ({ at: r.startedAt, attrs: { 'data-restore': r.id },
      what: `restore of ${r.target} by ${r.requestedBy || '?'}`, state: r.state, took: r.durationSeconds,
      details: readable(r.error || (r.written || []).join('; ') || r.phase) })),
    ...state.drillRuns.map(d => ({ at: d.startedAt, attrs: { 'data-drill': d.id }, what: `drill of plan ${d.plan}`,
      state: d.endedAt ? (d.passed ? 'passed' : 'FAILED') : 'RUNNING',
      took: d.endedAt ? (new Date(d.endedAt) - new Date(d.startedAt)) / 1000 : null,
      details: d.endedAt ? (d.problem || d.results.map(x => `${x.target}: ${x.outcome}`).join(', ')) : d.phase })),
  ].sort((a, b) => String(b.at).localeCompare(String(a.at))).slice(0, 20);
  rowsOr(document.querySelector('#activity tbody'), items.map(i => el('tr', i.attrs,
    el('td', { class: 'nowrap' }, when(i.at)), el('td', {}, i.what), el('td', { class: 'state' }, outcome(i.state)),
    el('td', {}, seconds(i.took)), el('td', { class: 'small' }, i.details || ''))), 'nothing yet: no backup, restore or drill has run');
}

function render() {
  renderNodes();
  renderUnderWay();
  renderPlans();
  renderTargets();
  renderDrills();
  renderActivity();
  renderRestore();
}

// -- buttons ---------------------------------------------------------------------------------------

async function start(busyKey, method, path) {
  state.pending.set(busyKey, null);
  render();
  try {
    await api(method, path);
  } catch (e) {
    showError(e.message);
  } finally {
    state.pending.set(busyKey, Date.now());
  }
  await refresh();
}

// A restore: the dry run first, then the typed name, then the job followed to its end.
// The restore offers what the chosen backup holds: backups by date and size, a Postgres backup's
// databases, and (with its own confirmation) its roles.
const ROLES = '(roles)';

async function openRestore(target) {
  state.restore = { target: target.name, strategy: target.strategy, wal: !!target.walMode, dryRun: null, job: null,
    backups: null };
  document.getElementById('restore-section').hidden = false;
  document.getElementById('restore-target').textContent = target.name;
  document.getElementById('restore-kind').textContent = `${target.name} is backed up as ${target.strategy} (plan ${target.plan}).`;
  for (const id of ['restore-new-database', 'restore-confirm', 'restore-moment', 'restore-new-container']) {
    document.getElementById(id).value = '';
  }
  document.getElementById('restore-roles-confirm').checked = false;
  document.getElementById('restore-followed').replaceChildren();
  document.getElementById('restore-backup-choice').replaceChildren(el('option', { value: '' }, 'reading the backups…'));
  // the last restore's databases must not be offered (or picked) before this target's backups are read
  document.getElementById('restore-database').replaceChildren();
  render();
  document.getElementById('restore-section').scrollIntoView();
  if (target.walMode) {
    await openMoments(target);
    return;
  }
  try {
    const backups = await api('GET', `api/targets/${encodeURIComponent(target.name)}/backups`);
    if (!state.restore || state.restore.target !== target.name) return;
    state.restore.backups = backups;
    const chosen = backups.find(b => b.complete && !b.safety) || backups[0];
    document.getElementById('restore-backup-choice').replaceChildren(...(backups.length ? backups.map(b => el('option',
      { value: b.snapshot, selected: b === chosen },
      `${when(b.time)} · ${b.bytes === null || b.bytes === undefined ? 'size not recorded' : size(b.bytes)}`
      + `${b.safety ? ' · safety copy taken before a restore' : ''}${b.complete ? '' : ' · incomplete'}`))
      : [el('option', { value: '' }, 'no backup of it yet')]));
    chooseBackup();
  } catch (e) {
    showError(e.message);
    // the list could not be read: the dry run may still be asked for (of the newest backup), and says why not
    if (state.restore && state.restore.target === target.name && !state.restore.backups) {
      state.restore.backups = [];
      document.getElementById('restore-backup-choice').replaceChildren(el('option', { value: '' }, 'the backups could not be read'));
      renderRestore();
    }
  }
}

// A wal-mode Postgres restores to a moment: the picker is bounded by the window the repo holds.
async function openMoments(target) {
  try {
    const w = await api('GET', `api/targets/${encodeURIComponent(target.name)}/window`);
    if (!state.restore || state.restore.target !== target.name) return;
    const moment = document.getElementById('restore-moment');
    // the picker holds whole seconds: its first is the one at or after the window's start, its last
    // the one at or before its end (the sidecar puts the start of every base on a whole second)
    moment.min = w.from ? localInput(new Date(Math.ceil(new Date(w.from).getTime() / 1000) * 1000).toISOString()) : '';
    moment.max = w.until ? localInput(w.until) : '';
    const second = iso => localInput(iso).replace('T', ' ');
    const gaps = (w.gaps || []).map(g => `, except between ${second(g.after)} and ${second(g.before)}`).join('');
    document.getElementById('restore-holds').textContent = w.from
      ? `It can be restored to any moment from ${when(w.from)} to ${when(w.until)}${gaps}`
        + ` (${plural(w.bases.length, 'base backup')}, ${w.baseBackups || 'full'}; the stream is ${w.stream && w.stream.streaming ? 'up' : 'not up'}).`
        + (w.unrestorable || []).map(u => ` Left out: ${u}.`).join('')
      : 'It has no base backup that can be restored yet: nothing to restore.'
        + (w.unrestorable || []).map(u => ` ${u}.`).join('');
    state.restore.dryRun = null;
    renderRestore();
  } catch (e) {
    showError(e.message);
  }
}

const chosenBackup = () => {
  const r = state.restore;
  const id = document.getElementById('restore-backup-choice').value;
  return r && r.backups ? r.backups.find(b => b.snapshot === id) : undefined;
};

// A backup chosen: the databases (and roles) it holds to pick from, and what else it holds.
function chooseBackup() {
  const b = chosenBackup();
  const databases = document.getElementById('restore-database');
  const before = databases.value;
  const options = b ? b.databases.map(d => el('option', { value: d }, `database ${d}`)) : [];
  if (b && b.globals && may('admin')) options.push(el('option', { value: ROLES }, 'roles and tablespaces (globals.sql)'));
  databases.replaceChildren(...options);
  if (options.some(o => o.value === before)) databases.value = before;
  const holds = !b ? '' : state.restore.strategy === 'postgres'
    ? `This backup holds ${plural(b.databases.length, 'database')}${b.databases.length ? ` (${b.databases.join(', ')})` : ''}${b.globals ? ' and the roles' : ''}.`
    : `This backup holds ${b.paths.length ? b.paths.join(', ') : 'the target\'s data'}.`;
  document.getElementById('restore-holds').textContent = holds;
  state.restore.dryRun = null;
  renderRestore();
}

const rolesChosen = () => state.restore && state.restore.strategy === 'postgres'
  && document.getElementById('restore-database').value === ROLES;

function restoreRequest() {
  const r = state.restore;
  const body = { target: r.target };
  const value = id => document.getElementById(id).value.trim();
  if (r.wal) {
    body.to = value('restore-moment') || 'latest';
    if (value('restore-new-container')) body.newContainer = value('restore-new-container');
    return body;
  }
  if (value('restore-backup-choice')) body.snapshot = value('restore-backup-choice');
  if (r.strategy === 'postgres') {
    if (rolesChosen()) body.globals = true;
    else {
      if (value('restore-database')) body.database = value('restore-database');
      if (value('restore-new-database')) body.newDatabase = value('restore-new-database');
    }
  }
  return body;
}

async function dryRun() {
  try {
    state.restore.dryRun = await api('POST', 'api/restores', Object.assign(restoreRequest(), { dryRun: true }));
  } catch (e) {
    state.restore.dryRun = null;
    showError(e.message);
  }
  renderRestore();
}

async function goRestore() {
  const r = state.restore;
  const typed = document.getElementById('restore-confirm').value;
  if (typed !== r.target || (rolesChosen() && !document.getElementById('restore-roles-confirm').checked)) return;
  try {
    r.job = await api('POST', 'api/restores', Object.assign(restoreRequest(), { confirm: typed }));
  } catch (e) {
    showError(e.message);
    return;
  }
  renderRestore();
  while (r.job && !r.job.endedAt) {
    await new Promise(done => setTimeout(done, 1500));
    try {
      r.job = await api('GET', `api/restores/${encodeURIComponent(r.job.id)}`);
    } catch (e) {
      showError(e.message);
    }
    renderRestore();
  }
  // a refresh begun while the job ran still lists it as running: the one after it is the first to
  // know it ended, and unlocks the buttons it held
  await refresh();
  refresh();
}

function renderRestore() {
  const r = state.restore;
  const section = document.getElementById('restore-section');
  if (!r) { section.hidden = true; return; }
  const plan = document.getElementById('restore-plan');
  document.querySelectorAll('#restore-form .postgres-only').forEach(e => { e.hidden = r.strategy !== 'postgres' || r.wal; });
  document.querySelectorAll('#restore-form .backup-only').forEach(e => { e.hidden = r.wal; });
  document.querySelectorAll('#restore-form .wal-only').forEach(e => { e.hidden = !r.wal; });
  document.querySelectorAll('#restore-form .database-only').forEach(e => { e.hidden = r.strategy !== 'postgres' || rolesChosen(); });
  plan.hidden = !r.dryRun || !!r.job;
  const roles = rolesChosen();
  document.getElementById('restore-roles-ack').hidden = !roles;
  document.getElementById('restore-roles-target').textContent = r.target;
  if (r.dryRun) {
    document.getElementById('restore-backup').textContent = r.dryRun.backup;
    document.getElementById('restore-backup-time').textContent = when(r.dryRun.backupTime);
    document.getElementById('restore-snapshots').textContent = (r.dryRun.snapshots || []).join(', ');
    document.getElementById('restore-would-write').replaceChildren(...(r.dryRun.wouldWrite || []).map(w => el('li', {}, readable(w))));
    document.getElementById('restore-safety').textContent = r.dryRun.safetyFirst
      ? 'A safety snapshot of the live data is taken first: it can be restored like any backup.'
      : 'No safety snapshot is taken: this restore overwrites no live data that one would hold.';
    document.getElementById('restore-name-hint').textContent = r.target;
  }
  const busy = planBusy(state.targets.find(t => t.name === r.target)?.plan) || !!runningRestore(r.target);
  document.getElementById('restore-go').disabled = busy || !!r.job
    || document.getElementById('restore-confirm').value !== r.target
    || (roles && !document.getElementById('restore-roles-confirm').checked);
  // until the backups are read, the backup chosen is not known: a dry run asked before would show a
  // plan that the list's arrival then takes away (chooseBackup makes it stale)
  document.getElementById('restore-dry-run').disabled = busy || !!r.job || (!r.wal && !r.backups);
  const followed = document.getElementById('restore-followed');
  if (r.job) {
    const j = r.job;
    followed.replaceChildren(j.endedAt
      ? el('div', { class: 'job', 'data-restore': j.id, 'data-state': j.state }, el('b', {}, `Restore of ${j.target}: `), outcome(j.state),
        ` after ${seconds(j.durationSeconds)}`, el('ul', {}, (j.written || []).map(w => el('li', {}, readable(w)))),
        j.safetySnapshots && j.safetySnapshots.length ? el('div', { class: 'small' }, `safety snapshot: ${j.safetySnapshots.join(', ')}`) : null,
        j.error ? el('div', { class: 'bad' }, readable(j.error)) : null,
        el('button', { onclick: closeRestore }, 'Close'))
      : progressOf(`Restore of ${j.target}`, j, { 'data-restore': j.id, 'data-state': j.state }));
  }
}

function closeRestore() {
  state.restore = null;
  render();
}

async function main() {
  document.getElementById('restore-dry-run').addEventListener('click', dryRun);
  document.getElementById('restore-cancel').addEventListener('click', closeRestore);
  document.getElementById('restore-go').addEventListener('click', goRestore);
  document.getElementById('restore-confirm').addEventListener('input', renderRestore);
  document.getElementById('restore-roles-confirm').addEventListener('change', renderRestore);
  document.getElementById('restore-backup-choice').addEventListener('change', chooseBackup);
  // a changed request makes the dry run shown stale: it must be asked for again
  for (const id of ['restore-database', 'restore-new-database', 'restore-moment', 'restore-new-container']) {
    for (const event of ['input', 'change']) {
      document.getElementById(id).addEventListener(event, () => { if (state.restore) { state.restore.dryRun = null; renderRestore(); } });
    }
  }
  // the first refresh asks who is signed in (load) before it draws the tables
  await refresh();
  setInterval(refresh, REFRESH_MS);
}

main();
