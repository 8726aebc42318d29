// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vlsk-draw.cpp - the marks of one task on its KernelShark graph (the thin
 * drawing part; what is drawn and in which colour: docs/kshark.md).
 * Bands from the graph's base up: holds, waits, fallback episodes, chain
 * blocking. A double click on a mark puts marker A on the event it starts
 * on and marker B on the event it ends on (markEntryA/B).
 */
#include <algorithm>
#include <cmath>
#include <limits>

#include "KsPlugins.hpp"
#include "KsPluginsGUI.hpp"

#include "vlsk-plugin.h"

static void *vlsk_gui;

void *vlsk_set_gui(void *gui)
{
	vlsk_gui = gui;
	return gui;
}

namespace {

/* Where a band sits, as fractions of the graph's height above its base. */
struct band { float lo, hi; };
const band bands[VLSK__KINDS] = {
	{ 0.05f, 0.30f },   /* VLSK_WAIT */
	{ 0.00f, 0.05f },   /* VLSK_HOLD: a thin bar on the base line */
	{ 0.35f, 0.60f },   /* VLSK_FALLBACK */
	{ 0.65f, 0.90f },   /* VLSK_BLOCK */
};

const KsPlot::Color reason_color[VLSK__REASONS] = {
	KsPlot::Color(30, 90, 220),    /* io_retry */
	KsPlot::Color(0, 170, 190),    /* no_io */
	KsPlot::Color(130, 50, 200),   /* kernel_mode */
	KsPlot::Color(140, 90, 40),    /* no_vma_lock */
};
const KsPlot::Color read_color(40, 160, 40), write_color(210, 40, 30);
const KsPlot::Color chain_color(230, 170, 0), inversion_color(220, 0, 200);
const KsPlot::Color io_color(20, 40, 120), edge_color(0, 0, 0);

/* A mark's box; a double click selects the events it was built from. */
class MarkBox : public KsPlot::Rectangle {
public:
	kshark_entry *_a = nullptr, *_b = nullptr;
	int _x0 = 0, _x1 = 0, _y0 = 0, _y1 = 0;

