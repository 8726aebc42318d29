#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the hostile-input corpus from the real fixtures of tests/data.

Usage: make-corpus.py FIXTURES_DIR OUT_DIR

Nothing here is hand-edited: every file is derived from
mprotect-fault-6.18-x86_64.dat (trace.dat v7, zstd), its v6 twin (.v6.dat.xz,
uncompressed event pages), its text twin (.report.txt) and the tracefs text
trace text/ftrace.txt.xz, by cutting, flipping and splicing, with a fixed
random seed (the corpus is the same on every run).

OUT_DIR/MANIFEST lists one case per line, tab-separated:

    FILE  EXPECT  OPTIONS  DB  PATTERN  WHAT

FILE     the trace to import (relative to OUT_DIR)
EXPECT   fail: exit 1, one line on stderr naming the file;
         usage: exit 2;
         warn: exit 0 and a warning naming the file (unparsable lines);
         ok: exit 0, nothing on stderr;
         any: exit 0 or 1 (a byte flipped where the format has no
              checksum may still decode), never a crash, the DB intact
         noisy: like any, but libtracecmd itself prints lines on stderr
              ("mmap: ...", "Can not mmap file") that the library cannot
              silence: the one-line rule is not checked (known issue)
OPTIONS  extra import options, "-" for none
DB       a DB file of the corpus to import into ("-": the test's own DB,
         which already holds a run)
PATTERN  a Python regex stderr must match, "-" for none
WHAT     what the case is (for messages)

