// The live picture of what the selector sees: refreshed from the node's own API every second.
'use strict';
const COLOURS = {
  selected: '#2e9d57', candidate: '#8a94a6', falseticker: '#d64545', unreachable: '#c7ccd6',
  kiss: '#9b59b6', 'too-distant': '#e1a23a', pending: '#c7ccd6', alias: '#8d99ae', region: 'rgba(33, 113, 226, 0.85)',
  hull: 'rgba(33, 113, 226, 0.25)'
};
const HISTORY = 120;
const charts = {};
window.timemeshCharts = charts;

const ms = nanos => nanos / 1e6;

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
      { label: 'reference offset (ms)', data: [], borderColor: '#2171e2', pointRadius: 1.5, yAxisID: 'yOffset' },
      { label: 'served bound ± (ms)', data: [], borderColor: '#e1a23a', pointRadius: 1.5, yAxisID: 'yBound' }] },
    options: { animation: false, responsive: true, scales: {
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

function showHistory(decision, time) {
  const chart = charts.history;
  chart.data.labels.push(new Date().toLocaleTimeString());
  chart.data.datasets[0].data.push(decision && decision.status === 'MAJORITY' ? decision.offsetSeconds * 1e3 : null);
  chart.data.datasets[1].data.push(time.errorBoundNs === null ? null : ms(time.errorBoundNs));
  if (chart.data.labels.length > HISTORY) {
    chart.data.labels.shift();
    chart.data.datasets.forEach(d => d.data.shift());
  }
  chart.update();
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
    const [time, sources, status] = await Promise.all([json('/time'), json('/sources'), json('/status?decisions=1')]);
    const decision = status && status.selection && status.selection.decisions.length ? status.selection.decisions[0] : null;
    const pill = document.getElementById('status');
    pill.textContent = time.status;
    pill.className = 'pill ' + time.status;
    document.getElementById('bound').textContent = time.errorBoundNs === null ? '∞' : `${ms(time.errorBoundNs).toFixed(3)} ms`;
    document.getElementById('peer').textContent = (status && status.systemPeer) || '–';
    document.getElementById('selector').textContent = (status && status.selection && status.selection.selectorNode) || '–';
    document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    showIntervals(sources || [], decision);
    showHistory(decision, time);
    showFalsetickers(sources || []);
  } catch (e) {
    document.getElementById('updated').textContent = `cannot reach the node: ${e}`;
  }
}

charts.intervals = intervalsChart();
charts.history = historyChart();
refresh();
setInterval(refresh, 1000);
