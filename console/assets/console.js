// posdrop console: draws the charts from their data-chart attributes. Everything else works
// without this script; htmx and its SSE extension make Today live.
'use strict';

const OUTCOMES = [
  ['accepted', 1],
  ['failed', 0.55],
  ['duplicates', 0.3],
];
const HUES = [215, 145, 28, 280, 350, 185, 60, 320];

function drawChart(canvas) {
  if (!window.Chart || canvas.dataset.drawn) return;
  let data;
  try {
    data = JSON.parse(canvas.dataset.chart);
  } catch {
    return;
  }
  canvas.dataset.drawn = 'yes';
  const datasets = [];
  data.series.forEach((series, index) => {
    const hue = HUES[index % HUES.length];
    for (const [outcome, strength] of OUTCOMES) {
      datasets.push({
        label: `${series.partner} ${outcome}`,
        data: series[outcome],
        stack: series.partner,
        backgroundColor: `hsla(${hue}, 60%, ${outcome === 'failed' ? 45 : 50}%, ${strength})`,
      });
    }
  });
  new window.Chart(canvas, {
    type: 'bar',
    data: { labels: data.days.map((day) => day.slice(5)), datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    },
  });
}

function drawAll(root) {
  for (const canvas of root.querySelectorAll('canvas[data-chart]')) drawChart(canvas);
}

document.addEventListener('DOMContentLoaded', () => drawAll(document));
document.addEventListener('htmx:afterSwap', (event) => drawAll(event.target));
