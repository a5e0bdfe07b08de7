#!/usr/bin/env bash
# Installs the Debian 12 packages duban builds and tests with, skipping the
# apt round-trip when everything is already there. Safe to run repeatedly.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config
  librdkafka-dev librocksdb-dev libcereal-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libssl-dev libcpp-httplib-dev
  kcat clang clang-format clang-tidy libclang-rt-14-dev python3 python3-workalendar python3-yaml
  openjdk-17-jre-headless maven
  libargon2-dev libjemalloc-dev
  chromium chromium-driver fonts-noto-cjk python3-selenium
  libxlsxwriter-dev python3-openpyxl libreoffice-calc-nogui poppler-utils
  libzip-dev python3-docx libreoffice-writer-nogui libpugixml-dev libgumbo-dev
  libcurl4-openssl-dev python3-aiosmtpd
  postgresql libpq-dev
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
