#!/usr/bin/env bash
# `cmake --install` puts the header, the libraries, vmlockstat.pc and the CMake
# package in place, and a program outside the tree builds against each.
set -euo pipefail
: "${VLS_SOURCE_DIR:?} ${VLS_BUILD_DIR:?} ${VLS_TEST_DATA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# the build's sanitizer flags, when the installed library is instrumented
read -r -a app_cflags <<< "${VLS_APP_CFLAGS:-}"
prefix=$tmp/prefix
cmake --install "$VLS_BUILD_DIR" --prefix "$prefix" > "$tmp/install.log"
libdir=$(cd "$prefix" && ls -d lib*/ | head -1); libdir=$prefix/${libdir%/}
for f in include/vmlockstat.h; do [ -f "$prefix/$f" ] || { echo "missing $f"; exit 1; }; done
ls "$libdir"/libvmlockstat.so.* "$libdir"/libvmlockstat.a "$libdir/pkgconfig/vmlockstat.pc" \
  "$libdir/cmake/vmlockstat/vmlockstatConfig.cmake" > /dev/null
# only the public API is exported
if nm -D --defined-only "$libdir"/libvmlockstat.so | awk '{print $3}' | grep -v '^vls_' | grep -q .; then
  echo "symbols exported beyond vls_*:"; nm -D --defined-only "$libdir"/libvmlockstat.so | grep -v ' vls_'; exit 1
fi

# pkg-config
PKG_CONFIG_PATH=$libdir/pkgconfig cc "${app_cflags[@]}" -o "$tmp/embed-pc" "$VLS_SOURCE_DIR/examples/embed.c" \
  $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs vmlockstat)
LD_LIBRARY_PATH=$libdir "$tmp/embed-pc" "$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat" > "$tmp/out1"
grep -q "events with a stack 79" "$tmp/out1"

# CMake package
mkdir "$tmp/app"
cp "$VLS_SOURCE_DIR/examples/embed.c" "$tmp/app/"
cat > "$tmp/app/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(app C)
find_package(vmlockstat REQUIRED)
add_executable(app embed.c)
target_link_libraries(app PRIVATE vmlockstat::vmlockstat)
CM
cmake -S "$tmp/app" -B "$tmp/app/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="${VLS_APP_CFLAGS:-}" -DCMAKE_EXE_LINKER_FLAGS="${VLS_APP_CFLAGS:-}" > "$tmp/app.log"
cmake --build "$tmp/app/build" > "$tmp/app-build.log"
LD_LIBRARY_PATH=$libdir "$tmp/app/build/app" "$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat" > "$tmp/out2"
grep -q "stored run 1: label=embedded events=1777" "$tmp/out2"
# CMake package, the static library (its dependencies found by the package)
mkdir "$tmp/app-static"
cp "$VLS_SOURCE_DIR/examples/embed.c" "$tmp/app-static/"
cat > "$tmp/app-static/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(app C)
find_package(vmlockstat REQUIRED COMPONENTS static)
add_executable(app embed.c)
target_link_libraries(app PRIVATE vmlockstat::vmlockstat_static)
CM
cmake -S "$tmp/app-static" -B "$tmp/app-static/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="${VLS_APP_CFLAGS:-}" -DCMAKE_EXE_LINKER_FLAGS="${VLS_APP_CFLAGS:-}" > "$tmp/app-static.log"
cmake --build "$tmp/app-static/build" > "$tmp/app-static-build.log"
if ldd "$tmp/app-static/build/app" | grep -q libvmlockstat; then
  echo "the static app links libvmlockstat.so"; exit 1
fi
"$tmp/app-static/build/app" "$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat" > "$tmp/out3"
grep -q "stored run 1: label=embedded events=1777" "$tmp/out3"

# man pages, one per command, readable by man(1); the bash completion
mandir=$prefix/share/man/man1
for c in "" $("$prefix/bin/vmlockstat" --help | awk '/^commands:/ {on = 1; next} on && !NF {exit} on {print $1}'); do
  page=vmlockstat${c:+-$c}
  [ -f "$mandir/$page.1" ] || { echo "missing $mandir/$page.1"; exit 1; }
done
ls "$mandir" | grep -q '^vmlockstat-report\.1$'
if command -v man > /dev/null; then
  MANPATH=$prefix/share/man MANWIDTH=100 man -P cat vmlockstat-report > "$tmp/man.txt" 2> "$tmp/man.err"
  LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l -P cat "$mandir"/*.1 > /dev/null 2> "$tmp/man.warn"
  [ ! -s "$tmp/man.warn" ] || { echo "man --warnings:"; cat "$tmp/man.warn"; exit 1; }
else
  groff -man -Tutf8 -ww "$mandir/vmlockstat-report.1" > "$tmp/man.txt"
fi
for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -q "^$section" "$tmp/man.txt" || { echo "vmlockstat-report(1) lacks $section"; exit 1; }
done
grep -q -- "--top" "$tmp/man.txt"
completion=$prefix/share/bash-completion/completions/vmlockstat
bash -n "$completion"
bash -c 'source "$1" && complete -p vmlockstat' _ "$completion" | grep -q -- "-F _vmlockstat vmlockstat"
echo "install ok: header, libs, pkg-config and CMake package; example built three ways; man pages, completion"
