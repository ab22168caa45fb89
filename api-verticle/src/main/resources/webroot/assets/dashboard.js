// The live picture of what the selector sees: refreshed from the node's own API every second. The clock's
// history comes from the node (GET /history keeps its last hour), so a page opened late still shows it.
'use strict';
const COLOURS = {
  selected: '#2e9d57', candidate: '#8a94a6', falseticker: '#d64545', unreachable: '#c7ccd6',
  kiss: '#9b59b6', 'too-distant': '#e1a23a', pending: '#c7ccd6', alias: '#8d99ae', smearing: '#e67e22', region: 'rgba(33, 113, 226, 0.85)',
  hull: 'rgba(33, 113, 226, 0.25)'
};
const HISTORY_MS = 3600 * 1000; // what the node keeps, and what the chart shows
const STATUS_COLOURS = { SYNCHRONIZED: '#2e9d57', HOLDOVER: '#e1a23a', UNSYNCHRONIZED: '#d64545' };
const charts = {};
window.timemeshCharts = charts;

const ms = nanos => nanos / 1e6;
// ISO 8601 in UTC, 24-hour: the axis and the page read the same in every locale.
const isoTime = atMs => new Date(atMs).toISOString().substring(11, 19);
const isoDateTime = atMs => new Date(atMs).toISOString().substring(0, 19) + 'Z';

function intervalsChart() {
  return new Chart(document.getElementById('intervals'), {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'offset ± root distance', data: [], backgroundColor: [], borderSkipped: false }] },
    options: {
      indexAxis: 'y', animation: false, responsive: true,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: false, grace: '5%',
                     title: { display: true, text: 'offset from the selector\'s clock (ms)' } } }
    }
  });
}

function historyChart() {
  return new Chart(document.getElementById('history'), {
    type: 'line',
    data: { labels: [], datasets: [
      { label: 'last offset (ms)', data: [], borderColor: '#2171e2', pointRadius: 1.5, yAxisID: 'yOffset' },
      { label: 'served bound ± (ms), points coloured by status', data: [], borderColor: '#8a94a6',
        pointBackgroundColor: [], pointBorderColor: [], pointRadius: 2, yAxisID: 'yBound' }] },
    options: { animation: false, responsive: true, scales: {
      x: { title: { display: true, text: 'served time, UTC (ISO 8601, 24-hour)' }, ticks: { maxTicksLimit: 12 } },
      yOffset: { position: 'left', beginAtZero: false, grace: '5%', title: { display: true, text: 'offset (ms)' } },
      yBound: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false },
               title: { display: true, text: 'bound ± (ms)' } } } }
  });
}

async function json(path) {
  const response = await fetch(path);
  return response.ok ? response.json() : null;
}

function showIntervals(sources, decision) {
  const rows = sources.filter(s => s.offsetNs !== null && s.rootDistanceNs !== null);
  const labels = rows.map(s => `${s.address} (${s.state})`);
  const data = rows.map(s => [ms(s.offsetNs - s.rootDistanceNs), ms(s.offsetNs + s.rootDistanceNs)]);
  const colours = rows.map(s => COLOURS[s.state] || '#8a94a6');
  if (decision && decision.status === 'MAJORITY') {
    labels.push('agreed (majority hull)');
    data.push([decision.lowSeconds * 1e3, decision.highSeconds * 1e3]);
    colours.push(COLOURS.hull);
    labels.push(`chosen region (${decision.agreeing} of ${decision.candidates})`);
    data.push([decision.regionLowSeconds * 1e3, decision.regionHighSeconds * 1e3]);
    colours.push(COLOURS.region);
  }
  const chart = charts.intervals;
  chart.data.labels = labels;
  chart.data.datasets[0].data = data;
  chart.data.datasets[0].backgroundColor = colours;
  chart.sourceBars = rows.length;
  chart.region = decision && decision.status === 'MAJORITY' ? [decision.regionLowSeconds, decision.regionHighSeconds] : null;
  chart.update();
}

