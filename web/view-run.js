/* view-run.js - one run: header, faults by reason, wait histograms,
 * per-process and per-thread tables, call sites, and the worst wait-for
 * chains drawn as waiter <- blockers <- root cause, priority inversions
 * marked. State: #/run?id=N[&top=N] */
'use strict';
var VLS = window.VLS || (window.VLS = {});
VLS.views = VLS.views || {};

VLS.views.run = function (root, params) {
  var h = VLS.h, F = VLS.fmt, id = VLS.ids(params.get('id'))[0];
  var top = /^[1-9][0-9]{0,2}$/.test(params.get('top') || '') ? params.get('top') : '25';
  if (!id) {
    root.appendChild(VLS.card('Run', h('p.empty', 'Pick a run in ', h('a', { href: '#/runs' }, 'Runs'), '.')));
    return Promise.resolve();
  }
  /* the KernelShark command is extra: the run shows without it */
  var ks = VLS.api('/api/kshark?run=' + id).catch(function () { return { command: null }; });
  return Promise.all([VLS.api('/api/report?run=' + id + '&top=' + top), ks]).then(function (got) {
    var r = got[0].runs[0];
    root.appendChild(header(r, got[1].command));
    root.appendChild(VLS.card('Faults', faults(r.faults)));
    root.appendChild(VLS.card('mmap_lock wait times', h('div.grid2',
      histBox('read'), histBox('write'))));
    root.appendChild(VLS.card('Worst wait-for chains', chains(r),
      h('span.muted', r.chains.length + ' of ' + F.count(r.chains_total))));
    root.appendChild(VLS.card('Processes', procTable(r.processes, false)));
    root.appendChild(VLS.card('Threads', procTable(r.tasks, true)));
    root.appendChild(VLS.card('Call sites', callsites(r.callsites)));
    ['read', 'write'].forEach(function (m) {
      var s = r.mmap_lock && r.mmap_lock[m], c = root.querySelector('#hist-' + m);
      if (s && s.histogram && s.histogram.buckets.length)
        VLS.charts.histogram(c, [{ name: m + ' (' + F.count(s.wait_ns.count) + ' waits)',
          color: m === 'read' ? VLS.RUN_COLORS[0] : VLS.RUN_COLORS[1], buckets: s.histogram.buckets }]);
      else
        c.parentNode.replaceWith(h('p.empty', 'No ' + m + ' waits in this run.'));
    });
  });

  function header(r, kshark) {
    var kv = function (k, v) { return h('div.kv', h('span.k', k), h('span.v', v)); };
    return VLS.card(h('span', VLS.runName(r), ' ', h('span.muted', 'run ' + r.id)), h('div',
      h('div.kvs', kv('kernel', r.kernel || F.dash), kv('arch', r.arch || F.dash),
        kv('format', r.format), kv('events', F.count(r.events)),
        kv('lost events', F.count(r.lost_events)), kv('source', r.source),
        kshark ? kv('KernelShark', h('code.kshark', kshark)) : null),
      h('div.caps', r.capabilities.map(function (c) { return h('span.cap', c); })),
      r.notes.length ? h('ul.notes', r.notes.map(function (n) { return h('li', n); })) : null));
  }

  function faults(f) {
    var big = function (k, v, cls) { return h('div.big' + (cls ? '.' + cls : ''), h('div.num', v), h('div.k', k)); };
    var total = f.fallback || 0;
    var bar = h('div.reasonbar', VLS.REASONS.map(function (k) {
      var n = f.by_reason[k];
      if (!n) return null;
      var seg = h('span.seg', { title: VLS.REASON_TITLES[k] + ': ' + n, dataset: { reason: k, w: 100 * n / total } });
      return seg;
    }));
    var legend = h('div.reasons', VLS.REASONS.map(function (k) {
      return h('span.reason', h('span.swatch', { dataset: { reason: k } }),
        VLS.REASON_TITLES[k] + ' ', h('b', F.count(f.by_reason[k])));
    }));
    /* the per-VMA lock's own rate leads; kernel-mode faults (uaccess)
     * never try that lock and are shown apart */
    var el = h('div', h('div.bigs', big('user-fault fallback rate', F.rate(f.user_fallback_rate), 'accent'),
      big('user faults', F.count(f.user_faults)),
      big('user faults fell back', F.count(f.user_fallback)),
      big('kernel-mode faults', F.count(f.kernel_faults)),
      big('kernel-mode took mmap_lock', F.count(f.by_reason.kernel_mode))),
      h('div.bigs', big('all faults', F.count(f.total)),
      big('fell back to mmap_lock', F.count(f.fallback)),
      big('fallback rate (all faults)', F.rate(f.fallback_rate)),
      big('behind a writer', F.count(f.behind_writer)),
      big('nested (no fallback)', F.count(f.nested)),
      big('refaults', F.count(f.refaults)),
      big('I/O wait in faults', F.ns(f.io_wait_ns ? f.io_wait_ns.sum : null))),
      total ? bar : null, legend,
      f.total_source === 'vmstat' ? h('p.muted', 'fault count from vmstat (no page_fault_user tracepoint)') : null);
    el.querySelectorAll('[data-w]').forEach(function (s) { s.style.width = s.dataset.w + '%'; });
    el.querySelectorAll('[data-reason]').forEach(function (s) { s.style.background = VLS.REASON_COLORS[s.dataset.reason]; });
    return el;
  }

  function histBox(m) {
    return h('div', h('h3', m + ' waits'), h('div.chart', h('canvas', { id: 'hist-' + m })));
  }

  function lockCells(prefix) {
    var s = function (t, m) { return t.mmap_lock && t.mmap_lock[m]; };
    return [
      { title: 'read acq', num: true, cell: function (t) { var x = s(t, 'read'); return x ? F.count(x.acquisitions) : F.dash; } },
      { title: 'read wait', num: true, cell: function (t) { var x = s(t, 'read'); return x ? F.ns(x.wait_ns.sum) : F.dash; } },
      { title: 'read p99', num: true, cell: function (t) { var x = s(t, 'read'); return x ? F.ns(x.wait_ns.p99) : F.dash; } },
      { title: 'write acq', num: true, cell: function (t) { var x = s(t, 'write'); return x ? F.count(x.acquisitions) : F.dash; } },
      { title: 'write wait', num: true, cell: function (t) { var x = s(t, 'write'); return x ? F.ns(x.wait_ns.sum) : F.dash; } },
      { title: 'write max', num: true, cell: function (t) { var x = s(t, 'write'); return x ? F.ns(x.wait_ns.max) : F.dash; } }
    ];
  }

  function procTable(rows, threads) {
    if (!rows.length) return h('p.empty', 'None.');
    var cols = [
      { title: threads ? 'tid' : 'pid', num: true, cell: function (t) { return F.count(threads ? t.tid : t.pid); } },
      { title: 'comm', cell: function (t) { return h('code', t.comm); } }
    ];
    if (threads) cols.push({ title: 'prio', num: true, cell: function (t) { return F.count(t.prio); } });
    else cols.push({ title: 'threads', num: true, cell: function (t) { return F.count(t.threads); } });
    cols = cols.concat([
      { title: 'faults', num: true, cell: function (t) { return F.count(t.faults); } },
      { title: 'kernel-mode', num: true, cell: function (t) { return F.count(t.kernel_faults); } },
      { title: 'fallbacks', num: true, cell: function (t) { return F.count(t.fallback_faults); } },
      { title: 'user rate', num: true, cls: 'strong', cell: function (t) { return F.rate(t.user_fallback_rate); } },
      { title: 'rate (all)', num: true, cell: function (t) { return F.rate(t.fallback_rate); } },
      { title: 'io_retry', num: true, cell: function (t) { return F.count(t.by_reason.io_retry); } },
      { title: 'behind writer', num: true, cell: function (t) { return F.count(t.behind_writer); } }
    ]).concat(lockCells());
    return h('div.scroll', VLS.table(cols, rows, 'procs'));
  }

  function callsites(rows) {
    if (!rows.length) return h('p.empty', 'No call sites (no stacks recorded).');
    return h('div.scroll', VLS.table([
      { title: 'call site', cell: function (c) {
        return h('span', { title: c.frames.join('\n') }, h('b', c.callsite),
          c.frames.length ? h('span.frames', ' ' + c.frames.slice(0, 3).join(' \u2190 ')) : null);
      } }
    ].concat(lockCells()), rows, 'sites'));
  }

  /* A chain: the waiter, then its links in pre-order, indented by depth;
   * a link nobody else blocks is a root cause. */
  function chains(r) {
    if (!r.chains.length) return h('p.empty', r.capabilities.indexOf('mmap_lock') < 0 ?
      'No mmap_lock events in this run: no chains.' : 'No wait long enough to explain.');
    return h('ol.chains', r.chains.map(function (c) {
      var w = c.waiter;
      var parents = c.links.map(function (l) { return l.parent; });
      return h('li.chain' + (c.inversion ? '.inverted' : ''),
        h('div.waiter', task(w), ' waited ', h('b', F.ns(w.wait_ns)), ' for ', h('i', w.mode),
          w.callsite ? h('span.muted', ' in ' + w.callsite) : null,
          c.inversion ? h('span.badge.inv', 'priority inversion ' + F.ns(c.inverted_ns)) : null,
          c.links.length ? null : h('span.muted', ' (no blocker in the trace)')),
        c.links.map(function (l, i) {
          var root = parents.indexOf(i) < 0;
          var el = h('div.link' + (root ? '.root' : ''), { dataset: { depth: l.depth } },
            h('span.arrow', '\u2190 '), task(l), ' held ', h('i', l.mode), ' ', h('b', F.ns(l.held_ns)),
            l.asleep_ns ? h('span', ', asleep ' + F.ns(l.asleep_ns) + (l.reason ? ' (' + l.reason + ')' : '')) : null,
            l.callsite ? h('span.muted', ' in ' + l.callsite) : null,
            root ? h('span.badge.rootc', 'root cause') : null,
            w.prio !== null && l.prio !== null && l.prio > w.prio ? h('span.badge.inv', 'lower prio') : null);
          el.style.marginLeft = (l.depth * 1.5) + 'em';
          return el;
        }));
    }));
  }

  function task(t) {
    return h('span.task', h('code', t.comm), ' ', h('span.muted', t.tid + (t.prio !== null ? ' \u00b7 prio ' + t.prio : '')));
  }
};