The test (tests/cli/bad_inputs.sh) checks each case and that the DB is
unchanged unless the import succeeded.
"""
import lzma
import os
import random
import re
import sqlite3
import struct
import sys

SEED = 20240611
V7 = "mprotect-fault-6.18-x86_64.dat"
V6 = "mprotect-fault-6.18-x86_64.v6.dat.xz"
REPORT = "mprotect-fault-6.18-x86_64.report.txt"
FTRACE = "text/ftrace.txt.xz"
PERF = "text/perf-script.txt.xz"
PERF_USEC = "text/perf-script-usec.txt.xz"

cases = []

# What the fuzzer's findings (fuzz/regressions/*.patch-*) must give now.
FUZZ_FINDINGS = {
    # libtracecmd leaks on a corrupt BUFFER option and prints on stderr
    "v7-leak-749a28403a": ("noisy", "-"),
    # CPUCOUNT 2^24: libtracecmd took 55 s; refused up front now
    "v7-timeout-705a57d072": ("fail", r"CPUCOUNT"),
    # a compressed chunk of the instance buffer that does not decompress:
    # SIGSEGV in libtracecmd's error path; refused up front now (its
    # other patches garble the kallsyms section, which is refused first)
    "v7-segv-e7cbb3148e": ("fail", r"compressed chunk|kallsyms"),
}


def add(out, name, data, expect, opts="-", db="-", pattern="-", what=""):
    if data is not None:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    cases.append((name, expect, opts, db, pattern, what or name))


def v6_layout(buf):
    """(start, end) of each CPU's event pages in a v6 trace.dat: the table
    after the last 'flyrecord\\0' tag, (offset, size) per CPU; the CPU
    count is the u32 before the 'options  ' tag."""
    opt = buf.index(b"options  \0")
    ncpus = struct.unpack_from("<I", buf, opt - 4)[0]
    fly = buf.rindex(b"flyrecord\0") + 10
    spans = []
    for i in range(ncpus):
        off, size = struct.unpack_from("<QQ", buf, fly + 16 * i)
        if size:
            spans.append((off, off + size))
    return spans


def v6_parts(buf):
    """Offsets in a v6 trace.dat: (start, end) of the header_page text,
    of the kallsyms and printk texts, and the options (id -> (start, end)
    of its data)."""
    off = buf.index(b"\0", 10) + 1 + 6
    assert buf[off:off + 12] == b"header_page\0"
    n = struct.unpack_from("<Q", buf, off + 12)[0]
    parts = {"header_page": (off + 20, off + 20 + n), "header_info": (off, 0)}
    off += 20 + n + 13
    off += 8 + struct.unpack_from("<Q", buf, off)[0]
    parts["header_info"] = (parts["header_info"][0], off)
    parts["ftrace"] = (off, 0)
    count = struct.unpack_from("<I", buf, off)[0]
    off += 4
    for _ in range(count):
        off += 8 + struct.unpack_from("<Q", buf, off)[0]
    parts["ftrace"] = (parts["ftrace"][0], off)
    parts["events"] = (off, 0)
    systems = struct.unpack_from("<I", buf, off)[0]
    off += 4
    for _ in range(systems):
        off = buf.index(b"\0", off) + 1
        count = struct.unpack_from("<I", buf, off)[0]
        off += 4
        for _ in range(count):
            off += 8 + struct.unpack_from("<Q", buf, off)[0]
    parts["events"] = (parts["events"][0], off)
    for name in ("kallsyms", "printk"):
        n = struct.unpack_from("<I", buf, off)[0]
        parts[name] = (off + 4, off + 4 + n)
        off += 4 + n
    off = buf.index(b"options  \0", off) + 10
    parts["options"] = {}
    while True:
        oid = struct.unpack_from("<H", buf, off)[0]
        if oid == 0:
            break
        n = struct.unpack_from("<I", buf, off + 2)[0]
        parts["options"].setdefault(oid, (off + 6, off + 6 + n))
        off += 6 + n
    return parts


def v7_options(buf):
    """id -> (start, end) of the data of each option of a v7 trace.dat's
    first options section (the first of each id)."""
    off = buf.index(b"\0", 10) + 1 + 6
    off = buf.index(b"\0", off) + 1
    off = buf.index(b"\0", off) + 1
    off = struct.unpack_from("<Q", buf, off)[0] + 16
    opts = {}
    while True:
        oid, n = struct.unpack_from("<HI", buf, off)
        if oid == 0:
            return opts
        opts.setdefault(oid, (off + 6, off + 6 + n))
        off += 6 + n


def v7_with_section(v7, sid, body):
    """v7 with its metadata section sid replaced by body, uncompressed,
    appended at the end (the option that points to it moved there)."""
    s, e = v7_options(v7)[sid]
    old = struct.unpack_from("<Q", v7, s)[0]
    strid = struct.unpack_from("<I", v7, old + 4)[0]
    b = bytearray(v7)
    struct.pack_into("<Q", b, s, len(v7))
    return bytes(b) + struct.pack("<HHIQ", sid, 0, strid, len(body)) + body


def header_cases(out, fx, rnd):
    """What libtracecmd hands libtraceevent unchecked: header_page, event
    formats, string options, kallsyms and printk formats. Most of these
    crashed libtraceevent/libtracecmd (SIGSEGV) or made them read past a
    buffer (ASan) before lib/reader-tracedat-layout.c checked them; each
    says so or not."""
    v6 = lzma.decompress(open(os.path.join(fx, V6), "rb").read())
    v7 = open(os.path.join(fx, V7), "rb").read()
    p = v6_parts(v6)

    def edit(old, new, buf=v6):
        assert len(old) == len(new) and buf.count(old) == 1, old
        return buf.replace(old, new)

    # Same-length edits of the formats (the print fmt still names the field):
    # SIGSEGV in tep_parse_event() under tracecmd_open_fd(), and in
    # tracecmd_close() from tracecmd_buffer_instance_handle().
    add(out, "v6-fmt-prev-statX.dat", edit(b"long prev_state;", b"long prev_statX;"),
        "fail", pattern=r"REC->prev_state", what="v6: sched_switch field renamed")
    add(out, "v6-hdr-tixestamp.dat", edit(b"u64 timestamp;", b"u64 tixestamp;"),
        "fail", pattern=r"header_page", what="v6: header_page without timestamp")
    s, e = p["header_page"]
    add(out, "v6-hdr-random.dat", v6[:s] + bytes(rnd.randrange(256) for _ in range(e - s)) +
        v6[e:], "fail", pattern=r"header_page", what="v6: header_page of random bytes")
    # String options without their NUL: libtracecmd strdup()s them
    # (ASan: heap-buffer-overflow in strdup).
    for oid, name in ((5, "UNAME"), (9, "VERSION")):
        s, e = p["options"][oid]
        b = bytearray(v6)
        b[e - 1] = ord("X")
        add(out, f"v6-opt-{name.lower()}-nonul.dat", bytes(b), "fail", pattern=name,
            what=f"v6: {name} option without its NUL")
        s, e = v7_options(v7)[oid]
        b = bytearray(v7)
        b[e - 1] = ord("X")
        add(out, f"v7-opt-{name.lower()}-nonul.dat", bytes(b), "fail", pattern=name,
            what=f"v7: {name} option without its NUL")
    # Garbage printk formats: ASan heap-buffer-overflow in strdup under
    # tep_parse_printk_formats. Garbage kallsyms: libtraceevent skips it
    # unnoticed (no crash before: refused now as not of the kernel's shape).
    for part, pat in (("printk", r"printk formats line"), ("kallsyms", r"kallsyms line")):
        s, e = p[part]
        n = min(e - s, 4096)
        add(out, f"v6-{part}-garbage.dat", v6[:s] + bytes(rnd.randrange(256) for _ in range(n)) +
            v6[s + n:], "fail", pattern=pat, what=f"v6: {n} random bytes of {part}")
    # The last printk line without " : " nor its newline: libtraceevent
    # takes the format one byte past the end of the section's buffer (ASan:
    # heap-buffer-overflow in strdup).
    s, e = p["printk"]
    lines = v6[s:e].split(b"\n")
    assert lines[-1] == b"" and lines[-2].endswith(b'"')
    last = lines[-2].replace(b" : ", b" ; ") + b'"'
    text = b"\n".join(lines[:-2] + [last])
    add(out, "v6-printk-nocolon.dat", v6[:s] + text + v6[e:], "fail",
        pattern=r"printk formats line %d" % (len(lines) - 1),
        what="v6: the last printk line without ' : ' nor newline")
    # Field lines that do not parse and a header_page whose data does not
    # fit the page: libtraceevent did not crash on these two (it imported
    # them); refused now as not what a kernel writes.
    add(out, "v6-fmt-field-line.dat",
        edit(b"field:pid_t prev_pid;\toffset:24;", b"field:pid_t prev_pid;\toffset:2x;"),
        "fail", pattern=r"field line", what="v6: a field line that does not parse")
    add(out, "v6-hdr-data-size.dat",
        edit(b"offset:16;\tsize:4080;", b"offset:16;\tsize:8080;"),
        "fail", pattern=r"header_page", what="v6: header_page data larger than the page")

    # The same in v7, whose sections are compressed: each replaced by an
    # uncompressed one built from the v6 twin's (same kernel, same events).
    hs, he = p["header_info"]
    add(out, "v7-sect-ok.dat", v7_with_section(v7, 16, v6[hs:he]), "ok",
        what="v7: header section uncompressed (valid)")
    add(out, "v7-hdr-tixestamp.dat", v7_with_section(v7, 16, edit(
        b"u64 timestamp;", b"u64 tixestamp;", v6[hs:he])), "fail", pattern=r"header_page",
        what="v7: header_page without timestamp")
    es, ee = p["events"]
    add(out, "v7-fmt-prev-statX.dat", v7_with_section(v7, 18, edit(
        b"long prev_state;", b"long prev_statX;", v6[es:ee])), "fail",
        pattern=r"REC->prev_state", what="v7: sched_switch field renamed")
    s, e = p["printk"]
    add(out, "v7-printk-garbage.dat", v7_with_section(
        v7, 20, struct.pack("<I", e - s) + bytes(rnd.randrange(256) for _ in range(e - s))),
        "fail", pattern=r"printk formats line", what="v7: printk section of random bytes")


def tracedat_cases(out, fx, rnd):
    v7 = open(os.path.join(fx, V7), "rb").read()
    n = len(v7)
    # Truncations: through the header, the options, the formats, the
    # kallsyms and the compressed CPU data. The last ~120 bytes are the
    # "strings" section nothing reads, hence the upper bound.
    cuts = sorted({1, 5, 9, 10, 11, 12, 13, 16, 20, 24, 30, 40, 64, 100, 256,
                   1000, 4096} | {rnd.randrange(4096, n - 200) for _ in range(24)})
    for c in cuts:
        add(out, f"cut-v7-{c}.dat", v7[:c], "fail",
            what=f"trace.dat v7 cut at byte {c} of {n}")
    # Version numbers: the ASCII version after the magic.
    for v in (b"8", b"5", b"0", b"x"):
        add(out, f"version-{v.decode()}.dat", v7[:10] + v + v7[11:], "fail",
            pattern=r"version", what=f'trace.dat version "{v.decode()}"')
    add(out, "version-67.dat", v7[:10] + b"67" + v7[12:], "fail",
        what='trace.dat version "67" (no NUL where expected)')
    # Header bytes: endianness, long size, page size, compression name.
    for off, val, what in ((12, 7, "endianness 7"), (13, 3, "long size 3"),
                           (14, 0x13, "page size 0x1013"), (17, 0xff, "page size byte 3"),
                           (18, 0x00, "empty compression name")):
        b = bytearray(v7)
        b[off] = val
        add(out, f"header-{off}-{val:02x}.dat", bytes(b), "fail", what=f"header: {what}")
    # Random single-byte flips all over the file, then bursts of garbage
    # in the options and the compressed data: zstd and libtracecmd may or
    # may not notice, never crash.
    for i in range(24):
        b = bytearray(v7)
        off = rnd.randrange(10, n)
        b[off] ^= 1 << rnd.randrange(8)
        add(out, f"flip-v7-{off}.dat", bytes(b), "any", what=f"v7: bit flipped at {off}")
    for i in range(8):
        b = bytearray(v7)
        off = rnd.randrange(64, n - 300)
        b[off:off + 256] = bytes(rnd.randrange(256) for _ in range(256))
        add(out, f"burst-v7-{off}.dat", bytes(b), "any", what=f"v7: 256 random bytes at {off}")

    # The zstd chunk table of the instance buffer's CPU 0 (chunk count,
    # then per chunk compressed and uncompressed sizes): lib/reader-tracedat-layout.c
    # checks it before libtracecmd, whose error path crashes on it.
    tab = 1019904
    assert struct.unpack_from("<III", v7, tab) == (1, 3455, 24576), "fixture changed"
    for name, off, val, why in (
            ("count", tab, 0x10000, "compressed chunk count larger"),
            ("zsize", tab + 4, 0x100000, "compressed chunk past the end"),
            ("empty", tab + 8, 0, "empty compressed chunk"),
            ("frame", tab + 12, 0x5a5a5a5a, "does not decompress")):
        b = bytearray(v7)
        struct.pack_into("<I", b, off, val)
        add(out, f"chunk-v7-{name}.dat", bytes(b), "fail", pattern=why,
            what=f"v7: zstd chunk table, bad {name}")

    # Inputs the fuzzer found, kept as patches of the fixture
    # (fuzz/regressions/NAME.patch-OFFSET: bytes written at OFFSET; all the
    # patches of one NAME make one input).
    regdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                          "fuzz", "regressions")
    found = {}
    for name in sorted(os.listdir(regdir)) if os.path.isdir(regdir) else []:
        m = re.match(r"(v7-.*)\.patch-(\d+)$", name)
        if m:
            found.setdefault(m.group(1), []).append(
                (int(m.group(2)), open(os.path.join(regdir, name), "rb").read()))
    for name, patches in sorted(found.items()):
        b = bytearray(v7)
        for off, patch in patches:
            b[off:off + len(patch)] = patch
        exp, pat = FUZZ_FINDINGS.get(name, ("any", "-"))
        add(out, f"fuzz-{name}.dat", bytes(b), exp, pattern=pat,
            what=f"fuzzer finding {name}")

    v6 = lzma.decompress(open(os.path.join(fx, V6), "rb").read())
    add(out, "v6-as-v7.dat", v6[:10] + b"7" + v6[11:], "fail",
        what="a v6 file that says it is v7")
    add(out, "v6-cut-header.dat", v6[:5000], "fail", what="v6 cut in the formats")
    spans = v6_layout(v6)
    start, end = spans[0]
    add(out, "v6-cut-data.dat", v6[:start + (end - start) // 2], "fail",
        what="v6 cut in the middle of CPU 0's event pages")
    # Event pages of v6 are not compressed: flipped bytes reach
    # libtracecmd's page parser and our field decoding directly.
    for i in range(10):
        b = bytearray(v6)
        s, e = spans[rnd.randrange(len(spans))]
        for _ in range(16):
            b[rnd.randrange(s, e)] = rnd.randrange(256)
        add(out, f"v6-pages-{i}.dat", bytes(b), "any",
            what=f"v6: 16 random bytes in event pages [{s}, {e})")
    # A page header claiming a huge commit size, and one with a zero size.
    for i, commit in enumerate((0xffffffffffff, 0)):
        b = bytearray(v6)
        s, _ = spans[0]
        struct.pack_into("<Q", b, s + 8, commit)
        add(out, f"v6-commit-{i}.dat", bytes(b), "any",
            what=f"v6: first page's commit field {commit:#x}")
    # The same in the last page of CPU 0's data: libtracecmd opens such a
    # file; vmlockstat refuses it whichever of the two reads the pages
    # (reader-tracedat-data.c checks each page as it reads it).
    b = bytearray(v6)
    s, e = spans[0]
    last = s + ((e - s) // 4096 - 1) * 4096
    assert last > s, "CPU 0 of the fixture has one page"
    struct.pack_into("<Q", b, last + 8, 0xffffffffffff)
    add(out, "v6-commit-last.dat", bytes(b), "fail",
        pattern=r"event page commit size larger than the page at offset %d" % last,
        what="v6: last page of CPU 0 with a commit field 0xffffffffffff")


def text_lines(fx):
    return lzma.decompress(open(os.path.join(fx, FTRACE), "rb").read()).split(b"\n")


def text_cases(out, fx, rnd):
    lines = text_lines(fx)
    body = [i for i, l in enumerate(lines) if l.startswith(b" ") and b": " in l
            and b"<stack trace>" not in l and not l.lstrip().startswith(b"=>")]
    good = b"\n".join(lines)
    add(out, "ftrace-good.txt", good, "ok", what="the tracefs text fixture itself")

    def with_lines(extra):
        ls = list(lines)
        for at, text in sorted(extra, reverse=True):
            ls.insert(at, text)
        return b"\n".join(ls)

    # Garbage lines between events: counted, a warning; --strict: fatal.
    picks = sorted(rnd.sample(body[10:], 7))
    garbage = [b"garbage in the middle", b"\x01\x02\x03\x04",
               b"   sh-9941 [000] .....  4562.720707", b"[000] no task",
               b"CPU:x [LOST", b"\tthis is not ftrace", b"=>=>=>"]
    data = with_lines(zip(picks, garbage))
    add(out, "garbage-lines.txt", data, "warn",
        pattern=r"garbage-lines\.txt: [1-9][0-9]* unparsable lines",
        what="7 garbage lines among the events")
    add(out, "garbage-lines.txt", None, "fail", opts="--strict",
        pattern=r"garbage-lines\.txt:[0-9]+:", what="the same with --strict")
    # Known events whose fields do not parse.
    bad_fields = [lines[i].split(b": ", 2)[0] + b": " + lines[i].split(b": ", 2)[1] +
                  b": mm=zzzz write=maybe" for i in picks[:3]
                  if b"mmap_lock" in lines[i]]
    if not bad_fields:
        bad_fields = [b"              sh-9941    [000] .....  4562.720790: "
                      b"mmap_lock_start_locking: mm=zzzz write=maybe"]
    add(out, "bad-fields.txt", with_lines([(body[50], bad_fields[0])]), "warn",
        pattern=r"unparsable", what="a known event with unparsable fields")
    add(out, "bad-fields.txt", None, "fail", opts="--strict",
        pattern=r"bad-fields\.txt:[0-9]+: fields", what="the same with --strict")
    # Enormous lines: 100 KiB and 3 MiB (over the 64 KiB line limit, and
    # over the 1 MiB read buffer), and a 70 KiB frame line in a stack.
    for size in (100 << 10, 3 << 20):
        add(out, f"long-line-{size}.txt", with_lines([(body[20], b"x" * size)]), "warn",
            pattern=r"unparsable", what=f"a {size}-byte line")
    add(out, "long-line-strict.txt", with_lines([(body[20], b"y" * (200 << 10))]),
        "fail", opts="--strict", pattern=r"longer than 64 KiB",
        what="a 200 KiB line with --strict")
    frame = [i for i, l in enumerate(lines) if l.startswith(b" => ")][3]
    add(out, "long-frame.txt", with_lines([(frame, b" => " + b"f" * (70 << 10))]),
        "warn", pattern=r"unparsable", what="a 70 KiB stack frame line")
    add(out, "long-comm.txt", with_lines([(body[30], b" " + b"c" * 5000 +
        b"-77 [000] .....  4562.720790: mmap_lock_released: mm=00000000f5a465a4 "
        b"memcg_id=3566 write=false")]), "warn", pattern=r"unparsable",
        what="a 5000-byte comm")
    # A stack of 300 frames (cut at 64), and a NUL byte inside a line.
    add(out, "deep-stack.txt", with_lines([(frame, b" => deep_%d" % k)
                                           for k in range(300)]), "ok",
        what="a 300-frame stack")
    add(out, "nul-byte.txt", with_lines([(body[40], lines[body[40]][:30] + b"\0" +
                                          lines[body[40]][30:])]), "warn",
        pattern=r"unparsable", what="a NUL byte in an event line")
    # Invalid UTF-8 in a comm and in a field value.
    l = lines[body[5]]
    add(out, "bad-utf8.txt", with_lines([(body[5], l.replace(b"sh-", b"s\xff\xfe\xc3-", 1)),
                                         (body[6], l + b" extra=\xc3\x28\xa0\xa1")]), "ok",
        what="invalid UTF-8 in a comm and a field")
    # Out-of-order timestamps: swap the timestamps of lines far apart.
    ls = list(lines)
    for _ in range(20):
        a, b = rnd.sample(body[100:], 2)
        ta = re.search(rb" (\d+\.\d+): ", ls[a])
        tb = re.search(rb" (\d+\.\d+): ", ls[b])
        if ta and tb:
            ls[a] = ls[a].replace(ta.group(1), tb.group(1), 1)
            ls[b] = ls[b].replace(tb.group(1), ta.group(1), 1)
    add(out, "out-of-order.txt", b"\n".join(ls), "warn", pattern=r"stamped before",
        what="20 swapped timestamps: taken in order, counted, a warning")
    # Timestamps that overflow, and going backwards by hours.
    add(out, "huge-ts.txt", with_lines([(body[60], lines[body[60]].replace(
        re.search(rb" (\d+\.\d+): ", lines[body[60]]).group(1),
        b"99999999999999999999.000000", 1))]), "warn", pattern=r"unparsable",
        what="a timestamp past 2^64 ns")
    # Events of formats nobody knows, with and without fields, each at the
    # time of the line it is put before (time must not go back: that is
    # out-of-order.txt's case).
    def ts_of(i):
        return re.search(rb" (\d+\.\d+): ", lines[i]).group(1)
    add(out, "unknown-events.txt", with_lines(
        [(body[70 + k], b"              sh-9941    [000] .....  %s: "
          b"vendor_thing_%d: a=1 b=\"two\"" % (ts_of(body[70 + k]), k))
         for k in range(5)] +
        [(body[80], b"              sh-9941    [001] .....  %s: nofields:"
          % ts_of(body[80]))]),
        "ok", what="events of unknown formats")
    # CPU numbers and pids at the edge.
    add(out, "big-cpu.txt", with_lines([(body[90], lines[body[90]].replace(
        b"[000]", b"[99999999]", 1).replace(b"[001]", b"[99999999]", 1))]), "warn",
        pattern=r"unparsable", what="CPU 99999999")
    add(out, "big-pid.txt", with_lines([(body[91], lines[body[91]].replace(
        b"-9941 ", b"-99999999999 ", 1))]), "warn", pattern=r"unparsable",
        what="a pid past 2^31")
    # Header only, blank lines only, CRLF line ends, a cut last line.
    head = b"\n".join(l for l in lines if l.startswith(b"#"))
    add(out, "header-only.txt", head + b"\n", "any", what="only the comment header")
    add(out, "blank.txt", b"\n" * 1000, "fail", what="1000 empty lines")
    add(out, "crlf.txt", good.replace(b"\n", b"\r\n"), "ok", what="CRLF line ends")
    add(out, "cut-mid-line.txt", good[:len(good) // 2], "warn",
        pattern=r"1 unparsable", what="cut in the middle of a line")
    add(out, "empty.txt", b"", "fail", pattern=r"empty", what="an empty .txt")
    add(out, "empty.dat", b"", "fail", pattern=r"empty", what="an empty .dat")
    add(out, "binary.txt", bytes(random.Random(SEED).randrange(256) for _ in range(65536)),
        "fail", what="64 KiB of random bytes")
    add(out, "ftrace.txt.xz", open(os.path.join(fx, FTRACE), "rb").read(), "fail",
        pattern=r"xz", what="xz-compressed text")
    # trace-cmd report text with garbage: the other dialect's reader paths.
    rep = open(os.path.join(fx, REPORT), "rb").read().split(b"\n")
    k = len(rep) // 3
    rep[k:k] = [b"\xff" * 100, b"cpus=abc", b"CPU 99999999999 is empty",
                b"CPU:1 [LOST 18446744073709551615 EVENTS]"]
    add(out, "report-garbage.txt", b"\n".join(rep), "warn", pattern=r"unparsable",
        what="trace-cmd report text with garbage")


def perf_cases(out, fx, rnd):
    """perf script text (docs/perf.md) and perf.data."""
    lines = lzma.decompress(open(os.path.join(fx, PERF), "rb").read()).split(b"\n")
    good = b"\n".join(lines)
    events = [i for i, l in enumerate(lines) if l and l[:1] not in (b"#", b"\t")]
    frames = [i for i, l in enumerate(lines) if l.startswith(b"\t")]
    add(out, "perf-good.txt", good, "ok", what="the perf script fixture itself")
    add(out, "perf-usec.txt", lzma.decompress(open(os.path.join(fx, PERF_USEC), "rb").read()),
        "warn", pattern=r"timestamps in microseconds.*perf script --ns",
        what="plain perf script: microseconds, a warning")

    def with_lines(extra):
        ls = list(lines)
        for at, text in sorted(extra, reverse=True):
            ls.insert(at, text)
        return b"\n".join(ls)

    # Garbage before events and inside callchains: each counted once (the
    # frames after a bad line go with it).
    picks = sorted(rnd.sample(events[10:], 4) + rnd.sample(frames[10:], 3))
    garbage = [b"garbage in the middle", b"\x01\x02\x03", b"sh 7 [000]",
               b"sh 7 [000] 1.0: a:b", b"\tnothex frame", b"\t", b"x" * 300]
    add(out, "perf-garbage.txt", with_lines(zip(picks, garbage)), "warn",
        pattern=r"perf-garbage\.txt: [1-9][0-9]* unparsable",
        what="7 garbage lines (a blank-ish one ends a callchain)")
    add(out, "perf-garbage.txt", None, "fail", opts="--strict",
        pattern=r"perf-garbage\.txt:[0-9]+: not a perf script line",
        what="the same with --strict")
    # A 300-frame callchain (cut at 64), a 70 KiB frame, CPU and ids past
    # their limits, a known event with broken fields.
    add(out, "perf-deep-stack.txt", with_lines([(frames[5], b"\tffffffff81%06x deep_%d "
        b"([kernel.kallsyms])" % (k, k)) for k in range(300)]), "ok",
        what="a 300-frame callchain")
    add(out, "perf-long-frame.txt", with_lines([(frames[7], b"\tffffffff81000000 " +
        b"f" * (70 << 10))]), "warn", pattern=r"unparsable", what="a 70 KiB frame line")
    e = lines[events[20]]
    add(out, "perf-big-cpu.txt", with_lines([(events[20], re.sub(rb"\[\d+\]", b"[99999999]",
        e, count=1))]), "warn", pattern=r"unparsable", what="CPU 99999999")
    add(out, "perf-big-tid.txt", with_lines([(events[21], re.sub(rb"/\d+ ", b"/99999999999 ",
        e, count=1))]), "warn", pattern=r"unparsable", what="a tid past 2^31")
    add(out, "perf-bad-fields.txt", with_lines([(events[22], re.sub(rb"mm=\S+", b"mm=zzzz",
        lines[events[22]], count=1).replace(b"write=", b"write=maybe", 1))]), "warn",
        pattern=r"unparsable",
        what="a known event with broken fields")
    head = b"\n".join(l for l in lines if l.startswith(b"#"))
    add(out, "perf-header-only.txt", head + b"\n", "any", what="only perf's --header")
    add(out, "perf.data", b"PERFILE2" + bytes(200), "fail",
        pattern=r"a perf\.data file: convert it first with 'perf script --ns",
        what="a perf.data file")
    add(out, "perf-cut.data", b"PERFILE", "fail", what="7 bytes of perf.data magic")


def db_cases(out, fx):
    add(out, "not-a-db.db", b"this is not an SQLite database\n" * 100, "fail",
        pattern=r"not-a-db\.db", what="a text file as DB")
    add(out, "random.db", bytes(random.Random(SEED + 1).randrange(256)
                                for _ in range(8192)), "fail", pattern=r"random\.db",
        what="random bytes as DB")
    # A real DB, then damaged: schema version from the future, and cut.
    path = os.path.join(out, "newer.db")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE run (id INTEGER PRIMARY KEY, label TEXT)")
    con.execute("INSERT INTO run (label) VALUES ('from the future')")
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    cases.append(("ftrace-good.txt", "fail", "-", "newer.db", r"newer",
                  "a DB of schema version 99"))
    raw = open(path, "rb").read()
    add(out, "cut.db", raw[:100], "fail", pattern=r"cut\.db", what="a DB cut at 100 bytes")
    cases.append(("ftrace-good.txt", "fail", "-", "not-a-db.db", r"not-a-db\.db",
                  "import into a text file"))
    cases.append(("ftrace-good.txt", "fail", "-", "random.db", r"random\.db",
                  "import into random bytes"))
    cases.append(("ftrace-good.txt", "fail", "-", "cut.db", r"cut\.db",
                  "import into a cut DB"))


def sidecar_cases(out, fx):
    v7 = open(os.path.join(fx, V7), "rb").read()
    for name, meta, pat in (("sidecar-magic.dat", b"key=value\n", r"not a vmlockstat sidecar"),
                            ("sidecar-noeq.dat", None, r"no '='"),
                            ("sidecar-long.dat", None, r"longer than")):
        add(out, name, v7, "fail", pattern=pat, what=f"{name}.meta: {pat}")
        if meta is None:
            first = b"# vmlockstat record metadata 1\n"
            meta = first + (b"novalue\n" if "noeq" in name else b"k=" + b"v" * (1 << 20) + b"\n")
        with open(os.path.join(out, name + ".meta"), "wb") as f:
            f.write(meta)
    # A 1 GiB sidecar of one line (sparse: no disk used): refused by its
    # size before anything reads it.
    add(out, "sidecar-huge.dat", v7, "fail", pattern=r"larger than",
        what="a 1 GiB sidecar")
    with open(os.path.join(out, "sidecar-huge.dat.meta"), "wb") as f:
        f.write(b"# vmlockstat record metadata 1\nk=")
        f.truncate(1 << 30)


def main():
    fx, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(SEED)
    tracedat_cases(out, fx, rnd)
    header_cases(out, fx, random.Random(SEED + 2))
    text_cases(out, fx, rnd)
    perf_cases(out, fx, random.Random(SEED + 3))
    db_cases(out, fx)
    sidecar_cases(out, fx)
    with open(os.path.join(out, "MANIFEST"), "w") as f:
        for c in cases:
            f.write("\t".join(c) + "\n")
    print(f"{len(cases)} cases in {out}")


if __name__ == "__main__":
    main()
