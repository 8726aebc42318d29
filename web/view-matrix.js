/* view-matrix.js - per kernel x arch over every run: the user-fault
 * fallback rate as a heat table, the fallback rate of all faults split by
 * reason as a stacked bar chart. State: #/matrix */
'use strict';
var VLS = window.VLS || (window.VLS = {});
VLS.views = VLS.views || {};

VLS.views.matrix = function (root) {
  var h = VLS.h;
  return VLS.api('/api/matrix').then(function (data) {
    var cells = data.cells;
    if (!cells.length) {
      root.appendChild(VLS.card('Kernel \u00d7 arch', h('p.empty', 'No runs yet.')));
      return;
    }
    var mean = function (v) { return v ? v.mean : null; };
    var labels = cells.map(function (c) { return c.kernel + ' \u00b7 ' + c.arch; });
    var byReason = {};
    VLS.REASONS.forEach(function (r) {
      byReason[r] = cells.map(function (c) { return mean(c.by_reason[r]); });
    });
    var canvas = h('canvas', { id: 'matrix-chart', 'aria-label': 'fallback rate by kernel and arch' });
    root.appendChild(VLS.card('Fallback rate by kernel \u00d7 arch', h('div',
      h('p.muted', 'Share of all page faults (kernel-mode included) that took mmap_lock ' +
        'on the fault path, by reason, over every run in the DB.'),
      h('div.chart.chart-tall', canvas))));
    root.appendChild(VLS.card('User-fault fallback rate', h('div',
      h('p.muted', 'User faults that fell back / user faults: the per-VMA lock\'s own rate ' +
        '(kernel-mode faults never try it).'), heat(cells),
      cells.some(function (c) { return !c.user_fallback_rate; }) ?
      h('p.muted', '\u2013: no fault count (no page_fault_user tracepoint on that arch and ' +
        'no vmstat recorded), no stacks to tell fallbacks, or kernel-mode faults not counted; ' +
        'the run detail still shows what it can.') : null)));
    root.appendChild(VLS.card('By reason', VLS.table([
      { title: 'kernel', cell: function (c) { return c.kernel; } },
      { title: 'arch', cell: function (c) { return c.arch; } },
      { title: 'runs', num: true, cell: function (c) { return c.runs; } },
      { title: 'faults', num: true, cell: function (c) { return VLS.fmt.count(mean(c.faults)); } },
      { title: 'user-fault fallback rate', num: true, cls: 'strong', cell: function (c) { return spread(c.user_fallback_rate); } },
      { title: 'fallback rate (all)', num: true, cell: function (c) { return spread(c.fallback_rate); } }
    ].concat(VLS.REASONS.map(function (r) {
      return { title: VLS.REASON_TITLES[r], num: true,
        cell: function (c) { return VLS.fmt.rate(mean(c.by_reason[r])); } };
    })), cells, 'matrix')));
    VLS.charts.stacked(canvas, labels, byReason);
  });

  /* mean, with the spread when a cell has repetitions */
  function spread(v) {
    if (!v) return VLS.fmt.dash;
    return VLS.fmt.rate(v.mean) + (v.n > 1 ? ' \u00b1 ' + VLS.fmt.rate(v.sd) : '');
  }

  function heat(cells) {
    /* rows: a kernel version built for several arches is one row (row) */
    var kernels = [], arches = [];
    cells.forEach(function (c) {
      if (kernels.indexOf(c.row) < 0) kernels.push(c.row);
      if (arches.indexOf(c.arch) < 0) arches.push(c.arch);
    });
    var find = function (k, a) {
      return cells.filter(function (c) { return c.row === k && c.arch === a; })[0];
    };
    return h('table.heat', h('thead', h('tr', h('th', 'kernel \\ arch'),
      arches.map(function (a) { return h('th.num', a); }))),
    h('tbody', kernels.map(function (k) {
      return h('tr', h('th', k), arches.map(function (a) {
        var c = find(k, a), v = c && c.user_fallback_rate ? c.user_fallback_rate.mean : null;
        var td = h('td.num.heat-cell', { title: c ? c.runs + ' run(s)' : 'no run' },
          c ? spread(c.user_fallback_rate) : '');
        if (v !== null) td.dataset.level = Math.min(5, Math.ceil(v * 10));
        return td;
      }));
    })));
  }
};
