/* charts.js - the dashboard's chart kinds on Chart.js 3.9.1 (numeric
 * axes only: Debian ships no date adapter): log2 wait-time histograms
 * overlaid per run, stacked fallback-rate bars, and compare's changes as
 * bars with their 95 % intervals as whiskers. Animation is off so a
 * chart is complete as soon as it is made (and in a headless screenshot). */
'use strict';
var VLS = window.VLS || (window.VLS = {});

Chart.defaults.animation = false;
Chart.defaults.font.family = getComputedStyle(document.documentElement)
  .getPropertyValue('--font').trim() || 'sans-serif';
Chart.defaults.font.size = 12;
Chart.defaults.color = '#4a5160';

VLS.charts = {
  live: [],

  /* Drop the charts of the previous view. */
  reset: function () {
    VLS.charts.live.forEach(function (c) { c.destroy(); });
    VLS.charts.live = [];
  },

  /* Count the coloured (non-grey) pixels in the plot area into
   * canvas.dataset.ink: 0 means the chart drew no data. */
  measure: function (chart) {
    var a = chart.chartArea, ctx = chart.ctx, r = chart.currentDevicePixelRatio || 1;
    if (!a || a.right <= a.left || a.bottom <= a.top) return;
    var img = ctx.getImageData(a.left * r, a.top * r, (a.right - a.left) * r,
      (a.bottom - a.top) * r).data, ink = 0;
    for (var i = 0; i < img.length; i += 4) {
      var R = img[i], G = img[i + 1], B = img[i + 2];
      if (img[i + 3] > 0 && Math.max(R, G, B) - Math.min(R, G, B) > 40) ink++;
    }
    chart.canvas.dataset.ink = ink;
  },

  make: function (canvas, config) {
    config.plugins = (config.plugins || []).concat([{
      id: 'vls-ink', afterRender: function (c) { VLS.charts.measure(c); }
    }]);
    var chart = new Chart(canvas.getContext('2d'), config);
    VLS.charts.live.push(chart);
    return chart;
  },

  /* series: [{name, color, buckets}] with buckets[i] = waits in
   * [2^i, 2^(i+1)) ns. Both axes logarithmic: runs differ by orders of
   * magnitude in how many waits they have, and waits span ns to seconds. */
  histogram: function (canvas, series) {
    var datasets = series.map(function (s) {
      return {
        label: s.name,
        data: s.buckets.map(function (n, i) { return { x: Math.pow(2, i), y: n > 0 ? n : null }; })
          .concat([{ x: Math.pow(2, s.buckets.length), y: s.buckets[s.buckets.length - 1] || null }]),
        borderColor: s.color, backgroundColor: s.color + '33',
        borderWidth: 2, stepped: 'after', fill: false, spanGaps: false,
        pointRadius: 2.5, pointBackgroundColor: s.color
      };
    });
    return VLS.charts.make(canvas, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, parsing: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: {
            type: 'logarithmic', min: 1000, title: { display: true, text: 'wait time (log2 buckets)' },
            ticks: {
              maxRotation: 0, autoSkip: false,
              callback: function (v) {
                var l = Math.log10(v);
                return Math.abs(l - Math.round(l)) < 1e-9 ? VLS.fmt.ns(v) : '';
              }
            }
          },
          y: {
            type: 'logarithmic', title: { display: true, text: 'waits' },
            ticks: {
              callback: function (v) {
                var l = Math.log10(v);
                return Math.abs(l - Math.round(l)) < 1e-9 ? VLS.fmt.count(v) : '';
              }
            }
          }
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 14 } },
          tooltip: {
            callbacks: {
              title: function (items) {
                var x = items[0].parsed.x;
                return VLS.fmt.ns(x) + ' \u2013 ' + VLS.fmt.ns(2 * x);
              },
              label: function (i) { return i.dataset.label + ': ' + VLS.fmt.count(i.parsed.y) + ' waits'; }
            }
          }
        }
      }
    });
  },

  /* Fallback rate by reason: labels = categories, stacks = reasons, values
   * in 0..1 per category and reason. */
  stacked: function (canvas, labels, byReason) {
    return VLS.charts.make(canvas, {
      type: 'bar',
      data: {
        labels: labels,
        datasets: VLS.REASONS.map(function (r) {
          return {
            label: VLS.REASON_TITLES[r], backgroundColor: VLS.REASON_COLORS[r],
            data: byReason[r].map(function (v) { return v === null ? null : v * 100; }),
            borderWidth: 0, maxBarThickness: 64
          };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: {
            stacked: true, beginAtZero: true, title: { display: true, text: 'faults that fell back to mmap_lock' },
            ticks: { callback: function (v) { return v + '%'; } }
          }
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 14 } },
          tooltip: {
            callbacks: {
              label: function (i) { return i.dataset.label + ': ' + (i.parsed.y === null ? 'n/a' : i.parsed.y.toFixed(2) + '%'); }
            }
          }
        }
      }
    });
  },

  /* Compare's changes: one horizontal bar per figure and non-baseline
   * group, the change in % of the baseline mean, with its 95 % interval
   * (ci95, in the same %) drawn as a whisker. Bars are in the group's
   * colour only when the verdict is a change; grey otherwise. The axis is
   * cut at +-CLIP % (a change of +11667 % would flatten every other bar):
   * a bar or whisker past it stops at the edge, the tooltip has the true
   * numbers. */
  changes: function (canvas, figures, groups) {
    var CLIP = 150, GREY = '#c3c8d0';
    var figs = figures.filter(function (f) {
      return f.change.some(function (c) { return c && c.pct !== null; });
    });
    var clip = function (v) { return Math.max(-CLIP, Math.min(CLIP, v)); };
    var datasets = groups.slice(1).map(function (g, j) {
      var gi = j + 1, color = VLS.RUN_COLORS[gi % VLS.RUN_COLORS.length];
      var pts = figs.map(function (f) {
        var c = f.change[gi], base = f.values[0];
        if (!c || c.pct === null) return { pct: null, ci: null, c: c };
        var ci = c.ci95 && base && base.mean !== 0 ?
          [c.ci95[0] / Math.abs(base.mean) * 100, c.ci95[1] / Math.abs(base.mean) * 100] : null;
        return { pct: c.pct, ci: ci, c: c };
      });
      return {
        label: g.label || g.name,
        data: pts.map(function (p) { return p.pct === null ? null : clip(p.pct); }),
        pts: pts,
        backgroundColor: pts.map(function (p) {
          var v = p.c && p.c.verdict;
          return v === 'increase' || v === 'decrease' ? color : GREY;
        }),
        groupColor: color, borderWidth: 0, maxBarThickness: 18
      };
    });
    var whiskers = {
      id: 'vls-whiskers',
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx, x = chart.scales.x, a = chart.chartArea;
        ctx.save();
        ctx.beginPath();
        ctx.rect(a.left, a.top, a.right - a.left, a.bottom - a.top);
        ctx.clip();
        ctx.strokeStyle = '#2b303a';
        ctx.lineWidth = 1.5;
        chart.data.datasets.forEach(function (ds, i) {
          var meta = chart.getDatasetMeta(i);
          if (meta.hidden) return;
          ds.pts.forEach(function (p, k) {
            var bar = meta.data[k];
            if (!p.ci || !bar) return;
            var y = bar.y, l = x.getPixelForValue(clip(p.ci[0])), r = x.getPixelForValue(clip(p.ci[1]));
            ctx.beginPath();
            ctx.moveTo(l, y); ctx.lineTo(r, y);
            ctx.moveTo(l, y - 4); ctx.lineTo(l, y + 4);
            ctx.moveTo(r, y - 4); ctx.lineTo(r, y + 4);
            ctx.stroke();
          });
        });
        ctx.restore();
      }
    };
    return VLS.charts.make(canvas, {
      type: 'bar',
      data: { labels: figs.map(function (f) { return f.title; }), datasets: datasets },
      plugins: [whiskers],
      options: {
        indexAxis: 'y', responsive: true, maintainAspectRatio: false,
        scales: {
          x: {
            min: -CLIP, max: CLIP, title: { display: true, text: 'change against the baseline mean' },
            ticks: { callback: function (v) { return (v > 0 ? '+' : '') + v + '%'; } }
          },
          y: { grid: { display: false } }
        },
        plugins: {
          legend: {
            position: 'bottom',
            labels: {
              boxWidth: 14,
              /* the group's colour, whatever its first bar's verdict */
              generateLabels: function (chart) {
                return Chart.defaults.plugins.legend.labels.generateLabels(chart).map(function (l) {
                  var c = chart.data.datasets[l.datasetIndex].groupColor;
                  l.fillStyle = l.strokeStyle = c;
                  return l;
                });
              }
            }
          },
          tooltip: {
            callbacks: {
              label: function (i) {
                var p = i.dataset.pts[i.dataIndex], f = figs[i.dataIndex], c = p.c;
                var s = i.dataset.label + ': ' + VLS.fmt.delta(c.abs, f.unit) + ' (' + VLS.fmt.pct(p.pct) + ')';
                if (c.verdict) s += ', ' + c.verdict + ', 95 % interval ' +
                  VLS.fmt.delta(c.ci95[0], f.unit) + ' \u2026 ' + VLS.fmt.delta(c.ci95[1], f.unit);
                else s += ', no verdict (one run a side)';
                return s;
              }
            }
          }
        }
      }
    });
  }
};
