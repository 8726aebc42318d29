/* view-compare.js - the before/after table for chosen runs or labels (the
 * first is the baseline) with changes and their verdicts, the changes as
 * bars with their 95 % intervals as whiskers, the same per process name,
 * and wait-time histograms overlaid per group (its runs pooled). Only verdicts that are
 * changes (increase, decrease) are coloured: "no change", "inconclusive"
 * and no verdict (one run a side) stay grey (docs/compare.md).
 * State: #/compare?runs=1,2[,...] or #/compare?labels=a,b[,...] */
'use strict';
var VLS = window.VLS || (window.VLS = {});
VLS.views = VLS.views || {};

/* Figures where a drop is an improvement; the others are shown neutral. */
VLS.LOWER_IS_BETTER = ['user_fallback_rate', 'read_acquisitions', 'read_wait_total_ns', 'write_wait_avg_ns',
  'fallback_rate', 'io_retry_fallbacks', 'refaults', 'read_wait_p99_ns',
  'write_wait_p99_ns', 'fallback_faults'];

VLS.VERDICT_MARKS = { increase: '\u25b2', decrease: '\u25bc', 'no change': '=',
  inconclusive: '?' };

VLS.views.compare = function (root, params) {
  var h = VLS.h, ids = VLS.ids(params.get('runs'));
  var labels = (params.get('labels') || '').split(',').filter(function (x) { return x; }).slice(0, 16);
  if (ids.length < 2 && labels.length < 2) {
    root.appendChild(VLS.card('Compare', h('p.empty',
      'Pick two runs or more in ', h('a', { href: '#/runs' }, 'Runs'),
      ' (the first is the baseline), or two labels of repeated runs.')));
    return Promise.resolve();
  }
  var q = ids.length >= 2 ? 'runs=' + ids.join(',') :
    'labels=' + labels.map(encodeURIComponent).join(',');
  var runGroup = [];
  return VLS.api('/api/compare?' + q).then(function (cmp) {
    /* every run of every group, in group order, as many as the API takes */
    var all = [];
    cmp.groups.forEach(function (g, i) {
      g.runs.forEach(function (id) {
        if (all.length < 16 && all.indexOf(id) < 0) { all.push(id); runGroup.push(i); }
      });
    });
    return VLS.api('/api/histograms?runs=' + all.join(',')).then(function (hs) { return [cmp, hs]; });
  }).then(function (res) {
      var cmp = res[0], hist = res[1].runs, groups = cmp.groups;
      var reps = groups.some(function (g) { return g.runs.length > 1; });
      root.appendChild(VLS.card('Compare', h('div',
        h('div.legend', groups.map(function (g, i) {
          return h('a.chip', { href: VLS.state.href('run', { id: g.runs[0] }) },
            h('span.swatch', { dataset: { c: i } }),
            h('b', g.label || g.name), ' ', h('span.muted', g.kernel + ' \u00b7 ' + g.arch),
            i === 0 ? h('span.tag', 'baseline') : null);
        })),
        capsNote(cmp, groups),
        table(cmp.figures, groups, 'figures-all'))));
      root.appendChild(VLS.card('Change against the baseline', h('div',
        h('p.muted', reps ? 'Bars: the change of each mean, in % of the baseline; whiskers: ' +
          'its 95 % interval (Welch). Coloured: a verdict of increase or decrease past \u00b1' +
          cmp.threshold_pct + ' % of the baseline; grey: no change, inconclusive, or too few runs.' :
          'One run a group: no intervals and no verdicts (they need 2 runs a side: ' +
          'compare labels of repeated runs).'),
        h('div.chart.chart-tall', h('canvas', { id: 'change-chart', 'aria-label': 'changes with 95 % intervals' })))));
      root.appendChild(VLS.card('mmap_lock wait times', h('div.grid2',
        histCard('read', hist, 'hist-read'), histCard('write', hist, 'hist-write'))));
      (cmp.processes || []).forEach(function (p) {
        root.appendChild(VLS.card(h('span', 'process ', h('code', p.comm)),
          table(p.figures, groups, 'figures-' + p.comm)));
      });
      root.querySelectorAll('.swatch').forEach(function (s) {
        s.style.background = VLS.RUN_COLORS[s.dataset.c % VLS.RUN_COLORS.length];
      });
      VLS.charts.changes(root.querySelector('#change-chart'), cmp.figures, groups);
      drawHist(root, 'read', hist, groups);
      drawHist(root, 'write', hist, groups);
    });

  /* First, as the text compare says it: what one group cannot measure has
   * no value there and no change (docs/report-json.md, "Compare"). */
  function capsNote(cmp, groups) {
    if (!cmp.capabilities_differ) return null;
    var all = {};
    groups.forEach(function (g) { g.capabilities.forEach(function (c) { all[c] = true; }); });
    return h('p.note', { id: 'caps-differ' }, 'Capabilities differ: ',
      groups.map(function (g) {
        var lacks = Object.keys(all).filter(function (c) { return g.capabilities.indexOf(c) < 0; });
        return lacks.length ? (g.label || g.name) + ' lacks ' + lacks.join(', ') : null;
      }).filter(Boolean).join('; '),
      '. Figures that need them are \u2013 there, with no change.');
  }

  function table(figures, groups, id) {
    var cols = [{ title: '', cls: 'fig', cell: function (f) { return f.title; } }];
    groups.forEach(function (g, i) {
      cols.push({ title: g.label || g.name, num: true, cls: 'val', cell: function (f) {
        var v = f.values[i];
        if (!v) return VLS.fmt.dash;
        return h('span', VLS.fmt.unit(v.mean, f.unit),
          v.n > 1 ? h('span.muted', ' \u00b1 ' + VLS.fmt.unit(v.sd, f.unit)) : null);
      } });
    });
    groups.slice(1).forEach(function (g, j) {
      cols.push({ title: 'change ' + (groups.length > 2 ? (g.label || g.name) : ''), num: true,
        cls: 'delta', cell: function (f) { return change(f, j + 1); } });
    });
    return h('div.scroll', { dataset: { table: id } }, VLS.table(cols, figures, 'compare'));
  }

  function change(f, i) {
    var c = f.change[i];
    if (!c) return VLS.fmt.dash;
    var v = c.verdict, good = VLS.LOWER_IS_BETTER.indexOf(f.name) >= 0;
    var isChange = v === 'increase' || v === 'decrease';
    var cls = !isChange ? 'same' : !good ? 'neutral' : v === 'decrease' ? 'better' : 'worse';
    var title = v ? v + ': 95 % interval ' + VLS.fmt.delta(c.ci95[0], f.unit) + ' \u2026 ' +
      VLS.fmt.delta(c.ci95[1], f.unit) : 'no verdict: fewer than 2 runs a side';
    return h('span.change.' + cls, { title: title, dataset: { verdict: v || 'none' } },
      VLS.fmt.delta(c.abs, f.unit),
      h('span.pct', c.pct === null ? '' : ' (' + VLS.fmt.pct(c.pct) + ')'),
      v ? h('span.verdict', ' ' + VLS.VERDICT_MARKS[v]) : null);
  }

  function histCard(mode) {
    return h('div', h('h3', mode + ' waits'),
      h('div.chart', h('canvas', { id: 'hist-' + mode, 'aria-label': mode + ' wait histogram' })));
  }

  /* One series per group: its runs' histograms pooled (bucket counts
   * added) for the shape; the verdicts compare per-run values. */
  function drawHist(root, mode, runs, groups) {
    var pooled = groups.map(function () { return null; }), nruns = groups.map(function () { return 0; });
    runs.forEach(function (r, i) {
      var s = r.mmap_lock && r.mmap_lock[mode], g = runGroup[i];
      if (!s || !s.histogram || !s.histogram.buckets.length) return;
      var acc = pooled[g] || [];
      s.histogram.buckets.forEach(function (n, k) { acc[k] = (acc[k] || 0) + n; });
      pooled[g] = acc;
      nruns[g]++;
    });
    var series = [];
    pooled.forEach(function (b, g) {
      if (!b) return;
      var waits = b.reduce(function (a, n) { return a + n; }, 0);
      series.push({ name: (groups[g].label || groups[g].name) + ' (' + VLS.fmt.count(waits) +
          (nruns[g] > 1 ? ', ' + nruns[g] + ' runs pooled' : '') + ')',
        color: VLS.RUN_COLORS[g % VLS.RUN_COLORS.length], buckets: b });
    });
    var canvas = root.querySelector('#hist-' + mode);
    if (!series.length) {
      canvas.parentNode.replaceWith(h('p.empty', 'No ' + mode + ' waits in these runs.'));
      return;
    }
    VLS.charts.histogram(canvas, series);
  }
};
