#!/bin/sh
# Installs the Debian packages Kam builds and tests with, when they are missing.
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
set -eu

# chromium: the headless browser that renders the HTML report in tests/cli/report.sh
need="cmake make gcc pkg-config liblmdb-dev liblua5.4-dev lua5.4 libcriterion-dev libreadline-dev sqlite3 chromium python3"
missing=""
for pkg in $need; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "kam: missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "kam: run this, then try again:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