// Appends the node's points newer than those shown, and drops what is older than the hour the node keeps.
function showHistory(points) {
  const chart = charts.history;
  const [offsets, bounds] = chart.data.datasets;
  for (const point of points) {
    if (chart.lastAtMs !== undefined && point.atMs <= chart.lastAtMs) {
      continue;
    }
    chart.lastAtMs = point.atMs;
    chart.atMs.push(point.atMs);
    chart.data.labels.push(isoTime(point.atMs));
    offsets.data.push(point.lastOffsetSeconds === null ? null : point.lastOffsetSeconds * 1e3);
    bounds.data.push(point.errorBoundNs === null ? null : ms(point.errorBoundNs));
    bounds.pointBackgroundColor.push(STATUS_COLOURS[point.status]);
    bounds.pointBorderColor.push(STATUS_COLOURS[point.status]);
  }
  while (chart.atMs.length && chart.atMs[0] <= chart.lastAtMs - HISTORY_MS) {
    chart.atMs.shift();
    chart.data.labels.shift();
    [offsets.data, bounds.data, bounds.pointBackgroundColor, bounds.pointBorderColor].forEach(a => a.shift());
  }
  chart.update();
}

// Every configured source, answering or not, with the selector's reason for its state.
function showSources(sources) {
  const rows = sources.map(s => {
    const row = document.createElement('tr');
    row.className = 'source';
    row.dataset.state = s.state;
    const age = s.lastSampleAgeSeconds === null ? '–' : `${s.lastSampleAgeSeconds.toFixed(1)} s`;
    const offset = s.offsetNs === null ? '–' : `${ms(s.offsetNs).toFixed(3)} ms`;
    // How its replies are authenticated, as `timemesh sources` shows it: NTS with the cookies held, or '–'.
    const auth = s.auth === 'NTS' ? `NTS:${s.ntsCookies === null ? 0 : s.ntsCookies}` : '–';
    for (const text of [s.address, s.state, auth, s.reach.toString(8), age, offset, s.reason || '']) {
      row.appendChild(Object.assign(document.createElement('td'), { textContent: text }));
    }
    row.firstChild.style.borderLeft = `4px solid ${COLOURS[s.state] || '#8a94a6'}`;
    return row;
  });
  document.getElementById('sources').replaceChildren(...rows);
}

function showFalsetickers(sources) {
  const list = document.getElementById('falsetickers');
  const liars = sources.filter(s => s.state === 'falseticker');
  list.replaceChildren(...(liars.length ? liars.map(s => {
    const item = document.createElement('li');
    item.className = 'falseticker';
    item.textContent = `${s.address}: ${s.reason} (outlier ${s.outliers} times)`;
    return item;
  }) : [Object.assign(document.createElement('li'), { className: 'muted', textContent: 'none' })]));
}

async function refresh() {
  try {
    const [time, sources, status, history] = await Promise.all([json('/time'), json('/sources'),
      json('/status?decisions=1'), json(charts.history.fromNode === undefined ? '/history' : '/history?seconds=10')]);
    const decision = status && status.selection && status.selection.decisions.length ? status.selection.decisions[0] : null;
    const pill = document.getElementById('status');
    pill.textContent = time.status;
    pill.className = 'pill ' + time.status;
    document.getElementById('bound').textContent = time.errorBoundNs === null ? '∞' : `${ms(time.errorBoundNs).toFixed(3)} ms`;
    document.getElementById('peer').textContent = (status && status.systemPeer) || '–';
    document.getElementById('selector').textContent = (status && status.selection && status.selection.selectorNode) || '–';
    document.getElementById('updated').textContent = `updated ${isoDateTime(Date.now())}`;
    showIntervals(sources || [], decision);
    if (history) {
      if (charts.history.fromNode === undefined) {
        charts.history.fromNode = history.points.length; // what the node had kept before this page opened
      }
      showHistory(history.points);
    }
    showSources(sources || []);
    showFalsetickers(sources || []);
  } catch (e) {
    document.getElementById('updated').textContent = `cannot reach the node: ${e}`;
  }
}

charts.intervals = intervalsChart();
charts.history = Object.assign(historyChart(), { atMs: [] });
refresh();
setInterval(refresh, 1000);
