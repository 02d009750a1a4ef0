#!/usr/bin/env bash
# Set up this checkout and run one thing with it.
#   bash bootstrap.sh          set up, then build the whole handbook from the embedded default data
#   bash bootstrap.sh test     set up (with the test tools), then run the full test suite
# It installs what it needs: Python packages from requirements.lock into .venv, and Debian packages
# (CJK fonts; chromium for the browser test) when run as root; otherwise it says what is missing.
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-build}"
case "$mode" in
  -*) mode=build ;;  # options only: they are the build's (bash bootstrap.sh -q)
  *) shift || true ;;
esac

say() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] 错误 / error: %s\n' "$*" >&2; exit 1; }

# --- Python ---------------------------------------------------------------------------------------
py="${PYTHON:-python3}"
command -v "$py" >/dev/null || die "找不到 python3（需要 3.11 或更高版本）/ python3 not found (3.11+ needed)"
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "需要 Python 3.11 或更高版本 / Python 3.11+ needed, found $("$py" --version 2>&1)"

# --- Debian packages ------------------------------------------------------------------------------
# A root shell started without a login may lack the sbin folders on PATH; dpkg needs ldconfig from there.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
apt_updated=0
need_deb() {  # need_deb PACKAGE CHECK-COMMAND WHAT-FOR
  local pkg="$1" check="$2" why="$3"
  if eval "$check" >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "安装 $pkg（$why）/ installing $pkg"
    if [ $apt_updated = 0 ]; then apt-get update -qq >/dev/null || true; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null \
      || die "安装 $pkg 失败 / apt-get install $pkg failed"
    eval "$check" >/dev/null || die "$pkg 安装后仍不可用（检查：$check）/ $pkg installed but not usable"
  else
    die "缺少 Debian 软件包 $pkg（$why）。请以 root 运行本脚本，或执行：sudo apt-get install $pkg / missing Debian package $pkg ($why)"
  fi
}
# (checks use no pipes: under pipefail an early-exiting grep can fail a check by SIGPIPE)
need_deb fonts-noto-cjk '[ -n "$(fc-list :lang=zh family)" ]' "中文字体，PDF 与页面排版需要"
# WeasyPrint subsets the fonts it embeds with HarfBuzz when this library is there (with fontTools, in
# Python, otherwise): writing a PDF then costs a fraction of laying it out instead of several times it.
# Loaded as WeasyPrint loads it (dlopen), so the check does not depend on PATH or on ldconfig's output.
need_deb libharfbuzz-subset0 "\"\$py\" -c 'import ctypes; ctypes.CDLL(\"libharfbuzz-subset.so.0\")'" \
  "PDF 字体子集（HarfBuzz），写出 PDF 快数倍"
if [ "$mode" = test ]; then
  need_deb chromium "command -v chromium" "浏览器测试"
  need_deb poppler-utils "command -v pdftoppm" "PDF 测试"
  need_deb libreoffice-calc-nogui "command -v soffice" "用 LibreOffice 检查 Excel 表的打印和另存"
fi

# --- virtual environment from the lock file ---------------------------------------------------------
venv=.venv
stamp="$venv/.lock-stamp"
want="$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -x "$venv/bin/python" ]; then
  say "创建虚拟环境 .venv / creating .venv"
  "$py" -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "按 requirements.lock 安装依赖 / installing locked dependencies"
  # (grep drops pip's notes about this machine's local index folders; errors still show)
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --require-hashes --no-deps \
    -r requirements.lock 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
  echo "$want" > "$stamp"
fi

case "$mode" in
  build) exec "$venv/bin/python" -m generators build "$@" ;;
  test)
    say "检查代码风格和类型（ruff、mypy）/ lint, format and type checks"
    "$venv/bin/ruff" check --quiet generators tests bench
    "$venv/bin/ruff" format --check --quiet generators tests bench
    "$venv/bin/mypy" --no-error-summary
    exec "$venv/bin/python" -m pytest "$@" ;;
  *)     die "用法 / usage: bash bootstrap.sh [build|test] [参数…]" ;;
esac
