/**
 * GET / — the live status page: one self-contained HTML document (no CDN, no
 * build step) that polls GET /api/status every 2 s and renders it. Everything
 * it shows is built with textContent, never innerHTML, so a reason string from
 * an error cannot inject markup. Tested in headless Chromium
 * (test/integration/status-page.test.ts).
 */
const STYLE = `
:root{--bg:#0f172a;--card:#1e293b;--muted:#94a3b8;--fg:#e2e8f0;--up:#22c55e;--down:#ef4444;--warn:#f59e0b;--line:#334155}
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;align-items:center;gap:12px;padding:14px 20px;border-bottom:1px solid var(--line)}
h1{font-size:18px;margin:0;font-weight:600}h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 8px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-weight:600;font-size:12px}
.UP,.closed,.valid{background:rgba(34,197,94,.15);color:var(--up)}.DOWN,.open,.expired,.not-yet-valid{background:rgba(239,68,68,.18);color:var(--down)}
.warn,.half-open,.expiring,.paused{background:rgba(245,158,11,.18);color:var(--warn)}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:14px;padding:16px 20px}
section{background:var(--card);border-radius:10px;padding:14px 16px}
.kpis{display:grid;grid-template-columns:repeat(2,1fr);gap:10px}.kpi .v{font-size:24px;font-weight:650}.kpi .l{color:var(--muted);font-size:12px}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:4px 6px;overflow-wrap:anywhere;border-bottom:1px solid var(--line);vertical-align:top}th{color:var(--muted);font-weight:500;font-size:12px}
td.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:var(--muted)}#updated{margin-left:auto;color:var(--muted);font-size:12px}
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
function badge(text, cls) { return el('span', text, 'badge ' + (cls || text)); }
function fmt(n, digits) { if (n === null || n === undefined) return '–'; return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 0 : digits }); }
function table(id, head, rows, empty) {
  const t = $(id); t.replaceChildren();
  const hr = el('tr'); head.forEach((h) => hr.appendChild(el('th', h))); t.appendChild(hr);
  if (rows.length === 0) { const r = el('tr'); const c = el('td', empty, 'muted'); c.colSpan = head.length; r.appendChild(c); t.appendChild(r); return; }
  rows.forEach((cells) => { const r = el('tr'); cells.forEach((c) => { if (c instanceof Node) { const td = el('td'); td.appendChild(c); r.appendChild(td); } else { r.appendChild(el('td', c, typeof c === 'number' ? 'num' : '')); } }); t.appendChild(r); });
}
function figures(name, d) {
  if (name === 'processMemory') return 'heap ' + d.heapUsedPercent + ' % of ' + fmt(d.heapLimitMb) + ' MB';
  if (name === 'eventLoop') return 'delay p99 ' + d.p99DelayMs + ' ms, max ' + d.maxDelayMs + ' ms';
  if (name === 'workerPool' && d.threads !== undefined) return d.threads + ' thread(s), queue ' + d.queueSize + ', utilisation ' + Math.round(d.utilization * 100) + ' %';
  if (name === 'sslCertificate' && d.minDaysLeft !== undefined && !d.warning && !d.error) return 'soonest expiry in ' + fmt(d.minDaysLeft) + ' days';
  if (name === 'lifecycle' && !d.reason) return [d.shuttingDown, d.fatal].filter(Boolean).join(', ');
  return d.warning || d.reason || d.error || '';
}
function kpi(id, value, label) { const box = $(id); box.replaceChildren(el('div', value, 'v'), el('div', label, 'l')); }
function render(s) {
  const k = s.kafka, th = k.throughput || {};
  const comps = s.health.components || {};
  const LIVE = ['processMemory', 'messageConsumptionActivity', 'eventLoop', 'workerPool'];
  const live = LIVE.every((n) => !comps[n] || comps[n].status === 'UP');
  const ready = Object.keys(comps).filter((n) => !LIVE.includes(n)).every((n) => comps[n].status === 'UP');
  $('status').replaceChildren(el('span', 'ready ', 'muted'), badge(ready ? 'UP' : 'DOWN'), el('span', '  live ', 'muted'), badge(live ? 'UP' : 'DOWN'));
  $('version').textContent = 'v' + s.version + ' · up ' + fmt(s.uptimeSeconds) + ' s';
  kpi('k-in', fmt(th.messagesInPerSecond, 1), 'messages/s in');
  kpi('k-out', fmt(th.messagesOutPerSecond, 1), 'messages/s out');
  kpi('k-mbin', fmt(th.mbInPerSecond, 2), 'MB/s in');
  kpi('k-mbout', fmt(th.mbOutPerSecond, 2), 'MB/s out');
  table('totals', ['consumed', 'delivered', 'dead-lettered', 'failed'], [[fmt(k.consumed), fmt(k.delivered), fmt(k.deadLettered), fmt(k.failed)]], '');
  $('delivered').textContent = fmt(k.delivered);
  const p = k.pause;
  $('pause').replaceChildren(p === null ? el('span', 'unknown', 'muted') : p.paused ? badge('paused', 'paused') : badge('consuming', 'UP'));
  table('pause-reasons', ['reason', 'for'], p ? p.reasons.map((r) => [r.reason, r.heldMs === undefined ? '–' : fmt(r.heldMs / 1000, 1) + ' s']) : [], 'no pause reason holds');
  table('circuits', ['circuit', 'state', 'reason'], (s.circuits || []).map((c) => [c.name, badge(c.state), c.reason || '']), 'circuits not reported');
  table('indicators', ['indicator', 'status', 'details'], Object.entries(comps).map(([n, c]) => [n, badge(c.details && c.details.warning && c.status === 'UP' ? 'UP ⚠' : c.status, c.details && c.details.warning && c.status === 'UP' ? 'warn' : c.status), figures(n, c.details || {})]), 'no indicators');
  const certs = (comps.sslCertificate && comps.sslCertificate.details.certificates) || [];
  table('certs', ['store', 'subject', 'days left', 'state'], certs.map((c) => [c.store, c.subject, c.daysLeft, badge(c.state)]), 'TLS disabled or not read yet');
  const lag = (k.lag && k.lag.partitions) || [];
  $('lag-total').textContent = k.lag ? fmt(k.lag.total) : '–';
  table('lag', ['topic', 'partition', 'end', 'committed', 'lag'], lag.map((l) => [l.topic, l.partition, l.high, l.committed, l.lag]), 'no partitions assigned (or not sampled yet)');
  table('dlq', ['when', 'where', 'code', 'reason'], (k.lastDeadLetters || []).map((d) => [d.at.slice(11, 19), d.topic + '[' + d.partition + ']@' + d.offset, d.code, d.reason]), 'no dead letters');
  $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  document.body.dataset.loaded = 'true';
}
async function tick() {
  try { const r = await fetch('api/status', { cache: 'no-store' }); render(await r.json()); }
  catch (e) { $('updated').textContent = 'cannot reach the consumer: ' + e.message; }
}
tick(); setInterval(tick, 2000);
`;

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>wifi-scan-queue-consumer · status</title><style>${STYLE}</style></head>
<body>
<header><h1>wifi-scan-queue-consumer</h1><span id="status"></span><span id="version" class="muted"></span><span id="updated">loading…</span></header>
<main>
<section><h2>Throughput</h2><div class="kpis"><div class="kpi" id="k-in"></div><div class="kpi" id="k-out"></div><div class="kpi" id="k-mbin"></div><div class="kpi" id="k-mbout"></div></div></section>
<section><h2>Since reset · delivered <span id="delivered"></span></h2><table id="totals"></table><h2 style="margin-top:14px">Pause <span id="pause"></span></h2><table id="pause-reasons"></table></section>
<section><h2>Circuits</h2><table id="circuits"></table><h2 style="margin-top:14px">Certificates</h2><table id="certs"></table></section>
<section><h2>Health indicators</h2><table id="indicators"></table></section>
<section><h2>Lag per partition · total <span id="lag-total"></span></h2><table id="lag"></table></section>
<section><h2>Last dead letters</h2><table id="dlq"></table></section>
</main>
<script>${SCRIPT}</script>
</body></html>`;
