#!/usr/bin/env bash
# Debian packages kaoping's tests need: Chromium for the browser tests, poppler-utils to
# re-read PDFs, and a CJK font for Chromium only, so that the browser tests' screenshots
# show Chinese rather than boxes. kaoping itself needs no system font: its reports use the
# Noto Sans SC / Noto Serif SC files of the pylopdf-fonts-zh-cn wheel that
# `pip install -e .` installs (docs/reports.md). Installs only what is missing, so a
# prepared machine pays nothing. PostgreSQL is for the application-database tests, Java
# for the Spark engine's.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -ci "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# a PostgreSQL server for the tests of the application database on PostgreSQL
# (tests/operations/conftest.py starts a throwaway one)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
# Java 17 for the Spark engine's tests (tests/spark; pyspark comes with the dev extra)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
if ((${#need[@]})); then
    echo "installing Debian packages: ${need[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
