/* view-compare.js - the before/after table for chosen runs (the first is
 * the baseline) with changes, per process name, and wait-time histograms
 * overlaid per run. State: #/compare?runs=1,2[,...] */
'use strict';
var VLS = window.VLS || (window.VLS = {});
VLS.views = VLS.views || {};

/* Figures where a drop is an improvement; the others are shown neutral. */
VLS.LOWER_IS_BETTER = ['user_fallback_rate', 'read_acquisitions', 'read_wait_total_ns', 'write_wait_avg_ns',
  'fallback_rate', 'io_retry_fallbacks', 'refaults', 'read_wait_p99_ns',
  'write_wait_p99_ns', 'fallback_faults'];

VLS.views.compare = function (root, params) {
  var h = VLS.h, ids = VLS.ids(params.get('runs'));
  if (ids.length < 2) {
    root.appendChild(VLS.card('Compare', h('p.empty',
      'Pick two runs or more in ', h('a', { href: '#/runs' }, 'Runs'),
      ' (the first is the baseline).')));
    return Promise.resolve();
  }
  var q = ids.join(',');
  return Promise.all([VLS.api('/api/compare?runs=' + q), VLS.api('/api/histograms?runs=' + q)])
    .then(function (res) {
      var cmp = res[0], hist = res[1].runs, groups = cmp.groups;
      root.appendChild(VLS.card('Compare', h('div',
        h('div.legend', groups.map(function (g, i) {
          return h('a.chip', { href: VLS.state.href('run', { id: g.runs[0] }) },
            h('span.swatch', { dataset: { c: i } }),
            h('b', g.label || g.name), ' ', h('span.muted', g.kernel + ' \u00b7 ' + g.arch),
            i === 0 ? h('span.tag', 'baseline') : null);
        })),
        table(cmp.figures, groups, 'figures-all'))));
      root.appendChild(VLS.card('mmap_lock wait times', h('div.grid2',
        histCard('read', hist, 'hist-read'), histCard('write', hist, 'hist-write'))));
      (cmp.processes || []).forEach(function (p) {
        root.appendChild(VLS.card(h('span', 'process ', h('code', p.comm)),
          table(p.figures, groups, 'figures-' + p.comm)));
      });
      root.querySelectorAll('.swatch').forEach(function (s) {
        s.style.background = VLS.RUN_COLORS[s.dataset.c % VLS.RUN_COLORS.length];
      });
      drawHist(root, 'read', hist, groups);
      drawHist(root, 'write', hist, groups);
    });

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
    var good = VLS.LOWER_IS_BETTER.indexOf(f.name) >= 0;
    var cls = c.abs === 0 ? 'same' : !good ? 'neutral' : c.abs < 0 ? 'better' : 'worse';
    return h('span.change.' + cls, VLS.fmt.delta(c.abs, f.unit),
      h('span.pct', c.pct === null ? '' : ' (' + VLS.fmt.pct(c.pct) + ')'));
  }

  function histCard(mode) {
    return h('div', h('h3', mode + ' waits'),
      h('div.chart', h('canvas', { id: 'hist-' + mode, 'aria-label': mode + ' wait histogram' })));
  }

  function drawHist(root, mode, runs, groups) {
    var series = [];
    runs.forEach(function (r, i) {
      var s = r.mmap_lock && r.mmap_lock[mode];
      if (s && s.histogram && s.histogram.buckets.length)
        series.push({ name: (groups[i].label || groups[i].name) + ' (' + VLS.fmt.count(s.wait_ns.count) + ')',
          color: VLS.RUN_COLORS[i % VLS.RUN_COLORS.length], buckets: s.histogram.buckets });
    });
    var canvas = root.querySelector('#hist-' + mode);
    if (!series.length) {
      canvas.parentNode.replaceWith(h('p.empty', 'No ' + mode + ' waits in these runs.'));
      return;
    }
    VLS.charts.histogram(canvas, series);
  }
};
