#!/bin/sh
# A full disk: an import that runs out of space fails with KAM_ENOSPC, writes nothing, and leaves
# the imports committed before it readable; output and backups onto the full disk fail with
# KAM_ENOSPC too, a backup leaving nothing; once there is room, the same import goes through.
# Needs root to mount a small tmpfs: reported as skipped (exit 77) where it cannot.
. "$(dirname "$0")/lib/common.sh"
M="$T/small"
mkdir -p "$M"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=12m,mode=0700 tmpfs "$M" 2>/dev/null; then
	echo "disk_full: skipped: mounting a small tmpfs needs root"
	exit 77
fi
trap 'umount "$M" 2>/dev/null; rm -rf "$T"' EXIT
DB="$M/db"

expect_exit 0 "$KAM" gen "$T/gen" --accounts 20000 --seed 3 --quiet
expect_exit 0 "$KAM" --db "$DB" init
expect_exit 0 "$KAM" --db "$DB" import accounts "$T/gen/accounts.csv"
expect_exit 1 "$KAM" --db "$DB" import orders "$T/gen/orders.csv" interactions \
	"$T/gen/interactions.csv"
expect_in "$T/err" "KAM_ENOSPC: no space left on the device"
expect_in "$T/err" "nothing was imported"
[ "$(count accounts)" = 20000 ] && ok || fail "accounts after the full disk: $(count accounts)"
[ "$(count orders)" = 0 ] && ok || fail "orders after the failed import: $(count orders)"
# A file import of one kind fails the same way.
expect_exit 1 "$KAM" --db "$DB" import orders "$T/gen/orders.csv"
expect_in "$T/err" "KAM_ENOSPC"

# Output onto the full disk says so too.
expect_exit 1 sh -c '"$1" --db "$2" export accounts >"$3"' sh "$KAM" "$DB" "$M/accounts.csv"
expect_in "$T/err" "KAM_ENOSPC"
rm -f "$M/accounts.csv"
# So does a backup onto it, and it leaves nothing behind.
expect_exit 1 "$KAM" --db "$DB" backup "$M/copy"
expect_in "$T/err" "KAM_ENOSPC"
[ ! -e "$M/copy" ] && ok || fail "a failed backup left $(ls -la "$M/copy")"

expect_exit 0 mount -o remount,size=96m "$M"
expect_exit 0 "$KAM" --db "$DB" import orders "$T/gen/orders.csv" interactions \
	"$T/gen/interactions.csv"
want=$(($(grep -c '' "$T/gen/orders.csv") - 1))
[ "$(count orders)" = "$want" ] && ok || fail "orders once there is room: $(count orders), want $want"
finish