	double distance(int x, int y) const override
	{
		if (x < _x0 - 1 || x > _x1 + 1 || y < _y0 || y > _y1)
			return std::numeric_limits<double>::max();
		return 0;
	}

private:
	void _doubleClick() const override
	{
		if (!vlsk_gui)
			return;
		if (_b)
			markEntryB(vlsk_gui, _b);
		if (_a)
			markEntryA(vlsk_gui, _a);
	}
};

struct view {
	const kshark_trace_histo *histo;
	const KsPlot::Graph *graph;
	KsPlot::PlotObjList *shapes;
	const vlsk_trace *trace;
	int sd;
};

int bin_of(const view &v, int64_t ts)
{
	int64_t b = (ts - v.histo->min) / v.histo->bin_size;

	return b < 0 ? 0 : b >= v.histo->n_bins ? v.histo->n_bins - 1 : (int)b;
}

/* The event a mark's edge is: the task's own at ts, else the first at or
 * after it (a chain's hull edge may be another task's event). */
kshark_entry *entry_near(const view &v, int64_t ts, int32_t pid)
{
	kshark_entry *e = vlsk_entry_at(v.histo->data, v.histo->data_size, ts, pid,
					v.sd);
	ssize_t i;

	if (e || !v.histo->data_size)
		return e;
	i = kshark_find_entry_by_time(ts, v.histo->data, 0, v.histo->data_size - 1);
	return i >= 0 && (size_t)i < v.histo->data_size ? v.histo->data[i] : nullptr;
}

MarkBox *box(const view &v, uint64_t t0, uint64_t t1, band b, bool fill,
	     const KsPlot::Color &col)
{
	const KsPlot::Point &p0 = v.graph->bin(bin_of(v, (int64_t)t0))._base;
	const KsPlot::Point &p1 = v.graph->bin(bin_of(v, (int64_t)t1))._base;
	int h = v.graph->height();
	MarkBox *r = new MarkBox;

	r->_x0 = p0.x();
	r->_x1 = std::max(p1.x(), p0.x() + 1);
	r->_y0 = p0.y() - (int)std::lround(b.hi * h);
	r->_y1 = p0.y() - (int)std::lround(b.lo * h);
	r->setFill(fill);
	r->setPoint(0, r->_x0, r->_y0);
	r->setPoint(1, r->_x0, r->_y1);
	r->setPoint(2, r->_x1, r->_y1);
	r->setPoint(3, r->_x1, r->_y0);
	r->_color = col;
	r->_size = 1;
	return r;
}

KsPlot::Color mark_color(const vlsk_mark &m)
{
	switch (m.kind) {
	case VLSK_FALLBACK:
		return reason_color[m.reason < VLSK__REASONS ? m.reason : 0];
	case VLSK_BLOCK:
		return m.inversion ? inversion_color : chain_color;
	default:
		return m.write ? write_color : read_color;
	}
}

/* The outline on top: contended acquisitions and chained waits (in the
 * chain's colour, the same as their blockers' marks on their graphs). */
void outline(const view &v, const vlsk_mark &m)
{
	if (m.kind == VLSK_WAIT && m.chain >= 0)
		v.shapes->push_front(box(v, m.start_ns, m.end_ns, bands[m.kind], false,
					 m.inversion ? inversion_color : chain_color));
	else if ((m.kind == VLSK_WAIT || m.kind == VLSK_HOLD) && m.contended)
		v.shapes->push_front(box(v, m.start_ns, m.end_ns, bands[m.kind], false,
					 edge_color));
}

/* A fallback episode: the I/O sleep's share filled from its start (the
 * API gives the total, not when), one tick per retry attempt. */
void episode_detail(const view &v, const vlsk_mark &m)
{
	band b = bands[VLSK_FALLBACK];
	uint64_t len = m.end_ns - m.start_ns;

	if (m.io_wait_ns && len) {
		uint64_t io = m.io_wait_ns < len ? m.io_wait_ns : len;

		v.shapes->push_front(box(v, m.start_ns, m.start_ns + io,
					 { b.lo, b.lo + (b.hi - b.lo) / 2 }, true, io_color));
	}
	for (uint32_t k = 1; k < m.attempts && k < 6; k++) {
		MarkBox *t = box(v, m.end_ns, m.end_ns, b, true, edge_color);
		int x = t->_x1 + 2 * (int)k;

		t->setPointX(0, x); t->setPointX(1, x);
		t->setPointX(2, x + 1); t->setPointX(3, x + 1);
		v.shapes->push_front(t);
	}
}

void draw_mark(const view &v, const vlsk_mark &m, int32_t pid)
{
	MarkBox *r = box(v, m.start_ns, m.end_ns, bands[m.kind],
			 m.kind != VLSK_FALLBACK, mark_color(m));
	const vlsk_chain *c = m.kind == VLSK_BLOCK
		? vlsk_chain_get(v.trace, m.chain) : nullptr;

	/* a block: from its waiter's start_locking to its own last event */
	r->_a = c ? entry_near(v, (int64_t)c->start_ns, c->tid)
		  : entry_near(v, (int64_t)m.start_ns, pid);
	r->_b = entry_near(v, (int64_t)m.end_ns, pid);
	v.shapes->push_front(r);
	outline(v, m);
	if (m.kind == VLSK_FALLBACK)
		episode_detail(v, m);
}

/* Each ftrace instance of the file is a stream, each with this plugin
 * and the file's analysis: its marks go on the graphs of the stream that
 * holds their events, found by the first wait's start_locking event. */
bool stream_is_mine(const view &v, vlsk_plugin_ctx *c)
{
	const vlsk_trace *t = &c->trace;
	size_t i = 0;

	if (c->mine >= 0)
		return c->mine;
	while (i < t->nmarks && t->marks[i].kind != VLSK_WAIT)
		i++;
	if (i == t->nmarks || !v.histo->data_size)
		return false;    /* nothing to draw, or no entries yet */
	c->mine = vlsk_entry_at(v.histo->data, v.histo->data_size,
				(int64_t)t->marks[i].start_ns, t->marks[i].tid,
				v.sd) != nullptr;
	return c->mine;
}

} // namespace

void vlsk_draw(kshark_cpp_argv *argv_c, int sd, int pid, int draw_action)
{
	KsCppArgV *argv = KS_ARGV_TO_CPP(argv_c);
	vlsk_plugin_ctx *c = vlsk_plugin_ctx_get(sd);
	const vlsk_mark *marks;
	size_t n;

	if (!(draw_action & KSHARK_TASK_DRAW) || !c || !c->ok || pid <= 0 ||
	    !argv->_histo || argv->_histo->bin_size <= 0)
		return;
	view v = { argv->_histo, argv->_graph, argv->_shapes, &c->trace, sd };
	if (!stream_is_mine(v, c))
		return;
	marks = vlsk_task_marks(&c->trace, pid, &n);
	for (size_t i = 0; i < n; i++) {
		const vlsk_mark &m = marks[i];

		if ((int64_t)m.end_ns < v.histo->min || (int64_t)m.start_ns > v.histo->max)
			continue;
		draw_mark(v, m, pid);
	}
}
